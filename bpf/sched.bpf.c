/* Scheduler view of the server's threads: run-queue delay (became runnable,
 * by a wakeup or by being preempted, until switched in) as a log2
 * histogram, on-CPU time, voluntary and involuntary context switches.
 * sched_switch runs very often for the whole machine, so each side first
 * checks the tgid (the load generator is a compare, the rest one lookup). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"
#include "sched.h"
#include "sched_hooks.bpf.h"

/* sched_switch has carried prev_state as its 4th argument since 5.18; before
 * that it is read from the task (state, renamed __state in 5.14). */
const volatile bool switch_has_state = true;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_stat);
} sched_stats SEC(".maps");

/* LRU: a thread-per-connection server (Flask) makes a thread per request;
 * the threads that are gone are the ones evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);	/* tid */
	__type(value, struct sched_thread);
} threads SEC(".maps");

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

static __always_inline void on_wakeup(__u32 pid, __u32 tgid)
{
	struct sched_thread *t;

	if (!is_tracked(tgid))
		return;
	t = thread_get(pid, tgid);
	/* A wakeup of a task still on its CPU (it had not gone to sleep yet)
	 * puts nothing on a run queue. */
	if (t && !t->in_ts)
		t->wake_ts = bpf_ktime_get_ns();
}

static __always_inline void on_switch(bool preempt, long prev_state,
				      __u32 prev_pid, __u32 prev_tgid,
				      __u32 next_pid, __u32 next_tgid)
{
	struct sched_stat *st = NULL;
	struct sched_thread *t;
	__u64 now = 0, d;
	__u32 zero = 0;

	if (is_tracked(prev_tgid)) {
		/* The kernel's own rule for nvcsw/nivcsw. */
		bool runnable = preempt || !prev_state;

		now = bpf_ktime_get_ns();
		st = bpf_map_lookup_elem(&sched_stats, &zero);
		if (!st)
			return;
		t = thread_get(prev_pid, prev_tgid);
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
	if (is_tracked(next_tgid)) {
		if (!now)
			now = bpf_ktime_get_ns();
		t = thread_get(next_pid, next_tgid);
		if (!t)
			return;
		t->in_ts = now;
		if (!t->wake_ts)
			return;
		d = now - t->wake_ts;
		t->wake_ts = 0;
		if (!in_window(now))
			return;
		if (!st)
			st = bpf_map_lookup_elem(&sched_stats, &zero);
		if (!st)
			return;
		st->runq_count++;
		st->runq_total_ns += d;
		if (d > st->runq_max_ns)
			st->runq_max_ns = d;
		st->runq_hist[hist_slot(d)]++;
	}
}

SCHED_HOOKS()

char LICENSE[] SEC("license") = "Dual MIT/GPL";
