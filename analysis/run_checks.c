#define _GNU_SOURCE
#include "analysis/run_checks.h"

#include <math.h>
#include <stdlib.h>

#include "analysis/compare_stats.h"

#include "analysis/json_num.h"
#include "analysis/saved_report.h"

static json_t *client_saturated(json_t *run)
{
	double busy = jnum(run, "client.busy_fraction");
	if (!isfinite(busy))
		return json_pack("{s:s, s:s}", "status", "pass", "message", "no load-generator figures (no load ran)");
	bool warn = busy > CHECK_CLIENT_BUSY_MAX;
	return json_pack("{s:s, s:f, s:f, s:o}", "status", warn ? "warn" : "pass", "busy_fraction", busy,
		"limit", CHECK_CLIENT_BUSY_MAX, "message", warn ?
		json_sprintf("load generator saturated (busy %.0f %%): the figures describe the client, not the server", 100 * busy) :
		json_sprintf("load generator busy %.0f %% of its time", 100 * busy));
}

static json_t *open_loop_rate(json_t *run)
{
	double asked = jnum(run, "load.rate"), got = jnum(run, "client.open_loop.achieved_rate");
	double unsent = jnum(run, "client.open_loop.unsent");
	bool warn = got < CHECK_RATE_HELD_MIN * asked || unsent > 0;
	return json_pack("{s:s, s:f, s:o, s:o, s:o}", "status", warn ? "warn" : "pass", "rate", asked,
		"achieved_rate", isfinite(got) ? json_real(got) : json_null(),
		"unsent", isfinite(unsent) ? json_integer((json_int_t)unsent) : json_null(),
		"message", json_sprintf("open-loop rate %s: %.0f req/s achieved of %.0f asked, %.0f unsent",
					warn ? "not held" : "held", got, asked, isfinite(unsent) ? unsent : 0));
}

/* Per-interval figure: req/s or a latency statistic. */
static size_t series(json_t *tl, const char *stat, double *out, size_t cap)
{
	json_t *e;
	size_t i, n = 0;
	json_array_foreach(tl, i, e) {
		if (n == cap)
			break;
		double v = stat ? dist_stat(e, "latency", stat) : jnum(e, "rps");
		if (isfinite(v))
			out[n++] = v;
	}
	return n;
}

/* Ranks 1..n (ties averaged) of v into r. */
static void ranks(const double *v, size_t n, double *r)
{
	for (size_t i = 0; i < n; i++) {
		double below = 0, same = 0;
		for (size_t j = 0; j < n; j++) {
			below += v[j] < v[i];
			same += v[j] == v[i];
		}
		r[i] = below + (same + 1) / 2;
	}
}

/* Spearman's rank correlation of v against time (its index). */
static double spearman_vs_time(const double *v, size_t n)
{
	double r[CHECK_MAX_INTERVALS], mean = (double)(n + 1) / 2, sxy = 0, sxx = 0, syy = 0;
	ranks(v, n, r);
	for (size_t i = 0; i < n; i++) {
		double x = (double)i + 1 - mean, y = r[i] - mean;
		sxy += x * y;
		sxx += x * x;
		syy += y * y;
	}
	return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

/* A trend is a rank correlation with time that chance gives less than 1 %
 * of the time (t > 2.9 with n - 2 degrees of freedom, near enough for n >= 6)
 * and second-half median off the first half's by more than CHECK_DRIFT. */
static bool trend(const double *v, size_t n, double *rho, double *change)
{
	double a[CHECK_MAX_INTERVALS], b[CHECK_MAX_INTERVALS];
	size_t h = n / 2;
	for (size_t i = 0; i < h; i++) {
		a[i] = v[i];
		b[i] = v[n - h + i];
	}
	double ma = stats_median(a, h), mb = stats_median(b, h);
	*rho = spearman_vs_time(v, n);
	*change = ma != 0 ? mb / ma - 1 : 0;
	double t = fabs(*rho) < 1 ? fabs(*rho) * sqrt((double)(n - 2) / (1 - *rho * *rho)) : INFINITY;
	return t > 2.9 && fabs(*change) > CHECK_DRIFT;
}

static json_t *check_stationary(json_t *tl)
{
	double v[CHECK_MAX_INTERVALS], rho_rps, rho_p99, ch_rps, ch_p99;
	size_t n = series(tl, NULL, v, CHECK_MAX_INTERVALS);
	bool drift_rps = n >= CHECK_MIN_INTERVALS && trend(v, n, &rho_rps, &ch_rps);
	size_t m = series(tl, "p99", v, CHECK_MAX_INTERVALS);
	bool drift_p99 = m >= CHECK_MIN_INTERVALS && trend(v, m, &rho_p99, &ch_p99);
	if (n < CHECK_MIN_INTERVALS)
		rho_rps = ch_rps = NAN;
	if (m < CHECK_MIN_INTERVALS)
		rho_p99 = ch_p99 = NAN;
	bool warn = drift_rps || drift_p99;
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "status", warn ? "warn" : "pass",
		"rps_rank_correlation", json_num_or_null(rho_rps, true), "rps_change", json_num_or_null(ch_rps, true),
		"p99_rank_correlation", json_num_or_null(rho_p99, true), "p99_change", json_num_or_null(ch_p99, true),
		"message", warn ? json_sprintf("not stationary: over the run req/s changed %+.0f %% and p99 %+.0f %% "
					       "(second half against the first), a trend in time", 100 * ch_rps, 100 * ch_p99) :
		json_sprintf("stationary: no trend in req/s or p99 over %zu intervals", n));
}

/* Warm-up inside the window: the first interval far from the rest. */
static json_t *check_warmup(json_t *tl)
{
	double v[CHECK_MAX_INTERVALS], p[CHECK_MAX_INTERVALS];
	size_t n = series(tl, NULL, v, CHECK_MAX_INTERVALS), m = series(tl, "p99", p, CHECK_MAX_INTERVALS);
	double first = v[0], first_p99 = m ? p[0] : NAN;
	double rest = stats_median(v + 1, n - 1), rest_p99 = m > 1 ? stats_median(p + 1, m - 1) : NAN;
	bool slow = first < 0.75 * rest, tail = m > 1 && first_p99 > 2 * rest_p99;
	return json_pack("{s:s, s:f, s:f, s:o}", "status", slow || tail ? "warn" : "pass", "first_rps", first,
		"rest_rps_median", rest, "message", slow || tail ?
		json_sprintf("warm-up inside the measured window: the first interval ran at %.0f req/s (p99 %.1f ms) "
			     "against %.0f (p99 %.1f ms) after it; use --warmup", first, first_p99 / 1e6, rest, rest_p99 / 1e6) :
		json_sprintf("no warm-up visible in the first interval"));
}

json_t *run_checks(json_t *run)
{
	json_t *c = json_pack("{s:o}", "client_saturated", client_saturated(run));
	if (jnum(run, "load.rate") > 0)
		json_object_set_new(c, "open_loop_rate", open_loop_rate(run));
	json_t *tl = jget(run, "timeline.intervals");
	if (json_array_size(tl) >= CHECK_MIN_INTERVALS) {
		json_object_set_new(c, "stationary", check_stationary(tl));
		json_object_set_new(c, "warmup", check_warmup(tl));
	}
	return c;
}
