/* hist: percentiles against exact order statistics of random samples, exact
 * min/max/mean/stdev, merge == recording everything in one, foreach. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/hist.h"
#include "tests/lib/check.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_u64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static double unit(void)	/* (0, 1) */
{
	return ((double)(next_u64() >> 11) + 0.5) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t exact_pct(const uint64_t *sorted, size_t n, double pct)
{
	long double x = (long double)pct * (long double)n / 100.0L;
	uint64_t rank = (uint64_t)ceill(x - x * 1e-12L);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

struct fe {
	uint64_t total, last_hi;
	int bad;
};
static void fe_cb(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	struct fe *f = arg;
	if (lo > hi || (f->total && lo <= f->last_hi) || !count)
		f->bad++;
	f->last_hi = hi;
	f->total += count;
}

static void check_dist(const char *name, uint64_t (*gen)(void), size_t n)
{
	static const double pcts[] = { 0, 1, 10, 50, 90, 99, 99.9, 99.99, 99.999, 100 };
	uint64_t *v = malloc(n * sizeof(*v));
	struct hist h, parts[3], merged;
	long double sum = 0;

	if (hist_init(&h) || hist_init(&merged) || !v) {
		printf("FAIL: out of memory\n");
		exit(1);
	}
	for (int i = 0; i < 3; i++)
		hist_init(&parts[i]);
	for (size_t i = 0; i < n; i++) {
		v[i] = gen();
		hist_record(&h, v[i]);
		hist_record(&parts[i % 3], v[i]);
		sum += v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);

	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t ex = exact_pct(v, n, pcts[i]), got = hist_percentile(&h, pcts[i]);
		/* at least pct % of the samples <= got, and within 0.1 % */
		CHECK(got >= ex && (double)(got - ex) <= (double)ex * 0.001,
		      "%s n=%zu p%g: hist %llu exact %llu", name, n, pcts[i],
		      (unsigned long long)got, (unsigned long long)ex);
	}
	CHECK(h.total == n, "%s total %llu", name, (unsigned long long)h.total);
	CHECK(h.min == v[0], "%s min %llu vs %llu", name, (unsigned long long)h.min, (unsigned long long)v[0]);
	CHECK(h.max == v[n - 1], "%s max", name);
	long double mean = sum / n, ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += ((long double)v[i] - mean) * ((long double)v[i] - mean);
	double sd = sqrt((double)(ss / n));
	CHECK(fabs(hist_mean(&h) - (double)mean) <= 1e-9 * (double)mean + 1e-9,
	      "%s mean %f vs %f", name, hist_mean(&h), (double)mean);
	CHECK(fabs(hist_stdev(&h) - sd) <= 1e-6 * sd + 1e-6 * (double)mean + 1e-9,
	      "%s stdev %f vs %f", name, hist_stdev(&h), sd);

	for (int i = 0; i < 3; i++)
		CHECK(hist_merge(&merged, &parts[i]) == 0, "%s merge", name);
	CHECK(merged.total == h.total && merged.min == h.min && merged.max == h.max,
	      "%s merged total/min/max", name);
	CHECK(memcmp(merged.counts, h.counts, h.n_counts * sizeof(*h.counts)) == 0,
	      "%s merged counts differ", name);
	CHECK(fabsl(merged.sum - h.sum) <= 1e-15L * h.sum && fabsl(merged.sumsq - h.sumsq) <= 1e-15L * h.sumsq,
	      "%s merged sums", name);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		CHECK(hist_percentile(&merged, pcts[i]) == hist_percentile(&h, pcts[i]),
		      "%s merged p%g", name, pcts[i]);

	struct fe f = { 0 };
	hist_foreach(&h, fe_cb, &f);
	CHECK(!f.bad && f.total == n, "%s foreach: %d bad, %llu of %zu", name, f.bad,
	      (unsigned long long)f.total, n);

	/* packed: the same figures from a few bytes per non-empty bucket */
	struct hist p, unpacked;
	size_t used = 0;
	for (uint32_t i = 0; i < h.n_counts; i++)
		used += h.counts[i] != 0;
	CHECK(hist_pack(&p, &h) == 0 && !p.counts && p.packed_len <= 6 * used,
	      "%s packed: %zu bytes for %zu buckets", name, p.packed_len, used);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		CHECK(hist_percentile(&p, pcts[i]) == hist_percentile(&h, pcts[i]), "%s packed p%g", name, pcts[i]);
	struct fe fp = { 0 };
	hist_foreach(&p, fe_cb, &fp);
	CHECK(!fp.bad && fp.total == n, "%s packed foreach", name);
	CHECK(!hist_init(&unpacked) && !hist_merge(&unpacked, &p) && unpacked.total == n &&
	      !memcmp(unpacked.counts, h.counts, h.n_counts * sizeof(*h.counts)), "%s packed merges back", name);
	hist_reset(&unpacked);	/* only min's to max's buckets: all of them zero again */
	for (uint32_t i = 0; i < unpacked.n_counts; i++)
		CHECK(!unpacked.counts[i], "%s reset: bucket %u", name, i);
	hist_free(&unpacked);
	hist_free(&p);

	hist_free(&h);
	hist_free(&merged);
	for (int i = 0; i < 3; i++)
		hist_free(&parts[i]);
	free(v);
}

static uint64_t g_uniform_small(void) { return next_u64() % 5000; }
static uint64_t g_uniform_ms(void) { return 1000000 + next_u64() % 1000000; }
static uint64_t g_exp(void) { return (uint64_t)(-log(unit()) * 150000.0); }
static uint64_t g_logu(void) { return (uint64_t)exp(log(100.0) + unit() * (log(1e10) - log(100.0))); }
static uint64_t g_const(void) { return 123456789; }
static uint64_t g_bimodal(void)
{
	return (next_u64() & 15) ? 40000 + next_u64() % 2000 : 30000000 + next_u64() % 5000000;
}

int main(void)
{
	struct hist h;
	size_t sizes[] = { 1, 2, 3, 10, 999, 200000 };

	/* empty */
	hist_init(&h);
	CHECK(hist_percentile(&h, 50) == 0 && hist_mean(&h) == 0 && hist_stdev(&h) == 0 &&
	      h.min == UINT64_MAX && h.max == 0, "empty histogram");
	/* exact below 2048, width <= 1/1024 above; values out of range clamp */
	hist_record(&h, 7);
	CHECK(hist_percentile(&h, 50) == 7, "single value");
	hist_record(&h, 5000ull * 1000000000ull);
	CHECK(h.max == 5000ull * 1000000000ull && hist_percentile(&h, 100) == h.max, "clamped max");
	struct fe f = { 0 };
	hist_foreach(&h, fe_cb, &f);
	CHECK(!f.bad && f.total == 2 && f.last_hi == h.max, "foreach with a clamped value");
	hist_reset(&h);
	CHECK(h.total == 0 && hist_percentile(&h, 99) == 0, "reset");
	hist_free(&h);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		check_dist("uniform 0..5us", g_uniform_small, sizes[i]);
		check_dist("uniform 1..2ms", g_uniform_ms, sizes[i]);
		check_dist("exponential 150us", g_exp, sizes[i]);
		check_dist("log-uniform 100ns..10s", g_logu, sizes[i]);
		check_dist("constant", g_const, sizes[i]);
		check_dist("bimodal", g_bimodal, sizes[i]);
	}
	return check_status();
}
