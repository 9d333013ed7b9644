/* Unit test: percentiles read from the probes' log2 histograms land in the
 * bucket of the exact percentile and never above the exact maximum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loader/probes_internal.h"

static int fails;

static unsigned slot_of(uint64_t v)
{
	unsigned s = 0;

	while (v >>= 1)
		s++;
	return s < HIST_SLOTS ? s : HIST_SLOTS - 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static uint64_t v[20000];
	const double qs[] = { 0.01, 0.5, 0.9, 0.99, 0.999, 1.0 };
	struct hist_sum h;

	memset(&h, 0, sizeof(h));
	if (!isnan(probes_hist_percentile(&h, 0.5))) {
		fprintf(stderr, "FAIL: empty histogram has a percentile\n");
		fails++;
	}
	srand(7);
	for (int round = 0; round < 20; round++) {
		size_t n = 1 + (size_t)(rand() % 20000);

		memset(&h, 0, sizeof(h));
		for (size_t i = 0; i < n; i++) {
			/* log-uniform from 1 ns to about 1 s, the range of syscall times */
			v[i] = (uint64_t)exp((double)rand() / RAND_MAX * 20.7);
			h.slots[slot_of(v[i])]++;
			h.count++;
			if (v[i] > h.max)
				h.max = v[i];
		}
		qsort(v, n, sizeof(v[0]), cmp_u64);
		for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			size_t rank = (size_t)ceil(qs[k] * (double)n);
			uint64_t exact = v[(rank ? rank : 1) - 1];
			double got = probes_hist_percentile(&h, qs[k]);
			unsigned s = slot_of(exact);
			double lo = s ? (double)(1ull << s) : 0, hi = (double)(1ull << (s + 1));

			if (!(got >= lo && got <= hi && got <= (double)h.max)) {
				fprintf(stderr, "FAIL: n %zu q %g: exact %llu, got %.1f, bucket [%.0f, %.0f)\n",
					n, qs[k], (unsigned long long)exact, got, lo, hi);
				fails++;
			}
		}
	}
	/* One value: every percentile is that value's bucket, capped at it. */
	memset(&h, 0, sizeof(h));
	h.slots[slot_of(1000)] = h.count = 1;
	h.max = 1000;
	if (probes_hist_percentile(&h, 0.99) > 1000 || probes_hist_percentile(&h, 0.5) < 512) {
		fprintf(stderr, "FAIL: single value\n");
		fails++;
	}
	fprintf(stderr, "hist percentiles: %s\n", fails ? "FAILED" : "ok");
	return fails ? 1 : 0;
}
