/* The load generator: share-nothing worker threads, each owning a slice of the
 * connections, driving GETs in a closed loop (each connection sends its next
 * request when the last response is in) or an open loop (requests scheduled
 * at a rate, latency from the scheduled time). Engines: "epoll" (HTTP/1.1,
 * the default and the fastest), "curl" (libcurl's multi interface: https,
 * HTTP/2) and "uring" (io_uring prototype, when built with liburing).
 * See loadgen/README.md. */
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
	int expect_status;		/* the status of a good answer; 0: any 2xx */
	size_t expect_body_len;
	bool https;		/* https:// (only the curl engine speaks it) */
	char url[1400];		/* scheme://host[:port]/path, for the curl engine */
};
/* "http[s]://host[:port][/path]" (no scheme: http) -> target (resolved now). */
int lg_target_from_url(struct lg_target *t, const char *url, struct errbuf *err);

enum lg_mode {
	LG_MODE_CLOSED = 0,	/* each connection sends its next request when the last response is in */
	LG_MODE_OPEN,		/* requests scheduled at lg_options.rate, whatever the server does */
	LG_MODE__COUNT,
};
enum lg_arrival {
	LG_ARRIVAL_CONSTANT = 0,	/* evenly spaced */
	LG_ARRIVAL_POISSON,		/* exponential gaps (seeded PRNG: reproducible) */
	LG_ARRIVAL__COUNT,
};
enum lg_engine {
	LG_ENGINE_EPOLL = 0,	/* HTTP/1.1 over plain TCP, one epoll loop per thread */
	LG_ENGINE_CURL,		/* libcurl multi: http, https, HTTP/2 */
	LG_ENGINE_URING,	/* io_uring prototype (HTTP/1.1); see loadgen/README.md */
	LG_ENGINE__COUNT,
};
/* Names as used on the command line and in the JSON: "closed"/"open",
 * "constant"/"poisson", "epoll"/"curl"/"uring". */
extern const char *const lg_mode_names[LG_MODE__COUNT];
extern const char *const lg_arrival_names[LG_ARRIVAL__COUNT];
extern const char *const lg_engine_names[LG_ENGINE__COUNT];
/* Name -> enum value (>= 0), or -1 for an unknown name. */
int lg_mode_from_name(const char *name);
int lg_arrival_from_name(const char *name);
int lg_engine_from_name(const char *name);
/* Whether this build has the engine (uring needs liburing at build time). */
bool lg_engine_available(enum lg_engine e);

/* One measured request, kept when lg_options.record_requests is set, so the
 * kernel's view can be joined to it (by port and time: ports are reused). */
struct lg_record {
	uint64_t c0;		/* became due, CLOCK_MONOTONIC ns (open loop: the intended send time) */
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
	bool stream_records;	/* with record_requests: hand them over while the run goes
				 * (lg_drain_records) through a bounded ring per worker,
				 * instead of keeping them all until lg_join */

	/* open loop and engines (all zero = closed loop on epoll) */
	enum lg_mode mode;
	double rate;		/* open loop: total requests/s over all threads (> 0, >= threads) */
	enum lg_arrival arrival;	/* open loop: gaps between a thread's requests */
	uint64_t seed;		/* poisson PRNG seed; 0 = a fixed default (runs are reproducible) */
	uint64_t late_ns;	/* open loop: a send this far behind its schedule is late; 0 = 1 ms */
	enum lg_engine engine;
	bool insecure;		/* curl: do not verify the server's TLS certificate */
	bool http2;		/* curl: HTTP/2 (TLS ALPN for https, prior knowledge for http) */
	uint64_t interval_ns;	/* > 0: per-interval figures (lg_result.timeline, lg_live_interval) */
};

/* At most this many intervals: with a duration, more are refused; without
 * one, the last interval takes the rest of the run (timeline_truncated). */
#define LG_MAX_INTERVALS 10000

/* One interval of the measuring window: what completed, failed and was
 * sent in it, merged over the threads. The intervals add up exactly to the
 * whole run (requests_completed, errors_total, sent, latency). */
struct lg_interval {
	uint64_t start_ns;	/* from the window's start */
	uint64_t duration_ns;	/* interval_ns; the last one ends with the window */
	uint64_t requests;	/* completed: answered with an accepted status and body
				 * (as requests_completed) */
	uint64_t ok;		/* the same count (as requests_ok) */
	uint64_t errors;	/* failed requests, status and body errors included (as errors_total) */
	uint64_t sent;		/* requests issued */
	double rps;		/* requests / duration */
	double send_rate;	/* sent / duration: the achieved rate in open loop */
	struct hist latency;	/* the successful requests' latency (as lg_result.latency) */
};

/* The newest interval that every thread has finished, for a live line. */
struct lg_live {
	uint64_t index;		/* from 0 */
	uint64_t start_ns, duration_ns;	/* from the window's start */
	uint64_t requests, errors;	/* in that interval */
	double rps;
	uint64_t p99_ns;	/* of its successful requests; 0 if none */
	uint64_t requests_total, errors_total;	/* up to its end */
};

/* Checks a combination of options before a run. Returns -EINVAL with one
 * line in err for an impossible one (rate <= 0 or below the thread count in
 * open loop, a rate in closed loop, --http2 without the curl engine, more
 * connections than file descriptors, ...). It raises the soft RLIMIT_NOFILE
 * to the hard limit first, so only a hard limit too low is refused;
 * 1 with one line of warnings in err (e.g. a rate the connections can hardly
 * carry); 0 when all is well (err untouched). lg_start makes the same checks
 * (ignoring warnings), plus those that need the target (https needs curl). */
int lg_check_options(const struct lg_options *o, struct errbuf *err);

/* Connections a run opens at most: -c, but no more than -n requests need
 * (and at least one per thread). Every per-connection allocation is sized
 * by it. */
int lg_connections_used(const struct lg_options *o);

struct lg_result {
	uint64_t requests_completed;	/* measured, answered with an accepted status (2xx, or
					 * --expect-status) and body; a status or body error
					 * is a failed request (errors), not completed:
					 * sent = completed + errors_total + unfinished */
	uint64_t requests_unfinished;	/* measured, still in flight when the window (-d) ended
					 * or the run was stopped: neither complete nor failed */
	uint64_t requests_ok;		/* the same count as requests_completed */
	uint64_t bytes_read;		/* measured, headers included */
	uint64_t errors[LG_ERR__COUNT];
	uint64_t errors_total;
	uint64_t errnos[LG_ERR__COUNT][LG_ERRNO_SLOTS];
	uint64_t status_classes[6];	/* [1]=1xx .. [5]=5xx, [0]=other */
	int status_code[6];		/* per class, the one status code of its failed
					 * responses; 0: none; -1: several codes */
	uint64_t connects;		/* TCP connections opened while measuring */
	int connections;		/* the run's connections (lg_connections_used) */
	struct hist latency;		/* due time -> response parsed, successful requests;
					 * open loop: from the intended (scheduled) send time,
					 * corrected for coordinated omission */
	struct hist latency_uncorrected;	/* actual send -> response parsed (in closed
						 * loop the same samples as latency) */
	uint64_t start_ns, end_ns;	/* measurement window, CLOCK_MONOTONIC */
	double cpu_user_s, cpu_sys_s;	/* worker threads' CPU time over the whole run */
	bool interrupted;		/* lg_stop() was called before the end */
	struct lg_record *records;	/* record_requests: n_records, in no particular order
					 * (stream_records: those not drained before lg_join) */
	size_t n_records;
	uint64_t records_lost;		/* stream_records: dropped, a worker's ring being full */

	/* open loop, engines, saturation */
	uint64_t sent;			/* measured requests issued (due and handed to a connection) */
	double achieved_rate;		/* sent / send window (open loop: the schedule's window, so
					 * it is comparable with lg_options.rate); 0 if no window */
	uint64_t send_window_ns;	/* the window achieved_rate divides by */
	struct hist send_lag;		/* open loop: intended -> actual send time, measured requests */
	uint64_t late_sends;		/* open loop: sent >= late_ns behind schedule */
	uint64_t conn_waits;		/* open loop: due while every connection of the thread was busy */
	uint64_t max_lag_ns;		/* open loop: largest intended -> actual send delay */
	uint64_t unsent;		/* open loop: due inside the window but never sent (the run
					 * ended, or the server was gone, with them still queued) */
	uint64_t tls_errors;		/* of errors[LG_ERR_CONNECT]: TLS handshake/certificate (curl) */
	double busy_fraction;		/* workers' time not waiting for events (nor polling for an
					 * open-loop send), over their run time, mean over threads;
					 * uring: CPU time over run time. Near 1: the load generator
					 * is the bottleneck */
	double busy_max;		/* the busiest thread's share */
	char first_error[192];		/* the first error's text ("" if none), e.g. curl's message */

	/* interval_ns > 0: the window in intervals of interval_ns, in order */
	struct lg_interval *timeline;
	size_t n_intervals;
	uint64_t interval_ns;
	bool timeline_truncated;	/* no duration and more than LG_MAX_INTERVALS: the last
					 * interval holds the rest of the run */
};

struct lg_run;
/* Starts the workers and returns at once. measure_start_ns (out, may be NULL)
 * is when measuring begins: start + warmup, CLOCK_MONOTONIC. */
int lg_start(const struct lg_target *t, const struct lg_options *o,
	     struct lg_run **out, uint64_t *measure_start_ns, struct errbuf *err);
uint64_t lg_progress(struct lg_run *r);	/* measured requests completed (accepted) so far */
bool lg_done(struct lg_run *r);		/* all workers finished */
/* Since when (CLOCK_MONOTONIC ns) every worker's connects are refused with
 * no response in between: the server stopped listening. 0 while any worker
 * still gets through. Lock-free: for the main loop (a server without a pid). */
uint64_t lg_refused_since(struct lg_run *r);
/* With interval_ns: true and *out filled with the newest interval every
 * worker has finished (out->index tells whether it is a new one); false
 * before the first. Lock-free and allocation-free; call it from one thread. */
bool lg_live_interval(struct lg_run *r, struct lg_live *out);
/* How many intervals a run with these options can have (0: none): the
 * timeline's size, for what keeps figures per interval beside it. */
uint32_t lg_intervals_planned(const struct lg_options *o);
/* With interval_ns: packs the intervals the workers have finished, so a
 * run's timeline costs a few KB per interval, not pages of counts; call it
 * from the main loop (the thread of lg_live_interval). 0 or -ENOMEM (then
 * they stay unpacked, and the next call tries again). */
int lg_timeline_pack(struct lg_run *r);
/* stream_records: calls fn on every record the workers completed since the
 * last call, and returns how many. Lock-free; call it from one thread. */
typedef void (*lg_record_fn)(const struct lg_record *rec, void *arg);
size_t lg_drain_records(struct lg_run *r, lg_record_fn fn, void *arg);
void lg_stop(struct lg_run *r);		/* finish early (Ctrl-C); safe from the main loop */
int lg_join(struct lg_run *r, struct lg_result *res); /* waits, merges, frees r */
void lg_result_free(struct lg_result *res);
