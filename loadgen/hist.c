/* Log-linear histogram, HDR style.
 *
 * Values below 2048 get one bucket each (exact). Above, every power of two
 * [2^k, 2^(k+1)) is split into 1024 equal sub-buckets of width 2^(k-10), so a
 * bucket is never wider than 1/1024 of its lowest value: 3 significant
 * digits. With k up to 39 the range ends at 2^40 - 1 ns (about 1100 s);
 * larger values are counted in the top bucket (min/max/mean stay exact).
 *
 * Index of v >= 2048: with k = msb(v) and s = k - 10, v >> s lies in
 * [1024, 2048) and index = s * 1024 + (v >> s), which continues the linear
 * part without a gap (v = 2048: s = 1, index 2048). */
#include "loadgen/hist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SUB_BITS 10			/* 1024 sub-buckets per half range */
#define SUB_HALF (1u << SUB_BITS)
#define LINEAR (2u * SUB_HALF)		/* values 0..2047 are exact */
#define MAX_MSB 39			/* highest tracked value: 2^40 - 1 */
#define N_COUNTS ((MAX_MSB - SUB_BITS + 2) * SUB_HALF)

static inline uint32_t bucket_of(uint64_t v)
{
	if (v < LINEAR)
		return (uint32_t)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	if (msb > MAX_MSB)
		return N_COUNTS - 1;
	unsigned s = msb - SUB_BITS;
	return s * SUB_HALF + (uint32_t)(v >> s);
}

static inline void bucket_range(uint32_t i, uint64_t *lo, uint64_t *hi)
{
	if (i < LINEAR) {
		*lo = *hi = i;
		return;
	}
	unsigned s = (i >> SUB_BITS) - 1;
	uint64_t sub = i - (uint64_t)s * SUB_HALF;
	*lo = sub << s;
	*hi = *lo + (1ull << s) - 1;
}

int hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->counts = calloc(N_COUNTS, sizeof(*h->counts));
	if (!h->counts)
		return -ENOMEM;
	h->n_counts = N_COUNTS;
	h->min = UINT64_MAX;
	return 0;
}

size_t hist_counts_bytes(void)
{
	return N_COUNTS * sizeof(uint64_t);
}

void hist_init_at(struct hist *h, uint64_t *counts)
{
	memset(h, 0, sizeof(*h));
	h->counts = counts;
	h->n_counts = N_COUNTS;
	h->min = UINT64_MAX;
}

void hist_free(struct hist *h)
{
	free(h->counts);
	h->counts = NULL;
	h->n_counts = 0;
	h->total = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = h->sumsq = 0;
}

void hist_reset(struct hist *h)
{
	if (h->counts)
		memset(h->counts, 0, (size_t)h->n_counts * sizeof(*h->counts));
	h->total = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = h->sumsq = 0;
}

void hist_record(struct hist *h, uint64_t value)
{
	h->counts[bucket_of(value)]++;
	h->total++;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	long double v = (long double)value;
	h->sum += v;
	h->sumsq += v * v;
}

int hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->total)
		return 0;
	if (!dst->counts || !src->counts || dst->n_counts != src->n_counts)
		return -EINVAL;
	/* only where src has samples: a sparse histogram (one interval's)
	 * leaves the rest of dst's pages untouched, so never resident */
	for (uint32_t i = 0; i < src->n_counts; i++)
		if (src->counts[i])
			dst->counts[i] += src->counts[i];
	dst->total += src->total;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	return 0;
}

double hist_mean(const struct hist *h)
{
	if (!h->total)
		return 0;
	return (double)(h->sum / (long double)h->total);
}

double hist_stdev(const struct hist *h)
{
	if (!h->total)
		return 0;
	long double n = (long double)h->total;
	long double mean = h->sum / n;
	long double var = h->sumsq / n - mean * mean;
	if (var <= 0)
		return 0;
	return sqrt((double)var);
}

uint64_t hist_percentile(const struct hist *h, double pct)
{
	if (!h->total || !h->counts)
		return 0;
	if (pct <= 0)
		return h->min;
	if (pct >= 100)
		return h->max;
	/* rank = ceil(pct/100 * n), made robust against 99.9 * 1000 / 100
	 * coming out as 999.0000000000001. */
	long double x = (long double)pct * (long double)h->total / 100.0L;
	uint64_t rank = (uint64_t)ceill(x - x * 1e-12L);
	if (rank < 1)
		rank = 1;
	if (rank >= h->total)
		return h->max;
	if (rank == 1)
		return h->min;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < h->n_counts; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t lo, hi;
			bucket_range(i, &lo, &hi);
			if (hi > h->max)
				hi = h->max;
			if (hi < h->min)
				hi = h->min;
			return hi;
		}
	}
	return h->max;
}

void hist_summarize(const struct hist *h, struct hist_summary *out)
{
	*out = (struct hist_summary){ .count = h->total };
	if (!h->total)
		return;
	out->min = h->min;
	out->mean = (uint64_t)llround(hist_mean(h));
	out->stdev = (uint64_t)llround(hist_stdev(h));
	out->p50 = hist_percentile(h, 50);
	out->p90 = hist_percentile(h, 90);
	out->p99 = hist_percentile(h, 99);
	out->p999 = hist_percentile(h, 99.9);
	out->p9999 = hist_percentile(h, 99.99);
	out->max = h->max;
}

void hist_summary_fold(struct hist_summary *a, const struct hist_summary *b, uint64_t sum_ns)
{
	if (!b->count)
		return;
	if (!a->count) {
		*a = *b;
		return;
	}
	uint64_t *pa[] = { &a->stdev, &a->p50, &a->p90, &a->p99, &a->p999, &a->p9999 };
	const uint64_t pb[] = { b->stdev, b->p50, b->p90, b->p99, b->p999, b->p9999 };
	for (size_t i = 0; i < sizeof(pb) / sizeof(pb[0]); i++)
		if (pb[i] > *pa[i])
			*pa[i] = pb[i];
	a->min = a->min < b->min ? a->min : b->min;
	a->max = a->max > b->max ? a->max : b->max;
	a->count += b->count;
	a->mean = (uint64_t)llround((double)sum_ns / (double)a->count);
}

void hist_foreach(const struct hist *h, hist_bucket_fn fn, void *arg)
{
	if (!h->total || !h->counts)
		return;
	for (uint32_t i = 0; i < h->n_counts; i++) {
		if (!h->counts[i])
			continue;
		uint64_t lo, hi;
		bucket_range(i, &lo, &hi);
		if (i == h->n_counts - 1 && h->max > hi)
			hi = h->max;	/* clamped values live here too */
		fn(lo, hi, h->counts[i], arg);
	}
}
