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
 * part without a gap (v = 2048: s = 1, index 2048).
 *
 * Packed form (hist_pack): the buckets in index order as LEB128 varints of
 * zigzag values, a count > 0 for one bucket or minus a run of empty ones;
 * the empty tail is left out. */
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

/* ---- non-empty buckets of either form ---- */

struct bucket_it {
	const struct hist *h;
	uint32_t i;	/* next index */
	size_t pos;	/* packed: next byte */
};

static int64_t get_zigzag(const uint8_t *p, size_t len, size_t *pos)
{
	uint64_t z = 0;
	for (unsigned shift = 0; *pos < len && shift < 64; shift += 7) {
		uint8_t b = p[(*pos)++];
		z |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

static size_t put_zigzag(uint8_t *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;
	while (z >= 0x80) {
		p[n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	p[n++] = (uint8_t)z;
	return n;
}

static bool next_bucket(struct bucket_it *it, uint32_t *index, uint64_t *count)
{
	const struct hist *h = it->h;

	if (h->counts) {
		while (it->i < h->n_counts && !h->counts[it->i])
			it->i++;
		if (it->i >= h->n_counts)
			return false;
		*index = it->i;
		*count = h->counts[it->i++];
		return true;
	}
	while (it->pos < h->packed_len) {
		int64_t v = get_zigzag(h->packed, h->packed_len, &it->pos);
		if (v < 0) {
			it->i += (uint32_t)-v;
			continue;
		}
		*index = it->i++;
		*count = (uint64_t)v;
		if (*index < h->n_counts && *count)
			return true;
	}
	return false;
}

int hist_pack(struct hist *dst, const struct hist *src)
{
	struct bucket_it it = { .h = src };
	uint32_t i, next = 0;
	uint64_t c;
	size_t n = 0, cap = 64;
	uint8_t *buf = malloc(cap), *grown;

	if (!buf)
		return -ENOMEM;
	while (next_bucket(&it, &i, &c)) {
		if (n + 20 > cap) {	/* two varints at most */
			if (!(grown = realloc(buf, cap *= 2))) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
		}
		if (i > next)
			n += put_zigzag(buf + n, -(int64_t)(i - next));
		n += put_zigzag(buf + n, (int64_t)c);
		next = i + 1;
	}
	*dst = *src;
	dst->counts = NULL;
	dst->packed = realloc(buf, n ? n : 1) ?: buf;
	dst->packed_len = n;
	return 0;
}

void hist_foreach_index(const struct hist *h, hist_index_fn fn, void *arg)
{
	struct bucket_it it = { .h = h };
	uint32_t i;
	uint64_t c;

	while (next_bucket(&it, &i, &c))
		fn(i, c, arg);
}

/* ---- life ---- */

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
	free(h->packed);
	h->counts = NULL;
	h->packed = NULL;
	h->packed_len = 0;
	h->n_counts = 0;
	h->total = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = h->sumsq = 0;
}

void hist_reset(struct hist *h)
{
	/* only the buckets that can hold samples: min's to max's */
	if (h->counts && h->total)
		memset(h->counts + bucket_of(h->min), 0,
		       (size_t)(bucket_of(h->max) - bucket_of(h->min) + 1) * sizeof(*h->counts));
	free(h->packed);
	h->packed = NULL;
	h->packed_len = 0;
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
	struct bucket_it it = { .h = src };
	uint32_t i;
	uint64_t c;

	if (!src->total)
		return 0;
	if (!dst->counts || dst->n_counts != src->n_counts)
		return -EINVAL;
	/* only where src has samples: a sparse histogram (one interval's)
	 * leaves the rest of dst's pages untouched, so never resident */
	while (next_bucket(&it, &i, &c))
		dst->counts[i] += c;
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

uint64_t hist_rank(double pct, uint64_t n)
{
	if (pct <= 0)
		return 1;
	if (pct >= 100)
		return n;
	/* made robust against 99.9 * 1000 / 100 coming out as 999.0000000000001 */
	long double x = (long double)pct * (long double)n / 100.0L;
	uint64_t rank = (uint64_t)ceill(x - x * 1e-12L);
	return rank < 1 ? 1 : rank;
}

void hist_summary_moments(struct hist_summary *s, uint64_t count, uint64_t min, uint64_t max,
			  long double sum, long double sumsq)
{
	*s = (struct hist_summary){ .count = count };
	if (!count)
		return;
	long double n = (long double)count, mean = sum / n, var = sumsq / n - mean * mean;
	s->min = min;
	s->max = max;
	s->mean = (uint64_t)llroundl(mean);
	s->stdev = var > 0 ? (uint64_t)llroundl(sqrtl(var)) : 0;
}

uint64_t hist_percentile(const struct hist *h, double pct)
{
	struct bucket_it it = { .h = h };
	uint32_t i;
	uint64_t c;

	if (!h->total)
		return 0;
	uint64_t rank = hist_rank(pct, h->total);
	if (rank >= h->total)
		return h->max;
	if (rank == 1)
		return h->min;
	uint64_t seen = 0;
	while (next_bucket(&it, &i, &c)) {
		seen += c;
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
	hist_summary_moments(out, h->total, h->min, h->max, h->sum, h->sumsq);
	if (!h->total)
		return;
	out->p50 = hist_percentile(h, 50);
	out->p90 = hist_percentile(h, 90);
	out->p99 = hist_percentile(h, 99);
	out->p999 = hist_percentile(h, 99.9);
	out->p9999 = hist_percentile(h, 99.99);
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
	struct bucket_it it = { .h = h };
	uint32_t i;
	uint64_t c;

	if (!h->total)
		return;
	while (next_bucket(&it, &i, &c)) {
		uint64_t lo, hi;
		bucket_range(i, &lo, &hi);
		if (i == h->n_counts - 1 && h->max > hi)
			hi = h->max;	/* clamped values live here too */
		fn(lo, hi, c, arg);
	}
}
