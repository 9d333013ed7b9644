#define _GNU_SOURCE
#include "analysis/html_svg_internal.h"

#include "common/fmt.h"

#include <math.h>
#include <string.h>

void svg_hbar_chart(FILE *f, const char *cls, const char *title, const char *x_title,
		    const struct svg_bar *b, size_t n, int width)
{
	double label_w = 60;
	for (size_t i = 0; i < n; i++)
		label_w = fmax(label_w, svg_text_px(b[i].name) + 12);
	double max = 0;
	for (size_t i = 0; i < n; i++)
		max = fmax(max, fmax(isfinite(b[i].value) ? b[i].value : 0, isfinite(b[i].hi) ? b[i].hi : 0));
	int h = 60 + 30 * (int)n;
	struct svg_frame fr = { .left = label_w, .right = width - 230, .top = 10, .bottom = h - 48,
				.y0 = 0, .y1 = 1 };
	double xt[12];
	size_t nx = svg_ticks(0, max > 0 ? max : 1, 6, xt);
	fr.x0 = 0;
	fr.x1 = nx && xt[nx - 1] >= max ? xt[nx - 1] : max * 1.1;
	svg_open(f, cls, title, width, h);
	fputs("<g class='axes' font-size='12'>", f);
	char buf[32];
	for (size_t i = 0; i < nx; i++)
		fprintf(f, "<line class='grid' x1='%.1f' x2='%.1f' y1='%.1f' y2='%.1f'/>"
			"<text x='%.1f' y='%.1f' text-anchor='middle'>%s</text>\n", fx(&fr, xt[i]), fx(&fr, xt[i]),
			fr.top, fr.bottom, fx(&fr, xt[i]), fr.bottom + 18, svg_fmt_num(xt[i], buf, sizeof(buf)));
	fprintf(f, "<text class='axis-title' x='%.1f' y='%.1f' text-anchor='middle'>", (fr.left + fr.right) / 2, fr.bottom + 36);
	html_text(f, x_title);
	fputs("</text></g>\n", f);
	for (size_t i = 0; i < n; i++) {
		double y = fr.top + 6 + 30 * (double)i, v = isfinite(b[i].value) ? b[i].value : 0;
		fprintf(f, "<g class='bar-row'><text x='%.1f' y='%.1f' text-anchor='end'>", fr.left - 8, y + 14);
		html_text(f, b[i].name);
		fprintf(f, "</text><rect class='bar' x='%.1f' y='%.1f' width='%.1f' height='20' fill='url(#pat%zu)' "
			"stroke='#333' stroke-width='0.5' data-name='", fr.left, y, fx(&fr, v) - fr.left, i % SVG_STYLES);
		html_text(f, b[i].name);
		fprintf(f, "' data-value='%g'/>", v);
		double end = fx(&fr, v);
		if (b[i].hi > b[i].lo && isfinite(b[i].lo)) {	/* the interval: a whisker with caps */
			double x0 = fx(&fr, b[i].lo), x1 = fx(&fr, b[i].hi);
			fprintf(f, "<path class='whisker' d='M%.1f,%.1f H%.1f M%.1f,%.1f V%.1f M%.1f,%.1f V%.1f' "
				"stroke='#000' stroke-width='1.5' fill='none'/>", x0, y + 10, x1, x0, y + 4, y + 16, x1, y + 4, y + 16);
			end = fmax(end, x1);
		}
		fprintf(f, "<text class='bar-value' x='%.1f' y='%.1f'>", end + 6, y + 14);
		html_text(f, b[i].text);
		fputs("</text></g>\n", f);
	}
	svg_close(f);
}

static void stack_legend(FILE *f, const char *const *seg, size_t n, double x0, double y, double right)
{
	double x = x0;
	for (size_t i = 0; i < n; i++) {
		double w = 22 + svg_text_px(seg[i]) + 14;
		if (x + w > right) {
			x = x0;
			y += 18;
		}
		fprintf(f, "<rect x='%.1f' y='%.1f' width='16' height='12' fill='url(#pat%zu)' stroke='#333' stroke-width='0.5'/>"
			"<text x='%.1f' y='%.1f'>", x, y - 10, i % SVG_STYLES, x + 20, y);
		html_text(f, seg[i]);
		fputs("</text>\n", f);
		x += w;
	}
}

static void stack_row(FILE *f, const struct svg_frame *fr, const char *const *seg, size_t n_seg,
		      const struct svg_stack_row *r, double y)
{
	fprintf(f, "<g class='stack-row'><text x='%.1f' y='%.1f' text-anchor='end'>", fr->left - 8, y + 16);
	html_text(f, r->label);
	fputs("</text>\n", f);
	double x = fr->left, span = fr->right - fr->left;
	for (size_t i = 0; i < n_seg; i++) {
		double s = isfinite(r->share[i]) && r->share[i] > 0 ? r->share[i] : 0, w = s * span;
		if (w <= 0)
			continue;
		fprintf(f, "<rect class='segment' x='%.1f' y='%.1f' width='%.1f' height='24' fill='url(#pat%zu)' "
			"stroke='#fff' stroke-width='0.5' data-name='%s'><title>%s %.1f %%</title></rect>\n",
			x, y, w, i % SVG_STYLES, seg[i], seg[i], 100 * s);
		char text[64];
		snprintf(text, sizeof(text), "%s %.0f%%", seg[i], 100 * s);
		if (svg_text_px(text) + 8 > w)
			snprintf(text, sizeof(text), "%.0f%%", 100 * s);
		if (svg_text_px(text) + 8 <= w)
			fprintf(f, "<text class='seg-label' x='%.1f' y='%.1f' text-anchor='middle'>%s</text>\n",
				x + w / 2, y + 16, text);
		x += w;
	}
	fputs("</g>\n", f);
}

void svg_stacked_shares(FILE *f, const char *cls, const char *title, const char *const *seg,
			size_t n_seg, const struct svg_stack_row *rows, size_t n_rows, int width)
{
	double label_w = 60;
	for (size_t i = 0; i < n_rows; i++)
		label_w = fmax(label_w, svg_text_px(rows[i].label) + 12);
	int legend_h = 44;
	int h = legend_h + 36 * (int)n_rows + 50;
	struct svg_frame fr = { .left = label_w, .right = width - 20, .top = legend_h,
				.bottom = legend_h + 36 * n_rows, .x0 = 0, .x1 = 100, .y0 = 0, .y1 = 1 };
	svg_open(f, cls, title, width, h);
	fputs("<g font-size='12'>\n", f);
	stack_legend(f, seg, n_seg, fr.left, 22, fr.right);
	for (size_t i = 0; i < n_rows; i++)
		stack_row(f, &fr, seg, n_seg, &rows[i], fr.top + 36 * (double)i + 4);
	for (int t = 0; t <= 100; t += 20)
		fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle'>%d</text>\n", fx(&fr, t), fr.bottom + 16, t);
	fprintf(f, "<text class='axis-title' x='%.1f' y='%.1f' text-anchor='middle'>share of the latency (%%)</text>\n",
		(fr.left + fr.right) / 2, fr.bottom + 34);
	fputs("</g>\n", f);
	svg_close(f);
}

void svg_histogram(FILE *f, const char *cls, const char *title, const struct svg_bucket *b,
		   size_t n, int width)
{
	int h = 240;
	double max = 0;
	for (size_t i = 0; i < n; i++)
		max = fmax(max, b[i].count);
	struct svg_frame fr = { .left = 72, .right = width - 16, .top = 14, .bottom = h - 62, .x0 = 0,
				.x1 = n ? (double)n : 1, .y0 = 0 };
	double yt[12];
	size_t ny = svg_ticks(0, max > 0 ? max : 1, 6, yt);
	fr.y1 = ny && yt[ny - 1] >= max ? yt[ny - 1] : max * 1.1;
	svg_open(f, cls, title, width, h);
	svg_axes(f, &fr, NULL, 0, SVG_X_PLAIN, "", "count");
	double bw = (fr.right - fr.left) / (n ? (double)n : 1);
	int every = (int)ceil(58 / bw);
	char lo[24], hi[24];
	double gap = fmin(2, bw / 5);	/* hundreds of buckets: bars under 2 px keep a positive width */
	for (size_t i = 0; i < n; i++) {
		double x = fx(&fr, (double)i);
		fprintf(f, "<rect class='hist-bar' x='%.2f' y='%.1f' width='%.2f' height='%.1f' fill='url(#pat0)' "
			"stroke='#333' stroke-width='0.5'><title>%s to %s: %.0f</title></rect>\n", x + gap / 2,
			fy(&fr, b[i].count), bw - gap, fr.bottom - fy(&fr, b[i].count),
			fmt_duration(b[i].lo_ns, lo, sizeof(lo)), fmt_duration(b[i].hi_ns, hi, sizeof(hi)), b[i].count);
		/* a label that would run past the chart's edge is left out */
		if (i % (size_t)(every > 0 ? every : 1) == 0 && x + 1 + svg_text_px(lo) * 11 / 12 <= width - 2)
			fprintf(f, "<text font-size='11' x='%.1f' y='%.1f' text-anchor='start'>%s</text>\n",
				x + 1, fr.bottom + 16, lo);
	}
	fprintf(f, "<text class='axis-title' x='%.1f' y='%.1f' text-anchor='middle' font-size='12'>"
		"duration, bucket lower bound (ns, us, ms, s as marked)</text>\n",
		(fr.left + fr.right) / 2, fr.bottom + 40);
	svg_close(f);
}
