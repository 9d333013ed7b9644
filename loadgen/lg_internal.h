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
struct lg_rec_chunk {
	struct lg_rec_chunk *next;
	size_t n;
	struct lg_record v[LG_RECS_PER_CHUNK];
};

struct lg_run;

/* The part of a worker that every engine has; each engine's own worker
 * struct starts with it. Written only by its thread until it finishes. */
struct lg_worker {
	struct lg_run *run;
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

	uint64_t completed, ok, bytes, connects, sent;
	uint64_t late, conn_waits, unsent, max_lag, tls_errors;
	uint64_t errors[LG_ERR__COUNT];
	uint64_t errnos[LG_ERR__COUNT][LG_ERRNO_SLOTS];
	uint64_t status_classes[6];
	uint64_t last_resp_ns, last_send_ns, begin_ns, end_ns, wait_ns;
	uint64_t oversleep_ns;	/* open loop: running average of sleep overshoot */
	double cpu_user_s, cpu_sys_s;
	struct hist lat, lat_unc, lag;
	struct lg_rec_chunk *recs;	/* newest first; NULL unless record_requests */
	char first_error[192];
	pthread_t tid;

	/* read by lg_progress() from another thread */
	uint64_t progress __attribute__((aligned(64)));
	char pad[56];
};

struct lg_engine_ops {
	/* Once per run, before the workers are made (may be NULL). */
	int (*prepare)(struct lg_run *r, struct errbuf *err);
	/* A worker with nconns connections; lg_worker_init() done inside.
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
	uint64_t start_ns, measure_ns, issue_end_ns, timeout_ns, late_ns;
	int evfd;		/* lg_stop() makes it readable: wakes every worker */
	int stop;		/* atomic */
	int finished;		/* atomic: workers done */
	int nworkers;
	struct lg_worker **workers;
};

/* ---- worker lifecycle (run.c) ---------------------------------------------- */

int lg_worker_init(struct lg_worker *w, struct lg_run *r, int idx, int nconns);
void lg_worker_fini(struct lg_worker *w);
void lg_worker_begin(struct lg_worker *w);	/* first thing in the thread */
void lg_worker_end(struct lg_worker *w);	/* last thing in the thread */
void lg_keep_record(struct lg_worker *w, uint64_t due, uint64_t now, uint32_t seq,
		    uint16_t lport, bool ok, bool new_conn);
void lg_sched_advance(struct lg_sched *s);
/* Stop issuing: the schedule ends; open-loop requests already due are
 * counted as unsent. */
void lg_stop_issuing(struct lg_worker *w, uint64_t now);

static inline bool lg_stopped(const struct lg_run *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_RELAXED) != 0;
}

/* ---- per request ----------------------------------------------------------- */

/* Closed loop: whether a connection free at `now` may issue a request. */
static inline bool lg_admit(struct lg_worker *w, uint64_t now, bool *measured)
{
	const struct lg_run *r = w->run;
	if (w->stopping || now >= r->issue_end_ns)
		return false;
	bool m = now >= r->measure_ns;
	if (m && w->limited) {
		if (!w->budget)
			return false;
		w->budget--;
	}
	*measured = m;
	return true;
}

/* Open loop: takes the oldest unsent request if it is due by `now`. */
static inline bool lg_take_due(struct lg_worker *w, uint64_t now, uint64_t *due, bool *measured)
{
	const struct lg_run *r = w->run;
	uint64_t t = w->sched.next;
	if (t > now)
		return false;	/* also when none is left (UINT64_MAX) */
	bool m = t >= r->measure_ns;
	if (m && w->limited && !w->budget) {
		w->sched.next = UINT64_MAX;
		return false;
	}
	lg_sched_advance(&w->sched);
	if (w->sched.next >= r->issue_end_ns)
		w->sched.next = UINT64_MAX;
	if (m && w->limited && !--w->budget)
		w->sched.next = UINT64_MAX;
	*due = t;
	*measured = m;
	return true;
}

/* A request intended for `due` is handed to a connection at `now`. */
static inline void lg_on_send(struct lg_worker *w, uint64_t due, uint64_t now, bool measured)
{
	if (!measured)
		return;
	w->sent++;
	w->last_send_ns = now;
	if (w->open) {
		uint64_t lag = now > due ? now - due : 0;
		hist_record(&w->lag, lag);
		if (lag > w->max_lag)
			w->max_lag = lag;
		if (lag >= w->run->late_ns)
			w->late++;
	}
}

/* A complete response: status, whether the body was the expected one. */
static inline void lg_on_response(struct lg_worker *w, bool measured, int status, bool body_ok,
				  uint64_t due, uint64_t sent_ns, uint64_t now,
				  uint32_t seq, uint16_t lport, bool new_conn)
{
	if (measured) {
		int cls = status / 100;
		if (cls > 5 || cls < 0)
			cls = 0;
		w->completed++;
		w->status_classes[cls]++;
		bool ok = false;
		if (cls != 2) {
			w->errors[LG_ERR_STATUS]++;
			w->errnos[LG_ERR_STATUS][0]++;
		} else if (!body_ok) {
			w->errors[LG_ERR_BODY]++;
			w->errnos[LG_ERR_BODY][0]++;
		} else {
			ok = true;
			w->ok++;
			hist_record(&w->lat, now - due);
			if (w->open)
				hist_record(&w->lat_unc, now - sent_ns);
		}
		if (w->run->opts.record_requests && !w->rec_oom)
			lg_keep_record(w, due, now, seq, lport, ok, new_conn);
		w->last_resp_ns = now;
		__atomic_store_n(&w->progress, w->completed, __ATOMIC_RELAXED);
	}
	w->last_progress = now;
	w->fails = w->connect_fails = 0;
}

/* A failed request (measured or not: both count towards "server gone"). */
static inline void lg_on_error(struct lg_worker *w, bool measured, enum lg_error_class cls, int e)
{
	w->fails++;
	if (cls == LG_ERR_CONNECT)
		w->connect_fails++;
	if (!measured)
		return;
	w->errors[cls]++;
	w->errnos[cls][e > 0 && e < LG_ERRNO_SLOTS ? e : 0]++;
	if (!w->first_error[0])
		snprintf(w->first_error, sizeof(w->first_error), "%s error: %s", lg_error_names[cls],
			 e > 0 ? strerror(e) : cls == LG_ERR_TIMEOUT ? "no response in time" : "-");
}

/* Whether to give up once no response came for a whole timeout: with a
 * request count, when requests keep failing (or it might never end); with a
 * duration, only when connections fail too, i.e. the server is gone (a
 * stalled server that times out may come back, and the run is bounded). */
static inline bool lg_server_gone(const struct lg_worker *w)
{
	return w->run->opts.duration_ns ? w->connect_fails != 0 : w->fails != 0;
}

/* Once per loop turn: stops issuing at the end of the window or when the
 * server is gone. Returns the time the loop must wake up by for it. */
static inline uint64_t lg_check_end(struct lg_worker *w, uint64_t now)
{
	const struct lg_run *r = w->run;
	if (w->stopping)
		return UINT64_MAX;
	bool gone = lg_server_gone(w);
	if (now >= r->issue_end_ns || (gone && now - w->last_progress > r->timeout_ns)) {
		lg_stop_issuing(w, now);
		return UINT64_MAX;
	}
	uint64_t wake = r->issue_end_ns;
	if (gone && w->last_progress + r->timeout_ns + 1 < wake)
		wake = w->last_progress + r->timeout_ns + 1;
	return wake;
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

static inline int lg_sys_epoll_wait(int epfd, struct epoll_event *ev, int n, int ms)
{
	return (int)syscall(SYS_epoll_wait, epfd, ev, n, ms);
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
