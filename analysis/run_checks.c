#define _GNU_SOURCE
#include "analysis/run_checks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/check_probes.h"
#include "analysis/checks_trend.h"
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

/* One series' figures in the check: null when it has too few intervals. */
static void put_trend(json_t *c, const char *name, const struct trend *t, bool have)
{
	char key[64];
	const char *fields[] = { "rank_correlation", "p", "change", "spread" };
	double vals[] = { t->rho, t->p, t->change, t->spread };
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "%s_%s", name, fields[i]);
		json_object_set_new(c, key, json_num_or_null(vals[i], have));
	}
}

static json_t *stationary_message(const struct trend *rps, const struct trend *p99, bool warn, size_t n)
{
	if (warn)
		return json_sprintf("not stationary: over the run req/s changed %+.0f %% and p99 %+.0f %% "
				    "(second half against the first), a trend in time", 100 * rps->change,
				    100 * p99->change);
	const struct trend *t = rps->p < TREND_P_MAX ? rps : p99->p < TREND_P_MAX ? p99 : NULL;
	if (t)	/* a trend by rank, but too small to matter */
		return json_sprintf("stationary: %s moved %+.0f %% between the halves, within 10 %% or "
				    "twice one interval's spread (%.0f %%)", t == rps ? "req/s" : "p99",
				    100 * t->change, 100 * t->spread);
	return json_sprintf("stationary: no trend in req/s or p99 over %zu intervals", n);
}

static json_t *check_stationary(json_t *tl)
{
	double v[CHECK_MAX_INTERVALS];
	size_t n = series(tl, NULL, v, CHECK_MAX_INTERVALS);
	struct trend rps = n >= CHECK_MIN_INTERVALS ? trend_of(v, n) : (struct trend){ 0 };
	size_t m = series(tl, "p99", v, CHECK_MAX_INTERVALS);
	struct trend p99 = m >= CHECK_MIN_INTERVALS ? trend_of(v, m) : (struct trend){ 0 };
	bool warn = rps.found || p99.found;
	json_t *c = json_pack("{s:s, s:o}", "status", warn ? "warn" : "pass",
			      "message", stationary_message(&rps, &p99, warn, n));
	put_trend(c, "rps", &rps, n >= CHECK_MIN_INTERVALS);
	put_trend(c, "p99", &p99, m >= CHECK_MIN_INTERVALS);
	return c;
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
	json_t *ran = check_probes_ran(run);
	if (ran)
		json_object_set_new(c, "probes_ran", ran);
	json_t *tl = jget(run, "timeline.intervals");
	if (json_array_size(tl) >= CHECK_MIN_INTERVALS) {
		json_object_set_new(c, "stationary", check_stationary(tl));
		json_object_set_new(c, "warmup", check_warmup(tl));
	}
	return c;
}
