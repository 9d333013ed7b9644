/* The kernel's distributions in the load generator's histogram: a BPF
 * log-linear histogram (bpf/common.h, 64 slots per power of two) is added
 * into a struct hist (loadgen/hist.h, 1024 per power of two), so kernel and
 * client figures share one percentile code and one serializer. Each slot's
 * samples are recorded at its upper bound, clamped to the exact minimum and
 * maximum: a percentile is never below the exact one and at most one slot
 * (1.6 %) above it. Count, sum, minimum and maximum stay exact. */
#include <errno.h>
#include "loader/probes_internal.h"
#include "bpf/hist_slot.h"

int probes_dist_add(struct hist *h, const struct dist *d)
{
	long double sum;
	uint64_t min, max;

	if (!d->count)
		return 0;
	if (!h->counts && hist_init(h))
		return -ENOMEM;
	sum = h->sum;
	min = h->min;
	max = h->max;
	for (uint32_t i = 0; i < HIST_SLOTS; i++) {
		uint64_t c = d->hist[i];
		__u64 lo, hi;

		if (!c)
			continue;
		hist_slot_range(i, &lo, &hi);
		if (hi > d->max_ns)
			hi = d->max_ns;
		if (hi < d->min_ns)
			hi = d->min_ns;
		while (c--)
			hist_record(h, hi);
	}
	h->sum = sum + d->total_ns;
	h->min = min < d->min_ns ? min : d->min_ns;
	h->max = max > d->max_ns ? max : d->max_ns;
	return 0;
}
