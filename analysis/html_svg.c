#define _GNU_SOURCE
#include "analysis/html_svg_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Okabe-Ito: distinguishable with the common colour-vision deficiencies. */
static const char *const colors[SVG_STYLES] = {
	"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D1F", "#333333",
};

const char *svg_color(int style)
{
	return colors[(unsigned)style % SVG_STYLES];
}

void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Fill patterns: a colour plus a texture each, so segments differ in grey too. */
void svg_defs(FILE *f)
{
	static const char *const texture[SVG_STYLES] = {
		"",
		"<path d='M0,8 L8,0' stroke='#fff' stroke-width='1.6'/>",
		"<circle cx='4' cy='4' r='1.6' fill='#fff'/>",
		"<path d='M0,0 L8,8' stroke='#fff' stroke-width='1.6'/>",
		"<path d='M0,4 L8,4' stroke='#fff' stroke-width='1.6'/>",
		"<path d='M4,0 L4,8' stroke='#fff' stroke-width='1.6'/>",
		"<path d='M0,8 L8,0 M0,0 L8,8' stroke='#fff' stroke-width='1.2'/>",
		"<rect x='2' y='2' width='4' height='4' fill='#fff'/>",
	};
	fputs("<svg width='0' height='0' style='position:absolute' aria-hidden='true'><defs>\n", f);
	for (int i = 0; i < SVG_STYLES; i++)
		fprintf(f, "<pattern id='pat%d' width='8' height='8' patternUnits='userSpaceOnUse'>"
			"<rect width='8' height='8' fill='%s'/>%s</pattern>\n", i, colors[i], texture[i]);
	fputs("</defs></svg>\n", f);
}

void svg_open(FILE *f, const char *cls, const char *title, int w, int h)
{
	fprintf(f, "<figure class='chart'><svg class='%s' viewBox='0 0 %d %d' width='%d' height='%d' "
		"role='img' aria-label='", cls, w, h, w, h);
	html_text(f, title);
	fputs("'>\n<title>", f);
	html_text(f, title);
	fputs("</title>\n", f);
}

void svg_close(FILE *f)
{
	fputs("</svg></figure>\n", f);
}

size_t svg_ticks(double lo, double hi, size_t max_n, double *out)
{
	if (!(hi > lo))
		hi = lo + 1;
	double raw = (hi - lo) / (double)(max_n > 1 ? max_n - 1 : 1);
	double mag = pow(10, floor(log10(raw))), step = mag;
	for (const double *m = (const double[]){ 1, 2, 2.5, 5, 10 }; step < raw; m++)
		step = *m * mag;
	size_t n = 0;
	for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < max_n; v += step)
		out[n++] = fabs(v) < step * 1e-9 ? 0 : v;
	return n;
}

/* Powers of ten, with 2 and 5 between them when the range spans few decades. */
size_t svg_log_ticks(double lo, double hi, double *out, size_t cap)
{
	size_t n = 0;
	bool fine = log10(hi / lo) <= 3.01;
	for (double p = lo; p <= hi * 1.0001 && n < cap; p *= 10)
		for (int m = 1; m <= 5 && n < cap; m += m == 1 ? 1 : 3) {
			if ((m == 1 || fine) && p * m <= hi * 1.0001)
				out[n++] = p * m;
		}
	return n;
}

const char *svg_fmt_num(double v, char *buf, size_t len)
{
	if (fabs(v) >= 1e6 && fmod(v, 1e6) == 0)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (fabs(v) >= 1e4 && fmod(v, 1e3) == 0)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", v);
	return buf;
}

static const char *fmt_tick(double v, enum svg_xkind k, char *buf, size_t len)
{
	if (k != SVG_X_NINES)
		return svg_fmt_num(v, buf, len);
	/* n nines: the fraction 1 - 10^-n of requests were at most this fast */
	double pct = 100 * (1 - pow(10, -v));
	int digits = v > 2 ? (int)ceil(v - 2 - 1e-9) : 0;
	snprintf(buf, len, "%.*f%%", digits, pct);
	return buf;
}

void svg_axes(FILE *f, const struct svg_frame *fr, const double *xt, size_t nx, enum svg_xkind xk,
	      const char *x_title, const char *y_title)
{
	char buf[32];
	double yt[24];
	size_t ny = fr->ylog ? svg_log_ticks(fr->y0, fr->y1, yt, 24) : svg_ticks(fr->y0, fr->y1, 6, yt);
	fputs("<g class='axes' font-size='12'>\n", f);
	for (size_t i = 0; i < ny; i++) {
		double y = fy(fr, yt[i]);
		fprintf(f, "<line class='grid' x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f'/>"
			"<text x='%.1f' y='%.1f' text-anchor='end'>%s</text>\n",
			fr->left, fr->right, y, y, fr->left - 6, y + 4, svg_fmt_num(yt[i], buf, sizeof(buf)));
	}
	for (size_t i = 0; i < nx; i++) {
		double x = fx(fr, xt[i]);
		fprintf(f, "<line class='tick' x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f'/>"
			"<text x='%.1f' y='%.1f' text-anchor='middle'>%s</text>\n",
			x, x, fr->bottom, fr->bottom + 5, x, fr->bottom + 18, fmt_tick(xt[i], xk, buf, sizeof(buf)));
	}
	fprintf(f, "<line class='axis' x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f'/>"
		"<line class='axis' x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f'/>\n",
		fr->left, fr->right, fr->bottom, fr->bottom, fr->left, fr->left, fr->top, fr->bottom);
	fprintf(f, "<text class='axis-title' x='%.1f' y='%.1f' text-anchor='middle'>",
		(fr->left + fr->right) / 2, fr->bottom + 36);
	html_text(f, x_title);
	fprintf(f, "</text><text class='axis-title' transform='translate(%.1f,%.1f) rotate(-90)' "
		"text-anchor='middle'>", fr->left - 50, (fr->top + fr->bottom) / 2);
	html_text(f, y_title);
	fputs("</text></g>\n", f);
}

double svg_ns_unit(double max_ns, const char **name)
{
	static const struct { double div; const char *name; } u[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" }, { 1, "ns" },
	};
	for (size_t i = 0; i < 3; i++)
		if (max_ns >= 2 * u[i].div) {
			*name = u[i].name;
			return u[i].div;
		}
	*name = "ns";
	return 1;
}
