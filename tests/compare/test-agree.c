/* The repeats-disagree check on constructed reports: runs that differ only
 * by their own noise agree, runs whose means are far apart beyond it are
 * flagged, a wide spread explained by each run's own noise is not, runs
 * without enough intervals cannot tell; and the chi-square tail it uses. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/repeat_agree.h"
#include "analysis/repeat_summary.h"
#include "analysis/saved_report.h"
#include "tests/lib/check.h"

#define INTERVALS 8

/* A run at mean req/s, its 1 s intervals jittered by +-jitter around it,
 * and a short last interval far off (left out: it is not a full one). */
static json_t *run(const char *server, double mean, double jitter)
{
	static const double shape[INTERVALS] = { -1, 0.5, 1, -0.5, 0, 0.75, -0.75, 0 };
	json_t *iv = json_array();
	for (int i = 0; i < INTERVALS; i++)
		json_array_append_new(iv, json_pack("{s:f, s:f}", "duration_ns", 1e9, "rps", mean + jitter * shape[i]));
	json_array_append_new(iv, json_pack("{s:f, s:f}", "duration_ns", 1e8, "rps", mean * 3));
	return json_pack("{s:{s:s}, s:{s:f, s:{s:f, s:f, s:f}}, s:n, s:{s:f, s:o}}", "server", "name", server,
			 "client", "rps", mean, "latency_ns", "p50", 1e6, "p99", 2e6, "p999", 3e6, "error",
			 "timeline", "interval_ns", 1e9, "intervals", iv);
}

static json_t *agree_of(json_t *sum, const char *name)
{
	json_t *s;
	size_t i;
	json_array_foreach(sum, i, s)
		if (!strcmp(jstr(s, "server", ""), name))
			return jget(s, "checks.repeats_agree");
	return NULL;
}

static void test_tail(void)
{
	/* chi-square quantiles at p = 0.01: 6.635 (1 df), 13.277 (4), 23.209 (10) */
	CHECK(fabs(chi2_tail(6.635, 1) - 0.01) < 0.001, "1 df: %.4f", chi2_tail(6.635, 1));
	CHECK(fabs(chi2_tail(13.277, 4) - 0.01) < 0.001, "4 df: %.4f", chi2_tail(13.277, 4));
	CHECK(fabs(chi2_tail(23.209, 10) - 0.01) < 0.0005, "10 df: %.4f", chi2_tail(23.209, 10));
	CHECK(fabs(chi2_tail(4, 4) - 0.406) < 0.01, "Q at its mean: p %.3f", chi2_tail(4, 4));
}

static void test_agree(void)
{
	const double same[] = { 1000, 1002, 998, 1001, 999 }, apart[] = { 1000, 1150, 900, 1080, 950 };
	json_t *runs = json_array();
	for (int i = 0; i < 5; i++) {	/* interleaved as --repeat writes them */
		json_array_append_new(runs, run("same", same[i], 20));
		json_array_append_new(runs, run("apart", apart[i], 20));
		json_array_append_new(runs, run("noisy", apart[i], 600));
	}
	json_t *one = run("short", 1000, 20);
	json_array_clear(jget(one, "timeline.intervals"));
	json_array_append_new(runs, one);
	json_array_append_new(runs, run("short", 1500, 20));
	json_t *sum = summary_build(runs);
	json_t *s = agree_of(sum, "same"), *a = agree_of(sum, "apart"), *n = agree_of(sum, "noisy");
	json_t *sh = agree_of(sum, "short");
	CHECK(!strcmp(jstr(s, "status", ""), "pass") && jnum(s, "runs_compared") == 5,
	      "runs within their own noise agree: %s", jstr(s, "message", ""));
	CHECK(!strcmp(jstr(a, "status", ""), "warn") && jnum(a, "p_value") < AGREE_P_MAX &&
	      fabs(jnum(a, "spread_fraction") - 0.25) < 1e-9 && strstr(jstr(a, "message", ""), "disagree"),
	      "runs 25 %% apart with 2 %% noise are flagged: %s", jstr(a, "message", ""));
	CHECK(!strcmp(jstr(n, "status", ""), "pass") && jnum(n, "p_value") > 0.05,
	      "the same means with 60 %% noise in each run agree: %s", jstr(n, "message", ""));
	CHECK(!strcmp(jstr(sh, "status", ""), "pass") && jnum(sh, "runs_compared") == 1 &&
	      strstr(jstr(sh, "message", ""), "cannot tell"), "one run with intervals: cannot tell: %s",
	      jstr(sh, "message", ""));
	CHECK(jnum(a, "degrees_of_freedom") == 4, "5 runs: 4 degrees of freedom");
	json_decref(sum);
	json_decref(runs);
}

int main(void)
{
	test_tail();
	test_agree();
	return check_status();
}
