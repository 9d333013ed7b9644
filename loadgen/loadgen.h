/* The load generator: share-nothing worker threads, each owning a slice of the
 * connections, driving HTTP/1.1 GETs in a closed loop (issue 5 adds open loop
 * and other engines behind the same interface). */
#pragma once
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "common/errbuf.h"
#include "loadgen/hist.h"

enum lg_error_class {
	LG_ERR_CONNECT,	/* connect() failed or refused */
	LG_ERR_READ,	/* read error, or the peer closed mid-response */
	LG_ERR_WRITE,	/* write error */
	LG_ERR_TIMEOUT,	/* no complete response within the timeout */
	LG_ERR_STATUS,	/* a complete response whose status is not 2xx */
	LG_ERR_PARSE,	/* bytes that are not a valid HTTP/1.1 response */
	LG_ERR_BODY,	/* 2xx, but the body differs from the expected one */
	LG_ERR__COUNT,
};
extern const char *const lg_error_names[LG_ERR__COUNT]; /* "connect", "read", ... */

#define LG_ERRNO_SLOTS 256	/* errno values counted per class; 0 = no errno */

struct lg_target {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char host[256];		/* Host header value (host[:port]) */
	char path[1024];	/* request target, e.g. "/" */
	const char *expect_body;	/* NULL: any body is accepted */
	size_t expect_body_len;
};
/* "http://host[:port][/path]" -> target (resolved now). */
int lg_target_from_url(struct lg_target *t, const char *url, struct errbuf *err);

/* One measured request, kept when lg_options.record_requests is set, so the
 * kernel's view can be joined to it (by port and time: ports are reused). */
struct lg_record {
	uint64_t c0;		/* became due, CLOCK_MONOTONIC ns */
	uint64_t c5;		/* response parsed */
	uint32_t seq;		/* request ordinal on its TCP connection, from 0 */
	uint16_t lport;		/* the connection's local port (the server's remote port) */
	uint8_t ok;		/* 2xx with the expected body */
	uint8_t new_conn;	/* first request on its connection: c0..c5 includes the connect */
};

struct lg_options {
	int connections;	/* >= threads */
	int threads;		/* >= 1 */
	uint64_t requests;	/* measured requests in total; 0 = until duration */
	uint64_t duration_ns;	/* measured time; 0 = until requests (one must be set) */
	uint64_t warmup_ns;	/* load before measuring starts; not counted */
	uint64_t timeout_ns;	/* per request */
	cpu_set_t cpus;		/* worker i is pinned to the i-th CPU of the set, round robin */
	bool pin;		/* false: do not pin */
	bool record_requests;	/* keep one lg_record per measured complete response */
};

struct lg_result {
	uint64_t requests_completed;	/* measured, successful or not-2xx-but-complete */
	uint64_t requests_ok;		/* 2xx with the expected body */
	uint64_t bytes_read;		/* measured, headers included */
	uint64_t errors[LG_ERR__COUNT];
	uint64_t errors_total;
	uint64_t errnos[LG_ERR__COUNT][LG_ERRNO_SLOTS];
	uint64_t status_classes[6];	/* [1]=1xx .. [5]=5xx, [0]=other */
	uint64_t connects;		/* TCP connections opened while measuring */
	struct hist latency;		/* due time -> response parsed, successful requests */
	uint64_t start_ns, end_ns;	/* measurement window, CLOCK_MONOTONIC */
	double cpu_user_s, cpu_sys_s;	/* worker threads' CPU time over the whole run */
	bool interrupted;		/* lg_stop() was called before the end */
	struct lg_record *records;	/* record_requests: n_records, in no particular order */
	size_t n_records;
};

struct lg_run;
/* Starts the workers and returns at once. measure_start_ns (out, may be NULL)
 * is when measuring begins: start + warmup, CLOCK_MONOTONIC. */
int lg_start(const struct lg_target *t, const struct lg_options *o,
	     struct lg_run **out, uint64_t *measure_start_ns, struct errbuf *err);
uint64_t lg_progress(struct lg_run *r);	/* measured requests completed so far */
bool lg_done(struct lg_run *r);		/* all workers finished */
void lg_stop(struct lg_run *r);		/* finish early (Ctrl-C); safe from the main loop */
int lg_join(struct lg_run *r, struct lg_result *res); /* waits, merges, frees r */
void lg_result_free(struct lg_result *res);
