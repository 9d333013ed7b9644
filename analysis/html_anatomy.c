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

static bool wait_split(json_t *comp)
{
	return isfinite(dist_stat(comp, "wait_runq", "mean"));
}

/* The components that add up to the latency (wait or its two halves). */
static size_t stack_parts(json_t *comp, size_t *idx)
{
	size_t n = 0;
	bool split = wait_split(comp);
	for (size_t i = 0; i < N_PARTS; i++) {
		if (!strcmp(parts[i].name, "wait") ? split : !strncmp(parts[i].name, "wait_", 5) && !split)
			continue;
		if (isfinite(dist_stat(comp, parts[i].name, "mean")))
			idx[n++] = i;
	}
	return n;
}

static void mean_row(json_t *comp, const size_t *idx, size_t n, struct svg_stack_row *row, char *label, size_t len)
{
	double total = 0, count_max = 0;
	for (size_t k = 0; k < n; k++) {
		double m = dist_stat(comp, parts[idx[k]].name, "mean"), c = dist_stat(comp, parts[idx[k]].name, "count");
		if (!isfinite(c))
			c = jnum(json_object_get(comp, parts[idx[k]].name), "count");
		row->share[k] = m * (isfinite(c) ? c : 1);
		total += row->share[k];
		count_max = fmax(count_max, isfinite(c) ? c : 0);
	}
	for (size_t k = 0; k < n; k++)
		row->share[k] = total > 0 ? row->share[k] / total : 0;
	char t[24];
	snprintf(label, len, "all requests (mean %s)", fmt_duration(count_max > 0 ? total / count_max : NAN, t, sizeof(t)));
	row->label = label;
}

/* One row per tail in breakdown.tail: requests slower than that percentile. */
static size_t tail_rows(json_t *tail, const size_t *idx, size_t n, struct svg_stack_row *rows,
			char labels[][80], size_t cap)
{
	static const struct { const char *key, *what; } pct[] = {
		{ "p50", "slowest 50 %" }, { "p90", "slowest 10 %" }, { "p99", "slowest 1 %" }, { "p999", "slowest 0.1 %" },
	};
	size_t m = 0;
	for (size_t p = 0; p < 4 && m < cap; p++) {
		json_t *t = json_object_get(tail, pct[p].key);
		if (!t || !(jnum(t, "requests") > 0))
			continue;
		char th[24], key[64];
		snprintf(labels[m], 80, "%s (> %s)", pct[p].what, fmt_duration(jnum(t, "threshold_ns"), th, sizeof(th)));
		rows[m].label = labels[m];
		for (size_t k = 0; k < n; k++) {
			snprintf(key, sizeof(key), "%s_share", parts[idx[k]].name);
			rows[m].share[k] = jnum(t, key);
		}
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
	size_t idx[N_PARTS], n = stack_parts(comp, idx);
	const char *names[N_PARTS];
	for (size_t k = 0; k < n; k++)
		names[k] = parts[idx[k]].name;
	struct svg_stack_row rows[5] = { 0 };
	char mean_label[80], labels[4][80];
	mean_row(comp, idx, n, &rows[0], mean_label, sizeof(mean_label));
	size_t m = 1 + tail_rows(json_object_get(b, "tail"), idx, n, rows + 1, labels, 4);
	svg_stacked_shares(f, "anatomy-stack", "latency by component, per percentile", names, n, rows, m, HTML_WIDTH);
	component_table(f, comp);
}
