// SPDX-License-Identifier: GPL-2.0
/* Per kernel call, the distance between a mark's tracepoint and a fallback
 * hook on the same call (scripts/fallback-pairs.py loads it). Pair P's
 * "a" program runs first on the call and keeps its CPU's clock; its "b"
 * program, later on the same call and CPU, reads the clock first thing and
 * adds the difference to P's histogram (8 ns buckets; the last one holds
 * everything beyond, and a "b" without an "a" before it is not counted). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define NPAIRS 9
#define NBUCKETS 8192
#define SHIFT 3

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NPAIRS);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NPAIRS * (NBUCKETS + 1));
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

static __always_inline int first(__u32 pair)
{
	__u64 *s = bpf_map_lookup_elem(&start, &pair);

	if (s)
		*s = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int second(__u32 pair)
{
	__u64 now = bpf_ktime_get_ns();
	__u64 *s = bpf_map_lookup_elem(&start, &pair);
	__u64 *c, d;
	__u32 k;

	if (!s || !*s)
		return 0;
	d = (now - *s) >> SHIFT;
	*s = 0;
	k = pair * (NBUCKETS + 1) + (d > NBUCKETS ? NBUCKETS : (__u32)d);
	c = bpf_map_lookup_elem(&hist, &k);
	if (c)
		__sync_fetch_and_add(c, 1);
	return 0;
}

#define HOOK(sec, name, body) SEC(sec) int name(void *ctx) { return body; }

/* controls: the same tracepoint twice (the first program's own cost) */
HOOK("tp_btf/sk_data_ready", p0a, first(0))
HOOK("tp_btf/sk_data_ready", p0b, second(0))
HOOK("tp_btf/sock_recv_length", p3a, first(3))
HOOK("tp_btf/sock_recv_length", p3b, second(3))
HOOK("tp_btf/sock_send_length", p6a, first(6))
HOOK("tp_btf/sock_send_length", p6b, second(6))
/* S1, C4: sock_def_readable's entry, then its first statement */
HOOK("fentry/sock_def_readable", p1a, first(1))
HOOK("tp_btf/sk_data_ready", p1b, second(1))
HOOK("kprobe/sock_def_readable", p2a, first(2))
HOOK("tp_btf/sk_data_ready", p2b, second(2))
/* S2: the tracepoint at the end of sock_recvmsg, then its return; the
 * kprobe link's tcp_recvmsg returns before it */
HOOK("tp_btf/sock_recv_length", p4a, first(4))
HOOK("fexit/sock_recvmsg", p4b, second(4))
HOOK("kretprobe/tcp_recvmsg", p5a, first(5))
HOOK("tp_btf/sock_recv_length", p5b, second(5))
/* send end: tcp_sendmsg's return, then the tracepoint after it */
HOOK("fexit/tcp_sendmsg", p7a, first(7))
HOOK("tp_btf/sock_send_length", p7b, second(7))
HOOK("kretprobe/tcp_sendmsg", p8a, first(8))
HOOK("tp_btf/sock_send_length", p8b, second(8))

char LICENSE[] SEC("license") = "GPL";
