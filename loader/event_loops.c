/* The server's threads in the measured window: which are event loops and
 * how busy each was, and every process's threads added up, for the
 * summary's verdict (analysis/summary_kernel.c). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "loader/probes_internal.h"

static bool thread_alive(uint32_t tgid, uint32_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/task/%u", tgid, tid);
	return access(path, F_OK) == 0;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* When a live thread started, on the probes' clock (CLOCK_MONOTONIC; /proc
 * gives clock ticks since boot); 0 when unknown. */
static uint64_t thread_birth_ns(uint32_t tgid, uint32_t tid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, tid);
	if (!(f = fopen(path, "re")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');	/* comm may hold blanks: fields count from its end */
	if (!p || hz <= 0 ||
	    sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
		   &ticks) != 1)
		return 0;
	uint64_t boot = ticks * (1000000000ull / (unsigned long)hz);
	uint64_t off = clock_ns(CLOCK_BOOTTIME) - clock_ns(CLOCK_MONOTONIC);
	return boot > off ? boot - off : 0;
}

static int cmp_busy(const void *a, const void *b)
{
	const struct loop_sum *x = a, *y = b;
	double bx = isnan(x->busy) ? -1 : x->busy, by = isnan(y->busy) ? -1 : y->busy;

	if (bx != by)
		return bx > by ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Per thread that waited in epoll_wait/poll/select: what the kernel
 * recorded, and a wait in progress when the window closed (a thread that
 * waited through the whole window has no record, only that). */
struct loop_raw {
	uint32_t tid;
	struct loop_thread lt;
	bool waiting;		/* a wait in progress now */
	uint64_t wait_since;
};

static struct loop_raw *loop_find_or_add(struct loop_raw **v, size_t *n, size_t *cap,
					 uint32_t tid)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].tid == tid)
			return &(*v)[i];
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct loop_raw *nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].tid = tid;
	return &(*v)[(*n)++];
}

static struct loop_raw *read_loops(struct bpf_map *lm, const struct sc_inflight *inflight,
				   size_t *n)
{
	struct loop_raw *raw = NULL, *lr;
	uint32_t key, next, *kp = NULL;
	size_t cap = 0;

	*n = 0;
	while (lm && bpf_map__get_next_key(lm, kp, &next, sizeof(next)) == 0) {
		struct loop_thread lt;

		key = next;
		kp = &key;
		if (bpf_map__lookup_elem(lm, &key, sizeof(key), &lt, sizeof(lt), 0))
			continue;
		if ((lr = loop_find_or_add(&raw, n, &cap, key)))
			lr->lt = lt;
	}
	for (uint32_t i = 0; inflight && i < INFLIGHT_SLOTS; i++) {
		struct sc_inflight inf = inflight[i];	/* racy copy: good enough */

		if (!inf.pid_tgid || inf.slot < SC_FIRST_WAIT || inf.slot > SC_LAST_WAIT)
			continue;
		if (!(lr = loop_find_or_add(&raw, n, &cap, (uint32_t)inf.pid_tgid)))
			continue;
		if (!lr->lt.tgid) {	/* never returned from a wait so far */
			lr->lt.tgid = (uint32_t)(inf.pid_tgid >> 32);
			lr->lt.first_ns = inf.ts;
			lr->lt.last_ns = inf.ts;
		}
		lr->waiting = true;
		lr->wait_since = inf.ts;
	}
	return raw;
}

static void fill_comm(struct loop_sum *ls, const struct loop_thread *lt)
{
	char path[64];
	FILE *f;

	memcpy(ls->comm, lt->comm, sizeof(ls->comm));
	ls->comm[sizeof(ls->comm) - 1] = 0;
	if (ls->comm[0])
		return;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", lt->tgid, ls->tid);	/* known only from a wait in progress */
	if ((f = fopen(path, "re"))) {
		if (fgets(ls->comm, sizeof(ls->comm), f))
			ls->comm[strcspn(ls->comm, "\n")] = 0;
		fclose(f);
	}
}

/* A thread is an event loop when it sleeps mostly in those waits (half of
 * its time asleep or more), or hardly sleeps at all (a saturated loop);
 * one that waited there once and sleeps elsewhere (a futex, a blocking
 * read) is not. Without the scheduler's figures, any thread that waits. */
static bool is_event_loop(const struct loop_sum *ls)
{
	uint64_t awake = ls->oncpu_ns + ls->runq_ns, asleep;

	if (!ls->have_oncpu)
		return ls->waits > 0;
	asleep = ls->span_ns > awake ? ls->span_ns - awake : 0;
	return ls->blocked_ns * 2 >= asleep || asleep * 10 < ls->span_ns;
}

/* The span is the whole window the thread lived in: from the window's
 * start (or its birth, if later), never from its first wait, to the
 * window's end (or its last wait, if it is gone by now). */
static void loop_sum_of(struct loop_sum *ls, const struct loop_raw *raw, struct bpf_map *tm,
			uint64_t ws, uint64_t we)
{
	const struct loop_thread *lt = &raw->lt;
	bool alive = thread_alive(lt->tgid, raw->tid);
	uint64_t from = ws, to, birth;

	ls->tid = raw->tid;
	ls->tgid = lt->tgid;
	fill_comm(ls, lt);
	ls->waits = lt->waits;
	ls->blocked_ns = lt->blocked_ns;
	if (alive && raw->waiting) {
		uint64_t a = raw->wait_since > ws ? raw->wait_since : ws;

		if (we > a) {
			ls->blocked_ns += we - a;
			ls->waits++;	/* the wait in progress overlaps the window */
		}
	}
	birth = alive ? thread_birth_ns(lt->tgid, raw->tid) : lt->first_ns;
	if (birth > from)
		from = birth;
	to = alive ? we : (lt->last_ns < we ? lt->last_ns : we);
	ls->span_ns = to > from ? to - from : 0;
	if (ls->blocked_ns > ls->span_ns)
		ls->blocked_ns = ls->span_ns;
	ls->busy = ls->span_ns ? 1.0 - (double)ls->blocked_ns / (double)ls->span_ns : NAN;
	if (tm) {
		struct sched_thread st;

		if (!bpf_map__lookup_elem(tm, &ls->tid, sizeof(ls->tid), &st, sizeof(st), 0)) {
			ls->oncpu_ns = st.oncpu_ns;
			ls->runq_ns = st.runq_ns;
			ls->have_oncpu = true;
		}
	}
	ls->event_loop = is_event_loop(ls);
}

static int cmp_oncpu(const void *a, const void *b)
{
	const struct proc_sum *x = a, *y = b;

	if (x->oncpu_ns != y->oncpu_ns)
		return x->oncpu_ns > y->oncpu_ns ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* Every server thread the scheduler saw, added up per process. */
static void collect_procs(struct kernel_results *r, struct bpf_map *tm)
{
	uint32_t key, next, *kp = NULL;
	size_t cap = 0;

	while (tm && bpf_map__get_next_key(tm, kp, &next, sizeof(next)) == 0) {
		struct sched_thread st;
		size_t i;

		key = next;
		kp = &key;
		if (bpf_map__lookup_elem(tm, &key, sizeof(key), &st, sizeof(st), 0) ||
		    (!st.oncpu_ns && !st.runq_ns))
			continue;	/* no time in the window */
		for (i = 0; i < r->nprocs && r->procs[i].tgid != st.tgid; i++)
			;
		if (i == r->nprocs) {
			if (r->nprocs == cap) {
				size_t nc = cap ? cap * 2 : 8;
				struct proc_sum *nv = realloc(r->procs, nc * sizeof(*nv));

				if (!nv)
					return;
				r->procs = nv;
				cap = nc;
			}
			memset(&r->procs[i], 0, sizeof(r->procs[i]));
			r->procs[i].tgid = st.tgid;
			r->nprocs++;
		}
		r->procs[i].threads++;
		r->procs[i].oncpu_ns += st.oncpu_ns;
		r->procs[i].runq_ns += st.runq_ns;
		r->nthreads++;
	}
	for (size_t i = 0; i < r->nprocs; i++) {
		char path[64];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%u/comm", r->procs[i].tgid);
		if ((f = fopen(path, "re"))) {
			if (fgets(r->procs[i].comm, sizeof(r->procs[i].comm), f))
				r->procs[i].comm[strcspn(r->procs[i].comm, "\n")] = 0;
			fclose(f);
		}
	}
	if (r->nprocs)
		qsort(r->procs, r->nprocs, sizeof(*r->procs), cmp_oncpu);
}

void probes_collect_loops(const struct loop_maps *m, struct kernel_results *r, uint64_t ws,
			  uint64_t we)
{
	struct bpf_map *tm = m->threads;
	size_t n = 0;
	struct loop_raw *raw = read_loops(m->loop_threads, m->inflight, &n);

	r->busiest = -1;
	collect_procs(r, tm);
	r->loops = calloc(n ? n : 1, sizeof(*r->loops));
	for (size_t i = 0; r->loops && i < n; i++) {
		loop_sum_of(&r->loops[r->nloops], &raw[i], tm, ws, we);
		if (r->loops[r->nloops].span_ns)
			r->nloops++;	/* a thread with no time in the window is left out */
	}
	free(raw);
	if (!r->nloops)
		return;
	qsort(r->loops, r->nloops, sizeof(*r->loops), cmp_busy);
	/* Headline: the busiest event loop that lived through at least half of
	 * the window (short-lived threads make no event loop). */
	for (size_t i = 0; i < r->nloops; i++)
		if (r->loops[i].event_loop && !isnan(r->loops[i].busy) &&
		    r->loops[i].span_ns * 2 >= r->window_ns) {
			r->busiest = (int)i;
			break;
		}
}
