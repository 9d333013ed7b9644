/* What the engines share (not public): the run, the per-thread results and
 * schedule, and the bookkeeping every engine does per request. The hot-path
 * helpers are static inline so each engine's loop compiles them in. */
#pragma once
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "loadgen/loadgen.h"

#define LG_DEFAULT_TIMEOUT_NS (10 * NS_PER_SEC)
#define LG_DEFAULT_LATE_NS NS_PER_MS
#define LG_CONNECT_BACKOFF_NS (10 * NS_PER_MS)	/* after a failed connect */
#define LG_MAX_WAIT_NS NS_PER_SEC		/* longest sleep in an event loop */
/* Open loop: when the next send is this close, poll instead of sleeping (a
 * sleep and wake-up costs about as much, and may overshoot). */
#define LG_SPIN_NS (3 * NS_PER_US)
#define LG_MAX_EARLY_NS (100 * NS_PER_US)	/* see lg_epoll_wait */

/* Open-loop schedule of one worker: the intended send times, in order.
 * Requests due and not yet sent are exactly those with times in
 * [next, now]: no queue is kept, the schedule is the queue. */
struct lg_sched {
	uint64_t next;		/* intended time of the oldest unsent request; UINT64_MAX: none left */
	uint64_t t0;		/* origin */
	uint64_t k;		/* requests taken so far */
	double gap_ns;		/* mean gap between this worker's requests */
	double off_ns;		/* poisson: next - t0, unrounded */
	uint64_t rng[2];	/* poisson: xorshift128+ state */
	bool poisson;
};

/* Per-request records, in chunks so recording never copies or reallocates:
 * one malloc per LG_RECS_PER_CHUNK requests. */
#define LG_RECS_PER_CHUNK 65536
/* stream_records: per worker, a power of two (1.5 MiB of records). */
#define LG_REC_RING 65536
struct lg_rec_chunk {
	struct lg_rec_chunk *next;
	size_t n;
	struct lg_record v[LG_RECS_PER_CHUNK];
};

struct lg_run;
struct lg_worker;

struct lg_engine_ops {
	/* Once per run, before the workers are made (may be NULL). */
	int (*prepare)(struct lg_run *r, struct errbuf *err);
	/* A worker with nconns connections; lg_worker_new() made it.
	 * NULL with err set on failure. */
	struct lg_worker *(*new_worker)(struct lg_run *r, int idx, int nconns, struct errbuf *err);
	void (*free_worker)(struct lg_worker *w);
	void *(*main)(void *w);	/* the thread: lg_worker_begin() ... lg_worker_end() */
};
extern const struct lg_engine_ops lg_epoll_ops, lg_curl_ops, lg_uring_ops;
extern const bool lg_uring_built;

struct lg_run {
	struct lg_target target;
	struct lg_options opts;
	const struct lg_engine_ops *ops;
	char req[1400];		/* the request, serialized once (HTTP/1.1 engines) */
	uint32_t req_len;
	int connections;	/* opened at most (lg_connections_used) */
	uint32_t nslots;	/* intervals planned (interval_ns > 0) */
	struct hist live;	/* lg_live_interval's merge (main thread only) */
	struct lg_live live_last;	/* what it last returned */
	uint64_t live_next;	/* first interval not yet added to the live totals */
	uint64_t start_ns, measure_ns, issue_end_ns, timeout_ns, late_ns;
	int evfd;		/* lg_stop() makes it readable: wakes every worker */
	int stop;		/* atomic */
	int finished;		/* atomic: workers done */
	int nworkers;
	struct lg_worker **workers;
};

/* ---- the connection core (core.c) ------------------------------------------- */

/* Where a connection is in its request's life. The core moves connections
 * between the first three and "in flight"; an engine moves a connection only
 * among the in-flight states (its own I/O progress). */
enum lg_conn_state {
	LG_C_IDLE,		/* no more requests to issue; no socket */
	LG_C_FREE,		/* open loop: waiting for a due request (socket kept or not) */
	LG_C_BACKOFF,		/* connect failed; no socket until deadline_ns */
	LG_C_CONNECTING,	/* in flight: socket opened, connect not yet confirmed */
	LG_C_SENDING,		/* in flight: request being handed over */
	LG_C_READING,		/* in flight: request sent, waiting for / parsing the response */
};

static inline bool lg_in_flight(uint8_t s)
{
	return s >= LG_C_CONNECTING;
}

/* One interval of one worker (interval_ns > 0). */
struct lg_slot {
	uint64_t completed, errors, sent;	/* completed: accepted answers */
	struct hist lat;	/* counts in the worker's slot_mem */
};

/* What every engine's connection starts with. */
struct lg_conn {
	uint8_t state;
	bool measured;		/* the request in flight counts */
	uint16_t lport;		/* local port, known when records are kept */
	uint32_t gen;		/* bumped by the engine whenever the socket goes */
	uint64_t served;	/* responses on this socket */
	uint64_t due_ns;	/* when the request in flight became due (open: intended) */
	uint64_t sent_ns;	/* when it was handed to this connection */
	uint64_t deadline_ns;	/* in flight: send + timeout; backoff: retry time */
};

struct lg_worker;
struct http_parser;

/* An engine's I/O, the only part that differs between engines (the habit of
 * wrk's socket table): the core decides what happens to a connection, the
 * engine moves the bytes. */
struct lg_conn_ops {
	/* Put c's request on the wire, opening a socket first when it has none.
	 * Failures go to lg_conn_fail. */
	void (*start)(struct lg_worker *w, struct lg_conn *c);
	/* Drop c's socket (if any) and any partial response. */
	void (*drop)(struct lg_worker *w, struct lg_conn *c);
	/* The server closes c after the response just parsed (fin_seen: its
	 * FIN is already here). NULL for engines without a parser of their own. */
	void (*retire)(struct lg_worker *w, struct lg_conn *c, bool fin_seen);
	bool own_timeouts;	/* the engine times requests out itself (curl) */
};

/* The part of a worker that every engine has; each engine's own worker
 * struct starts with it. Written only by its thread until it finishes. */
struct lg_worker {
	struct lg_run *run;
	const struct lg_conn_ops *ops;
	int idx;
	int cpu;		/* -1: not pinned */
	int nconns;
	bool open;		/* open loop */
	bool started;
	bool limited;		/* a request budget applies */
	bool stopping;		/* issue nothing more */
	bool rec_oom;		/* a record chunk could not be allocated: records stop */
	uint64_t budget;	/* measured requests this worker may still issue */
	struct lg_sched sched;
	uint64_t last_progress;	/* last complete response (or start) */
	uint64_t fails;		/* failed requests since last_progress */
	uint64_t connect_fails;	/* of which connect errors */

	/* the connection core's state */
	struct lg_conn **conns;	/* nconns, set by the engine after lg_worker_new */
	struct lg_conn **free;	/* open loop: free[0..nfree) are LG_C_FREE, the last freed on top */
	int nfree;
	int active;		/* connections in flight or backing off */
	uint64_t next_timer;	/* earliest deadline (may be stale-early) */

	/* per-interval figures: slots[cur] is being filled until slot_end */
	struct lg_slot *slots;	/* NULL: no interval_ns */
	uint32_t nslots, cur;
	uint32_t slot_pub;	/* atomic: slots before it are complete (nslots: all) */
	uint32_t packed;	/* slots before it are packed (main thread's, lg_timeline_pack) */
	uint64_t slot_end;	/* UINT64_MAX: the last slot (or none) */
	void *slot_mem;		/* the slots' histogram counts, touched only where used */
	size_t slot_mem_bytes;

	uint64_t completed, bytes, connects, sent, unfinished;	/* completed: accepted answers */
	uint64_t late, conn_waits, unsent, max_lag, tls_errors;
	uint64_t errors[LG_ERR__COUNT];
	uint64_t errnos[LG_ERR__COUNT][LG_ERRNO_SLOTS];
	uint64_t status_classes[6];
	int status_code[6];	/* first code of each class answered as a failure; -1: several */
	uint64_t last_resp_ns, last_send_ns, begin_ns, end_ns, wait_ns;
	uint64_t load_end_ns;	/* the loop ended: before the connections are closed */
	uint64_t oversleep_ns;	/* open loop: running average of sleep overshoot */
	double cpu_user_s, cpu_sys_s;
	struct hist lat, lat_unc, lag;
	struct lg_rec_chunk *recs;	/* newest first; NULL unless record_requests */
	/* stream_records: a single-producer/single-consumer ring of LG_REC_RING
	 * records, filled by this worker, emptied by lg_drain_records */
	struct lg_record *ring;
	uint64_t ring_head;	/* atomic: written by the worker (records pushed) */
	uint64_t ring_tail;	/* atomic: written by the consumer (records taken) */
	uint64_t ring_lost;	/* records dropped because the ring was full */
	char first_error[192];
	pthread_t tid;

	/* read by lg_progress() and lg_refused_since() from another thread */
	uint64_t progress __attribute__((aligned(64)));
	uint64_t refused_since;	/* first of an unbroken run of refused connects; 0: none */
	char pad[48];
};

/* Connection i of the worker's core (after lg_worker_new). */
static inline void lg_worker_set_conn(struct lg_worker *w, int i, struct lg_conn *c)
{
	w->conns[i] = c;
}

/* Moves c to state s, keeping the count of active connections. */
static inline void lg_conn_set_state(struct lg_worker *w, struct lg_conn *c, uint8_t s)
{
	w->active += (s >= LG_C_BACKOFF) - (c->state >= LG_C_BACKOFF);
	c->state = s;
}

/* The loop of every engine:
 *	lg_core_begin(w);
 *	while (lg_core_turn(w, &now, &wake, &precise))
 *		wait for I/O until wake, hand it to lg_conn_* calls;
 *	lg_core_finish(w);
 * lg_core_turn ends the window, times requests out, retries backed-off
 * connects and sends due open-loop requests; it returns false when the
 * worker is done. lg_core_finish counts the requests still in flight as
 * unfinished and drops every connection. */
void lg_core_begin(struct lg_worker *w);
bool lg_core_turn(struct lg_worker *w, uint64_t *now, uint64_t *wake, bool *precise);
void lg_core_finish(struct lg_worker *w);

/* c has no request in flight: give it the next one if one is due, else
 * idle it (closed loop) or park it (open loop). */
void lg_conn_next(struct lg_worker *w, struct lg_conn *c, uint64_t now);
/* The request in flight failed: count it, drop the socket, and back off
 * (connect errors) or go on with the next request. */
void lg_conn_fail(struct lg_worker *w, struct lg_conn *c, enum lg_error_class cls, int e);
/* Counts a complete response (seq: its ordinal on the TCP connection). */
void lg_conn_answered(struct lg_worker *w, struct lg_conn *c, int status, bool body_ok,
		      uint32_t seq, bool new_conn, uint64_t now);
/* Bytes received on c, for its parser: each complete response is counted
 * and c moves on. Returns whether c still reads the same socket. */
bool lg_conn_feed(struct lg_worker *w, struct lg_conn *c, struct http_parser *hp,
		  const char *buf, size_t n, bool fin_seen);
/* The server closed c's socket (e == 0) or reset it (e = errno). */
void lg_conn_closed(struct lg_worker *w, struct lg_conn *c, struct http_parser *hp, int e);

/* ---- worker lifecycle (run.c) ---------------------------------------------- */

/* An engine's worker struct (size bytes, beginning with struct lg_worker,
 * zeroed, on its own cache lines), with the core's tables for nconns
 * connections; NULL with the reason in err. */
void *lg_worker_new(size_t size, struct lg_run *r, int idx, int nconns, const struct lg_conn_ops *ops,
		    struct errbuf *err);
/* Frees what lg_worker_new made, the n allocations the engine made for it
 * (allocs; NULL ones are skipped by free) and the worker. */
void lg_worker_delete(struct lg_worker *w, void *const *allocs, size_t n);
void lg_worker_begin(struct lg_worker *w);	/* first thing in the thread */
void lg_worker_end(struct lg_worker *w);	/* last thing in the thread */
void lg_keep_record(struct lg_worker *w, uint64_t due, uint64_t now, uint32_t seq,
		    uint16_t lport, bool ok, bool new_conn);
void lg_sched_advance(struct lg_sched *s);
/* A socket's local port (after connect() bound it); 0 if unknown. */
uint16_t lg_local_port(int fd);

/* ---- per-interval figures (timeline.c) ------------------------------------- */

int lg_slots_init(struct lg_worker *w);		/* in lg_worker_new */
void lg_slots_start(struct lg_worker *w);	/* in the thread, once the window is known */
void lg_slots_done(struct lg_worker *w);	/* the thread's last: all slots complete */
void lg_slots_free(struct lg_worker *w);
/* whole_window: the run went to the end of its duration; window_ns: how
 * long it measured. */
int lg_timeline_merge(const struct lg_run *r, struct lg_result *res, bool whole_window, uint64_t window_ns);
void lg_timeline_free(struct lg_result *res);

static inline bool lg_stopped(const struct lg_run *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_RELAXED) != 0;
}

/* ---- waiting --------------------------------------------------------------- */

/* How long an event loop may sleep before `wake`: for an open-loop send
 * (precise) it wakes early by twice the overshoot it has been seeing, and
 * 0 means poll instead (the rest is shorter than a wake-up). Shared by the
 * epoll and io_uring loops. */
static inline uint64_t lg_sleep_ns(const struct lg_worker *w, uint64_t now, uint64_t wake,
				   bool precise)
{
	if (precise) {
		uint64_t early = 2 * w->oversleep_ns;
		if (early > LG_MAX_EARLY_NS)
			early = LG_MAX_EARLY_NS;
		wake = wake > early ? wake - early : 0;
	}
	uint64_t d = wake <= now ? 0 : wake - now;
	if (d > LG_MAX_WAIT_NS)
		return LG_MAX_WAIT_NS;
	return d <= LG_SPIN_NS ? 0 : d;
}

/* After a sleep of d ns that ran to its end: learn how far it overshot. */
static inline void lg_learn_oversleep(struct lg_worker *w, uint64_t d, uint64_t slept)
{
	if (d >= LG_MAX_WAIT_NS)
		return;
	uint64_t over = slept > d ? slept - d : 0;
	if (over > LG_MAX_EARLY_NS)
		over = LG_MAX_EARLY_NS;
	w->oversleep_ns = (w->oversleep_ns * 15 + over) / 16;
}

#ifdef LG_WANT_EPOLL_WAIT
#include <errno.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Raw system calls: the libc wrappers are cancellation points, which costs
 * on every call, and nothing here is ever cancelled. */
static inline int lg_sys_epoll_pwait2(int epfd, struct epoll_event *ev, int n, const struct timespec *ts)
{
	return (int)syscall(SYS_epoll_pwait2, epfd, ev, n, ts, NULL, 0);
}

/* arm64 (and every newer architecture) has no epoll_wait, only epoll_pwait,
 * which with no signal mask is the same call. */
static inline int lg_sys_epoll_wait(int epfd, struct epoll_event *ev, int n, int ms)
{
#ifdef SYS_epoll_wait
	return (int)syscall(SYS_epoll_wait, epfd, ev, n, ms);
#else
	return (int)syscall(SYS_epoll_pwait, epfd, ev, n, ms, NULL, (size_t)8);
#endif
}

/* Waits for events until `wake` at the latest, with ns resolution
 * (epoll_pwait2; plain epoll_wait rounds down to ms where it is missing,
 * and the loop polls the rest). The time asleep counts as not busy.
 *
 * precise: `wake` is an open-loop send time. A sleep overshoots by the
 * wake-up latency (tens of us in a VM, where arming a timer and waking
 * exit to the hypervisor), so the thread sleeps until the send time less
 * twice the overshoot it has been seeing (a running average), and polls
 * from there: sends leave within a few us of their schedule. */
static inline int lg_epoll_wait(struct lg_worker *w, int epfd, struct epoll_event *ev, int n,
				uint64_t now, uint64_t wake, bool precise)
{
	static int no_pwait2;
	uint64_t d = lg_sleep_ns(w, now, wake, precise);
	int k;
	if (!d) {
		k = lg_sys_epoll_wait(epfd, ev, n, 0);
		if (precise && k == 0)
			w->wait_ns += mono_ns() - now;	/* polling for a send: idle */
		return k;
	}
	uint64_t before = mono_ns();
	if (!__atomic_load_n(&no_pwait2, __ATOMIC_RELAXED)) {
		struct timespec ts = { .tv_sec = (time_t)(d / NS_PER_SEC), .tv_nsec = (long)(d % NS_PER_SEC) };
		k = lg_sys_epoll_pwait2(epfd, ev, n, &ts);
		if (k < 0 && errno == ENOSYS) {
			__atomic_store_n(&no_pwait2, 1, __ATOMIC_RELAXED);
			k = lg_sys_epoll_wait(epfd, ev, n, (int)(d / NS_PER_MS));
		}
	} else {
		k = lg_sys_epoll_wait(epfd, ev, n, (int)(d / NS_PER_MS));
	}
	uint64_t after = mono_ns();
	w->wait_ns += after - before;
	if (precise && k == 0)	/* slept the whole timeout */
		lg_learn_oversleep(w, d, after - before);
	return k;
}
#endif
