#define _GNU_SOURCE
/* Several runs side by side: the ranking by requests per second. */
#include "analysis/html_sections.h"

#include <math.h>
#include <stdlib.h>

#include "analysis/html_svg.h"
#include "common/fmt.h"

static int by_rps_desc(const void *a, const void *b)
{
	double x = jnum(((const struct saved_run *)a)->run, "client.rps");
	double y = jnum(((const struct saved_run *)b)->run, "client.rps");
	x = isfinite(x) ? x : -1;
	y = isfinite(y) ? y : -1;
	return (x < y) - (x > y);
}

static void ranking_table(FILE *f, const struct saved_run *r, size_t n)
{
	char a[24], b[24], c[24], v[3][24];
	fputs("<table class='ranking sortable'><thead><tr><th>rank</th><th>run</th><th>req/s</th><th>share of fastest</th>"
	      "<th>p50</th><th>p99</th><th>max</th><th>failed</th></tr></thead><tbody>\n", f);
	double best = jnum(r[0].run, "client.rps");
	for (size_t i = 0; i < n; i++) {
		json_t *cl = json_object_get(r[i].run, "client");
		double rps = jnum(cl, "rps"), p50 = dist_stat(cl, "latency", "p50");
		double p99 = dist_stat(cl, "latency", "p99"), max = dist_stat(cl, "latency", "max");
		fprintf(f, "<tr><td class='num'>%zu</td><td>", i + 1);
		html_text(f, r[i].label);
		/* a run without a window (its server died in the warm-up) has no req/s: "-" */
		fmt_fixed(rps, 1, v[0], sizeof(v[0]));
		fmt_fixed(best > 0 ? 100 * rps / best : NAN, 1, v[1], sizeof(v[1]));
		fmt_fixed(jnum(cl, "errors.total"), 0, v[2], sizeof(v[2]));
		fprintf(f, "</td><td class='num'>%s</td><td class='num'>%s %%</td><td class='num' data-sort='%.0f'>%s</td>"
			"<td class='num' data-sort='%.0f'>%s</td><td class='num' data-sort='%.0f'>%s</td><td class='num'>%s</td></tr>\n",
			v[0], v[1], isfinite(p50) ? p50 : -1, fmt_duration(p50, a, sizeof(a)), isfinite(p99) ? p99 : -1,
			fmt_duration(p99, b, sizeof(b)), isfinite(max) ? max : -1, fmt_duration(max, c, sizeof(c)), v[2]);
	}
	fputs("</tbody></table>\n", f);
}

/* With repeats: one bar per server at its median, its interval as a whisker. */
static size_t summary_bars(json_t *sum, struct svg_bar *bars, char text[][48], size_t cap)
{
	json_t *e;
	size_t i, n = 0;
	json_array_foreach(sum, i, e) {
		if (n == cap)
			break;
		double med = jnum(e, "rps.median"), lo = jnum(e, "rps.ci_low"), hi = jnum(e, "rps.ci_high");
		if (isfinite(lo))
			snprintf(text[n], 48, "%.0f req/s [%.0f, %.0f]", med, lo, hi);
		else
			snprintf(text[n], 48, "%.0f req/s (no interval)", med);
		bars[n] = (struct svg_bar){ .name = jstr(e, "server", "?"), .value = med, .text = text[n],
					    .lo = isfinite(lo) ? lo : 0, .hi = isfinite(hi) ? hi : 0 };
		n++;
	}
	return n;
}

void html_ranking(FILE *f, const struct saved_set *s)
{
	struct saved_run sorted[SAVED_MAX_RUNS];
	struct svg_bar bars[SAVED_MAX_RUNS];
	char text[SAVED_MAX_RUNS][48];
	size_t n = s->n_runs;
	for (size_t i = 0; i < n; i++)
		sorted[i] = s->runs[i];
	qsort(sorted, n, sizeof(sorted[0]), by_rps_desc);
	double best = jnum(sorted[0].run, "client.rps");
	for (size_t i = 0; i < n; i++) {
		double rps = jnum(sorted[i].run, "client.rps");
		if (isfinite(rps))
			snprintf(text[i], sizeof(text[i]), "%.0f req/s (%.0f %%)", rps, best > 0 ? 100 * rps / best : 0);
		else	/* no measuring window: an empty bar that says so */
			snprintf(text[i], sizeof(text[i]), "no req/s (no measuring window)");
		bars[i] = (struct svg_bar){ .name = sorted[i].label, .value = isfinite(rps) ? rps : 0, .text = text[i] };
	}
	fputs("<section class='ranking'><h2>Ranking by requests per second</h2>\n", f);
	json_t *sum = s->n_docs == 1 ? json_object_get(s->docs[0], "summary") : NULL;
	if (json_array_size(sum))
		n = summary_bars(sum, bars, text, SAVED_MAX_RUNS);
	svg_hbar_chart(f, "ranking-bars", json_array_size(sum) ? "median requests per second by server, with intervals"
		       : "requests per second by run", "requests per second (req/s)", bars, n, HTML_WIDTH);
	n = s->n_runs;
	ranking_table(f, sorted, n);
	fputs("</section>\n", f);
}

static void interval_cell(FILE *f, json_t *st, bool ns)
{
	char a[24], b[24], c[24];
	double med = jnum(st, "median"), lo = jnum(st, "ci_low"), hi = jnum(st, "ci_high");
	if (ns)
		fprintf(f, "<td class='num' data-sort='%.0f'>%s [%s, %s]</td>", med, fmt_duration(med, a, sizeof(a)),
			fmt_duration(lo, b, sizeof(b)), fmt_duration(hi, c, sizeof(c)));
	else if (isfinite(lo))
		fprintf(f, "<td class='num' data-sort='%.0f'>%.0f [%.0f, %.0f]</td>", med, med, lo, hi);
	else
		fprintf(f, "<td class='num' data-sort='%.0f'>%.0f [no interval]</td>", med, med);
}

/* Repeated runs: each server's medians with their intervals, ties marked. */
void html_repeats(FILE *f, const struct saved_set *s)
{
	for (size_t d = 0; d < s->n_docs; d++) {
		json_t *sum = json_object_get(s->docs[d], "summary"), *e;
		size_t i;
		if (!json_is_array(sum) || !json_array_size(sum))
			continue;
		fputs("<section class='repeats'><h2>Repeated runs: medians and intervals</h2>\n"
		      "<table class='repeats sortable'><thead><tr><th>rank</th><th>server</th><th>runs</th>"
		      "<th>req/s median [interval]</th><th>confidence</th><th>p50</th><th>p99</th><th>tied with</th>"
		      "</tr></thead><tbody>\n", f);
		json_array_foreach(sum, i, e) {
			double conf = jnum(e, "rps.confidence");
			fprintf(f, "<tr class='repeat-row'><td class='num'>%.0f</td><td>", jnum(e, "rank"));
			html_text(f, jstr(e, "server", "?"));
			fprintf(f, "</td><td class='num'>%.0f</td>", jnum(e, "runs"));
			interval_cell(f, jget(e, "rps"), false);
			fprintf(f, isfinite(conf) ? "<td class='num'>%.1f %%</td>" : "<td class='num'>-</td>", 100 * conf);
			interval_cell(f, jget(e, "latency_p50_ns"), true);
			interval_cell(f, jget(e, "latency_p99_ns"), true);
			json_t *t, *ties = json_object_get(e, "tied_with");
			size_t j;
			fputs("<td>", f);
			json_array_foreach(ties, j, t) {
				fputs(j ? ", " : "", f);
				html_text(f, json_string_value(t));
			}
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table>\n<p>Intervals from order statistics over the runs (distribution-free); "
		      "servers whose req/s intervals overlap are tied.</p></section>\n", f);
	}
}
