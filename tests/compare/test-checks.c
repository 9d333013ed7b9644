/* The run's self-checks on constructed timelines: a steady run passes, one
 * that slows down over the run is not stationary, a slow first interval is a
 * warm-up inside the window; the client and open-loop checks read their
 * figures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/checks_trend.h"
#include "analysis/run_checks.h"
#include "analysis/saved_report.h"
#include "tests/lib/check.h"

/* n intervals; rps and p99 of interval i from the callers' shapes, with a
 * seeded +-noise so nothing is exactly flat. */
static json_t *run_with(size_t n, double (*rps)(size_t), double (*p99)(size_t), double noise)
{
	json_t *list = json_array();
	srand(7);
	for (size_t i = 0; i < n; i++) {
		double e1 = 1 + noise * (2.0 * rand() / RAND_MAX - 1), e2 = 1 + noise * (2.0 * rand() / RAND_MAX - 1);
		json_array_append_new(list, json_pack("{s:I, s:f, s:I, s:{s:f}}", "start_ns", (json_int_t)i * 1000000000,
			"rps", rps(i) * e1, "errors", (json_int_t)0, "latency_ns", "p99", p99(i) * e2));
	}
	return json_pack("{s:{s:f}, s:{s:o}}", "client", "busy_fraction", 0.5, "timeline", "intervals", list);
}

static double flat_rps(size_t i) { (void)i; return 20000; }
static double flat_p99(size_t i) { (void)i; return 5e6; }
static double falling_rps(size_t i) { return 20000 / (1 + 0.05 * (double)i); }
static double rising_p99(size_t i) { return 5e6 * (1 + 0.1 * (double)i); }
static double cold_rps(size_t i) { return i ? 20000 : 8000; }

static const char *status(json_t *checks, const char *name)
{
	return jstr(json_object_get(checks, name), "status", "absent");
}

static double sliding_rps(size_t i) { return 400 / (1 + 0.25 * ((double)i + 0.5)); }

/* A timeline of the given req/s, p99 flat. */
static json_t *run_of(const double *rps, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:I, s:f, s:I, s:{s:f}}", "start_ns", (json_int_t)i * 1000000000,
			"rps", rps[i], "errors", (json_int_t)0, "latency_ns", "p99", 5e6));
	return json_pack("{s:{s:f}, s:{s:o}}", "client", "busy_fraction", 0.5, "timeline", "intervals", list);
}

/* Student's t p-values against the tables: two-sided 1 % and 5 %. */
static void test_t_table(void)
{
	CHECK(fabs(student_t_p(4.604, 4) - 0.01) < 2e-4, "t 4.604, 4 df: p %g", student_t_p(4.604, 4));
	CHECK(fabs(student_t_p(2.086, 20) - 0.05) < 5e-4, "t 2.086, 20 df: p %g", student_t_p(2.086, 20));
	CHECK(fabs(student_t_p(2.576, 1e6) - 0.01) < 2e-4, "t 2.576, many df: p %g", student_t_p(2.576, 1e6));
	CHECK(student_t_p(0, 10) == 1 && student_t_p(INFINITY, 10) == 0, "t 0 and infinity");
}

/* A trend by rank that is smaller than the run's own noise is no trend: a
 * steady, noisy server whose halves differ by 10-20 % passes. */
static void test_within_noise(void)
{
	/* a Flask run here: -22 % between halves, rank correlation -0.71 */
	static const double flask[] = { 2377, 2170, 2703, 2401, 1858, 1831, 2376, 1968, 1844, 1741 };
	json_t *run = run_of(flask, 10), *c = run_checks(run);
	CHECK(!strcmp(status(c, "stationary"), "pass"), "a noisy steady Flask passes: %s",
	      jstr(json_object_get(c, "stationary"), "message", ""));
	json_decref(c);
	json_decref(run);
	/* 60 intervals, 25 % down over the run under +-25 % noise: significant by
	 * rank, over 10 % apart, but within twice one interval's spread */
	double v[60];
	srand(11);
	for (size_t i = 0; i < 60; i++)
		v[i] = 20000 * (1 - 0.25 * (double)i / 59) * (1 + 0.25 * (2.0 * rand() / RAND_MAX - 1));
	run = run_of(v, 60);
	c = run_checks(run);
	CHECK(jnum(c, "stationary.rps_p") < 0.01 && jnum(c, "stationary.rps_change") < -0.10,
	      "the premise: a significant trend over 10 %% (p %g, change %.3f)", jnum(c, "stationary.rps_p"),
	      jnum(c, "stationary.rps_change"));
	CHECK(!strcmp(status(c, "stationary"), "pass") && strstr(jstr(c, "stationary.message", ""), "spread"),
	      "within the noise: %s", jstr(c, "stationary.message", ""));
	json_decref(c);
	json_decref(run);
	/* a server whose answers wait 25 % longer each second, over 7 intervals */
	for (size_t i = 0; i < 7; i++)
		v[i] = sliding_rps(i) * (1 + 0.03 * (2.0 * rand() / RAND_MAX - 1));
	run = run_of(v, 7);
	c = run_checks(run);
	CHECK(!strcmp(status(c, "stationary"), "warn"), "the drifting server in 7 intervals is flagged: %s",
	      jstr(c, "stationary.message", ""));
	json_decref(c);
	json_decref(run);
}

/* A run whose per-request probes ran EVENTS each time, with OK answers. */
static json_t *run_probes(json_int_t recv_events, double ok)
{
	return json_pack("{s:{s:f, s:f}, s:{s:{s:{s:b, s:[{s:s, s:s, s:I}, {s:s, s:s, s:I}, {s:s, s:s, s:I}]}}}}",
		"client", "busy_fraction", 0.5, "requests_ok", ok, "kernel", "probes", "cost", "available", 1,
		"programs", "hook", "sys_exit", "mode", "tp_btf", "events", (json_int_t)900,
		"hook", "sock_recv_length", "mode", "kretprobe", "events", recv_events,
		"hook", "tcp_retransmit_skb", "mode", "tp_btf", "events", (json_int_t)0);
}

/* A per-request probe that never ran warns and names itself; one that may
 * well not run (retransmits) does not; no answers, no verdict. */
static void test_probes_ran(void)
{
	json_t *run = run_probes(0, 300), *c = run_checks(run);
	CHECK(!strcmp(status(c, "probes_ran"), "warn") &&
	      strstr(jstr(c, "probes_ran.message", ""), "sock_recv_length (kretprobe) attached but never ran"),
	      "a silent kretprobe warns: %s", jstr(c, "probes_ran.message", ""));
	CHECK(json_array_size(jget(c, "probes_ran.silent")) == 1, "only the per-request hook is named");
	json_decref(c);
	json_decref(run);
	run = run_probes(600, 300);
	c = run_checks(run);
	CHECK(!strcmp(status(c, "probes_ran"), "pass"), "every per-request probe ran: %s",
	      jstr(c, "probes_ran.message", ""));
	json_decref(c);
	json_decref(run);
	run = run_probes(0, 0);
	c = run_checks(run);
	CHECK(!strcmp(status(c, "probes_ran"), "absent"), "no answered request: no verdict");
	json_decref(c);
	json_decref(run);
}

int main(void)
{
	test_t_table();
	test_probes_ran();
	test_within_noise();
	for (int seed_noise = 0; seed_noise < 3; seed_noise++) {
		json_t *run = run_with(20, flat_rps, flat_p99, 0.03 * (seed_noise + 1)), *c = run_checks(run);
		CHECK(!strcmp(status(c, "stationary"), "pass"), "steady (noise %d %%): stationary passes: %s",
		      3 * (seed_noise + 1), jstr(json_object_get(c, "stationary"), "message", ""));
		CHECK(!strcmp(status(c, "warmup"), "pass"), "steady: no warm-up");
		CHECK(!strcmp(status(c, "client_saturated"), "pass"), "client at 50 %% passes");
		json_decref(c);
		json_decref(run);
	}
	json_t *run = run_with(20, falling_rps, rising_p99, 0.03), *c = run_checks(run);
	CHECK(!strcmp(status(c, "stationary"), "warn"), "a server slowing down each second is flagged");
	CHECK(jnum(c, "stationary.rps_rank_correlation") < -0.8 && jnum(c, "stationary.p99_change") > 0.3,
	      "with the trend's figures: rho %.2f, p99 change %.2f", jnum(c, "stationary.rps_rank_correlation"),
	      jnum(c, "stationary.p99_change"));
	json_decref(c);
	json_decref(run);
	run = run_with(20, cold_rps, flat_p99, 0.02);
	c = run_checks(run);
	CHECK(!strcmp(status(c, "warmup"), "warn") && strstr(jstr(c, "warmup.message", ""), "--warmup"),
	      "a cold first interval is a warm-up inside the window: %s", jstr(c, "warmup.message", ""));
	CHECK(!strcmp(status(c, "stationary"), "pass"), "one cold interval is not a trend");
	json_decref(c);
	json_decref(run);
	run = run_with(4, falling_rps, rising_p99, 0);
	c = run_checks(run);
	CHECK(!strcmp(status(c, "stationary"), "absent"), "4 intervals: too few to tell, no check");
	json_decref(c);
	json_decref(run);
	run = json_pack("{s:{s:f, s:{s:f, s:i}}, s:{s:f}}", "client", "busy_fraction", 0.97, "open_loop",
			"achieved_rate", 800.0, "unsent", 200, "load", "rate", 1000.0);
	c = run_checks(run);
	CHECK(!strcmp(status(c, "client_saturated"), "warn") && !strcmp(status(c, "open_loop_rate"), "warn"),
	      "a saturated client and a rate not held warn");
	json_decref(c);
	json_decref(run);
	return check_status();
}
