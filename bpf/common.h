/* ABI shared by the BPF programs and the loader: constants and plain
 * __u32/__u64/char[] layouts only, so both compilers read it the same way. */
#pragma once

/* Log-linear histograms of durations in ns (HDR style, the load
 * generator's layout with fewer sub-buckets): values below 2 * HIST_SUB
 * have a slot each (exact); above, every power of two [2^k, 2^(k+1)) is
 * split into HIST_SUB equal slots of width 2^(k - HIST_SUB_BITS), so a slot
 * is never wider than 1/64 of its lowest value (1.6 %). Slot of v >= 128:
 * with k = msb(v) and s = k - HIST_SUB_BITS, s * HIST_SUB + (v >> s). Up to
 * 2^(HIST_MAX_MSB + 1) - 1 ns (about 1100 s); the last slot also takes
 * everything above. */
#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_MSB 39
#define HIST_SLOTS ((HIST_MAX_MSB - HIST_SUB_BITS + 2) * HIST_SUB)

/* A distribution of durations in ns: exact count, sum, minimum and maximum,
 * and the log-linear histogram (per-CPU; user space sums the CPUs). */
struct dist {
	__u64 count;
	__u64 total_ns;
	__u64 min_ns;		/* valid when count > 0 */
	__u64 max_ns;
	__u64 hist[HIST_SLOTS];
};

/* Largest number of processes (tgids) tracked at once: the server and what
 * it forks. */
#define TRACKED_MAX 4096

/* Direct-mapped filter in front of the tracked-tgid hash: entry
 * tgid & (TGID_TBL_SIZE - 1) holds that tgid when it is the only tracked
 * one mapping there, TGID_TBL_COLLIDE when several do (then the hash
 * decides), 0 when none. An array lookup is inlined by the verifier, a hash
 * lookup is a call plus jhash: this keeps untracked processes cheap. */
#define TGID_TBL_SIZE 16384
#define TGID_TBL_COLLIDE 0xffffffffu

/* Why a kernel-side record could not be kept (a map was full). Each object
 * counts these in a per-CPU array "drops"; the loader sums them into
 * kernel.records_lost. */
enum drop_kind {
	DROP_TRACKED_FULL = 0,	/* tracked tgids: a forked child was not added */
	DROP_INFLIGHT_FULL,	/* syscall entry slot taken by another thread */
	DROP_LOOP_FULL,		/* per-thread event-loop records */
	DROP_THREADS_FULL,	/* per-thread scheduler state */
	DROP_ESTAB_FULL,	/* established, not yet accepted sockets */
	DROP_KINDS,
};

/* errno values the programs compare against (vmlinux.h has no errno.h). */
#define BENCH_EAGAIN 11

/* TCP states, as in include/net/tcp_states.h. */
#define BENCH_TCP_ESTABLISHED 1
#define BENCH_TCP_SYN_RECV 3
#define BENCH_TCP_CLOSE 7
