/* Syscalls group: per syscall of the server's processes its count, errors,
 * EAGAIN returns and in-kernel time; time spent waiting in
 * epoll_wait/poll/select per thread (the event loop's idle time); and, at
 * accept() exit, the accept-queue wait of the returned connection (its
 * start is the tcp group's `estab`). Hooks: sys_enter, sys_exit.
 *
 * Hot path, in order: syscall number -> slot through a read-only table (one
 * load; most syscalls stop here), then the load generator's tgid (a
 * compare), then the tracked-tgid filter. Counters live in per-CPU arrays,
 * so there are no atomics; user space sums the CPUs. */
#pragma once
#include "syscalls.h"

/* Host syscall number -> slot + 1 (0: not traced). Filled by the loader. */
const volatile __u8 sc_slot_of[SC_ID_MAX] = {};
/* Match accept() results against the tcp group's established sockets. */
const volatile bool accept_wait_on = false;

/* In .bss: the loader reads it through the skeleton's mmap. */
struct sc_inflight inflight[INFLIGHT_SLOTS] = {};

BPF_MAP(sc_stats, BPF_MAP_TYPE_PERCPU_ARRAY, SC_NR, __u32, struct sc_stat);

/* LRU: a server that makes a thread per connection and polls in each
 * (Python sockets with a timeout do) would otherwise fill it with dead
 * threads; a live event loop refreshes its record at every wait. */
BPF_MAP(loop_threads, BPF_MAP_TYPE_LRU_HASH, 4096, __u32, struct loop_thread);	/* by tid; the loader may shrink it */

BPF_MAP(accept_stats, BPF_MAP_TYPE_PERCPU_ARRAY, 1, __u32, struct dist);

/* Slot + 1 of syscall id, 0 when it is not traced. */
static __always_inline __u32 slot_of(long id)
{
	if ((unsigned long)id >= SC_ID_MAX)
		return 0;
	return sc_slot_of[id];
}

static __always_inline bool is_accept_slot(__u32 s)
{
	return s == SC_ACCEPT + 1 || s == SC_ACCEPT4 + 1;
}

static __always_inline void sc_enter(long id)
{
	struct sc_inflight *e;
	__u64 pid_tgid;
	__u32 s = slot_of(id);

	if (!s)
		return;
	pid_tgid = bpf_get_current_pid_tgid();
	if (!is_tracked(pid_tgid >> 32))
		return;
	e = &inflight[(__u32)pid_tgid & (INFLIGHT_SLOTS - 1)];
	if (e->pid_tgid && e->pid_tgid != pid_tgid)
		count_drop(DROP_INFLIGHT_FULL);
	e->ts = bpf_ktime_get_ns();
	e->slot = s - 1;
	e->send_port = 0;
	e->pid_tgid = pid_tgid;
}

/* Waiting syscalls: per-thread idle time inside the window. The record is
 * made on the first wait ever seen (also before the window), so its
 * first_ns tells the loader since when the thread has been polling. */
static __always_inline void account_wait(__u64 pid_tgid, __u64 enter, __u64 now)
{
	__u32 tid = (__u32)pid_tgid;
	struct loop_thread *t;
	__u64 in;

	t = bpf_map_lookup_elem(&loop_threads, &tid);
	if (!t) {
		struct loop_thread z = {};

		z.tgid = pid_tgid >> 32;
		z.first_ns = enter;
		bpf_get_current_comm(z.comm, sizeof(z.comm));
		/* Only this thread writes its own record: no race to lose. */
		if (bpf_map_update_elem(&loop_threads, &tid, &z, BPF_NOEXIST)) {
			count_drop(DROP_LOOP_FULL);
			return;
		}
		t = bpf_map_lookup_elem(&loop_threads, &tid);
		if (!t)
			return;
	}
	in = clip(enter, now, win_start, win_end);
	if (in) {
		t->blocked_ns += in;
		t->waits++;
	}
	t->last_ns = now;
}

/* The connection accept() returned (its struct sock, the same address
 * inet_sock_set_state saw when the handshake completed): its accept-queue
 * wait, from `estab`. */
static __always_inline void accept_wait_done(const struct sock *sk, __u64 now)
{
	struct dist *st;
	__u64 key = (__u64)sk, *ts, t0;
	__u32 zero = 0;

	ts = bpf_map_lookup_elem(&estab, &key);
	if (!ts)
		return;
	t0 = *ts;
	bpf_map_delete_elem(&estab, &key);
	if (!in_window(now) || now < t0)
		return;
	st = bpf_map_lookup_elem(&accept_stats, &zero);
	if (st)
		dist_add(st, now - t0);
}

/* The traced syscall the current thread is in (a send of the server's),
 * NULL if none: the send's end is then this call's return. */
static __always_inline struct sc_inflight *sc_current(void)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sc_inflight *e = &inflight[(__u32)pid_tgid & (INFLIGHT_SLOTS - 1)];

	if (e->pid_tgid != pid_tgid || !pid_tgid || e->slot < SC_WRITE || e->slot > SC_SENDFILE)
		return NULL;
	return e;
}

/* A traced syscall of a tracked thread returns ret. Returns its slot + 1,
 * or 0 when this thread had no traced syscall in progress (the entry's tag
 * is the filter: entries exist only for tracked threads); *send_port: the
 * entry's (sc_current). */
static __always_inline __u32 sc_exit(__u64 pid_tgid, long ret, __u64 *now, __u32 *send_port)
{
	struct sc_inflight *e;
	struct sc_stat *st;
	__u64 enter;
	__u32 slot;

	e = &inflight[(__u32)pid_tgid & (INFLIGHT_SLOTS - 1)];
	if (e->pid_tgid != pid_tgid || !pid_tgid)
		return 0;
	enter = e->ts;
	slot = e->slot;
	*send_port = e->send_port;
	e->pid_tgid = 0;
	*now = bpf_ktime_get_ns();

	if (slot >= SC_FIRST_WAIT && slot <= SC_LAST_WAIT)
		account_wait(pid_tgid, enter, *now);
	/* Counted when the whole call lies inside the window. */
	if (enter < win_start || *now > win_end)
		return slot + 1;
	st = bpf_map_lookup_elem(&sc_stats, &slot);
	if (!st)
		return slot + 1;
	dist_add(&st->lat, *now - enter);
	if (ret < 0) {
		if (ret == -BENCH_EAGAIN)
			st->eagain++;
		else
			st->errors++;
	}
	return slot + 1;
}

/* Syscall number at exit, from the saved registers. */
#if defined(__TARGET_ARCH_x86)
#define REGS_SYSCALL_NR(btf, regs) ((btf) ? (regs)->orig_ax : BPF_CORE_READ(regs, orig_ax))
#elif defined(__TARGET_ARCH_arm64)
#define REGS_SYSCALL_NR(btf, regs) ((btf) ? (regs)->syscallno : BPF_CORE_READ(regs, syscallno))
#else
#error "syscalls.bpf.h: add the syscall-number register of this architecture"
#endif
