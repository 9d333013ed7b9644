/* The engine against a tiny HTTP server running in a thread of this test,
 * on 127.0.0.1 with an ephemeral port: keep-alive and close-per-response
 * servers, request counts split across threads, 500s, body mismatches,
 * timeouts, a closed port, warmup + duration, lg_stop, URL parsing. */
#include "tests/loadgen/test-server.h"

#include <sys/resource.h>
#include <sys/wait.h>

static uint64_t others(const struct lg_result *r, enum lg_error_class except)
{
	uint64_t n = 0;
	for (int c = 0; c < LG_ERR__COUNT; c++)
		if (c != (int)except)
			n += r->errors[c];
	return n;
}

/* Every measured request sent ends as completed (an accepted answer),
 * failed (a status or body error included) or unfinished. */
static bool all_accounted(const struct lg_result *r)
{
	return r->sent == r->requests_completed + r->errors_total + r->requests_unfinished;
}

static void print_errors(const char *name, const struct lg_result *r)
{
	if (!r->errors_total)
		return;
	printf("  %s errors:", name);
	for (int c = 0; c < LG_ERR__COUNT; c++)
		for (int e = 0; e < LG_ERRNO_SLOTS; e++)
			if (r->errnos[c][e])
				printf(" %s/%s=%llu", lg_error_names[c], e ? strerror(e) : "-",
				       (unsigned long long)r->errnos[c][e]);
	printf("\n");
}

static void expect_clean(const char *name, enum http_answer m, struct run_args *a, uint64_t want_connects)
{
	struct http_server s;
	struct lg_result r;

	http_server_start(&s, m);
	double secs = drive(s.port, a, &r);
	http_server_stop(&s);
	print_errors(name, &r);
	CHECK(r.requests_completed == a->requests && r.requests_ok == a->requests,
	      "%s: %llu completed, %llu ok, want %llu", name, (unsigned long long)r.requests_completed,
	      (unsigned long long)r.requests_ok, (unsigned long long)a->requests);
	CHECK(r.errors_total == 0, "%s: %llu errors", name, (unsigned long long)r.errors_total);
	CHECK(r.latency.total == a->requests, "%s: %llu latency samples", name,
	      (unsigned long long)r.latency.total);
	CHECK(r.status_classes[2] == a->requests, "%s: 2xx count", name);
	CHECK(s.served >= a->requests && s.served <= a->requests + (uint64_t)a->conns,
	      "%s: server answered %llu", name, (unsigned long long)s.served);
	CHECK(!want_connects || r.connects == want_connects, "%s: %llu connects, want %llu", name,
	      (unsigned long long)r.connects, (unsigned long long)want_connects);
	CHECK(r.bytes_read > 0 && r.end_ns > r.start_ns && !r.interrupted, "%s: bytes/window", name);
	CHECK(r.latency.min > 0 && r.latency.max < 2 * NS_PER_SEC, "%s: latency range", name);
	CHECK(r.cpu_user_s + r.cpu_sys_s > 0, "%s: cpu time", name);
	printf("%s: %llu requests in %.3f s, p50 %.1f us, %llu connects\n", name,
	       (unsigned long long)r.requests_completed, secs, hist_percentile(&r.latency, 50) / 1e3,
	       (unsigned long long)r.connects);
	lg_result_free(&r);
}

static void test_urls(void)
{
	struct lg_target t;
	struct errbuf e = { "" };

	CHECK(lg_target_from_url(&t, "http://127.0.0.1:8080/a/b?x=1#frag", &e) == 0 &&
	      !strcmp(t.host, "127.0.0.1:8080") && !strcmp(t.path, "/a/b?x=1") &&
	      t.addr.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&t.addr)->sin_port) == 8080,
	      "url with port and path: host '%s' path '%s'", t.host, t.path);
	CHECK(lg_target_from_url(&t, "http://127.0.0.1", &e) == 0 && !strcmp(t.path, "/") &&
	      ntohs(((struct sockaddr_in *)&t.addr)->sin_port) == 80, "url without port and path");
	CHECK(lg_target_from_url(&t, "http://[::1]:81?q", &e) == 0 && t.addr.ss_family == AF_INET6 &&
	      !strcmp(t.host, "[::1]:81") && !strcmp(t.path, "/?q"), "ipv6 url");
	CHECK(lg_target_from_url(&t, "localhost:9000/x", &e) == 0 && !strcmp(t.path, "/x"),
	      "url without scheme");
	CHECK(lg_target_from_url(&t, "https://127.0.0.1/x", &e) == 0 && t.https &&
	      !strcmp(t.url, "https://127.0.0.1/x") &&
	      ntohs(((struct sockaddr_in *)&t.addr)->sin_port) == 443, "https url: %s", t.url);
	CHECK(lg_target_from_url(&t, "localhost:9000/y", &e) == 0 && !t.https &&
	      !strcmp(t.url, "http://localhost:9000/y"), "url kept for curl: %s", t.url);
	CHECK(lg_target_from_url(&t, "ftp://127.0.0.1/", &e) < 0, "ftp");
	CHECK(lg_target_from_url(&t, "http://127.0.0.1:0/", &e) < 0, "port 0");
	CHECK(lg_target_from_url(&t, "http://127.0.0.1:99999/", &e) < 0, "port 99999");
	CHECK(lg_target_from_url(&t, "http://127.0.0.1:8x/", &e) < 0, "port 8x");
	CHECK(lg_target_from_url(&t, "http:///x", &e) < 0, "no host");
	CHECK(lg_target_from_url(&t, "http://host.invalid./", &e) < 0, "unresolvable host");
}

/* Runs fn in a child process (its own descriptor limit); 1 if it failed. */
static int in_child(int (*fn)(uint16_t), uint16_t port)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int failed = fn(port);
		fflush(stdout);
		_exit(failed ? 1 : 0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

static int set_fd_limit(rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { .rlim_cur = soft, .rlim_max = hard };
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* The soft limit is raised to the hard one; a hard limit too low for the
 * connections is refused before anything starts, with the numbers. */
static int fd_limit_child(uint16_t port)
{
	struct lg_options o = { .connections = 5000, .threads = 1, .duration_ns = NS_PER_SEC };
	struct errbuf e = { "" };
	struct rlimit rl;
	(void)port;
	if (set_fd_limit(100, 200))
		return 1;
	int rc = lg_check_options(&o, &e);
	CHECK(rc == -EINVAL && !strcmp(e.msg, "-c 5000 needs about 5010 file descriptors; the limit is 200 (ulimit -n)"),
	      "fd limit: rc %d, '%s'", rc, e.msg);
	CHECK(!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur == 200, "soft limit raised to the hard one: %llu",
	      (unsigned long long)rl.rlim_cur);
	o.connections = 190;
	CHECK(lg_check_options(&o, &e) == 0, "190 connections fit in 200: %s", e.msg);
	o.connections = 5000, o.requests = 50;
	CHECK(lg_check_options(&o, &e) == 0, "-n 50 opens 50 of -c 5000: %s", e.msg);
	return failures;
}

/* Descriptors run out in the middle of a run (something else took them):
 * each connection that cannot get one fails once and is given up, no busy
 * loop of EMFILE errors, and the others finish the requests. */
static int emfile_child(uint16_t port)
{
	struct lg_result r;
	if (set_fd_limit(64, 64))
		return 1;
	for (int fd = dup(0); fd >= 0 && fd < 52; fd = dup(0))
		;	/* about 12 descriptors left */
	drive(port, &(struct run_args){ .threads = 1, .conns = 30, .requests = 300 }, &r);
	uint64_t emfile = r.errnos[LG_ERR_CONNECT][EMFILE];
	print_errors("EMFILE", &r);
	CHECK(r.requests_ok + emfile == 300 && emfile > 0 && emfile <= 30 && r.errors_total == emfile,
	      "EMFILE: %llu ok, %llu EMFILE of %llu errors", (unsigned long long)r.requests_ok,
	      (unsigned long long)emfile, (unsigned long long)r.errors_total);
	lg_result_free(&r);
	return failures;
}

static void test_limits(void)
{
	struct http_server s;
	struct lg_result r;

	CHECK(!in_child(fd_limit_child, 0), "descriptor limit check");
	http_server_start(&s, KEEPALIVE);
	CHECK(!in_child(emfile_child, s.port), "descriptors running out");
	/* -c far beyond -n: only -n connections, and only their memory */
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 1000000, .requests = 50 }, &r);
	CHECK(r.connections == 50 && r.connects == 50 && r.requests_ok == 50 && r.errors_total == 0,
	      "-c 1000000 -n 50: %d connections, %llu connects, %llu ok", r.connections,
	      (unsigned long long)r.connects, (unsigned long long)r.requests_ok);
	lg_result_free(&r);
	http_server_stop(&s);
}

int main(int argc, char **argv)
{
	struct lg_result r;
	struct http_server s;

	/* the same scenarios for another engine: test-loadgen-engine uring */
	if (argc > 1) {
		int e = lg_engine_from_name(argv[1]);
		if (e < 0) {
			printf("unknown engine %s\n", argv[1]);
			return 1;
		}
		if (!lg_engine_available((enum lg_engine)e)) {
			printf("SKIP: engine %s is not in this build\n", argv[1]);
			return 77;
		}
		default_engine = (enum lg_engine)e;
		printf("engine %s\n", argv[1]);
	}

	test_urls();
	test_limits();

	/* Answers every request gets right; connects 0: any number. */
	static const struct {
		const char *name;
		enum http_answer answer;
		struct run_args args;
		uint64_t connects;
	} clean[] = {
		{ "keep-alive, 1 thread, 5 conns, -n 2000", KEEPALIVE, { .threads = 1, .conns = 5, .requests = 2000 }, 5 },
		{ "keep-alive, 2 threads, 5 conns, -n 1001", KEEPALIVE, { .threads = 2, .conns = 5, .requests = 1001 }, 5 },
		{ "keep-alive, more connections than requests", KEEPALIVE, { .threads = 2, .conns = 9, .requests = 5 }, 5 },
		{ "chunked, 2 threads, 4 conns, -n 1000", CHUNKED, { .threads = 2, .conns = 4, .requests = 1000 }, 4 },
		{ "close per response, 2 threads, 5 conns, -n 500", CLOSE, { .threads = 2, .conns = 5, .requests = 500 }, 500 },
		{ "HTTP/1.0 EOF-delimited, 1 thread, 3 conns, -n 300", HTTP10, { .threads = 1, .conns = 3, .requests = 300 }, 300 },
		{ "keep-alive closed by the server without notice, -n 300", SILENT_CLOSE,
		  { .threads = 1, .conns = 3, .requests = 300 }, 0 },
		{ "300 kB bodies, 2 threads, 4 conns, -n 200", BIG,
		  { .threads = 2, .conns = 4, .requests = 200, .expect = "" }, 4 },
	};
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		struct run_args a = clean[i].args;
		expect_clean(clean[i].name, clean[i].answer, &a, clean[i].connects);
	}

	/* 500s: status errors, not completed, no latency samples */
	http_server_start(&s, ERROR500);
	drive(s.port, &(struct run_args){ .threads = 2, .conns = 5, .requests = 400 }, &r);
	http_server_stop(&s);
	CHECK(r.requests_completed == 0 && r.errors[LG_ERR_STATUS] == 400 && all_accounted(&r) &&
	      r.errors_total == 400 && r.status_classes[5] == 400 && r.requests_ok == 0 &&
	      r.latency.total == 0 && r.errnos[LG_ERR_STATUS][0] == 400,
	      "500s: completed %llu status errors %llu total %llu",
	      (unsigned long long)r.requests_completed, (unsigned long long)r.errors[LG_ERR_STATUS],
	      (unsigned long long)r.errors_total);
	lg_result_free(&r);

	/* unexpected body */
	http_server_start(&s, KEEPALIVE);
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 2, .requests = 100,
					  .expect = "{\"message\":\"Goodbye\"}" }, &r);
	http_server_stop(&s);
	CHECK(r.requests_completed == 0 && r.errors[LG_ERR_BODY] == 100 && r.requests_ok == 0 && all_accounted(&r) &&
	      others(&r, LG_ERR_BODY) == 0 && r.latency.total == 0, "body mismatch: %llu body errors",
	      (unsigned long long)r.errors[LG_ERR_BODY]);
	lg_result_free(&r);

	/* warmup + duration */
	http_server_start(&s, KEEPALIVE);
	struct run_args live = { .threads = 2, .conns = 4, .duration_s = 0.3, .warmup_s = 0.2 };
	double secs = drive(s.port, &live, &r);
	http_server_stop(&s);
	CHECK(live.refused_since == 0, "a live server seen as refusing connections");
	CHECK(r.requests_completed > 100 && r.errors_total == 0 &&
	      r.latency.total == r.requests_completed && s.served > r.requests_completed,
	      "duration: %llu completed, %llu errors, server %llu", (unsigned long long)r.requests_completed,
	      (unsigned long long)r.errors_total, (unsigned long long)s.served);
	/* the window ends at -d: no response is counted after it */
	CHECK(r.end_ns > r.start_ns && r.end_ns <= r.start_ns + 300 * NS_PER_MS && secs >= 0.5,
	      "duration: last response %.3f s into a 0.3 s window, wall %.3f s",
	      (double)(r.end_ns - r.start_ns) / 1e9, secs);
	CHECK(all_accounted(&r) && r.requests_unfinished <= 4, "duration: %llu sent = %llu completed + %llu unfinished",
	      (unsigned long long)r.sent, (unsigned long long)r.requests_completed,
	      (unsigned long long)r.requests_unfinished);
	lg_result_free(&r);

	/* -d is honoured when nothing answers: what is in flight at the end is
	 * unfinished, not a timeout (the timeout is far beyond the window) */
	http_server_start(&s, BLACKHOLE);
	drive(s.port, &(struct run_args){ .threads = 1, .conns = 3, .duration_s = 0.2, .timeout_s = 10 }, &r);
	http_server_stop(&s);
	CHECK(r.sent == 3 && r.requests_unfinished == 3 && r.errors_total == 0 && r.requests_completed == 0 &&
	      all_accounted(&r), "-d with no answers: %llu sent, %llu unfinished, %llu errors",
	      (unsigned long long)r.sent, (unsigned long long)r.requests_unfinished,
	      (unsigned long long)r.errors_total);
	lg_result_free(&r);

	/* timeouts: a server that never answers */
	http_server_start(&s, BLACKHOLE);
	secs = drive(s.port, &(struct run_args){ .threads = 1, .conns = 2, .requests = 4,
						 .timeout_s = 0.15 }, &r);
	http_server_stop(&s);
	/* the first round always times out; the second may not be sent, as a
	 * whole timeout without an answer means the server is gone */
	CHECK(r.errors[LG_ERR_TIMEOUT] >= 2 && r.errors[LG_ERR_TIMEOUT] == r.sent && others(&r, LG_ERR_TIMEOUT) == 0 &&
	      r.requests_completed == 0 && r.requests_unfinished == 0 && secs >= 0.15,
	      "timeouts: %llu timeouts, %llu other errors, %.3f s", (unsigned long long)r.errors[LG_ERR_TIMEOUT],
	      (unsigned long long)others(&r, LG_ERR_TIMEOUT), secs);
	lg_result_free(&r);

	/* lg_stop: returns promptly, interrupted */
	http_server_start(&s, BLACKHOLE);
	secs = drive(s.port, &(struct run_args){ .threads = 2, .conns = 4, .duration_s = 10,
						 .timeout_s = 5, .stop_after_s = 0.1 }, &r);
	http_server_stop(&s);
	/* stopped long before any timeout: the 4 requests are unfinished, not failed */
	CHECK(r.interrupted && r.requests_unfinished == 4 && r.errors_total == 0,
	      "lg_stop: interrupted %d after %.3f s, %llu unfinished, %llu errors", r.interrupted, secs,
	      (unsigned long long)r.requests_unfinished, (unsigned long long)r.errors_total);
	lg_result_free(&r);

	/* a closed port: connect errors, and the run ends (requests and duration) */
	uint16_t port;
	int fd = http_listen(0, &port);
	close(fd);
	secs = drive(port, &(struct run_args){ .threads = 1, .conns = 2, .requests = 1000000,
					       .timeout_s = 0.5 }, &r);
	CHECK(r.errors[LG_ERR_CONNECT] > 0 && r.errnos[LG_ERR_CONNECT][ECONNREFUSED] == r.errors[LG_ERR_CONNECT] &&
	      r.requests_completed == 0,
	      "closed port, -n: %llu connect errors (%llu refused) in %.3f s",
	      (unsigned long long)r.errors[LG_ERR_CONNECT],
	      (unsigned long long)r.errnos[LG_ERR_CONNECT][ECONNREFUSED], secs);
	printf("closed port, -n: %llu connect errors in %.3f s\n",
	       (unsigned long long)r.errors[LG_ERR_CONNECT], secs);
	lg_result_free(&r);
	secs = drive(port, &(struct run_args){ .threads = 2, .conns = 4, .duration_s = 0.3 }, &r);
	/* connects back off (10 ms): a few per connection, never a busy loop */
	CHECK(r.errors[LG_ERR_CONNECT] >= 4 && r.errors[LG_ERR_CONNECT] < 1000,
	      "closed port, -d: %llu connect errors in %.3f s", (unsigned long long)r.errors[LG_ERR_CONNECT], secs);
	lg_result_free(&r);
	secs = drive(port, &(struct run_args){ .threads = 1, .conns = 2, .duration_s = 10,
					       .timeout_s = 0.3 }, &r);
	/* gives up after a timeout with no answer: 10 s of backoff would be 2000 */
	CHECK(r.errors[LG_ERR_CONNECT] > 0 && r.errors[LG_ERR_CONNECT] < 500,
	      "closed port, -d 10s: %llu connect errors in %.3f s", (unsigned long long)r.errors[LG_ERR_CONNECT], secs);
	lg_result_free(&r);

	/* the server dies in the middle of a run: it ends within the timeout */
	http_server_start(&s, KEEPALIVE);
	struct run_args dies = { .threads = 2, .conns = 4, .duration_s = 10, .timeout_s = 0.3,
				 .kill = &s, .kill_after_requests = 200 };
	secs = drive(s.port, &dies, &r);
	/* every thread's connects refused since the death: what tells a caller
	 * without the server's pid that it is gone */
	CHECK(dies.refused_since >= dies.killed_ns && dies.killed_ns > 0,
	      "server dies: refused since %llu, killed at %llu", (unsigned long long)dies.refused_since,
	      (unsigned long long)dies.killed_ns);
	CHECK(r.requests_completed > 0 && r.errors[LG_ERR_CONNECT] > 0 && r.errors[LG_ERR_CONNECT] < 500,
	      "server dies: %llu completed, %llu connect errors, ended after %.3f s",
	      (unsigned long long)r.requests_completed, (unsigned long long)r.errors[LG_ERR_CONNECT], secs);
	printf("server dies after 200 responses: %llu completed, %llu errors, ended after %.3f s\n",
	       (unsigned long long)r.requests_completed, (unsigned long long)r.errors_total, secs);
	print_errors("server dies", &r);
	lg_result_free(&r);

	return check_status();
}
