/* TCP events on the server's sockets. Filtered by the socket's local port,
 * never by the current task: on loopback the receive path of a socket runs
 * in the sender's context (DESIGN.md, "Whose events").
 *
 * Accept-queue wait starts here: a server-side socket going SYN_RECV ->
 * ESTABLISHED is in the listener's accept queue; `estab` remembers when, by
 * socket address, until the syscalls object sees accept() return it (or the
 * socket closes first). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#define BENCH_NO_TRACKED	/* ports, not tgids, say whose socket it is */
#include "common.bpf.h"
#include "tcp.h"

const volatile __u16 server_port = 0;	/* host order */
const volatile bool accept_wait_on = false;	/* the syscalls object consumes estab */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_stat);
} tcp_stats SEC(".maps");

/* Shared with the syscalls object: see there. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} estab SEC(".maps");

static __always_inline struct tcp_stat *stat_now(void)
{
	__u32 zero = 0;

	if (!in_window(bpf_ktime_get_ns()))
		return NULL;
	return bpf_map_lookup_elem(&tcp_stats, &zero);
}

static __always_inline void on_set_state(const struct sock *sk, __u16 lport,
					 int oldstate, int newstate)
{
	__u64 key = (__u64)sk, now;
	struct tcp_stat *st;

	if (lport != server_port)
		return;
	if (newstate == BENCH_TCP_ESTABLISHED && oldstate == BENCH_TCP_SYN_RECV) {
		now = bpf_ktime_get_ns();
		if (accept_wait_on &&
		    bpf_map_update_elem(&estab, &key, &now, BPF_ANY))
			count_drop(DROP_ESTAB_FULL);
		st = stat_now();
		if (st)
			st->established++;
	} else if (newstate == BENCH_TCP_CLOSE && accept_wait_on) {
		/* Closed before accept() took it (or already taken: no-op). */
		bpf_map_delete_elem(&estab, &key);
	}
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	on_set_state(sk, sk->__sk_common.skc_num, oldstate, newstate);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state_raw, const struct sock *sk, int oldstate, int newstate)
{
	on_set_state(sk, BPF_CORE_READ(sk, __sk_common.skc_num), oldstate, newstate);
	return 0;
}

static __always_inline void on_retransmit(__u16 lport)
{
	struct tcp_stat *st;

	if (lport == server_port && (st = stat_now()))
		st->retransmits++;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb, const struct sock *sk)
{
	on_retransmit(sk->__sk_common.skc_num);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb_raw, const struct sock *sk)
{
	on_retransmit(BPF_CORE_READ(sk, __sk_common.skc_num));
	return 0;
}

static __always_inline void on_synack_retransmit(__u16 lport)
{
	struct tcp_stat *st;

	if (lport == server_port && (st = stat_now()))
		st->synack_retransmits++;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack, const struct sock *sk)
{
	on_synack_retransmit(sk->__sk_common.skc_num);
	return 0;
}

SEC("raw_tp/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack_raw, const struct sock *sk)
{
	on_synack_retransmit(BPF_CORE_READ(sk, __sk_common.skc_num));
	return 0;
}

/* A reset sent by the server side: from a socket on the server port, or,
 * with no socket (nothing listening / no matching connection), in reply to
 * a segment addressed to the server port. */
static __always_inline void on_send_reset(const struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_stat *st;
	__u16 port = 0;

	if (sk) {
		port = BPF_CORE_READ(sk, __sk_common.skc_num);
	} else if (skb) {
		unsigned char *head = BPF_CORE_READ(skb, head);
		__u16 off = BPF_CORE_READ(skb, transport_header);
		struct tcphdr th;

		if (bpf_probe_read_kernel(&th, sizeof(th), head + off))
			return;
		port = bpf_ntohs(th.dest);
	}
	if (port == server_port && (st = stat_now()))
		st->resets_sent++;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	on_send_reset(sk, skb);
	return 0;
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(tcp_send_reset_raw, const struct sock *sk, const struct sk_buff *skb)
{
	on_send_reset(sk, skb);
	return 0;
}

static __always_inline void on_receive_reset(__u16 lport)
{
	struct tcp_stat *st;

	if (lport == server_port && (st = stat_now()))
		st->resets_received++;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset, struct sock *sk)
{
	on_receive_reset(sk->__sk_common.skc_num);
	return 0;
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset_raw, struct sock *sk)
{
	on_receive_reset(BPF_CORE_READ(sk, __sk_common.skc_num));
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
