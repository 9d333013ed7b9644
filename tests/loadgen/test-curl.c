/* The curl engine (and the io_uring one, when built) against the in-test
 * server gives the same counts as the epoll engine: keep-alive, close per
 * response, chunked, 500s, unexpected bodies, a closed port, open loop,
 * per-request records. */
#include "tests/loadgen/test-server.h"
#include "tests/loadgen/h2c.h"

#include <curl/curl.h>

struct counts {
	uint64_t completed, ok, errors, connects, status2, status5, bytes, lat;
};

static struct counts run_counts(enum http_answer m, enum lg_engine e, struct run_args a, struct lg_result *keep)
{
	struct http_server s;
	struct lg_result r;

	http_server_start(&s, m);
	a.engine = e;
	drive(s.port, &a, &r);
	http_server_stop(&s);
	struct counts c = { r.requests_completed, r.requests_ok, r.errors_total, r.connects,
			    r.status_classes[2], r.status_classes[5], r.bytes_read, r.latency.total };
	if (r.first_error[0])
		printf("  %s: first error: %s\n", lg_engine_names[e], r.first_error);
	if (keep)
		*keep = r;
	else
		lg_result_free(&r);
	return c;
}

static void same_counts(const char *name, enum http_answer m, struct run_args a, bool same_bytes)
{
	struct counts ep = run_counts(m, LG_ENGINE_EPOLL, a, NULL);
	struct counts cu = run_counts(m, LG_ENGINE_CURL, a, NULL);
	printf("%s: epoll %llu/%llu ok, %llu errors, %llu connects, %llu bytes; curl %llu/%llu ok, %llu errors, %llu connects, %llu bytes\n",
	       name, (unsigned long long)ep.completed, (unsigned long long)ep.ok, (unsigned long long)ep.errors,
	       (unsigned long long)ep.connects, (unsigned long long)ep.bytes, (unsigned long long)cu.completed,
	       (unsigned long long)cu.ok, (unsigned long long)cu.errors, (unsigned long long)cu.connects,
	       (unsigned long long)cu.bytes);
	CHECK(ep.completed == cu.completed && ep.ok == cu.ok && ep.errors == cu.errors &&
	      ep.connects == cu.connects && ep.status2 == cu.status2 && ep.status5 == cu.status5 &&
	      ep.lat == cu.lat, "%s: the engines disagree", name);
	CHECK(!same_bytes || ep.bytes == cu.bytes, "%s: bytes %llu vs %llu", name,
	      (unsigned long long)ep.bytes, (unsigned long long)cu.bytes);
	CHECK(ep.completed + ep.errors == a.requests, "%s: %llu completed, %llu failed", name,
	      (unsigned long long)ep.completed, (unsigned long long)ep.errors);
	if (!lg_engine_available(LG_ENGINE_URING))
		return;
	struct counts ur = run_counts(m, LG_ENGINE_URING, a, NULL);
	printf("  uring %llu/%llu ok, %llu errors, %llu connects, %llu bytes\n", (unsigned long long)ur.completed,
	       (unsigned long long)ur.ok, (unsigned long long)ur.errors, (unsigned long long)ur.connects,
	       (unsigned long long)ur.bytes);
	CHECK(ep.completed == ur.completed && ep.ok == ur.ok && ep.errors == ur.errors &&
	      ep.connects == ur.connects && ep.status2 == ur.status2 && ep.status5 == ur.status5 &&
	      ep.lat == ur.lat && ep.bytes == ur.bytes, "%s: epoll and uring disagree", name);
}

int main(void)
{
	struct lg_result r;

	same_counts("keep-alive, 2 threads, 5 conns, -n 2000", KEEPALIVE,
		    (struct run_args){ .threads = 2, .conns = 5, .requests = 2000 }, true);
	same_counts("close per response, 1 thread, 3 conns, -n 300", CLOSE,
		    (struct run_args){ .threads = 1, .conns = 3, .requests = 300 }, true);
	same_counts("chunked, 1 thread, 4 conns, -n 500", CHUNKED,
		    (struct run_args){ .threads = 1, .conns = 4, .requests = 500 }, false);
	same_counts("500s, 2 threads, 4 conns, -n 400", ERROR500,
		    (struct run_args){ .threads = 2, .conns = 4, .requests = 400 }, true);
	same_counts("unexpected body, -n 100", KEEPALIVE,
		    (struct run_args){ .threads = 1, .conns = 2, .requests = 100,
				       .expect = "{\"message\":\"Goodbye\"}" }, true);

	/* records: one per response, a sequence per connection */
	run_counts(KEEPALIVE, LG_ENGINE_CURL, (struct run_args){ .threads = 1, .conns = 3, .requests = 300,
								 .record = true }, &r);
	CHECK(r.n_records == 300, "curl records: %zu", r.n_records);
	uint32_t max_seq = 0;
	int new_conns = 0;
	bool sane = true;
	for (size_t i = 0; i < r.n_records; i++) {
		const struct lg_record *k = &r.records[i];
		max_seq = k->seq > max_seq ? k->seq : max_seq;
		new_conns += k->new_conn;
		sane &= k->c5 > k->c0 && k->lport && k->ok && (k->new_conn == (k->seq == 0));
	}
	CHECK(sane && new_conns == 3 && max_seq >= 99, "curl records: %d new connections, max seq %u",
	      new_conns, max_seq);
	lg_result_free(&r);

	/* a closed port: connect errors with their errno, and the run ends */
	uint16_t port;
	int fd = http_listen(0, &port);
	close(fd);
	double secs = drive(port, &(struct run_args){ .threads = 1, .conns = 2, .duration_s = 0.3,
						      .engine = LG_ENGINE_CURL }, &r);
	CHECK(r.errors[LG_ERR_CONNECT] >= 2 && r.errnos[LG_ERR_CONNECT][ECONNREFUSED] == r.errors[LG_ERR_CONNECT] &&
	      r.requests_completed == 0 && strstr(r.first_error, "connect"),
	      "curl, closed port: %llu connect errors (%llu refused) in %.3f s: %s",
	      (unsigned long long)r.errors[LG_ERR_CONNECT],
	      (unsigned long long)r.errnos[LG_ERR_CONNECT][ECONNREFUSED], secs, r.first_error);
	lg_result_free(&r);

	/* open loop through curl: the rate is held */
	struct http_server s;
	http_server_start(&s, KEEPALIVE);
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 10, .duration_s = 1.0, .mode = LG_MODE_OPEN,
					  .rate = 2000, .engine = LG_ENGINE_CURL }, &r);
	http_server_stop(&s);
	printf("curl open loop 2000 req/s: sent %llu, ok %llu, achieved %.1f, p99 %.3f ms\n",
	       (unsigned long long)r.sent, (unsigned long long)r.requests_ok, r.achieved_rate,
	       hist_percentile(&r.latency, 99) / 1e6);
	CHECK(r.sent + r.unsent >= 1980 && r.sent + r.unsent <= 2020 && r.requests_ok + r.requests_unfinished == r.sent &&
	      r.errors_total == 0 && r.latency_uncorrected.total == r.requests_ok, "curl open loop: %llu sent",
	      (unsigned long long)r.sent);
	lg_result_free(&r);

	/* open loop and records through io_uring */
	if (lg_engine_available(LG_ENGINE_URING)) {
		http_server_start(&s, KEEPALIVE);
		drive(s.port, &(struct run_args){ .threads = 2, .conns = 6, .duration_s = 0.5,
						  .mode = LG_MODE_OPEN, .rate = 2000, .engine = LG_ENGINE_URING,
						  .record = true }, &r);
		http_server_stop(&s);
		printf("uring open loop 2000 req/s: sent %llu, ok %llu, achieved %.1f, %zu records\n",
		       (unsigned long long)r.sent, (unsigned long long)r.requests_ok, r.achieved_rate, r.n_records);
		CHECK(r.sent + r.unsent >= 990 && r.sent + r.unsent <= 1010 && r.requests_ok + r.requests_unfinished == r.sent &&
		      r.errors_total == 0 && r.n_records == r.requests_ok, "uring open loop: %llu sent", (unsigned long long)r.sent);
		lg_result_free(&r);
		fd = http_listen(0, &port);
		close(fd);
		secs = drive(port, &(struct run_args){ .threads = 1, .conns = 2, .duration_s = 0.3,
						       .engine = LG_ENGINE_URING }, &r);
		CHECK(r.errors[LG_ERR_CONNECT] >= 2 && r.errnos[LG_ERR_CONNECT][ECONNREFUSED] == r.errors[LG_ERR_CONNECT] &&
		      r.requests_completed == 0, "uring, closed port: %llu connect errors in %.3f s",
		      (unsigned long long)r.errors[LG_ERR_CONNECT], secs);
		lg_result_free(&r);
	}

	/* HTTP/2 prior knowledge against an HTTP/1.1-only server: read errors,
	 * not a hang; or, with a libcurl that breaks reused h2c connections,
	 * a clear refusal before the run */
	http_server_start(&s, KEEPALIVE);
	bool ran = drive_h2c(s.port, &(struct run_args){ .threads = 1, .conns = 1, .requests = 3 }, &r);
	http_server_stop(&s);
	if (ran) {
		CHECK(r.requests_ok == 0 && r.errors_total == 3, "h2 against HTTP/1.1: %llu errors (%s)",
		      (unsigned long long)r.errors_total, r.first_error);
		lg_result_free(&r);
	}

	return check_status();
}
