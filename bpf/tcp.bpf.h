/* Tcp group: events on the server's sockets. Filtered by the socket's local
 * port, never by the current task: on loopback the receive path of a
 * socket runs in the sender's context (DESIGN.md, "Whose events").
 *
 * Accept-queue wait starts here: a server-side socket going SYN_RECV ->
 * ESTABLISHED is in the listener's accept queue; `estab` remembers when, by
 * socket address, until the syscalls group sees accept() return it (or the
 * socket closes first). */
#pragma once
#include "tcp.h"

const volatile __u16 server_port = 0;	/* host order */

BPF_MAP(tcp_stats, BPF_MAP_TYPE_PERCPU_ARRAY, 1, __u32, struct tcp_stat);

/* Server-side sockets that reached ESTABLISHED and were not accepted yet,
 * key = struct sock address, value = when. Used only when accept_wait_on. */
BPF_MAP(estab, BPF_MAP_TYPE_HASH, 16384, __u64, __u64);	/* the loader may shrink it */

static __always_inline struct tcp_stat *tcp_stat_now(void)
{
	__u32 zero = 0;

	if (!in_window(bpf_ktime_get_ns()))
		return NULL;
	return bpf_map_lookup_elem(&tcp_stats, &zero);
}

static __always_inline void tcp_set_state(const struct sock *sk, __u16 lport, int oldstate,
					  int newstate, bool accept_wait)
{
	__u64 key = (__u64)sk, now;
	struct tcp_stat *st;

	if (lport != server_port)
		return;
	if (newstate == BENCH_TCP_ESTABLISHED && oldstate == BENCH_TCP_SYN_RECV) {
		now = bpf_ktime_get_ns();
		if (accept_wait && bpf_map_update_elem(&estab, &key, &now, BPF_ANY))
			count_drop(DROP_ESTAB_FULL);
		st = tcp_stat_now();
		if (st)
			st->established++;
	} else if (newstate == BENCH_TCP_CLOSE && accept_wait) {
		/* Closed before accept() took it (or already taken: no-op). */
		bpf_map_delete_elem(&estab, &key);
	}
}

/* A counter of tcp_stat (by offset) for an event on a server-side socket. */
static __always_inline void tcp_count(__u16 lport, __u32 field)
{
	struct tcp_stat *st;

	if (lport == server_port && (st = tcp_stat_now()))
		((__u64 *)st)[field / sizeof(__u64)]++;
}
#define TCP_COUNT(lport, name) tcp_count(lport, __builtin_offsetof(struct tcp_stat, name))

/* The destination port of a reset sent with no socket (nothing listening,
 * no matching connection): the segment it answers was sent to that port. */
static __always_inline __u16 reset_port(const struct sock *sk, const struct sk_buff *skb)
{
	struct tcphdr th;

	if (sk)
		return BPF_CORE_READ(sk, __sk_common.skc_num);
	if (!skb || bpf_probe_read_kernel(&th, sizeof(th), BPF_CORE_READ(skb, head) +
					  BPF_CORE_READ(skb, transport_header)))
		return 0;
	return bpf_ntohs(th.dest);
}
