/* A small configurable HTTP/1.1 server for the tests: in a thread of the
 * test (http_server_start) or as its own process (the http-server tool in
 * this folder, for the probe, anatomy and fault tests).
 *
 * One epoll loop, one event per wait, so connections are served strictly
 * in turn. A readable connection gets exactly one read(); every complete
 * request in the buffer gets one answer, written with one write() when it
 * fits the socket; a request with "Connection: close" is answered and the
 * connection closed without another read. So a client that sends R
 * requests, each after the last answer, causes exactly R reads and R
 * writes (the probe tests count them). */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define HELLO_BODY "{\"message\":\"Hello, World!\"}"

enum http_answer {
	KEEPALIVE,	 /* HTTP/1.1 keep-alive, the JSON hello body */
	CLOSE,		 /* Connection: close, then close (like Flask's dev server) */
	HTTP10,		 /* HTTP/1.0 without a length: the body ends at EOF */
	SILENT_CLOSE,	 /* keep-alive response, but close after it anyway */
	CHUNKED,	 /* chunked keep-alive */
	ERROR500,	 /* 500 Internal Server Error */
	BLACKHOLE,	 /* reads requests, never answers */
	BIG,		 /* a body of body_bytes (300 kB unless set) */
	STALL,		 /* keep-alive, stops for stall_us once, after stall_after answers */
	SLOW,		 /* keep-alive, each answer after delay_us of sleep */
	GARBAGE,	 /* bytes that are not an HTTP response */
	LENGTH_LONG,	 /* Content-Length larger than the body sent */
	LENGTH_SHORT,	 /* Content-Length smaller than the body sent */
	HANG_ON_ACCEPT,	 /* accepts connections, never reads them */
	CLOSE_ON_ACCEPT, /* closes every connection as soon as it is accepted */
	HTTP_ANSWER_NR
};

struct http_server_cfg {
	enum http_answer answer;
	uint64_t body_bytes;	/* BIG */
	unsigned work_us;	/* CPU spin per request (work of a known size) */
	unsigned delay_us;	/* SLOW: sleep per request */
	uint64_t stall_after;	/* STALL */
	unsigned stall_us;	/* STALL */
	uint64_t exit_after;	/* > 0: stop serving after this many answers */
	uint64_t good_first;	/* the first this many answers are KEEPALIVE ones (a readiness check passes) */
};

struct http_conn;

struct http_server {
	struct http_server_cfg cfg;
	int lfd, ep, stop_fd;
	uint16_t port;
	pthread_t tid;
	uint64_t served;			/* answers written */
	uint64_t stall_start_ns, stall_end_ns;	/* STALL: when it happened */
	char *resp;
	size_t resp_len;
	struct http_conn **conns;		/* by fd */
};

/* The name of an answer ("keepalive", "close", ...) and back (-1: unknown). */
const char *http_answer_name(enum http_answer a);
int http_answer_from_name(const char *name);

/* A non-blocking listener on 127.0.0.1:port (0: any free port); its port
 * in *bound. -1 with errno on failure. */
int http_listen(uint16_t port, uint16_t *bound);

/* Serve lfd in this thread until http_server_stop() or exit_after. */
int http_server_init(struct http_server *s, const struct http_server_cfg *cfg, int lfd);
void http_server_serve(struct http_server *s);
void http_server_free(struct http_server *s);

/* In a thread of the test, on a free port (s->port); exits the test on failure. */
void http_server_start_with(struct http_server *s, const struct http_server_cfg *cfg);
void http_server_start(struct http_server *s, enum http_answer answer);
void http_server_stop(struct http_server *s);
