/* Shared by the engine tests: the test library's HTTP server in a thread
 * of the test (tests/lib/http_server.h), and drive(), which runs the load
 * generator against a port and waits for the result. */
#pragma once
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "loadgen/loadgen.h"
#include "tests/lib/check.h"
#include "tests/lib/http_server.h"

static enum lg_engine default_engine;	/* for run_args without an engine */

struct run_args {
	int threads, conns;
	uint64_t requests;
	double duration_s, warmup_s, timeout_s;
	const char *expect;
	double stop_after_s;	/* > 0: lg_stop() then */
	struct http_server *kill;	/* stopped after kill_after_s */
	double kill_after_s;
	uint64_t kill_after_requests;	/* instead of kill_after_s: after this many responses */
	enum lg_mode mode;
	double rate;
	enum lg_arrival arrival;
	enum lg_engine engine;
	bool record, http2, insecure;
	const char *url;	/* instead of http://127.0.0.1:port/ */
	double interval_s;	/* per-interval figures */
	bool may_fail;		/* lg_start may fail: then drive() returns -1, err in *fail_msg */
	char *fail_msg;
	uint64_t refused_since;	/* out: the first lg_refused_since() seen non-zero, 0 if never */
	uint64_t killed_ns;	/* out: when kill was stopped */
};

/* Runs the load generator; returns the wall time in seconds. */
static double drive(uint16_t port, struct run_args *a, struct lg_result *res)
{
	char url[64];
	struct lg_target t;
	struct errbuf err = { "" };
	struct lg_options o = {
		.connections = a->conns, .threads = a->threads, .requests = a->requests,
		.duration_ns = (uint64_t)(a->duration_s * 1e9), .warmup_ns = (uint64_t)(a->warmup_s * 1e9),
		.timeout_ns = (uint64_t)((a->timeout_s ? a->timeout_s : 2) * 1e9),
		.mode = a->mode, .rate = a->rate, .arrival = a->arrival,
		.engine = a->engine ? a->engine : default_engine,
		.record_requests = a->record, .http2 = a->http2, .insecure = a->insecure,
		.interval_ns = (uint64_t)(a->interval_s * 1e9),
	};
	struct lg_run *run;
	uint64_t ms;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
	if (lg_target_from_url(&t, a->url ? a->url : url, &err)) {
		printf("FAIL: %s\n", err.msg);
		exit(1);
	}
	t.expect_body = a->expect ? a->expect : HELLO_BODY;
	t.expect_body_len = strlen(t.expect_body);
	if (!*t.expect_body)
		t.expect_body = NULL;	/* "": any body */
	uint64_t t0 = mono_ns();
	if (lg_start(&t, &o, &run, &ms, &err)) {
		if (a->may_fail) {
			if (a->fail_msg)
				strcpy(a->fail_msg, err.msg);
			memset(res, 0, sizeof(*res));
			return -1;
		}
		printf("FAIL: lg_start: %s\n", err.msg);
		exit(1);
	}
	/* measuring starts after the warm-up, counted from within lg_start */
	CHECK(ms >= t0 + o.warmup_ns && ms <= mono_ns() + o.warmup_ns, "measure start");
	bool stopped = false;
	while (!lg_done(run)) {
		if (mono_ns() - t0 > 20 * NS_PER_SEC) {
			printf("FAIL: the run does not end\n");
			exit(1);
		}
		if (a->stop_after_s > 0 && !stopped && mono_ns() - t0 > a->stop_after_s * 1e9) {
			lg_stop(run);
			stopped = true;
		}
		if (a->kill && (a->kill_after_requests ? lg_progress(run) >= a->kill_after_requests
						       : mono_ns() - t0 > a->kill_after_s * 1e9)) {
			a->killed_ns = mono_ns();
			http_server_stop(a->kill);
			a->kill = NULL;
		}
		if (!a->refused_since)
			a->refused_since = lg_refused_since(run);
		usleep(2000);
	}
	lg_progress(run);
	CHECK(lg_join(run, res) == 0, "lg_join");
	return (double)(mono_ns() - t0) / 1e9;
}

