/* Helpers shared by the BPF objects (BPF side only). */
#pragma once
#include "common.h"

/* Whole-object knobs and the measurement window. Every object that counts
 * has its own copy; the loader writes them all. win_end == 0 means "no
 * window yet": nothing is counted until probes_set_window(). */
const volatile __u32 client_tgid = 0;	/* the load generator: never ours */
__u64 win_start = 0;
__u64 win_end = 0;

/* floor(log2(v)) without branches or loops (v = 0 gives 0), the usual
 * shift-and-or ladder: each step halves the remaining width. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r, s;

	r = (v > 0xffffffffULL) << 5;
	v >>= r;
	s = (v > 0xffff) << 4;
	v >>= s;
	r |= s;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	r |= (__u32)(v >> 1);
	return r;
}

/* The slot is clamped in 64 bits on the value that indexes: older
 * verifiers (6.1) cannot carry log2_u64()'s bound through its 32-bit
 * copy, and the barrier stops clang from dropping the check as redundant. */
static __always_inline __u64 hist_slot(__u64 ns)
{
	__u64 s = log2_u64(ns);

	barrier_var(s);
	if (s > HIST_SLOTS - 1)
		s = HIST_SLOTS - 1;
	return s;
}

/* Length of [a, b] inside [ws, we]; 0 when they do not overlap. */
static __always_inline __u64 clip(__u64 a, __u64 b, __u64 ws, __u64 we)
{
	__u64 lo = a > ws ? a : ws;
	__u64 hi = b < we ? b : we;

	return hi > lo ? hi - lo : 0;
}

static __always_inline bool in_window(__u64 ts)
{
	return ts >= win_start && ts <= win_end;
}

/* Per-CPU counters of records that could not be kept. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROP_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 kind)
{
	__u64 *c = bpf_map_lookup_elem(&drops, &kind);

	if (c)
		(*c)++;
}

#ifndef BENCH_NO_TRACKED
/* The tracked tgids and their direct-mapped filter: declared identically in
 * every object that reads them; the loader creates them once (track object)
 * and hands the same maps to the others with bpf_map__reuse_fd(). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACKED_MAX);
	__type(key, __u32);
	__type(value, __u32);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TGID_TBL_SIZE);
	__type(key, __u32);
	__type(value, __u32);
} tgid_tbl SEC(".maps");

static __always_inline bool is_tracked(__u32 tgid)
{
	__u32 idx = tgid & (TGID_TBL_SIZE - 1), *v;

	if (!tgid || tgid == client_tgid)
		return false;
	v = bpf_map_lookup_elem(&tgid_tbl, &idx);
	if (!v || *v == 0)
		return false;
	if (*v == tgid)
		return true;
	if (*v != TGID_TBL_COLLIDE)
		return false;
	return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
}
#endif

/* Twin programs (tp_btf and raw_tp) share one always-inlined handler that
 * takes `btf` as a compile-time constant: with BTF-typed arguments a field is
 * a direct (cheap) load, with raw_tp arguments it is a probe read. */
#define RD(btf, ptr, field) ((btf) ? (ptr)->field : BPF_CORE_READ(ptr, field))
