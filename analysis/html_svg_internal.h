/* Shared by the chart writers: the plot frame, ticks and styles. */
#pragma once
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include "analysis/html_svg.h"

struct svg_frame {
	double left, right, top, bottom;	/* the plot area in pixels */
	double x0, x1, y0, y1;			/* data range shown */
	bool ylog;				/* y on a log scale (y0 > 0) */
};

static inline double fx(const struct svg_frame *fr, double x)
{
	return fr->left + (x - fr->x0) / (fr->x1 - fr->x0) * (fr->right - fr->left);
}

static inline double fy(const struct svg_frame *fr, double y)
{
	if (fr->ylog) {
		double l = log10(y > fr->y0 ? y : fr->y0), l0 = log10(fr->y0), l1 = log10(fr->y1);
		return fr->bottom - (l - l0) / (l1 - l0) * (fr->bottom - fr->top);
	}
	return fr->bottom - (y - fr->y0) / (fr->y1 - fr->y0) * (fr->bottom - fr->top);
}

/* Up to max_n round tick values covering [lo, hi]; returns how many. */
size_t svg_ticks(double lo, double hi, size_t max_n, double *out);
size_t svg_log_ticks(double lo, double hi, double *out, size_t cap);
/* A tick value printed without trailing zeros. */
const char *svg_fmt_num(double v, char *buf, size_t len);
void svg_open(FILE *f, const char *cls, const char *title, int w, int h);
void svg_close(FILE *f);
/* Axis lines, grid, ticks and axis titles; x ticks given, y ticks computed. */
void svg_axes(FILE *f, const struct svg_frame *fr, const double *xt, size_t nx, enum svg_xkind xk,
	      const char *x_title, const char *y_title);
const char *svg_color(int style);
/* Rough width in pixels of text at the charts' 12 px font. */
static inline double svg_text_px(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return 6.8 * (double)n;
}
