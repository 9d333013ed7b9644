#define _GNU_SOURCE
#include "analysis/repeat_summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare_stats.h"
#include "analysis/repeat_agree.h"
#include "analysis/saved_report.h"
#include "common/fmt.h"

#define MAX_RUNS 256

/* P(Binomial(n, 1/2) <= k) */
static double binom_cdf_half(size_t n, size_t k)
{
	double p = 0, c = 1;	/* C(n, i) / 2^n built up term by term */
	for (size_t i = 0; i < n; i++)
		c /= 2;
	for (size_t i = 0; i <= k && i <= n; i++) {
		p += c;
		c = c * (double)(n - i) / (double)(i + 1);
	}
	return p;
}

int summary_ci_rank(size_t n, double conf, double *level)
{
	int best = 0;
	*level = n >= 2 ? 1 - 2 * binom_cdf_half(n, 0) : 0;
	for (size_t k = 1; 2 * k <= n; k++) {
		double cover = 1 - 2 * binom_cdf_half(n, k - 1);
		if (cover < conf)
			break;
		best = (int)k;
		*level = cover;
	}
	return best;
}

/* {median, ci_low, ci_high, confidence, runs}; no interval below 3 runs. */
static json_t *stat_of(double *v, size_t n)
{
	if (!n)
		return json_null();
	double level, med = stats_median(v, n);	/* sorts v */
	int k = summary_ci_rank(n, SUMMARY_CONFIDENCE, &level);
	json_t *s = json_pack("{s:f, s:i}", "median", med, "runs", (int)n);
	if (n < 3) {
		json_object_set_new(s, "ci_low", json_null());
		json_object_set_new(s, "ci_high", json_null());
		json_object_set_new(s, "confidence", json_null());
		json_object_set_new(s, "note", json_sprintf("%zu run%s: no interval (3 or more needed)", n, n == 1 ? "" : "s"));
		return s;
	}
	size_t lo = k ? (size_t)k - 1 : 0, hi = k ? n - (size_t)k : n - 1;
	json_object_set_new(s, "ci_low", json_real(v[lo]));
	json_object_set_new(s, "ci_high", json_real(v[hi]));
	json_object_set_new(s, "confidence", json_real(level));
	if (level < SUMMARY_CONFIDENCE)
		json_object_set_new(s, "note", json_sprintf("[min, max] of %zu runs covers the median with %.1f %% "
							   "confidence; 95 %% needs 6 runs", n, 100 * level));
	return s;
}

typedef double figure_fn(json_t *run, const char *arg);

static double fig_rps(json_t *run, const char *arg)
{
	(void)arg;
	return jnum(run, "client.rps");
}

static double fig_latency(json_t *run, const char *stat)
{
	return dist_stat(json_object_get(run, "client"), "latency", stat);
}

static json_t *stat_over(json_t *const *runs, size_t n, figure_fn *fn, const char *arg)
{
	double v[MAX_RUNS];
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(fn(runs[i], arg)))
			v[m++] = fn(runs[i], arg);
	return stat_of(v, m);
}

static json_t *components_over(json_t *const *runs, size_t n)
{
	const char *names[12];
	json_t *comp0 = jget(runs[0], "breakdown.components"), *out = json_object();
	size_t k = json_is_object(comp0) ? saved_components(comp0, names, 12) : 0;
	for (size_t c = 0; c < k; c++) {
		double mean[MAX_RUNS], p99[MAX_RUNS];
		size_t m = 0, q = 0;
		for (size_t i = 0; i < n; i++) {
			json_t *comp = jget(runs[i], "breakdown.components");
			double a = dist_stat(comp, names[c], "mean"), b = dist_stat(comp, names[c], "p99");
			if (isfinite(a))
				mean[m++] = a;
			if (isfinite(b))
				p99[q++] = b;
		}
		json_object_set_new(out, names[c], json_pack("{s:o, s:o}", "mean_ns", stat_of(mean, m),
							     "p99_ns", stat_of(p99, q)));
	}
	return out;
}

/* Runs needed for a 95 % interval of the median within SUMMARY_MAX_CI_WIDTH:
 * the median's standard error is about 1.2533 sigma / sqrt(n), so the
 * interval is about 2 * 1.96 * 1.2533 * cv / sqrt(n) of the median wide. */
static int runs_needed(json_t *const *runs, size_t n, double median)
{
	double sum = 0, sq = 0;
	for (size_t i = 0; i < n; i++)
		sum += fig_rps(runs[i], NULL);
	double mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (fig_rps(runs[i], NULL) - mean) * (fig_rps(runs[i], NULL) - mean);
	double cv = n > 1 ? sqrt(sq / (double)(n - 1)) / median : 0;
	double k = 2 * 1.96 * 1.2533 * cv / SUMMARY_MAX_CI_WIDTH;
	return (int)fmax(6, ceil(k * k));
}

/* The interval's width against the median, and how many more runs would
 * bring it under SUMMARY_MAX_CI_WIDTH. */
static json_t *check_ci_width(json_t *rps, json_t *const *runs, size_t n)
{
	double med = jnum(rps, "median"), lo = jnum(rps, "ci_low"), hi = jnum(rps, "ci_high");
	if (!isfinite(lo) || !(med > 0))
		return json_pack("{s:s, s:s}", "status", "warn", "message",
				 "too few runs for a confidence interval (3 or more; 6 for 95 %)");
	double w = (hi - lo) / med;
	bool enough = jnum(rps, "confidence") >= SUMMARY_CONFIDENCE;
	if (w <= SUMMARY_MAX_CI_WIDTH && enough)
		return json_pack("{s:s, s:f, s:s}", "status", "pass", "width_fraction", w, "message",
				 "the 95 % interval of req/s is within 5 % of the median");
	int more = runs_needed(runs, n, med) - (int)n;
	return json_pack("{s:s, s:f, s:i, s:o}", "status", "warn", "width_fraction", w, "more_runs", more > 0 ? more : 0,
			 "message", json_sprintf("noisy: the interval of req/s is %.1f %% of the median%s; "
						 "about %d more runs would be needed", 100 * w,
						 enough ? "" : " (and below 95 % confidence)", more > 0 ? more : 0));
}

static json_t *one_server(const char *name, json_t *const *runs, size_t n)
{
	json_t *rps = stat_over(runs, n, fig_rps, NULL);
	return json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:s}", "server", name, "runs", (int)n,
		"rps", rps, "latency_p50_ns", stat_over(runs, n, fig_latency, "p50"),
		"latency_p99_ns", stat_over(runs, n, fig_latency, "p99"),
		"latency_p999_ns", stat_over(runs, n, fig_latency, "p999"),
		"components", components_over(runs, n), "checks", "ci_width", check_ci_width(rps, runs, n),
		"repeats_agree", check_repeats_agree(runs, n),
		"method", "median over the runs; interval from order statistics (distribution-free: "
		"the k-th smallest and largest run, k the largest with at least 95 % coverage)");
}

static int by_median_rps(const void *a, const void *b)
{
	double x = jnum(*(json_t *const *)a, "rps.median"), y = jnum(*(json_t *const *)b, "rps.median");
	return (x < y) - (x > y);
}

/* Ranks by median req/s; servers whose intervals overlap are tied. */
static json_t *rank(json_t **servers, size_t n)
{
	qsort(servers, n, sizeof(*servers), by_median_rps);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *ties = json_array();
		double lo = jnum(servers[i], "rps.ci_low"), hi = jnum(servers[i], "rps.ci_high");
		for (size_t j = 0; j < n; j++) {
			double l2 = jnum(servers[j], "rps.ci_low"), h2 = jnum(servers[j], "rps.ci_high");
			if (j != i && isfinite(lo) && isfinite(l2) && lo <= h2 && l2 <= hi)
				json_array_append_new(ties, json_string(jstr(servers[j], "server", "?")));
		}
		json_object_set_new(servers[i], "rank", json_integer((json_int_t)i + 1));
		json_object_set_new(servers[i], "tied_with", ties);
		json_array_append_new(out, servers[i]);
	}
	return out;
}

json_t *summary_build(json_t *runs)
{
	json_t *by[MAX_RUNS], *servers[MAX_RUNS], *run;
	const char *names[MAX_RUNS];
	size_t n_names = 0, i;
	json_array_foreach(runs, i, run) {
		const char *name = jstr(run, "server.name", "?");
		size_t k = 0;
		while (k < n_names && strcmp(names[k], name))
			k++;
		if (k == n_names && n_names < MAX_RUNS)
			names[n_names++] = name;
	}
	for (size_t k = 0; k < n_names; k++) {
		size_t n = 0;
		json_array_foreach(runs, i, run)
			if (!strcmp(jstr(run, "server.name", "?"), names[k]) && json_is_null(json_object_get(run, "error"))
			    && n < MAX_RUNS)
				by[n++] = run;
		servers[k] = n ? one_server(names[k], by, n) : NULL;
	}
	size_t m = 0;
	for (size_t k = 0; k < n_names; k++)
		if (servers[k])
			servers[m++] = servers[k];
	return rank(servers, m);
}

static const char *interval(json_t *s, bool ns, char *buf, size_t len)
{
	char a[24], b[24], c[24];
	double med = jnum(s, "median"), lo = jnum(s, "ci_low"), hi = jnum(s, "ci_high");
	if (ns)
		snprintf(buf, len, "%s [%s, %s]", fmt_duration(med, a, sizeof(a)), fmt_duration(lo, b, sizeof(b)),
			 fmt_duration(hi, c, sizeof(c)));
	else if (isfinite(lo))
		snprintf(buf, len, "%.0f [%.0f, %.0f]", med, lo, hi);
	else
		snprintf(buf, len, "%.0f [-]", med);
	return buf;
}

/* The ranking of a --repeat run: one line per server, its median and
 * interval; "=" after the rank marks a server tied with another. */
void summary_print_repeats(FILE *f, json_t *summary)
{
	json_t *s;
	size_t i;
	char rps[96], p50[96], p99[96], rank[16], cf[16];
	fprintf(f, "\nRanking (by median requests per second over the repeats; [interval] from order statistics,\n"
		   "\"=\": its interval overlaps another's, a tie)\n");
	fprintf(f, "  %-4s %-10s %4s %26s %8s %28s %28s\n", "rank", "server", "runs", "req/s", "conf.", "p50", "p99");
	json_array_foreach(summary, i, s) {
		double conf = jnum(s, "rps.confidence");
		json_t *ties = json_object_get(s, "tied_with"), *t;
		snprintf(rank, sizeof(rank), "%lld%s", (long long)jnum(s, "rank"), json_array_size(ties) ? "=" : "");
		if (isfinite(conf))
			snprintf(cf, sizeof(cf), "%.1f%%", 100 * conf);
		else	/* under 3 runs: no interval, so no confidence either */
			snprintf(cf, sizeof(cf), "-");
		fprintf(f, "  %-4s %-10s %4lld %26s %8s %28s %28s", rank, jstr(s, "server", "?"),
			(long long)jnum(s, "runs"), interval(jget(s, "rps"), false, rps, sizeof(rps)),
			cf, interval(jget(s, "latency_p50_ns"), true, p50, sizeof(p50)),
			interval(jget(s, "latency_p99_ns"), true, p99, sizeof(p99)));
		size_t j;
		json_array_foreach(ties, j, t)
			fprintf(f, "%s%s", j ? ", " : "  tied with ", json_string_value(t));
		fputc('\n', f);
	}
	json_array_foreach(summary, i, s) {	/* the warnings after the table, so it stays one table */
		json_t *c;
		const char *name;
		json_object_foreach(json_object_get(s, "checks"), name, c)
			if (!strcmp(jstr(c, "status", ""), "warn"))
				fprintf(f, "  warning: %s: %s\n", jstr(s, "server", "?"), jstr(c, "message", ""));
	}
}
