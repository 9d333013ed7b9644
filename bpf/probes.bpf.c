/* The one BPF object: every hook of every probe group, one program per
 * kernel tracepoint (with its raw_tp twin), each feeding the groups that
 * use it. The groups' state and handlers are in <group>.bpf.h; which uses
 * are on is the read-only mask `uses_on` (probes.h), so the verifier drops
 * the code of groups that are off. The loader (loader/probes.c) loads the
 * object with the groups asked for, and when a kernel's verifier rejects
 * it, finds the groups that load and goes on with those. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "common.bpf.h"
#include "track.bpf.h"
#include "tcp.bpf.h"
#include "syscalls.bpf.h"
#include "sched.bpf.h"
#include "anatomy.bpf.h"

/* sched_switch has carried prev_state as its 4th argument since 5.18;
 * before that it is read from the task (state, renamed __state in 5.14). */
const volatile bool switch_has_state = true;
/* tcp_recvmsg(sk, msg, len, nonblock, flags, addr_len) before 5.19; since
 * then (sk, msg, len, flags, addr_len). */
const volatile bool tcp_recvmsg_flags_5th = false;

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* ---- processes -------------------------------------------------------------- */

TWIN_PROGS(sched_process_fork)
{
	struct task_struct *parent = ARG(0, void *), *child = ARG(1, void *);

	if (USE(U_FORK))
		track_fork(RD(btf, parent, tgid), RD(btf, child, tgid));
}

/* The second argument is loaded only when the kernel has it: the verifier
 * drops the other branch because exit_has_group_dead is read-only data. */
TWIN_PROGS(sched_process_exit)
{
	struct task_struct *p = ARG(0, void *);
	__u32 pid = RD(btf, p, pid), tgid = RD(btf, p, tgid);

	if (USE(U_EXIT))
		track_exit(tgid, exit_has_group_dead ? (bool)ctx[1] : pid == tgid);
}

/* ---- syscalls ---------------------------------------------------------------- */

TWIN_PROGS(sys_enter)
{
	if (USE(U_SYS_ENTER))
		sc_enter(ARG(1, long));
}

/* The syscalls group's figures and, for the anatomy, accept() returns.
 * With tp_btf the syscall number is a direct load that stops untraced
 * syscalls before any map; with raw_tp (a probe read) only the anatomy
 * needs it, the syscalls group filters on its in-progress entry. */
TWIN_PROGS(sys_exit)
{
	struct pt_regs *regs = ARG(0, void *);
	long ret = ARG(1, long);
	__u64 pid_tgid, now = 0;
	__u32 s = 0, send_port = 0;
	bool anat;

	if (btf || USE(U_ANAT_SYS_EXIT)) {
		s = slot_of(REGS_SYSCALL_NR(btf, regs));
		if (!s)
			return;		/* most syscalls of the machine stop here */
	}
	pid_tgid = bpf_get_current_pid_tgid();
	if (USE(U_SYS_EXIT))
		s = sc_exit(pid_tgid, ret, &now, &send_port) ?: s;
	if (send_port && send_end_at_exit && USE(U_ANAT_SEND))
		server_send_end(send_port, ret, now);
	if (ret < 0 || !is_accept_slot(s))
		return;
	anat = USE(U_ANAT_SYS_EXIT) && anat_accept_live;
	if (!accept_wait_on && !anat)
		return;
	if (!now) {
		if (!is_tracked(pid_tgid >> 32))
			return;
		now = bpf_ktime_get_ns();
	}
	{
		struct sock *sk = sock_of_fd(ret);

		if (!sk)
			return;
		if (accept_wait_on && USE(U_SYS_EXIT))
			accept_wait_done(sk, now);
		if (anat)
			anat_accept(sk, now);
	}
}

/* ---- scheduler ---------------------------------------------------------------- */

TWIN_PROGS(sched_switch)
{
	struct task_struct *prev = ARG(1, void *), *next = ARG(2, void *);
	__u32 prev_tgid = RD(btf, prev, tgid), next_tgid = RD(btf, next, tgid);
	bool out = is_tracked(prev_tgid), in = is_tracked(next_tgid);
	__u64 now;

	if (!out && !in)
		return;
	now = bpf_ktime_get_ns();
	if (out) {
		long state = switch_has_state ? (long)(unsigned int)ctx[3] : task_state(prev);
		bool runnable = (bool)ctx[0] || !state;
		__u32 pid = RD(btf, prev, pid);

		if (USE(U_SCHED_SWITCH))
			sched_out(pid, prev_tgid, runnable, now);
		if (USE(U_ANAT_SWITCH))
			anat_out(pid, prev_tgid, runnable, now);
	}
	if (in) {
		__u32 pid = RD(btf, next, pid);

		if (USE(U_SCHED_SWITCH))
			sched_in(pid, next_tgid, now);
		if (USE(U_ANAT_SWITCH))
			anat_in(pid, next_tgid, now);
	}
}

/* A wakeup of a server thread, for the groups that follow run-queue time. */
static __always_inline void on_wakeup(struct task_struct *p, bool btf, bool sched, bool anat)
{
	__u32 tgid = RD(btf, p, tgid), pid;
	__u64 now;

	if (!is_tracked(tgid))
		return;
	pid = RD(btf, p, pid);
	now = bpf_ktime_get_ns();
	if (sched)
		sched_wake(pid, tgid, now);
	if (anat)
		anat_wake(pid, tgid, now);
}

TWIN_PROGS(sched_wakeup)
{
	on_wakeup(ARG(0, void *), btf, USE(U_SCHED_WAKEUP), USE(U_ANAT_WAKEUP));
}

TWIN_PROGS(sched_wakeup_new)
{
	on_wakeup(ARG(0, void *), btf, USE(U_SCHED_WAKEUP_NEW), USE(U_ANAT_WAKEUP_NEW));
}

/* ---- TCP ------------------------------------------------------------------------ */

TWIN_PROGS(inet_sock_set_state)
{
	const struct sock *sk = ARG(0, void *);
	int oldstate = ARG(1, int), newstate = ARG(2, int);
	__u16 lport = SK_LPORT(btf, sk);

	if (USE(U_TCP_SET_STATE))
		tcp_set_state(sk, lport, oldstate, newstate, accept_wait_on);
	if (USE(U_ANAT_SET_STATE))
		anat_set_state(sk, lport, SK_DPORT(btf, sk), oldstate, newstate);
}

TWIN_PROGS(tcp_retransmit_skb)
{
	const struct sock *sk = ARG(0, void *);

	if (USE(U_TCP_RETRANSMIT))
		TCP_COUNT(SK_LPORT(btf, sk), retransmits);
}

TWIN_PROGS(tcp_retransmit_synack)
{
	const struct sock *sk = ARG(0, void *);

	if (USE(U_TCP_SYNACK))
		TCP_COUNT(SK_LPORT(btf, sk), synack_retransmits);
}

/* A reset sent by the server side: from a socket on the server port, or,
 * with no socket, in reply to a segment addressed to the server port. */
TWIN_PROGS(tcp_send_reset)
{
	if (USE(U_TCP_SEND_RESET))
		TCP_COUNT(reset_port(ARG(0, void *), ARG(1, void *)), resets_sent);
}

TWIN_PROGS(tcp_receive_reset)
{
	const struct sock *sk = ARG(0, void *);

	if (USE(U_TCP_RECV_RESET))
		TCP_COUNT(SK_LPORT(btf, sk), resets_received);
}

/* ---- anatomy marks (socket tracepoints) ------------------------------------------ */

/* S1 and C4. */
static __always_inline void on_data_ready(const struct sock *sk, bool btf)
{
	__u16 lport = SK_LPORT(btf, sk), dport = SK_DPORT(btf, sk);

	if (!USE(U_ANAT_DATA_READY) || (lport != server_port && dport != server_port))
		return;		/* every other socket of the machine stops here */
	on_arrival(sk, SK_STATE(btf, sk), lport, dport);
}

TWIN_PROGS(sk_data_ready)
{
	on_data_ready(ARG(0, void *), btf);
}

TWIN_PROGS(tcp_probe)
{
	const struct sock *sk = ARG(0, void *);

	if (USE(U_ANAT_TCP_PROBE))
		anat_tcp_probe(SK_LPORT(btf, sk), SK_DPORT(btf, sk), ARG(1, void *));
}

/* S2. ret and flags first: most reads of a busy server are EAGAIN. */
static __always_inline void on_recv_length(const struct sock *sk, int ret, int flags, bool btf)
{
	__u16 dport;

	if (!USE(U_ANAT_RECV) || ret <= 0 || (flags & MSG_PEEK_FLAG) ||
	    SK_LPORT(btf, sk) != server_port)
		return;
	dport = SK_DPORT(btf, sk);
	if (dport)
		server_read(dport, ret);
}

static __always_inline void on_send_length(const struct sock *sk, int ret, bool btf)
{
	__u16 dport;

	if (!USE(U_ANAT_SEND) || SK_LPORT(btf, sk) != server_port)
		return;
	dport = SK_DPORT(btf, sk);
	if (dport)
		server_send_end(dport, ret, bpf_ktime_get_ns());
}

/* S3. */
static __always_inline void on_sendmsg(const struct sock *sk, bool btf)
{
	__u16 dport;

	if (!USE(U_ANAT_SENDMSG) || SK_LPORT(btf, sk) != server_port)
		return;
	dport = SK_DPORT(btf, sk);
	if (dport)
		server_send_begin(dport);
}

TWIN_PROGS(sock_recv_length)
{
	on_recv_length(ARG(0, void *), ARG(1, int), ARG(2, int), btf);
}

TWIN_PROGS(sock_send_length)
{
	on_send_length(ARG(0, void *), ARG(1, int), btf);
}

TWIN_PROGS(tcp_sendmsg_locked)
{
	on_sendmsg(ARG(0, void *), btf);
}

/* Where a kernel lacks those tracepoints (before 6.3; sk_data_ready before
 * 6.5), the functions they sit in, first on a BPF trampoline (5.5+), else
 * on a kprobe. sk_data_ready is the first line of sock_def_readable, the
 * data-ready callback of every TCP socket (called through sk->sk_data_ready,
 * so never inlined); sock_recv_length is at the end of sock_recvmsg (its
 * inlined _nosec half), so the return of the function is the same instant
 * (its kprobe stands on tcp_recvmsg, which it calls through the protocol's
 * ops: a build may inline sock_recvmsg into its callers, Debian's arm64 6.1
 * does, and a kretprobe on it never fires, while tcp_recvmsg is always a
 * call of its own; it returns a few instructions before the tracepoint);
 * sock_send_length follows the return of the protocol's sendmsg, for TCP
 * tcp_sendmsg: not sock_sendmsg, which the stable kernels' address-copy fix
 * (6.1.56+, 5.15.134+) took off the syscall paths (they call a static
 * __sock_sendmsg); tcp_sendmsg_locked fires as the call
 * builds its first segment, the function's entry a little before (S3 stays
 * before delivery, so the order of the marks holds). Loaded only when the
 * loader chose them (loader/probes.c). */
SEC("fentry/sock_def_readable")
int BPF_PROG(sk_data_ready_fentry, struct sock *sk)
{
	on_data_ready(sk, true);
	return 0;
}

SEC("fexit/sock_recvmsg")
int BPF_PROG(sock_recv_length_fexit, struct socket *sock, struct msghdr *msg, int flags, int ret)
{
	on_recv_length(sock->sk, ret, flags, true);
	return 0;
}

SEC("fexit/tcp_sendmsg")
int BPF_PROG(sock_send_length_fexit, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	on_send_length(sk, ret, true);
	return 0;
}

SEC("fentry/tcp_sendmsg_locked")
int BPF_PROG(tcp_sendmsg_locked_fentry, struct sock *sk)
{
	on_sendmsg(sk, true);
	return 0;
}

SEC("kprobe/sock_def_readable")
int BPF_KPROBE(sk_data_ready_kprobe, struct sock *sk)
{
	on_data_ready(sk, false);
	return 0;
}

SEC("kprobe/tcp_sendmsg_locked")
int BPF_KPROBE(tcp_sendmsg_locked_kprobe, struct sock *sk)
{
	on_sendmsg(sk, false);
	return 0;
}

/* A kretprobe sees only the return value: the entry keeps the socket (and
 * the flags) of the server's calls, per thread, for the return. The server
 * reads and sends its own sockets in its own threads, so both halves stop
 * every other process at the tracked-tgid filter (an inlined array load)
 * before the socket is read or the hash is touched: these functions run for
 * every socket call of the machine. */
struct call_args {
	const struct sock *sk;
	int flags;
};

BPF_MAP(kret_args, BPF_MAP_TYPE_LRU_HASH, 4096, __u64, struct call_args);

/* A tracked thread (id: its pid_tgid) entered the call on socket sk. */
static __always_inline void call_enter(__u64 id, const struct sock *sk, int flags)
{
	struct call_args a = { .sk = sk, .flags = flags };

	if (sk && SK_LPORT(false, sk) == server_port)
		bpf_map_update_elem(&kret_args, &id, &a, BPF_ANY);
	else
		bpf_map_delete_elem(&kret_args, &id);	/* a return the entry missed leaves no stale socket */
}

/* The entry's socket (NULL when the call was not the server's) and flags,
 * taken, so a later call on another socket never finds them. A plain
 * local: CO-RE reads through a member of a local struct would relocate
 * against that struct, which no kernel has. */
static __always_inline const struct sock *call_return(int *flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_args *a;
	const struct sock *sk;

	if (!is_tracked(id >> 32))
		return NULL;
	a = bpf_map_lookup_elem(&kret_args, &id);
	if (!a)
		return NULL;
	sk = a->sk;
	*flags = a->flags;
	bpf_map_delete_elem(&kret_args, &id);
	return sk;
}

/* The kretprobes' shared half: the entry's socket, then the length mark. */
static __always_inline void length_return(int ret, bool recv)
{
	int flags;
	const struct sock *sk = call_return(&flags);

	if (sk && recv)
		on_recv_length(sk, ret, flags, false);
	else if (sk)
		on_send_length(sk, ret, false);
}

/* The kprobe pairs of the two length marks: the entry keeps the server's
 * socket (and a read's flags), the return gives the length to the mark. */
static __always_inline void length_enter(__u32 use, const struct sock *sk, int flags)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (USE(use) && is_tracked(id >> 32))
		call_enter(id, sk, flags);
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(sock_send_length_kprobe, struct sock *sk)
{
	length_enter(U_ANAT_SEND, sk, 0);
	return 0;
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(sock_send_length_kretprobe, int ret)
{
	length_return(ret, false);
	return 0;
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(sock_recv_length_kprobe, struct sock *sk, struct msghdr *msg, size_t len, int fourth,
	       int fifth)
{
	length_enter(U_ANAT_RECV, sk, tcp_recvmsg_flags_5th ? fifth : fourth);
	return 0;
}

SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(sock_recv_length_kretprobe, int ret)
{
	length_return(ret, true);
	return 0;
}

/* Run by the loader on each CPU at the end of a run (BPF_PROG_TEST_RUN,
 * BPF_F_TEST_RUN_ON_CPU): hands over what the CPU's anatomy batch still
 * holds. Returns 1 if the batch was being filled (interrupted): try again. */
SEC("raw_tp")
int anat_flush(void *ctx)
{
	struct anat_batch *b;
	__u32 zero = 0;

	b = bpf_map_lookup_elem(&batch, &zero);
	if (!b)
		return 0;
	if (READ_ONCE(b->busy))
		return 1;
	batch_out(b);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
