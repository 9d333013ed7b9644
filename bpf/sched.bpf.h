/* Sched group: the scheduler's view of the server's threads: run-queue
 * delay (became runnable, by a wakeup or by being preempted, until switched
 * in), on-CPU time, voluntary and involuntary context switches. Hooks
 * (shared with the anatomy's run-queue history): sched_switch,
 * sched_wakeup, sched_wakeup_new; the hook has already checked the tgid. */
#pragma once
#include "sched.h"

BPF_MAP(sched_stats, BPF_MAP_TYPE_PERCPU_ARRAY, 1, __u32, struct sched_stat);

/* LRU: a thread-per-connection server (Flask) makes a thread per request;
 * the threads that are gone are the ones evicted. */
BPF_MAP(threads, BPF_MAP_TYPE_LRU_HASH, 16384, __u32, struct sched_thread);	/* by tid; the loader may shrink it */

static __always_inline struct sched_thread *thread_get(__u32 tid, __u32 tgid)
{
	struct sched_thread *t = bpf_map_lookup_elem(&threads, &tid);
	struct sched_thread z = {};

	if (t)
		return t;
	z.tgid = tgid;
	if (bpf_map_update_elem(&threads, &tid, &z, BPF_NOEXIST))
		count_drop(DROP_THREADS_FULL);
	return bpf_map_lookup_elem(&threads, &tid);
}

static __always_inline void sched_wake(__u32 pid, __u32 tgid, __u64 now)
{
	struct sched_thread *t = thread_get(pid, tgid);

	/* A wakeup of a task still on its CPU (it had not gone to sleep yet)
	 * puts nothing on a run queue. */
	if (t && !t->in_ts)
		t->wake_ts = now;
}

/* A server thread leaves its CPU; runnable: preempted (the kernel's own
 * rule for nvcsw/nivcsw). */
static __always_inline void sched_out(__u32 pid, __u32 tgid, bool runnable, __u64 now)
{
	struct sched_stat *st;
	struct sched_thread *t;
	__u32 zero = 0;
	__u64 d;

	st = bpf_map_lookup_elem(&sched_stats, &zero);
	if (!st)
		return;
	t = thread_get(pid, tgid);
	if (t) {
		if (t->in_ts) {
			d = clip(t->in_ts, now, win_start, win_end);
			t->oncpu_ns += d;
			st->oncpu_ns += d;
			t->in_ts = 0;
		}
		/* Still runnable: its run-queue wait starts now. */
		t->wake_ts = runnable ? now : 0;
	}
	if (in_window(now)) {
		if (runnable)
			st->involuntary++;
		else
			st->voluntary++;
	}
}

/* A server thread gets a CPU: the end of its run-queue wait, if any. */
static __always_inline void sched_in(__u32 pid, __u32 tgid, __u64 now)
{
	struct sched_stat *st;
	struct sched_thread *t = thread_get(pid, tgid);
	__u32 zero = 0;
	__u64 d;

	if (!t)
		return;
	t->in_ts = now;
	if (!t->wake_ts)
		return;
	d = now - t->wake_ts;
	t->runq_ns += clip(t->wake_ts, now, win_start, win_end);
	t->wake_ts = 0;
	if (!in_window(now))
		return;
	st = bpf_map_lookup_elem(&sched_stats, &zero);
	if (st)
		dist_add(&st->runq, d);
}
