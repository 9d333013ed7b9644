/* Inline SVG charts for the HTML report: line charts, horizontal bars,
 * stacked shares and histograms. Every chart carries its own axis titles with
 * units; series differ by pattern, dash and marker as well as by colour, and
 * carry direct labels, so none needs colour to be read. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SVG_STYLES 8

/* The shared <pattern> fills and markers, written once per page. */
void svg_defs(FILE *f);
/* Text with &, <, >, " escaped. */
void html_text(FILE *f, const char *s);

/* How x tick values are printed. */
enum svg_xkind {
	SVG_X_PLAIN,	/* the number as is */
	SVG_X_NINES,	/* number of nines: 1 -> "90%", 2 -> "99%", ... */
};

struct svg_series {
	const char *name;
	const double *x, *y;	/* in the chart's units */
	size_t n;
	int style;		/* 0..SVG_STYLES-1 */
	const char *point_class;	/* non-NULL: a marker per point with this class */
	const bool *flag;	/* non-NULL: points to mark (errors in that interval) */
};

struct svg_xy {
	const char *cls, *title;	/* class on <svg>, the chart's heading (aria label) */
	const char *x_title, *y_title;	/* with units: "time since start (s)" */
	enum svg_xkind x_kind;
	double x_min, x_max;		/* NAN: from the data */
	bool y_log;			/* latency over a wide range: log scale */
	int width, height;
};

void svg_line_chart(FILE *f, const struct svg_xy *c, const struct svg_series *s, size_t n);

struct svg_bar {
	const char *name;
	double value;
	const char *text;	/* printed at the bar's end: "21,304 req/s" */
	double lo, hi;		/* an interval drawn as a whisker; 0, 0: none */
};

void svg_hbar_chart(FILE *f, const char *cls, const char *title, const char *x_title,
		    const struct svg_bar *b, size_t n, int width);

/* One row of shares (fractions of 1) over the same named segments. */
struct svg_stack_row {
	const char *label;	/* "p99 (> 21.2 ms)" */
	double share[16];
};

void svg_stacked_shares(FILE *f, const char *cls, const char *title, const char *const *segments,
			size_t n_segments, const struct svg_stack_row *rows, size_t n_rows, int width);

/* Histogram of durations over buckets [lo, hi) with counts. */
struct svg_bucket {
	double lo_ns, hi_ns, count;
};

void svg_histogram(FILE *f, const char *cls, const char *title, const struct svg_bucket *b,
		   size_t n, int width);

/* Display unit for durations up to max_ns: divisor and name ("ms"). */
double svg_ns_unit(double max_ns, const char **name);
