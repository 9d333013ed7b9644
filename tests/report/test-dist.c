/* Unit test: the report's histogram buckets (analysis/dist.c). They are
 * coarser than the histogram (2 significant digits, not 3) and must still
 * hold every sample exactly: each bucket's count is the number of recorded
 * values in [lo, hi), and the figures beside them (percentiles, min, max,
 * mean) are the full histogram's, not the buckets'. */
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>
#include "analysis/dist.h"
#include "tests/lib/check.h"
#include "tests/lib/json_path.h"

#define N 200000

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Values spread evenly over the powers of two from 1 ns to about 8.6 s,
 * and the edges of the exact range and of the histogram's top. */
static size_t fill(uint64_t *v)
{
	static const uint64_t edges[] = { 1, 2, 255, 256, 257, 511, 512, 2047, 2048, 2049,
					  (1ull << 40) - 1, 1ull << 41, 3ull << 41 };
	uint64_t x = 88172645463325252ull;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		v[n++] = edges[i];
	while (n < N) {
		x ^= x << 13;	/* xorshift: the same values every run */
		x ^= x >> 7;
		x ^= x << 17;
		int octave = (int)(x % 33);
		v[n++] = ((uint64_t)1 << octave) + (x >> 20) % ((uint64_t)1 << octave);
	}
	return n;
}

static void count_index(uint32_t index, uint64_t count, void *arg)
{
	(void)index;
	(void)count;
	++*(size_t *)arg;
}

static void test_buckets_exact(void)
{
	uint64_t *v = malloc(N * sizeof(*v));
	struct hist h;
	struct hist_summary s;
	size_t n, fine = 0, k = 0, i;
	json_t *d, *b;

	REQUIRE(v && hist_init(&h) == 0, "no memory");
	n = fill(v);
	for (i = 0; i < n; i++)
		hist_record(&h, v[i]);
	qsort(v, n, sizeof(*v), cmp_u64);
	d = dist_json_hdr(&h);
	REQUIRE(d, "dist_json_hdr");

	hist_summarize(&h, &s);
	CHECK(json_path_int(d, "count") == (long long)n, "count %lld", json_path_int(d, "count"));
	CHECK(json_path_int(d, "min") == 1 && json_path_int(d, "max") == (long long)(3ull << 41),
	      "min %lld, max %lld exact", json_path_int(d, "min"), json_path_int(d, "max"));
	CHECK(json_path_int(d, "p50") == (long long)s.p50 && json_path_int(d, "p90") == (long long)s.p90 &&
	      json_path_int(d, "p99") == (long long)s.p99 && json_path_int(d, "p999") == (long long)s.p999 &&
	      json_path_int(d, "p9999") == (long long)s.p9999 && json_path_int(d, "mean") == (long long)s.mean,
	      "the figures are the full histogram's");

	json_t *hist = json_object_get(d, "hist");
	uint64_t prev_hi = 0, total = 0;
	int bad_count = 0, bad_width = 0, bad_order = 0;
	json_array_foreach(hist, i, b) {
		uint64_t lo = (uint64_t)json_path_int(b, "lo"), hi = (uint64_t)json_path_int(b, "hi");
		uint64_t c = (uint64_t)json_path_int(b, "count"), in = 0;
		bool top = i + 1 == json_array_size(hist);

		bad_order += lo < prev_hi || hi <= lo;
		prev_hi = hi;
		while (k < n && v[k] < lo)
			k++;
		while (k < n && v[k] < hi) {
			k++;
			in++;
		}
		bad_count += in != c;
		uint64_t w = hi - lo, most = lo < 256 ? 1 : lo / 128;
		bad_width += !top && (w > most || lo % w);
		total += c;
	}
	CHECK(!bad_order, "%d buckets out of order or empty", bad_order);
	CHECK(!bad_count, "%d buckets whose count is not the values in [lo, hi)", bad_count);
	CHECK(!bad_width, "%d buckets wider than 1/128 of lo (1 below 256) or not aligned", bad_width);
	CHECK(total == n && k == n, "buckets hold %llu of %zu values", (unsigned long long)total, n);

	hist_foreach_index(&h, count_index, &fine);
	CHECK(json_array_size(hist) * 4 < fine, "%zu buckets for the histogram's %zu",
	      json_array_size(hist), fine);
	json_decref(d);
	hist_free(&h);
	free(v);
}

static void test_empty_and_one(void)
{
	struct hist h;
	json_t *d;

	REQUIRE(hist_init(&h) == 0, "no memory");
	d = dist_json_hdr(&h);
	CHECK(json_array_size(json_object_get(d, "hist")) == 0 && json_is_null(json_object_get(d, "p50")),
	      "no samples: no buckets, null figures");
	json_decref(d);
	hist_record(&h, 123456);
	d = dist_json_hdr(&h);
	json_t *b = json_array_get(json_object_get(d, "hist"), 0);
	CHECK(json_array_size(json_object_get(d, "hist")) == 1 && json_path_int(b, "count") == 1 &&
	      json_path_int(b, "lo") <= 123456 && json_path_int(b, "hi") > 123456,
	      "one sample: one bucket [%lld, %lld)", json_path_int(b, "lo"), json_path_int(b, "hi"));
	json_decref(d);
	hist_free(&h);
}

int main(void)
{
	test_buckets_exact();
	test_empty_and_one();
	return check_status();
}
