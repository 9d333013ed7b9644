#define _GNU_SOURCE
/* Over time, from the report's timeline: latency and req/s, the run-queue
 * delay beside the latency's p99 (the kernel's view of each interval), and
 * the anatomy's components per interval (which one grew when the tail did). */
#include "analysis/html_sections.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/html_svg.h"

json_t *html_timeline_entries(json_t *run)
{
	json_t *t = json_object_get(run, "timeline");
	if (json_is_object(t))
		t = json_object_get(t, "intervals");
	return json_is_array(t) && json_array_size(t) ? t : NULL;
}

/* One figure per interval: x the interval's end (s since the start), y the
 * number at path ("kernel.sched.runq_delay_ns.p99"), NAN where absent. */
struct tl_line {
	double *x, *y;
	bool *err;	/* the interval had errors */
	size_t n;
};

static int tl_line(json_t *tl, const char *path, struct tl_line *l)
{
	size_t i;
	json_t *e;
	l->n = json_array_size(tl);
	l->x = calloc(l->n, sizeof(double));
	l->y = calloc(l->n, sizeof(double));
	l->err = calloc(l->n, sizeof(bool));
	if (!l->x || !l->y || !l->err)
		return -1;
	json_array_foreach(tl, i, e) {
		double start = jnum(e, "start_ns"), len = jnum(e, "duration_ns");
		l->x[i] = (start + (isfinite(len) ? len : 0)) / 1e9;
		l->y[i] = jnum(e, path);
		l->err[i] = jnum(e, "errors") > 0;
	}
	return 0;
}

static void tl_line_free(struct tl_line *l)
{
	free(l->x);
	free(l->y);
	free(l->err);
}

static bool any_finite(const struct tl_line *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (isfinite(l->y[i]))
			return true;
	return false;
}

/* Lines of durations in ns, scaled to one unit for all; a chart when any
 * has a figure. Takes the lines' y over (scaled in place). */
struct tl_chart {
	const char *cls, *title, *y_what;	/* y_what: "latency" -> "latency (ms, log scale)" */
	bool y_log;
	int height;
};

static void duration_chart(FILE *f, const struct tl_chart *c, struct svg_series *s,
			   struct tl_line *l, size_t n)
{
	double max = 0;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < l[k].n; i++)
			max = fmax(max, isfinite(l[k].y[i]) ? l[k].y[i] : 0);
	const char *unit;
	double div = svg_ns_unit(max, &unit);
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < l[k].n; i++)
			l[k].y[i] /= div;
	char yt[80];
	snprintf(yt, sizeof(yt), "%s (%s%s)", c->y_what, unit, c->y_log ? ", log scale" : "");
	struct svg_xy xy = { .cls = c->cls, .title = c->title, .x_title = "time since the start (s)",
			     .y_title = yt, .x_min = 0, .x_max = NAN, .width = HTML_WIDTH,
			     .height = c->height, .y_log = c->y_log };
	svg_line_chart(f, &xy, s, n);
}

static void latency_and_rps(FILE *f, json_t *tl)
{
	static const char *const stats[3] = { "p50", "p99", "max" };
	struct tl_line l[3] = { 0 }, rps = { 0 };
	struct svg_series s[3];
	char path[3][32];
	bool ok = !tl_line(tl, "rps", &rps);
	for (int k = 0; ok && k < 3; k++) {
		snprintf(path[k], sizeof(path[k]), "latency_ns.%s", stats[k]);
		ok = !tl_line(tl, path[k], &l[k]);
		s[k] = (struct svg_series){ .name = stats[k], .x = l[k].x, .y = l[k].y, .n = l[k].n, .style = k,
					    .point_class = "tl-point", .flag = k == 0 ? l[k].err : NULL };
	}
	if (ok) {
		struct tl_chart c = { "timeline-latency", "latency over time", "latency", false, 300 };
		duration_chart(f, &c, s, l, 3);
		struct svg_series r = { .name = "req/s", .x = rps.x, .y = rps.y, .n = rps.n, .style = 0,
					.point_class = "tl-rps-point", .flag = rps.err };
		struct svg_xy c2 = { .cls = "timeline-rps", .title = "requests per second over time",
				     .x_title = "time since the start (s)", .y_title = "requests per second (req/s)",
				     .x_min = 0, .x_max = NAN, .width = HTML_WIDTH, .height = 260 };
		svg_line_chart(f, &c2, &r, 1);
	}
	for (int k = 0; k < 3; k++)
		tl_line_free(&l[k]);
	tl_line_free(&rps);
}

/* The kernel's view: did the server's threads wait for a CPU when the
 * tail grew? Run-queue p99 beside latency p99, on one log axis. */
static void runq_beside_latency(FILE *f, json_t *tl)
{
	struct tl_line l[2] = { 0 };
	if (tl_line(tl, "latency_ns.p99", &l[0]) || tl_line(tl, "kernel.sched.runq_delay_ns.p99", &l[1]) ||
	    !any_finite(&l[1])) {
		tl_line_free(&l[0]);
		tl_line_free(&l[1]);
		return;
	}
	struct svg_series s[2] = {
		{ .name = "latency p99", .x = l[0].x, .y = l[0].y, .n = l[0].n, .style = 1, .point_class = "tl-lat-p99-point" },
		{ .name = "run-queue p99", .x = l[1].x, .y = l[1].y, .n = l[1].n, .style = 3,
		  .point_class = "tl-runq-point" },
	};
	fputs("<h4>Run-queue delay of the server's threads beside the latency</h4>\n", f);
	struct tl_chart c = { "timeline-runq", "run-queue delay p99 and latency p99 over time", "p99", true, 280 };
	duration_chart(f, &c, s, l, 2);
	tl_line_free(&l[0]);
	tl_line_free(&l[1]);
}

void html_timeline(FILE *f, const struct saved_run *r)
{
	json_t *tl = html_timeline_entries(r->run);
	if (!tl)
		return;
	fprintf(f, "<h3>Over time (%zu intervals%s)</h3>\n", json_array_size(tl), "; ! marks an interval with errors");
	latency_and_rps(f, tl);
	runq_beside_latency(f, tl);
}

/* The anatomy per interval: one chart of each component's mean and one of
 * its p99 (names as saved_components gives them, in the request's order). */
static void component_chart(FILE *f, json_t *tl, const char *const *names, size_t n, const char *stat)
{
	struct tl_line l[SVG_STYLES] = { 0 };
	struct svg_series s[SVG_STYLES];
	char path[96], cls[40], pcls[40], title[80];
	size_t m = 0;
	snprintf(pcls, sizeof(pcls), "anat-%s-point", stat);
	for (size_t k = 0; k < n && m < SVG_STYLES; k++) {
		snprintf(path, sizeof(path), "anatomy.components.%s_ns.%s", names[k], stat);
		if (tl_line(tl, path, &l[m]) || !any_finite(&l[m])) {
			tl_line_free(&l[m]);
			memset(&l[m], 0, sizeof(l[m]));
			continue;
		}
		s[m] = (struct svg_series){ .name = names[k], .x = l[m].x, .y = l[m].y, .n = l[m].n,
					    .style = (int)k, .point_class = pcls };
		m++;
	}
	if (m) {
		snprintf(cls, sizeof(cls), "anatomy-timeline-%s", stat);
		snprintf(title, sizeof(title), "each component's %s per interval", stat);
		struct tl_chart c = { cls, title, stat, true, 300 };
		duration_chart(f, &c, s, l, m);
	}
	for (size_t k = 0; k < m; k++)
		tl_line_free(&l[k]);
}

void html_anatomy_timeline(FILE *f, const struct saved_run *r, const char *const *names, size_t n)
{
	json_t *tl = html_timeline_entries(r->run), *e = tl ? json_array_get(tl, 0) : NULL;
	if (!json_is_object(json_object_get(e, "anatomy")))
		return;
	fputs("<h4>Components over time: each one's mean, then its p99, per interval "
	      "(requests by the interval they began in)</h4>\n", f);
	component_chart(f, tl, names, n, "mean");
	component_chart(f, tl, names, n, "p99");
}
