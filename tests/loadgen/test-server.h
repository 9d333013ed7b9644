/* Shared by the engine tests: a tiny HTTP/1.1 server in a thread of the
 * test, on 127.0.0.1 with an ephemeral port, and drive(), which runs the
 * load generator against a port and waits for the result. */
#pragma once
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "loadgen/loadgen.h"

static int failures;
static enum lg_engine default_engine;	/* for run_args without an engine */
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

#define BODY "{\"message\":\"Hello, World!\"}"

enum mode {
	KEEPALIVE,	/* HTTP/1.1 keep-alive */
	CLOSE,		/* Connection: close, then close (like Flask's dev server) */
	HTTP10,		/* HTTP/1.0 response without keep-alive, then close */
	SILENT_CLOSE,	/* keep-alive response, but close after it anyway */
	CHUNKED,	/* chunked keep-alive */
	ERROR500,
	BLACKHOLE,	/* reads requests, never answers */
	BIG,		/* a 300 kB body: many reads per response */
	STALL,		/* keep-alive, but stops for stall_us once, after stall_after responses */
	SLOW,		/* keep-alive, each response after slow_us: capacity 1e6/slow_us req/s */
};

struct server {
	enum mode mode;
	int lfd, stop_pipe[2];
	uint16_t port;
	pthread_t tid;
	uint64_t served;	/* requests answered */
	uint64_t stall_after;	/* STALL */
	unsigned stall_us;	/* STALL */
	unsigned slow_us;	/* SLOW */
	uint64_t stall_start_ns, stall_end_ns;	/* STALL: when it happened */
};

#define MAX_CLIENTS 64
struct client {
	int fd;
	size_t len;
	char buf[4096];
};

#define BIG_BODY 300000
static char big_response[BIG_BODY + 128];

static const char *response(enum mode m, size_t *len)
{
	if (m == BIG) {
		int n = snprintf(big_response, sizeof(big_response),
				 "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BIG_BODY);
		memset(big_response + n, 'x', BIG_BODY);
		*len = (size_t)n + BIG_BODY;
		return big_response;
	}
	static const char *r[] = {
		[KEEPALIVE] = "HTTP/1.1 200 OK\r\nServer: test\r\nContent-Type: application/json\r\n"
			      "Content-Length: 27\r\n\r\n" BODY,
		[CLOSE] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n"
			  "Connection: close\r\n\r\n" BODY,
		[HTTP10] = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" BODY,
		[SILENT_CLOSE] = "HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n" BODY,
		[CHUNKED] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "b\r\n{\"message\":\r\n10\r\n\"Hello, World!\"}\r\n0\r\n\r\n",
		[ERROR500] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!",
		[BLACKHOLE] = "",
	};
	if (m == STALL || m == SLOW)
		m = KEEPALIVE;
	*len = strlen(r[m]);
	return r[m];
}

static void drop(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	struct client cl[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS + 2];
	size_t rlen;
	const char *resp = response(s->mode, &rlen);

	for (int i = 0; i < MAX_CLIENTS; i++)
		cl[i].fd = -1, cl[i].len = 0;
	for (;;) {
		int n = 0, map[MAX_CLIENTS];
		pfd[n++] = (struct pollfd){ .fd = s->stop_pipe[0], .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (cl[i].fd >= 0) {
				map[n - 2] = i;
				pfd[n++] = (struct pollfd){ .fd = cl[i].fd, .events = POLLIN };
			}
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN) {
			int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
			int i;
			for (i = 0; fd >= 0 && i < MAX_CLIENTS && cl[i].fd >= 0; i++)
				;
			if (fd >= 0 && i < MAX_CLIENTS)
				cl[i].fd = fd, cl[i].len = 0;
			else if (fd >= 0)
				close(fd);
		}
		for (int k = 2; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			struct client *c = &cl[map[k - 2]];
			ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
			if (r <= 0) {
				drop(c);
				continue;
			}
			c->len += (size_t)r;
			char *end;
			while (c->fd >= 0 && (end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
				size_t used = (size_t)(end + 4 - c->buf);
				memmove(c->buf, c->buf + used, c->len - used);
				c->len -= used;
				if (s->mode == BLACKHOLE)
					continue;
				if (s->mode == SLOW)
					usleep(s->slow_us);
				if (s->mode == STALL && s->served == s->stall_after && !s->stall_start_ns) {
					s->stall_start_ns = mono_ns();
					usleep(s->stall_us);
					s->stall_end_ns = mono_ns();
				}
				if (write(c->fd, resp, rlen) != (ssize_t)rlen) {
					drop(c);
					break;
				}
				__atomic_add_fetch(&s->served, 1, __ATOMIC_RELAXED);
				if (s->mode == CLOSE || s->mode == HTTP10 || s->mode == SILENT_CLOSE)
					drop(c);
			}
			if (c->fd >= 0 && c->len == sizeof(c->buf))
				drop(c);
		}
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd >= 0)
			close(cl[i].fd);
	return NULL;
}

static int listen_any(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)&a, &l)) {
		perror("test server");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static void server_start_with(struct server *s, enum mode m, uint64_t stall_after, unsigned stall_us,
			      unsigned slow_us)
{
	memset(s, 0, sizeof(*s));
	s->mode = m;
	s->stall_after = stall_after;
	s->stall_us = stall_us;
	s->slow_us = slow_us;
	s->lfd = listen_any(&s->port);
	if (pipe(s->stop_pipe) || pthread_create(&s->tid, NULL, server_main, s)) {
		perror("test server");
		exit(1);
	}
}

static inline void server_start(struct server *s, enum mode m)
{
	server_start_with(s, m, 0, 0, 0);
}

static void server_stop(struct server *s)
{
	if (write(s->stop_pipe[1], "x", 1) != 1)
		perror("stop");
	pthread_join(s->tid, NULL);
	if (s->lfd >= 0)
		close(s->lfd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
}

struct run_args {
	int threads, conns;
	uint64_t requests;
	double duration_s, warmup_s, timeout_s;
	const char *expect;
	double stop_after_s;	/* > 0: lg_stop() then */
	struct server *kill;	/* stopped after kill_after_s */
	double kill_after_s;
	/* issue 5 */
	enum lg_mode mode;
	double rate;
	enum lg_arrival arrival;
	enum lg_engine engine;
	bool record, http2, insecure;
	const char *url;	/* instead of http://127.0.0.1:port/ */
	bool may_fail;		/* lg_start may fail: then drive() returns -1, err in *fail_msg */
	char *fail_msg;
};

static void server_stop(struct server *s);

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
	};
	struct lg_run *run;
	uint64_t ms;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
	if (lg_target_from_url(&t, a->url ? a->url : url, &err)) {
		printf("FAIL: %s\n", err.msg);
		exit(1);
	}
	t.expect_body = a->expect ? a->expect : BODY;
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
	CHECK(ms >= t0 && ms - t0 < 10 * NS_PER_MS + o.warmup_ns, "measure start");
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
		if (a->kill && mono_ns() - t0 > a->kill_after_s * 1e9) {
			server_stop(a->kill);
			a->kill->lfd = -1;
			a->kill = NULL;
		}
		usleep(2000);
	}
	lg_progress(run);
	CHECK(lg_join(run, res) == 0, "lg_join");
	return (double)(mono_ns() - t0) / 1e9;
}

