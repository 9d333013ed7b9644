/* Unit test: the kernel's log-linear histograms (bpf/hist_slot.h, the slot
 * function the BPF programs use), read into the load generator's histogram
 * (probes_dist_add), give every percentile within 3 % of the exact one and
 * never below it; count, sum, minimum and maximum are exact, and two CPUs'
 * histograms add up to one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loader/probes_internal.h"
#include "bpf/hist_slot.h"
#include "tests/lib/check.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every slot's range starts where the one before ended, and each value
 * lies in its own slot's range. */
static void check_slots(void)
{
	__u64 lo, hi, prev_hi = 0;

	for (uint32_t i = 0; i < HIST_SLOTS; i++) {
		hist_slot_range(i, &lo, &hi);
		CHECK(i == 0 || lo == prev_hi + 1, "slot %u starts at %llu after %llu", i,
		      (unsigned long long)lo, (unsigned long long)prev_hi);
		CHECK(hist_slot(lo) == i && hist_slot(hi) == i, "slot %u: [%llu, %llu]", i,
		      (unsigned long long)lo, (unsigned long long)hi);
		CHECK(lo < 2 * HIST_SUB || (double)(hi - lo + 1) / (double)lo <= 1.0 / HIST_SUB,
		      "slot %u wider than 1/%u of its start", i, HIST_SUB);
		prev_hi = hi;
	}
	CHECK(hist_slot(UINT64_MAX) == HIST_SLOTS - 1, "above the range: the last slot");
}

static void check_round(size_t n, uint64_t *v)
{
	static struct dist cpu[2];
	const double qs[] = { 1, 50, 90, 99, 99.9, 100 };
	struct hist h;
	long double sum = 0;

	memset(cpu, 0, sizeof(cpu));
	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < n; i++) {
		/* log-uniform from 1 ns to about 1 s, the range of syscall times */
		v[i] = (uint64_t)exp((double)rand() / RAND_MAX * 20.7);
		dist_add(&cpu[i & 1], v[i]);
		sum += v[i];
	}
	CHECK(probes_dist_add(&h, &cpu[0]) == 0 && probes_dist_add(&h, &cpu[1]) == 0, "no memory");
	qsort(v, n, sizeof(v[0]), cmp_u64);
	CHECK(h.total == n && h.min == v[0] && h.max == v[n - 1] && h.sum == sum,
	      "n %zu: count %llu, min %llu (%llu), max %llu (%llu)", n,
	      (unsigned long long)h.total, (unsigned long long)h.min, (unsigned long long)v[0],
	      (unsigned long long)h.max, (unsigned long long)v[n - 1]);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		size_t rank = (size_t)ceil(qs[k] / 100 * (double)n - 1e-9);
		uint64_t exact = v[(rank ? rank : 1) - 1];
		uint64_t got = hist_percentile(&h, qs[k]);

		CHECK(got >= exact && (double)got <= (double)exact * 1.03 + 1,
		      "n %zu p%g: exact %llu, got %llu", n, qs[k], (unsigned long long)exact,
		      (unsigned long long)got);
	}
	hist_free(&h);
}

int main(void)
{
	static uint64_t v[20000];
	struct dist empty;
	struct hist h;

	check_slots();
	memset(&empty, 0, sizeof(empty));
	memset(&h, 0, sizeof(h));
	CHECK(probes_dist_add(&h, &empty) == 0 && h.total == 0, "empty: no samples");
	srand(7);
	for (int round = 0; round < 20; round++)
		check_round(1 + (size_t)(rand() % 20000), v);
	fprintf(stderr, "kernel histograms: %s\n", failures ? "FAILED" : "ok");
	return check_status();
}
