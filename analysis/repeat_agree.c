#define _GNU_SOURCE
#include "analysis/repeat_agree.h"

#include <math.h>

#include "analysis/compare_stats.h"
#include "analysis/json_num.h"
#include "analysis/saved_report.h"

#define AGREE_MAX_RUNS 256

double chi2_tail(double q, double df)
{
	if (!(df > 0) || !(q > 0))
		return 1;
	double v = 2 / (9 * df), z = (cbrt(q / df) - (1 - v)) / sqrt(v);
	return 0.5 * erfc(z / sqrt(2));
}

/* A run's mean req/s over its full intervals and the standard error of that
 * mean; false when it has too few intervals to show its own spread. A short
 * last interval is left out: its req/s is noisier than the others'. */
static bool run_mean(json_t *run, double *mean, double *se)
{
	double len = jnum(run, "timeline.interval_ns"), sum = 0, sq = 0;
	json_t *e;
	size_t i, k = 0;
	json_array_foreach(jget(run, "timeline.intervals"), i, e)
		if (jnum(e, "duration_ns") >= len / 2 && isfinite(jnum(e, "rps"))) {
			sum += jnum(e, "rps");
			sq += jnum(e, "rps") * jnum(e, "rps");
			k++;
		}
	if (k < AGREE_MIN_INTERVALS)
		return false;
	*mean = sum / (double)k;
	double var = fmax(0, (sq - sum * *mean) / (double)(k - 1));
	/* a floor, so that intervals that happen to be equal do not weigh infinitely */
	*se = fmax(sqrt(var / (double)k), 1e-6 * fabs(*mean));
	return *mean > 0;
}

static json_t *cannot_tell(size_t used)
{
	return json_pack("{s:s, s:i, s:o}", "status", "pass", "runs_compared", (int)used, "message",
			 json_sprintf("cannot tell whether the repeats agree: %zu run%s with %d full intervals or more "
				      "(2 needed; a longer -d or a shorter --interval)", used, used == 1 ? "" : "s",
				      AGREE_MIN_INTERVALS));
}

json_t *check_repeats_agree(json_t *const *runs, size_t n)
{
	double x[AGREE_MAX_RUNS], w[AGREE_MAX_RUNS], se, sorted[AGREE_MAX_RUNS];
	size_t m = 0;
	for (size_t i = 0; i < n && m < AGREE_MAX_RUNS; i++)
		if (run_mean(runs[i], &x[m], &se))
			w[m++] = 1 / (se * se);
	if (m < 2)
		return cannot_tell(m);
	double sw = 0, swx = 0, q = 0, rel_se = 0;
	for (size_t i = 0; i < m; i++) {
		sw += w[i];
		swx += w[i] * x[i];
		rel_se += 1 / sqrt(w[i]) / x[i] / (double)m;
		sorted[i] = x[i];
	}
	for (size_t i = 0; i < m; i++)
		q += w[i] * (x[i] - swx / sw) * (x[i] - swx / sw);
	double p = chi2_tail(q, (double)(m - 1)), med = stats_median(sorted, m);	/* sorts */
	double spread = (sorted[m - 1] - sorted[0]) / med;
	bool warn = p < AGREE_P_MAX && spread > AGREE_MIN_SPREAD;
	return json_pack("{s:s, s:i, s:f, s:i, s:f, s:f, s:o}", "status", warn ? "warn" : "pass",
		"runs_compared", (int)m, "q", q, "degrees_of_freedom", (int)(m - 1), "p_value", p,
		"spread_fraction", spread, "message", warn ?
		json_sprintf("repeats disagree beyond their own spread: run means of req/s from %.0f to %.0f "
			     "(%.0f %% of the median) where each run's own intervals put its mean within about "
			     "%.1f %% (Cochran's Q %.1f on %zu degrees of freedom, p %.2g): something changed "
			     "between runs", sorted[0], sorted[m - 1], 100 * spread, 100 * rel_se, q, m - 1, p) :
		json_sprintf("the repeats agree within their own spread (Cochran's Q %.1f on %zu degrees of "
			     "freedom, p %.2f; run means %.0f %% apart)", q, m - 1, p, 100 * spread));
}
