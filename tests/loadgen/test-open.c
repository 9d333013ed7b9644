/* Open loop against the in-test server: the rate is held; a server that
 * stalls once for a second shows that second in the corrected latency (and
 * much less in the uncorrected one); an overloaded server's queue shows in
 * p99; records carry the intended send times; impossible option
 * combinations are refused with one-line errors. */
#include "tests/loadgen/test-server.h"
#include "loadgen/lg_internal.h"

#include <sys/mman.h>

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void print_lat(const char *name, const struct lg_result *r)
{
	printf("%s: sent %llu, achieved %.1f req/s, completed %llu, errors %llu, late %llu, conn waits %llu, unsent %llu, max lag %.3f ms\n"
	       "  corrected   p50 %.3f p99 %.3f max %.3f ms\n"
	       "  uncorrected p50 %.3f p99 %.3f max %.3f ms\n",
	       name, (unsigned long long)r->sent, r->achieved_rate,
	       (unsigned long long)r->requests_completed, (unsigned long long)r->errors_total,
	       (unsigned long long)r->late_sends, (unsigned long long)r->conn_waits,
	       (unsigned long long)r->unsent, ms(r->max_lag_ns),
	       ms(hist_percentile(&r->latency, 50)), ms(hist_percentile(&r->latency, 99)),
	       ms(r->latency.max), ms(hist_percentile(&r->latency_uncorrected, 50)),
	       ms(hist_percentile(&r->latency_uncorrected, 99)), ms(r->latency_uncorrected.max));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_rate_held(void)
{
	struct http_server s;
	struct lg_result r;

	/* 2000 req/s for 1 s: the schedule has exactly 2000 sends */
	http_server_start(&s, KEEPALIVE);
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 10, .duration_s = 1.0,
					  .mode = LG_MODE_OPEN, .rate = 2000, .record = true }, &r);
	http_server_stop(&s);
	print_lat("2000 req/s, 1 s", &r);
	/* the schedule, whether this machine kept it (scripts/bench-loadgen.sh
	 * measures that) or not: sent on time, late or never */
	CHECK(r.sent + r.unsent >= 1980 && r.sent + r.unsent <= 2020, "scheduled: %llu sent + %llu unsent, want 2000 +- 1 %%",
	      (unsigned long long)r.sent, (unsigned long long)r.unsent);
	CHECK(r.send_window_ns == NS_PER_SEC && r.achieved_rate == (double)r.sent, "achieved rate %.1f over %llu ns",
	      r.achieved_rate, (unsigned long long)r.send_window_ns);
	CHECK(r.requests_completed + r.requests_unfinished == r.sent &&
	      r.requests_ok == r.requests_completed && r.errors_total == 0,
	      "all answered: completed %llu of %llu, errors %llu",
	      (unsigned long long)r.requests_completed, (unsigned long long)r.sent,
	      (unsigned long long)r.errors_total);
	CHECK(r.latency.total == r.requests_ok && r.latency_uncorrected.total == r.requests_ok &&
	      r.send_lag.total == r.sent, "one sample of each per request");
	CHECK(r.latency.min >= r.latency_uncorrected.min, "corrected >= uncorrected");
	CHECK(r.connects >= 1 && r.connects <= 10, "%llu connects", (unsigned long long)r.connects);
	CHECK(r.busy_fraction >= 0 && r.busy_fraction <= 1 && r.busy_max >= r.busy_fraction, "busy %.3f",
	      r.busy_fraction);
	/* records: one per response, c0 = the intended times, 500 us apart */
	CHECK(r.n_records == r.requests_completed, "%zu records", r.n_records);
	if (r.n_records == r.requests_completed && r.n_records > 2) {
		uint64_t *c0 = malloc(r.n_records * sizeof(*c0));
		for (size_t i = 0; i < r.n_records; i++)
			c0[i] = r.records[i].c0;
		qsort(c0, r.n_records, sizeof(*c0), cmp_u64);
		uint64_t lo = UINT64_MAX, hi = 0;
		for (size_t i = 1; i < r.n_records; i++) {
			uint64_t d = c0[i] - c0[i - 1];
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
		}
		CHECK(lo >= 499000 && hi <= 501000, "intended times 500 us apart: %llu..%llu ns",
		      (unsigned long long)lo, (unsigned long long)hi);
		CHECK(c0[0] >= r.start_ns && c0[0] < r.start_ns + 501000, "first intended time");
		free(c0);
		bool sane = true;
		for (size_t i = 0; i < r.n_records; i++)
			sane &= r.records[i].c5 > r.records[i].c0 && r.records[i].lport != 0;
		CHECK(sane, "records: c5 > c0, local port known");
	}
	lg_result_free(&r);

	/* two threads, Poisson arrivals, warmup: still about the rate (a fixed
	 * seed makes it reproducible), the window excludes the warmup */
	http_server_start(&s, KEEPALIVE);
	drive(s.port, &(struct run_args){ .threads = 2, .conns = 8, .duration_s = 1.0, .warmup_s = 0.2,
					  .mode = LG_MODE_OPEN, .rate = 3000,
					  .arrival = LG_ARRIVAL_POISSON }, &r);
	http_server_stop(&s);
	print_lat("3000 req/s poisson, 2 threads", &r);
	CHECK(r.sent + r.unsent >= 2700 && r.sent + r.unsent <= 3300 && r.requests_ok + r.requests_unfinished == r.sent &&
	      r.errors_total == 0,
	      "poisson: %llu sent", (unsigned long long)r.sent);
	CHECK(r.send_window_ns == NS_PER_SEC, "window %llu", (unsigned long long)r.send_window_ns);
	lg_result_free(&r);

	/* a request count at a rate: n requests take n / rate */
	http_server_start(&s, KEEPALIVE);
	double secs = drive(s.port, &(struct run_args){ .threads = 2, .conns = 4, .requests = 500,
							.mode = LG_MODE_OPEN, .rate = 1000 }, &r);
	http_server_stop(&s);
	/* never ahead of the schedule (behind it when this machine is busy) */
	CHECK(r.sent == 500 && r.requests_ok == 500 && secs > 0.45 && r.achieved_rate < 1010,
	      "-n 500 at 1000/s: %llu sent in %.3f s, achieved %.1f", (unsigned long long)r.sent, secs,
	      r.achieved_rate);
	lg_result_free(&r);
}

/* The server stops for 1 s once. Open loop keeps scheduling: requests due
 * in that second wait, and their latency from the intended time shows the
 * stall; measured from the actual send, only the few in flight show it. */
static void test_stall(void)
{
	struct http_server s;
	struct lg_result r, c;

	http_server_start_with(&s, &(struct http_server_cfg){ .answer = STALL, .stall_after = 300, .stall_us = 1000000 });
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 10, .duration_s = 1.6, .timeout_s = 3,
					  .mode = LG_MODE_OPEN, .rate = 1000 }, &r);
	http_server_stop(&s);
	print_lat("stall 1 s, open loop 1000 req/s", &r);
	CHECK(s.stall_end_ns - s.stall_start_ns >= 990 * NS_PER_MS, "the server stalled");
	CHECK(r.errors_total == 0 && r.requests_ok + r.requests_unfinished == r.sent &&
	      r.sent + r.unsent >= 1584 && r.sent + r.unsent <= 1616,
	      "stall: sent %llu ok %llu", (unsigned long long)r.sent, (unsigned long long)r.requests_ok);
	CHECK(r.latency.max >= 950 * NS_PER_MS, "corrected max %.1f ms shows the stall", ms(r.latency.max));
	CHECK(hist_percentile(&r.latency, 99) >= 900 * NS_PER_MS, "corrected p99 %.1f ms shows the stall",
	      ms(hist_percentile(&r.latency, 99)));
	CHECK(hist_percentile(&r.latency, 75) >= 200 * NS_PER_MS, "corrected p75 %.1f ms: the queue",
	      ms(hist_percentile(&r.latency, 75)));
	CHECK(hist_percentile(&r.latency_uncorrected, 99) * 2 < hist_percentile(&r.latency, 99),
	      "uncorrected p99 %.1f ms hides it", ms(hist_percentile(&r.latency_uncorrected, 99)));
	CHECK(r.conn_waits > 500 && r.late_sends > 500 && r.max_lag_ns >= 900 * NS_PER_MS,
	      "requests waited for a connection: %llu, late %llu, max lag %.1f ms",
	      (unsigned long long)r.conn_waits, (unsigned long long)r.late_sends, ms(r.max_lag_ns));
	lg_result_free(&r);

	/* the same stall in closed loop: coordinated omission, p99 hides it */
	http_server_start_with(&s, &(struct http_server_cfg){ .answer = STALL, .stall_after = 300, .stall_us = 1000000 });
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 10, .duration_s = 1.5, .timeout_s = 3 }, &c);
	http_server_stop(&s);
	printf("stall 1 s, closed loop: %llu requests, p99 %.3f ms, max %.1f ms\n",
	       (unsigned long long)c.requests_ok, ms(hist_percentile(&c.latency, 99)), ms(c.latency.max));
	CHECK(c.latency.max >= 950 * NS_PER_MS && hist_percentile(&c.latency, 99) * 4 < c.latency.max,
	      "closed loop hides the stall below p99 (%.1f ms)", ms(hist_percentile(&c.latency, 99)));
	lg_result_free(&c);
}

/* 2 ms per response from one server thread (500 req/s at most) driven at
 * 800 req/s: the queue grows for the whole run, and p99 shows it. */
static void test_overload(void)
{
	struct http_server s;
	struct lg_result r;

	http_server_start_with(&s, &(struct http_server_cfg){ .answer = SLOW, .delay_us = 2000 });
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 4, .duration_s = 1.0, .timeout_s = 3,
					  .mode = LG_MODE_OPEN, .rate = 800 }, &r);
	http_server_stop(&s);
	print_lat("overloaded (500/s server at 800/s)", &r);
	CHECK(hist_percentile(&r.latency, 99) >= 250 * NS_PER_MS,
	      "overload: corrected p99 %.1f ms shows the queue", ms(hist_percentile(&r.latency, 99)));
	CHECK(hist_percentile(&r.latency_uncorrected, 99) * 2 < hist_percentile(&r.latency, 99),
	      "overload: uncorrected p99 %.1f ms", ms(hist_percentile(&r.latency_uncorrected, 99)));
	CHECK(r.unsent > 100 && r.sent + r.unsent >= 790 && r.sent + r.unsent <= 810,
	      "overload: %llu sent + %llu unsent = the schedule", (unsigned long long)r.sent,
	      (unsigned long long)r.unsent);
	lg_result_free(&r);
}

static void expect_error(const struct lg_options *o, const char *want)
{
	struct errbuf e = { "" };
	int rc = lg_check_options(o, &e);
	CHECK(rc < 0 && strstr(e.msg, want) && !strchr(e.msg, '\n'),
	      "options must be refused with '%s': rc %d, '%s'", want, rc, e.msg);
}

static void test_options(void)
{
	struct lg_options base = { .connections = 10, .threads = 2, .duration_ns = NS_PER_SEC };
	struct lg_options o;
	struct errbuf e = { "" };

	o = base;
	CHECK(lg_check_options(&o, &e) == 0 && !e.msg[0], "closed loop is fine: %s", e.msg);
	o = base, o.mode = LG_MODE_OPEN, o.rate = 1000;
	CHECK(lg_check_options(&o, &e) == 0, "open loop at 1000/s is fine: %s", e.msg);

	o = base, o.mode = LG_MODE_OPEN;
	expect_error(&o, "rate");
	o = base, o.mode = LG_MODE_OPEN, o.rate = -5;
	expect_error(&o, "rate above 0");
	o = base, o.mode = LG_MODE_OPEN, o.rate = 1.5;
	expect_error(&o, "below the thread count");
	o = base, o.mode = LG_MODE_OPEN, o.requests = 100, o.duration_ns = 0;
	expect_error(&o, "also with a request count");
	o = base, o.rate = 100;
	expect_error(&o, "needs open-loop mode");
	o = base, o.arrival = LG_ARRIVAL_POISSON;
	expect_error(&o, "poisson needs open-loop");
	o = base, o.http2 = true;
	expect_error(&o, "--engine curl");
	o = base, o.mode = LG_MODE_OPEN, o.rate = 2, o.threads = 1, o.duration_ns = NS_PER_SEC / 4;
	expect_error(&o, "schedules no request");
	o = base, o.threads = 20;
	expect_error(&o, "one connection per thread");
	o = base, o.duration_ns = 0;
	expect_error(&o, "neither a request count nor a duration");
	o = base, o.engine = (enum lg_engine)42;
	expect_error(&o, "unknown");

	/* warnings: one line, rc 1 */
	o = base, o.mode = LG_MODE_OPEN, o.rate = 1e6;
	CHECK(lg_check_options(&o, &e) == 1 && strstr(e.msg, "connections") && !strchr(e.msg, '\n'),
	      "a rate the connections can hardly carry warns: %s", e.msg);
	o = base, o.insecure = true;
	CHECK(lg_check_options(&o, &e) == 1 && strstr(e.msg, "insecure"), "--insecure warns: %s", e.msg);

	/* names */
	CHECK(lg_mode_from_name("open") == LG_MODE_OPEN && lg_arrival_from_name("poisson") == LG_ARRIVAL_POISSON &&
	      lg_engine_from_name("curl") == LG_ENGINE_CURL && lg_engine_from_name("dpdk") < 0 &&
	      !strcmp(lg_engine_names[LG_ENGINE_EPOLL], "epoll") && lg_engine_available(LG_ENGINE_CURL),
	      "names");

	/* lg_start refuses too, and https on the epoll engine */
	char msg[600];
	struct lg_result r;
	double rc = drive(1, &(struct run_args){ .threads = 2, .conns = 2, .duration_s = 1, .mode = LG_MODE_OPEN,
						 .rate = 1, .may_fail = true, .fail_msg = msg }, &r);
	CHECK(rc < 0 && strstr(msg, "below the thread count"), "lg_start: %s", msg);
	rc = drive(1, &(struct run_args){ .threads = 1, .conns = 1, .duration_s = 1, .url = "https://127.0.0.1:1/",
					  .may_fail = true, .fail_msg = msg }, &r);
	CHECK(rc < 0 && strstr(msg, "https needs --engine curl"), "https on epoll: %s", msg);
}

/* The intervals add up exactly to the whole run: counts, and the latency
 * histogram bucket by bucket. */
static void expect_timeline_sums(const char *name, const struct lg_result *r, size_t want_n)
{
	uint64_t req = 0, ok = 0, err = 0, sent = 0;
	struct hist sum;
	CHECK(!hist_init(&sum), "hist");
	CHECK(r->n_intervals == want_n && r->timeline, "%s: %zu intervals, want %zu", name, r->n_intervals, want_n);
	for (size_t k = 0; k < r->n_intervals; k++) {
		const struct lg_interval *t = &r->timeline[k];
		CHECK(t->start_ns == k * r->interval_ns && t->duration_ns > 0 && t->duration_ns <= r->interval_ns &&
		      t->latency.total == t->ok && t->ok <= t->requests,
		      "%s: interval %zu starts at %llu", name, k, (unsigned long long)t->start_ns);
		req += t->requests, ok += t->ok, err += t->errors, sent += t->sent;
		hist_merge(&sum, &t->latency);
	}
	CHECK(req == r->requests_completed && ok == r->requests_ok && err == r->errors_total && sent == r->sent,
	      "%s: intervals sum to %llu/%llu/%llu/%llu, the run %llu/%llu/%llu/%llu", name,
	      (unsigned long long)req, (unsigned long long)ok, (unsigned long long)err, (unsigned long long)sent,
	      (unsigned long long)r->requests_completed, (unsigned long long)r->requests_ok,
	      (unsigned long long)r->errors_total, (unsigned long long)r->sent);
	CHECK(sum.total == r->latency.total && sum.min == r->latency.min && sum.max == r->latency.max &&
	      !memcmp(sum.counts, r->latency.counts, (size_t)sum.n_counts * sizeof(*sum.counts)),
	      "%s: merged interval histograms equal the run's (%llu vs %llu samples)", name,
	      (unsigned long long)sum.total, (unsigned long long)r->latency.total);
	hist_free(&sum);
}

static void test_timeline(void)
{
	struct http_server s;
	struct lg_result r;

	/* open loop, 2 threads: 10 intervals of 0.1 s, each about 200 sent */
	http_server_start(&s, KEEPALIVE);
	drive(s.port, &(struct run_args){ .threads = 2, .conns = 6, .duration_s = 1.0, .mode = LG_MODE_OPEN,
					  .rate = 2000, .interval_s = 0.1 }, &r);
	expect_timeline_sums("open loop timeline", &r, 10);
	for (size_t k = 0; k < r.n_intervals; k++)
		CHECK(r.timeline[k].duration_ns == 100 * NS_PER_MS &&
		      r.timeline[k].send_rate == (double)r.timeline[k].sent * 10,
		      "open loop interval %zu: %llu sent, rate %.1f", k, (unsigned long long)r.timeline[k].sent,
		      r.timeline[k].send_rate);
	lg_result_free(&r);

	/* closed loop with a request count and some 500s: the timeline ends
	 * with the run, errors and all */
	drive(s.port, &(struct run_args){ .threads = 2, .conns = 4, .requests = 3000, .interval_s = 0.05 }, &r);
	expect_timeline_sums("closed loop -n timeline", &r, r.n_intervals);
	CHECK(r.n_intervals >= 1 && r.requests_ok == 3000, "closed loop -n: %zu intervals", r.n_intervals);
	lg_result_free(&r);
	http_server_stop(&s);

	http_server_start(&s, ERROR500);
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 2, .duration_s = 0.3, .interval_s = 0.1 }, &r);
	expect_timeline_sums("500s timeline", &r, 3);
	CHECK(r.errors_total > 0 && r.requests_completed == 0, "500s: %llu errors, none completed",
	      (unsigned long long)r.errors_total);
	lg_result_free(&r);
	http_server_stop(&s);

	/* too many intervals are refused */
	struct lg_options o = { .connections = 2, .threads = 1, .duration_ns = 3600 * NS_PER_SEC,
				.interval_ns = 100 * NS_PER_MS };
	struct errbuf e = { "" };
	CHECK(lg_check_options(&o, &e) < 0 && strstr(e.msg, "intervals"), "36000 intervals: %s", e.msg);
}

/* The live view: the newest interval every thread has finished, in order,
 * its totals adding up to what the run reports. */
static void test_live(void)
{
	struct http_server s;
	struct lg_target t;
	struct lg_run *run;
	struct lg_result r;
	struct errbuf e = { "" };
	char url[64];
	struct lg_options o = { .connections = 4, .threads = 2, .duration_ns = 600 * NS_PER_MS,
				.interval_ns = 100 * NS_PER_MS };

	http_server_start(&s, KEEPALIVE);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", s.port);
	CHECK(!lg_target_from_url(&t, url, &e) && !lg_start(&t, &o, &run, NULL, &e), "start: %s", e.msg);
	struct lg_live l, last = { .index = UINT64_MAX };
	uint64_t seen = 0;
	bool ordered = true;
	while (!lg_done(run)) {
		if (lg_live_interval(run, &l) && l.index != last.index) {
			ordered &= last.index == UINT64_MAX || l.index > last.index;
			ordered &= l.requests_total >= last.requests_total || last.index == UINT64_MAX;
			last = l;
			seen++;
		}
		CHECK(lg_timeline_pack(run) == 0, "pack");
		usleep(5000);
	}
	/* every interval packed, and its counts' pages given back */
	CHECK(lg_timeline_pack(run) == 0, "pack");
	for (int i = 0; i < run->nworkers; i++) {
		struct lg_worker *w = run->workers[i];
		size_t pages = w->slot_mem_bytes / (size_t)getpagesize(), resident = 0;
		unsigned char *vec = calloc(pages, 1);
		CHECK(vec && !mincore(w->slot_mem, w->slot_mem_bytes, vec), "mincore");
		for (size_t k = 0; vec && k < pages; k++)
			resident += vec[k] & 1;
		CHECK(w->packed == w->nslots && resident == 0, "worker %d: %u of %u intervals packed, %zu pages resident",
		      i, w->packed, w->nslots, resident);
		free(vec);
	}
	CHECK(lg_live_interval(run, &l) && l.index == 5, "after the run: the last interval (%llu)",
	      (unsigned long long)l.index);
	CHECK(ordered && seen >= 1, "live intervals in order: %llu seen", (unsigned long long)seen);
	CHECK(lg_join(run, &r) == 0, "join");
	CHECK(l.requests_total == r.requests_completed && l.errors_total == r.errors_total &&
	      l.requests == r.timeline[5].requests && l.p99_ns == hist_percentile(&r.timeline[5].latency, 99),
	      "live totals %llu = run %llu", (unsigned long long)l.requests_total,
	      (unsigned long long)r.requests_completed);
	lg_result_free(&r);
	http_server_stop(&s);
}

int main(void)
{
	test_options();
	test_rate_held();
	test_stall();
	test_overload();
	test_timeline();
	test_live();
	return check_status();
}
