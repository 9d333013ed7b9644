/* Helpers shared by every group's handlers (BPF side only). */
#pragma once
#include <bpf/bpf_endian.h>
#include "common.h"
#include "hist_slot.h"
#include "probes.h"

/* Whole-object knobs and the measurement window, written by the loader.
 * win_end == 0 means "no window yet": nothing is counted until the loader
 * opens it (probes_window_open). */
const volatile __u32 client_tgid = 0;	/* the load generator: never ours */
const volatile __u64 uses_on = 0;	/* bit (1 << enum probe_use): that use is on */
__u64 win_start = 0;
__u64 win_end = 0;

/* Whether a use is on; read-only data, so the verifier prunes what is off. */
#define USE(u) ((uses_on >> (u)) & 1)

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

/* Adds v to the per-CPU counter `key` of a per-CPU array of __u64. */
#define PERCPU_ADD(map, key, v)						\
	do {								\
		__u32 k_ = (key);					\
		__u64 *c_ = bpf_map_lookup_elem(&(map), &k_);		\
		if (c_)							\
			*c_ += (v);					\
	} while (0)

/* A map `name` of n entries (the loader may resize it) from K to V. */
#define BPF_MAP(name, kind, n, K, V)				\
	struct {						\
		__uint(type, kind);				\
		__uint(max_entries, n);				\
		__type(key, K);					\
		__type(value, V);				\
	} name SEC(".maps")

/* Per-CPU counters of records that could not be kept. */
BPF_MAP(drops, BPF_MAP_TYPE_PERCPU_ARRAY, DROP_KINDS, __u32, __u64);

static __always_inline void count_drop(__u32 kind)
{
	PERCPU_ADD(drops, kind, 1);
}

/* The tracked tgids (the server and what it forks) and their direct-mapped
 * filter. */
BPF_MAP(tracked, BPF_MAP_TYPE_HASH, TRACKED_MAX, __u32, __u32);

BPF_MAP(tgid_tbl, BPF_MAP_TYPE_ARRAY, TGID_TBL_SIZE, __u32, __u32);

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

/* Twin programs: TWIN_PROGS(tp) { body } defines the programs `tp`
 * (tp_btf/tp) and `tp_raw` (raw_tp/tp) around one always-inlined body that
 * sees the tracepoint's arguments as ctx[0..] and `btf` as a compile-time
 * constant. Read fields with RD(): with BTF-typed arguments a field is a
 * direct (cheap) load, with raw_tp arguments it is a probe read. */
#define TWIN_PROGS(tp)								\
	static __always_inline void tp##_body(__u64 *ctx, const bool btf);	\
	SEC("tp_btf/" #tp)							\
	int tp(__u64 *ctx)							\
	{									\
		tp##_body(ctx, true);						\
		return 0;							\
	}									\
	SEC("raw_tp/" #tp)							\
	int tp##_raw(__u64 *ctx)						\
	{									\
		tp##_body(ctx, false);						\
		return 0;							\
	}									\
	static __always_inline void tp##_body(__u64 *ctx, const bool btf)

#define RD(btf, ptr, field) ((btf) ? (ptr)->field : BPF_CORE_READ(ptr, field))
#define ARG(i, type) ((type)ctx[i])

/* A socket's ports (host order) and state. */
#define SK_LPORT(btf, sk) ((__u16)RD(btf, sk, __sk_common.skc_num))
#define SK_DPORT(btf, sk) bpf_ntohs(RD(btf, sk, __sk_common.skc_dport))
#define SK_STATE(btf, sk) ((__u8)RD(btf, sk, __sk_common.skc_state))

/* The socket behind file descriptor fd of the current task: fd -> struct
 * file -> struct socket -> struct sock, through the caller's fd table
 * (exact even with several listeners or SO_REUSEPORT). NULL if none. */
static __always_inline struct sock *sock_of_fd(long fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;
	struct socket *so;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	return so ? BPF_CORE_READ(so, sk) : NULL;
}
