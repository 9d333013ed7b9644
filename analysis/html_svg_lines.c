#define _GNU_SOURCE
#include "analysis/html_svg_internal.h"

#include <math.h>
#include <stdlib.h>

static const char *const line_dashes[SVG_STYLES] = {
	"", "7 3", "2 3", "9 3 2 3", "4 2", "12 4", "1 2", "5 2 1 2",
};

/* A marker whose shape also tells the series apart. */
static void marker(FILE *f, int style, double x, double y, const char *cls, const char *tip)
{
	const char *c = svg_color(style);
	switch ((unsigned)style % 4) {
	case 0: fprintf(f, "<circle class='%s' cx='%.1f' cy='%.1f' r='3' fill='%s'>", cls, x, y, c); break;
	case 1: fprintf(f, "<rect class='%s' x='%.1f' y='%.1f' width='6' height='6' fill='%s'>", cls, x - 3, y - 3, c); break;
	case 2: fprintf(f, "<path class='%s' d='M%.1f,%.1f l3.5,6 l-7,0 z' fill='%s'>", cls, x, y - 4, c); break;
	default: fprintf(f, "<path class='%s' d='M%.1f,%.1f l4,4 l-4,4 l-4,-4 z' fill='%s'>", cls, x, y - 4, c); break;
	}
	fprintf(f, "<title>%s</title>", tip);
	fputs((unsigned)style % 4 == 0 ? "</circle>\n" : (unsigned)style % 4 == 1 ? "</rect>\n" : "</path>\n", f);
}

static void data_range(const struct svg_xy *c, const struct svg_series *s, size_t n, struct svg_frame *fr)
{
	double x0 = INFINITY, x1 = -INFINITY, y1 = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < s[i].n; j++) {
			if (!isfinite(s[i].x[j]) || !isfinite(s[i].y[j]))
				continue;
			x0 = fmin(x0, s[i].x[j]);
			x1 = fmax(x1, s[i].x[j]);
			y1 = fmax(y1, s[i].y[j]);
		}
	fr->x0 = isfinite(c->x_min) ? c->x_min : isfinite(x0) ? x0 : 0;
	fr->x1 = isfinite(c->x_max) ? c->x_max : isfinite(x1) ? x1 : 1;
	if (fr->x1 <= fr->x0)
		fr->x1 = fr->x0 + 1;
	if (c->y_log && y1 > 0) {
		double y0 = y1;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < s[i].n; j++)
				if (s[i].y[j] > 0 && s[i].y[j] < y0)
					y0 = s[i].y[j];
		fr->ylog = true;
		fr->y0 = pow(10, floor(log10(y0)));
		fr->y1 = pow(10, ceil(log10(y1)));
		if (fr->y1 <= fr->y0)
			fr->y1 = fr->y0 * 10;
		return;
	}
	double t[12];
	size_t nt = svg_ticks(0, y1 > 0 ? y1 : 1, 6, t);
	fr->y0 = 0;
	fr->y1 = nt && t[nt - 1] >= y1 ? t[nt - 1] : y1 * 1.1;
	if (fr->y1 <= 0)
		fr->y1 = 1;
}

struct end_label {
	double y;
	int idx;
};

static int by_y(const void *a, const void *b)
{
	double x = ((const struct end_label *)a)->y, y = ((const struct end_label *)b)->y;
	return (x > y) - (x < y);
}

/* Names at the right end of each line, pushed apart so none overlap. */
static void end_labels(FILE *f, const struct svg_frame *fr, const struct svg_series *s, size_t n)
{
	struct end_label l[32];
	size_t m = 0;
	for (size_t i = 0; i < n && m < 32; i++) {
		size_t j = s[i].n;
		while (j > 0 && !isfinite(s[i].y[j - 1]))
			j--;
		if (j)
			l[m++] = (struct end_label){ fy(fr, s[i].y[j - 1]), (int)i };
	}
	qsort(l, m, sizeof(*l), by_y);
	for (size_t i = 1; i < m; i++)
		if (l[i].y < l[i - 1].y + 14)
			l[i].y = l[i - 1].y + 14;
	double over = m ? l[m - 1].y - (fr->bottom + 4) : 0;
	for (size_t i = m; over > 0 && i-- > 0;) {
		l[i].y -= over;
		if (i && l[i - 1].y + 14 > l[i].y)
			over = l[i - 1].y + 14 - l[i].y;
		else
			over = 0;
	}
	for (size_t i = 0; i < m; i++) {
		fprintf(f, "<text class='end-label' x='%.1f' y='%.1f' fill='%s'>", fr->right + 8, l[i].y + 4,
			svg_color(s[l[i].idx].style));
		html_text(f, s[l[i].idx].name);
		fputs("</text>\n", f);
	}
}

static void one_line(FILE *f, const struct svg_frame *fr, const struct svg_series *s)
{
	fprintf(f, "<g class='series' data-name='");
	html_text(f, s->name);
	fprintf(f, "' data-points='%zu'>\n<polyline fill='none' stroke='%s' stroke-width='2' "
		"stroke-dasharray='%s' points='", s->n, svg_color(s->style), line_dashes[(unsigned)s->style % SVG_STYLES]);
	for (size_t j = 0; j < s->n; j++)
		if (isfinite(s->x[j]) && isfinite(s->y[j]))
			fprintf(f, "%.1f,%.1f ", fx(fr, s->x[j]), fy(fr, s->y[j]));
	fputs("'/>\n", f);
	for (size_t j = 0; s->point_class && j < s->n; j++) {
		if (!isfinite(s->x[j]) || !isfinite(s->y[j]))
			continue;
		char tip[96];
		snprintf(tip, sizeof(tip), "%s: %.4g at %.4g", s->name, s->y[j], s->x[j]);
		marker(f, s->style, fx(fr, s->x[j]), fy(fr, s->y[j]), s->point_class, tip);
		if (s->flag && s->flag[j])
			fprintf(f, "<text class='flag' x='%.1f' y='%.1f' text-anchor='middle'>!</text>\n",
				fx(fr, s->x[j]), fr->top + 10);
	}
	fputs("</g>\n", f);
}

void svg_line_chart(FILE *f, const struct svg_xy *c, const struct svg_series *s, size_t n)
{
	double label_w = 40;
	for (size_t i = 0; i < n; i++)
		label_w = fmax(label_w, 1.15 * svg_text_px(s[i].name) + 16);	/* labels are bold */
	label_w = fmin(label_w, 0.4 * c->width);
	struct svg_frame fr = { .left = 72, .right = c->width - label_w, .top = 16, .bottom = c->height - 48 };
	data_range(c, s, n, &fr);
	double xt[12];
	size_t nx;
	if (c->x_kind == SVG_X_NINES) {
		nx = 0;
		for (double v = ceil(fr.x0); v <= fr.x1 + 1e-9 && nx < 12; v++)
			xt[nx++] = v;
	} else {
		nx = svg_ticks(fr.x0, fr.x1, 8, xt);
	}
	svg_open(f, c->cls, c->title, c->width, c->height);
	svg_axes(f, &fr, xt, nx, c->x_kind, c->x_title, c->y_title);
	for (size_t i = 0; i < n; i++)
		one_line(f, &fr, &s[i]);
	end_labels(f, &fr, s, n);
	svg_close(f);
}
