#define _GNU_SOURCE
/* The anatomy: where each request's latency went, as shares per percentile. */
#include "analysis/html_sections.h"

#include <math.h>
#include <string.h>

#include "analysis/html_svg.h"
#include "common/fmt.h"

/* In the order the request meets them; wait appears split when it was split. */
static const struct {
	const char *name, *what;
} parts[] = {
	{ "connect", "client connect() until established" },
	{ "net_in", "on the way in, until queued on the server socket" },
	{ "accept_wait", "queued, connection not yet accepted" },
	{ "wait", "queued, server not reading it" },
	{ "wait_runq", "queued, server thread waiting for a CPU" },
	{ "wait_other", "queued, server busy elsewhere" },
	{ "app", "read returned until the response's first send" },
	{ "net_out", "send until the last bytes are at the client" },
	{ "client", "load generator wake-up and parsing" },
};
#define N_PARTS (sizeof(parts) / sizeof(parts[0]))

static void mean_row(json_t *b, const char *const *names, size_t n, struct svg_stack_row *row,
		     char *label, size_t len)
{
	char t[24];
	saved_component_shares(json_object_get(b, "components"), NULL, names, n, row->share);
	double mean = dist_stat(b, "latency", "mean");
	if (!isfinite(mean))
		mean = dist_stat(jget(b, "latency"), NULL, "mean");
	snprintf(label, len, "all requests (mean %s)", fmt_duration(mean, t, sizeof(t)));
	row->label = label;
}

/* One row per tail in breakdown.tail: requests slower than that percentile. */
static size_t tail_rows(json_t *b, const char *const *names, size_t n, struct svg_stack_row *rows,
			char labels[][80], size_t cap)
{
	static const struct { const char *key, *what; } pct[] = {
		{ "p50", "slowest 50 %" }, { "p90", "slowest 10 %" }, { "p99", "slowest 1 %" }, { "p999", "slowest 0.1 %" },
	};
	size_t m = 0;
	for (size_t p = 0; p < 4 && m < cap; p++) {
		json_t *t = jget(b, "tail") ? json_object_get(jget(b, "tail"), pct[p].key) : NULL;
		if (!t || !(jnum(t, "requests") > 0))
			continue;
		char th[24];
		snprintf(labels[m], 80, "%s (> %s)", pct[p].what, fmt_duration(jnum(t, "threshold_ns"), th, sizeof(th)));
		rows[m].label = labels[m];
		saved_component_shares(json_object_get(b, "components"), t, names, n, rows[m].share);
		m++;
	}
	return m;
}

static void component_table(FILE *f, json_t *comp)
{
	static const char *const stats[] = { "mean", "p50", "p90", "p99", "max" };
	char buf[24];
	fputs("<table class='components sortable'><thead><tr><th>component</th><th>what it is</th><th>count</th>"
	      "<th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < N_PARTS; i++) {
		double count = dist_stat(comp, parts[i].name, "count");
		if (!isfinite(count))
			count = jnum(json_object_get(comp, parts[i].name), "count");
		if (!isfinite(dist_stat(comp, parts[i].name, "mean")))
			continue;
		fprintf(f, "<tr><td>%s</td><td>%s</td><td class='num'>%.0f</td>", parts[i].name, parts[i].what, count);
		for (size_t s = 0; s < 5; s++) {
			double v = dist_stat(comp, parts[i].name, stats[s]);
			fprintf(f, "<td class='num' data-sort='%.0f'>%s</td>", isfinite(v) ? v : -1, fmt_duration(v, buf, sizeof(buf)));
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

void html_anatomy(FILE *f, const struct saved_run *r)
{
	json_t *b = json_object_get(r->run, "breakdown"), *comp = json_object_get(b, "components");
	fputs("<h3>Anatomy: where the latency went</h3>\n", f);
	if (!json_is_true(json_object_get(b, "available")) || !json_is_object(comp)) {
		fprintf(f, "<p class='empty'>No anatomy in this run (%s).</p>\n",
			json_is_object(b) ? "the anatomy probes did not run" : "not measured");
		return;
	}
	fprintf(f, "<p>%.0f of %.0f requests matched with the kernel's records (coverage %.2f %%).</p>\n",
		jnum(b, "matched"), jnum(b, "client_requests"), 100 * jnum(b, "coverage"));
	const char *names[N_PARTS];
	size_t n = saved_components(comp, names, N_PARTS);
	struct svg_stack_row rows[5] = { 0 };
	char mean_label[80], labels[4][80];
	mean_row(b, names, n, &rows[0], mean_label, sizeof(mean_label));
	size_t m = 1 + tail_rows(b, names, n, rows + 1, labels, 4);
	svg_stacked_shares(f, "anatomy-stack", "latency by component, per percentile", names, n, rows, m, HTML_WIDTH);
	component_table(f, comp);
	html_anatomy_timeline(f, r, names, n);
}
