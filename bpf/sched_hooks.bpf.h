/* The scheduler tracepoints' glue, shared by every object that follows the
 * server's threads (sched, anatomy): tp_btf programs with raw_tp twins that
 * read the tasks and call the including object's own handlers,
 *   static void on_switch(bool preempt, long prev_state, __u32 prev_pid,
 *                         __u32 prev_tgid, __u32 next_pid, __u32 next_tgid);
 *   static void on_wakeup(__u32 pid, __u32 tgid);
 * SCHED_HOOKS(prefix) defines them as <prefix>sched_switch[_raw],
 * <prefix>sched_wakeup[_raw] and <prefix>sched_wakeup_new[_raw]; the object
 * declares `const volatile bool switch_has_state`, set by the loader from BTF. */
#pragma once
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* Before 5.18 prev_state is not an argument of sched_switch; before 5.14
 * the field is `state`, not `__state`. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* ctx read by hand: prev_state (ctx[3]) is loaded only where it exists. */
#define SCHED_HOOKS(pfx)							\
SEC("tp_btf/sched_switch")							\
int pfx##sched_switch(__u64 *ctx)						\
{										\
	struct task_struct *prev = (void *)ctx[1], *next = (void *)ctx[2];	\
	long state = switch_has_state ? (long)(unsigned int)ctx[3] : task_state(prev); \
										\
	on_switch((bool)ctx[0], state, prev->pid, prev->tgid, next->pid, next->tgid); \
	return 0;								\
}										\
										\
SEC("raw_tp/sched_switch")							\
int pfx##sched_switch_raw(__u64 *ctx)						\
{										\
	struct task_struct *prev = (void *)ctx[1], *next = (void *)ctx[2];	\
	long state = switch_has_state ? (long)(unsigned int)ctx[3] : task_state(prev); \
										\
	on_switch((bool)ctx[0], state, BPF_CORE_READ(prev, pid), BPF_CORE_READ(prev, tgid), \
		  BPF_CORE_READ(next, pid), BPF_CORE_READ(next, tgid));		\
	return 0;								\
}										\
										\
SEC("tp_btf/sched_wakeup")							\
int BPF_PROG(pfx##sched_wakeup, struct task_struct *p)				\
{										\
	on_wakeup(p->pid, p->tgid);						\
	return 0;								\
}										\
										\
SEC("raw_tp/sched_wakeup")							\
int BPF_PROG(pfx##sched_wakeup_raw, struct task_struct *p)			\
{										\
	on_wakeup(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));		\
	return 0;								\
}										\
										\
SEC("tp_btf/sched_wakeup_new")							\
int BPF_PROG(pfx##sched_wakeup_new, struct task_struct *p)			\
{										\
	on_wakeup(p->pid, p->tgid);						\
	return 0;								\
}										\
										\
SEC("raw_tp/sched_wakeup_new")							\
int BPF_PROG(pfx##sched_wakeup_new_raw, struct task_struct *p)			\
{										\
	on_wakeup(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));		\
	return 0;								\
}
