/* Syscalls of the server's processes: count, errors, EAGAIN, in-kernel time
 * and its log2 histogram per syscall; time spent waiting in
 * epoll_wait/poll/select per thread (the event loop's idle time); and, at
 * accept() exit, the accept-queue wait of the returned connection.
 *
 * Hot path, in order: syscall number -> slot through a read-only table (one
 * load; most syscalls stop here), then the load generator's tgid (a
 * compare), then the tracked-tgid map. Counters live in per-CPU arrays, so
 * there are no atomics; user space sums the CPUs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"
#include "syscalls.h"

/* Host syscall number -> slot + 1 (0: not traced). Filled by the loader. */
const volatile __u8 sc_slot_of[SC_ID_MAX] = {};
/* Match accept() results against the tcp object's established sockets. */
const volatile bool accept_wait_on = false;

/* In .bss: the loader reads it through the skeleton's mmap. */
struct sc_inflight inflight[INFLIGHT_SLOTS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SC_NR);
	__type(key, __u32);
	__type(value, struct sc_stat);
} sc_stats SEC(".maps");

/* LRU: a server that makes a thread per connection and polls in each
 * (Python sockets with a timeout do) would otherwise fill it with dead
 * threads; a live event loop refreshes its record at every wait. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* tid */
	__type(value, struct loop_thread);
} loop_threads SEC(".maps");

/* Shared with the tcp object (bpf_map__reuse_fd): server-side sockets that
 * reached ESTABLISHED and were not accepted yet, key = struct sock address,
 * value = when. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} estab SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct accept_stat);
} accept_stats SEC(".maps");

static __always_inline __u32 slot_of(long id)
{
	if ((unsigned long)id >= SC_ID_MAX)
		return 0;
	return sc_slot_of[id];
}

static __always_inline int on_enter(long id)
{
	struct sc_inflight *e;
	__u64 pid_tgid;
	__u32 s = slot_of(id);

	if (!s)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (!is_tracked(pid_tgid >> 32))
		return 0;
	e = &inflight[(__u32)pid_tgid & (INFLIGHT_SLOTS - 1)];
	if (e->pid_tgid && e->pid_tgid != pid_tgid)
		count_drop(DROP_INFLIGHT_FULL);
	e->ts = bpf_ktime_get_ns();
	e->slot = s - 1;
	e->pid_tgid = pid_tgid;
	return 0;
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

/* The connection accept() returned: fd -> struct file -> struct socket ->
 * struct sock, the same address inet_sock_set_state saw when the handshake
 * completed. Walking the caller's fd table is exact even with several
 * listeners or SO_REUSEPORT, where "the oldest pending socket" is not. */
static __always_inline void accept_done(long fd, __u64 now)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;
	struct socket *so;
	struct accept_stat *st;
	__u64 key, *ts, t0, d;
	__u32 zero = 0;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return;
	so = BPF_CORE_READ(f, private_data);
	if (!so)
		return;
	key = (__u64)BPF_CORE_READ(so, sk);
	ts = bpf_map_lookup_elem(&estab, &key);
	if (!ts)
		return;
	t0 = *ts;
	bpf_map_delete_elem(&estab, &key);
	if (!in_window(now) || now < t0)
		return;
	st = bpf_map_lookup_elem(&accept_stats, &zero);
	if (!st)
		return;
	d = now - t0;
	st->count++;
	st->total_ns += d;
	if (d > st->max_ns)
		st->max_ns = d;
	st->hist[hist_slot(d)]++;
}

static __always_inline int on_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sc_inflight *e;
	struct sc_stat *st;
	__u64 enter, now, d;
	__u32 slot;

	/* Entries exist only for tracked threads: the tag is the filter. */
	e = &inflight[(__u32)pid_tgid & (INFLIGHT_SLOTS - 1)];
	if (e->pid_tgid != pid_tgid || !pid_tgid)
		return 0;
	enter = e->ts;
	slot = e->slot;
	e->pid_tgid = 0;
	now = bpf_ktime_get_ns();

	if (slot >= SC_FIRST_WAIT && slot <= SC_LAST_WAIT)
		account_wait(pid_tgid, enter, now);
	if (accept_wait_on && (slot == SC_ACCEPT || slot == SC_ACCEPT4) && ret >= 0)
		accept_done(ret, now);

	/* Counted when the whole call lies inside the window. */
	if (enter < win_start || now > win_end)
		return 0;
	st = bpf_map_lookup_elem(&sc_stats, &slot);
	if (!st)
		return 0;
	d = now - enter;
	st->count++;
	st->total_ns += d;
	if (d > st->max_ns)
		st->max_ns = d;
	st->hist[hist_slot(d)]++;
	if (ret < 0) {
		if (ret == -BENCH_EAGAIN)
			st->eagain++;
		else
			st->errors++;
	}
	return 0;
}

/* Syscall number at exit, read from the saved registers. */
#if defined(__TARGET_ARCH_x86)
#define REGS_SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define REGS_SYSCALL_NR(regs) ((regs)->syscallno)
#endif

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return on_enter(id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
#ifdef REGS_SYSCALL_NR
	/* A direct load here: skips the map lookup for untraced syscalls. */
	if (!slot_of(REGS_SYSCALL_NR(regs)))
		return 0;
#endif
	return on_exit(ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_exit(ret);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
