#define _GNU_SOURCE
/* What the client saw: the latency spectrum and the timeline. */
#include "analysis/html_sections.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/html_svg.h"

#define MAX_NINES 6.0

/* Points (number of nines, latency in ns) from a bucket array: each bucket's
 * upper bound at the fraction of requests up to it, thinned where the nines
 * barely move. The last point sits at 1/count: the resolution of the run. */
static size_t spectrum_points(json_t *hist, double *x, double *y, size_t cap)
{
	double total = 0, cum = 0, last_x = -1;
	size_t i, n = 0;
	json_t *b;
	json_array_foreach(hist, i, b)
		total += jnum(b, "count");
	if (!(total > 0))
		return 0;
	double top = fmin(MAX_NINES, log10(total));
	json_array_foreach(hist, i, b) {
		double c = jnum(b, "count");
		if (!(c > 0))
			continue;
		if (n == 0 && n < cap) {
			x[n] = 0;
			y[n++] = jnum(b, "lo");
		}
		cum += c;
		double q = cum / total, nx = q >= 1 ? top : fmin(top, -log10(1 - q));
		bool last = cum >= total;
		if (n < cap && (nx - last_x >= 0.01 || last)) {
			if (n > 0 && nx - last_x < 0.01)
				n--;	/* the last bucket replaces a point too close to it */
			x[n] = nx;
			y[n++] = jnum(b, "hi");
			last_x = nx;
		}
	}
	return n;
}

struct spectrum_line {
	char name[160];
	double x[1200], y[1200];
	size_t n;
};

static size_t add_spectrum(struct spectrum_line *l, json_t *parent, const char *base, const char *name)
{
	json_t *h = dist_hist(parent, base);
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->n = h ? spectrum_points(h, l->x, l->y, 1200) : 0;
	return l->n;
}

void html_spectrum(FILE *f, const struct saved_run *runs, size_t n, const char *cls)
{
	size_t cap = 2 * n, m = 0;
	struct spectrum_line *l = calloc(cap, sizeof(*l));
	if (!l)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object_get(runs[i].run, "client");
		bool open = !strcmp(jstr(runs[i].run, "load.mode", ""), "open");
		char name[160];
		snprintf(name, sizeof(name), "%s%s", n > 1 ? runs[i].label : "latency", open && n == 1 ? " (corrected)" : "");
		m += add_spectrum(&l[m], c, "latency", name) > 0;
		if (open) {
			snprintf(name, sizeof(name), "%s uncorrected", n > 1 ? runs[i].label : "latency");
			m += add_spectrum(&l[m], c, "latency_uncorrected", name) > 0;
		}
	}
	if (n == 1)
		fputs("<h3>Latency percentile spectrum</h3>\n", f);
	if (!m) {
		fputs("<p class='empty'>No latency histogram in this report.</p>\n", f);
		free(l);
		return;
	}
	double max = 0, top = 1;
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < l[i].n; j++) {
			max = fmax(max, l[i].y[j]);
			top = fmax(top, ceil(l[i].x[j] - 1e-9));
		}
	const char *unit;
	double div = svg_ns_unit(max, &unit);
	struct svg_series s[2 * SAVED_MAX_RUNS];
	for (size_t i = 0; i < m; i++) {
		for (size_t j = 0; j < l[i].n; j++)
			l[i].y[j] /= div;
		s[i] = (struct svg_series){ .name = l[i].name, .x = l[i].x, .y = l[i].y, .n = l[i].n,
					    .style = (int)i, .point_class = NULL };
	}
	char yt[64];
	snprintf(yt, sizeof(yt), "latency (%s, log scale)", unit);
	struct svg_xy c = { .cls = cls, .title = "latency by percentile", .x_title = "percentile (number of nines: 90 %, 99 %, 99.9 %, ...)",
			    .y_title = yt, .x_kind = SVG_X_NINES, .x_min = 0, .x_max = top, .width = HTML_WIDTH, .height = 340,
			    .y_log = true };
	svg_line_chart(f, &c, s, m);
	free(l);
}

static json_t *timeline_entries(json_t *run)
{
	json_t *t = json_object_get(run, "timeline");
	if (json_is_object(t))
		t = json_object_get(t, "intervals");
	return json_is_array(t) && json_array_size(t) ? t : NULL;
}

/* Seconds since the window's start at each interval's end, and one figure per interval. */
struct tl_series {
	double *x, *y[4];
	bool *err;
	size_t n;
};

static int tl_fill(json_t *tl, struct tl_series *t, const char *unit_stat[3], double *max_ns)
{
	t->n = json_array_size(tl);
	t->x = calloc(t->n, sizeof(double));
	t->err = calloc(t->n, sizeof(bool));
	for (int k = 0; k < 4; k++)
		t->y[k] = calloc(t->n, sizeof(double));
	if (!t->x || !t->err || !t->y[0] || !t->y[1] || !t->y[2] || !t->y[3])
		return -1;
	size_t i;
	json_t *e;
	*max_ns = 0;
	json_array_foreach(tl, i, e) {
		double start = jnum(e, "start_ns"), len = jnum(e, "duration_ns");
		t->x[i] = (start + (isfinite(len) ? len : 0)) / 1e9;
		for (int k = 0; k < 3; k++) {
			t->y[k][i] = dist_stat(e, "latency", unit_stat[k]);
			*max_ns = fmax(*max_ns, isfinite(t->y[k][i]) ? t->y[k][i] : 0);
		}
		double rps = jnum(e, "rps");
		t->y[3][i] = isfinite(rps) ? rps : jnum(e, "requests") / (len / 1e9);
		t->err[i] = jnum(e, "errors") > 0;
	}
	return 0;
}

static void tl_free(struct tl_series *t)
{
	free(t->x);
	free(t->err);
	for (int k = 0; k < 4; k++)
		free(t->y[k]);
}

void html_timeline(FILE *f, const struct saved_run *r)
{
	json_t *tl = timeline_entries(r->run);
	if (!tl)
		return;
	const char *stats[3] = { "p50", "p99", "max" };
	struct tl_series t = { 0 };
	double max_ns;
	if (tl_fill(tl, &t, stats, &max_ns)) {
		tl_free(&t);
		return;
	}
	fprintf(f, "<h3>Over time (%zu intervals%s)</h3>\n", t.n, "; ! marks an interval with errors");
	const char *unit;
	double div = svg_ns_unit(max_ns, &unit);
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < t.n; i++)
			t.y[k][i] /= div;
	struct svg_series lat[3];
	for (int k = 0; k < 3; k++)
		lat[k] = (struct svg_series){ .name = stats[k], .x = t.x, .y = t.y[k], .n = t.n, .style = k,
					      .point_class = "tl-point", .flag = k == 0 ? t.err : NULL };
	char yt[64];
	snprintf(yt, sizeof(yt), "latency (%s)", unit);
	struct svg_xy c = { .cls = "timeline-latency", .title = "latency over time", .x_title = "time since the start (s)",
			    .y_title = yt, .x_min = 0, .x_max = NAN, .width = HTML_WIDTH, .height = 300 };
	svg_line_chart(f, &c, lat, 3);
	struct svg_series rps = { .name = "req/s", .x = t.x, .y = t.y[3], .n = t.n, .style = 0,
				  .point_class = "tl-rps-point", .flag = t.err };
	struct svg_xy c2 = { .cls = "timeline-rps", .title = "requests per second over time",
			     .x_title = "time since the start (s)", .y_title = "requests per second (req/s)",
			     .x_min = 0, .x_max = NAN, .width = HTML_WIDTH, .height = 260 };
	svg_line_chart(f, &c2, &rps, 1);
	tl_free(&t);
}
