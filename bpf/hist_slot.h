/* The slot of a duration in the log-linear histograms (common.h) and one
 * sample's update of a distribution, for the BPF programs and for user
 * space (tests, the loader's bucket bounds). */
#pragma once
#include "common.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef barrier_var	/* BPF: bpf_helpers.h has it; C: nothing to stop */
#define barrier_var(x) ((void)0)
#endif

/* floor(log2(v)) without branches (v = 0 gives 0): the usual shift-and-or
 * ladder, unrolled. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, s;

	/* each step halves the remaining width: 32, 16, 8, 4, 2, 1 bits */
#pragma GCC unroll 6
	for (__u32 b = 32; b; b >>= 1) {
		s = (__u32)(v >> b != 0) * b;
		v >>= s;
		r |= s;
	}
	return r;
}

/* The slot is clamped in 64 bits on the value that indexes: older
 * verifiers (6.1) cannot carry a bound through a 32-bit copy, and the
 * barrier stops clang from dropping the check as redundant. */
static __always_inline __u64 hist_slot(__u64 ns)
{
	__u64 k = log2_u64(ns), s;

	if (ns < 2 * HIST_SUB)
		s = ns;
	else if (k > HIST_MAX_MSB)
		s = HIST_SLOTS - 1;
	else
		s = (k - HIST_SUB_BITS) * HIST_SUB + (ns >> (k - HIST_SUB_BITS));
	barrier_var(s);
	if (s > HIST_SLOTS - 1)
		s = HIST_SLOTS - 1;
	return s;
}

/* The values slot i holds: [*lo, *hi] (the last slot also everything above). */
static __always_inline void hist_slot_range(__u32 i, __u64 *lo, __u64 *hi)
{
	__u32 s;

	if (i < 2 * HIST_SUB) {
		*lo = *hi = i;
		return;
	}
	s = (i >> HIST_SUB_BITS) - 1;
	*lo = (__u64)(i - s * HIST_SUB) << s;
	*hi = *lo + (1ull << s) - 1;
}

/* One sample of a duration distribution (per-CPU in BPF: no atomics). */
static __always_inline void dist_add(struct dist *d, __u64 ns)
{
	if (!d->count || ns < d->min_ns)
		d->min_ns = ns;
	d->count++;
	d->total_ns += ns;
	if (ns > d->max_ns)
		d->max_ns = ns;
	d->hist[hist_slot(ns)]++;
}
