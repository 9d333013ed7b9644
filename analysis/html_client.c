#define _GNU_SOURCE
/* What the client saw: the latency spectrum (over time: html_timeline.c). */
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
