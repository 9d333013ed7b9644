/* Unit test: the anatomy per timeline interval (analysis/timeline_anatomy.c).
 * Each match lands in the interval of its C0; the intervals' counts add up
 * to what was fed; means, extremes and counts are exact; percentiles are
 * within the compact buckets' precision of the exact order statistic; a
 * match for an interval already summarised is counted as late (in count
 * and mean, not in the percentiles); intervals past the last go into it,
 * missing ones are empty. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/timeline_anatomy.h"
#include "tests/lib/check.h"

#define START 1000000ull
#define IV 100000ull	/* 100 us intervals */

static struct anat_comp comp(uint64_t wait, uint64_t app, bool new_conn)
{
	struct anat_comp x = { .new_conn = new_conn };
	x.v[AC_WAIT] = wait;
	x.v[AC_APP] = app;
	x.v[AC_CONNECT] = new_conn ? 777 : 0;
	x.latency = wait + app + x.v[AC_CONNECT];
	return x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* 1000 matches in each of 4 intervals, the waits of interval k around
 * (k + 1) * 10 us with a tail; percentiles against the sorted values. */
static void test_intervals_exact(void)
{
	enum { N = 1000, K = 4 };
	struct tl_anat *t = tl_anat_new(START, IV, 10, 10 * IV);
	static uint64_t waits[K][N];
	REQUIRE(t, "no memory");
	srand(7);
	for (int i = 0; i < N; i++)
		for (int k = 0; k < K; k++) {
			uint64_t w = (uint64_t)(k + 1) * 10000 + (uint64_t)(rand() % 5000);
			if (i % 100 == 0)
				w *= 20;	/* the tail: 1 % twenty times slower */
			waits[k][i] = w;
			struct anat_comp x = comp(w, 500 + (uint64_t)k, i == 0);
			tl_anat_add(t, START + (uint64_t)k * IV + (uint64_t)(i % 97) * 1000, &x);
		}
	const struct tl_anat_interval *a = tl_anat_finish(t, 5);
	REQUIRE(a, "finish");
	for (int k = 0; k < K; k++) {
		const struct hist_summary *s = &a[k].comp[AC_WAIT];
		uint64_t sum = 0;
		qsort(waits[k], N, sizeof(uint64_t), cmp_u64);
		for (int i = 0; i < N; i++)
			sum += waits[k][i];
		CHECK(a[k].matched == N, "interval %d: %llu matched", k, (unsigned long long)a[k].matched);
		CHECK(a[k].late == 0, "interval %d: nothing late", k);
		CHECK(s->count == N && s->min == waits[k][0] && s->max == waits[k][N - 1],
		      "interval %d: count/min/max exact", k);
		CHECK(s->mean == (uint64_t)llround((double)sum / N), "interval %d: mean %llu", k,
		      (unsigned long long)s->mean);
		uint64_t p99 = waits[k][(int)ceil(0.99 * N) - 1], p50 = waits[k][N / 2 - 1];
		CHECK(s->p99 >= p99 && s->p99 <= p99 + p99 / 16, "interval %d: p99 %llu, exact %llu", k,
		      (unsigned long long)s->p99, (unsigned long long)p99);
		CHECK(s->p50 >= p50 && s->p50 <= p50 + p50 / 16, "interval %d: p50 %llu, exact %llu", k,
		      (unsigned long long)s->p50, (unsigned long long)p50);
		CHECK(a[k].comp[AC_APP].mean == 500 + (uint64_t)k, "interval %d: app mean", k);
		/* connect is a new connection's only: one per interval here */
		CHECK(a[k].comp[AC_CONNECT].count == 1 && a[k].comp[AC_CONNECT].mean == 777,
		      "interval %d: connect of the one new connection", k);
	}
	CHECK(a[4].matched == 0 && a[4].comp[AC_WAIT].count == 0, "the interval with none is empty");
	CHECK(tl_anat_new_connections(t), "new connections seen");
	tl_anat_free(t);
}

/* A ring of 3 (horizon 1 interval): a match for interval 0 after one for
 * interval 5 is late; count and mean take it, the percentiles do not. */
static void test_late(void)
{
	struct tl_anat *t = tl_anat_new(START, IV, 10, IV);
	REQUIRE(t, "no memory");
	for (int i = 0; i < 100; i++) {
		struct anat_comp x = comp(1000, 10, false);
		tl_anat_add(t, START + 10, &x);
	}
	struct anat_comp far = comp(2000, 10, false), late = comp(101000, 10, false);
	tl_anat_add(t, START + 5 * IV, &far);
	tl_anat_add(t, START + 20, &late);
	const struct tl_anat_interval *a = tl_anat_finish(t, 6);
	REQUIRE(a, "finish");
	CHECK(a[0].matched == 101 && a[0].late == 1, "matched %llu late %llu",
	      (unsigned long long)a[0].matched, (unsigned long long)a[0].late);
	CHECK(a[0].comp[AC_WAIT].count == 101 && a[0].comp[AC_WAIT].max == 101000,
	      "the late one in count and max");
	CHECK(a[0].comp[AC_WAIT].mean == 1990, "mean (100 x 1000 + 101000) / 101: %llu",
	      (unsigned long long)a[0].comp[AC_WAIT].mean);
	CHECK(a[0].comp[AC_WAIT].p99 == 1000, "p99 of the ones in time: %llu",
	      (unsigned long long)a[0].comp[AC_WAIT].p99);
	CHECK(a[5].matched == 1, "interval 5");
	CHECK(!tl_anat_new_connections(t), "no new connection");
	tl_anat_free(t);
}

/* Matches before the start go to the first interval, past the last
 * planned one to the last; finishing with fewer intervals than were fed
 * folds the rest into the last, exactly in counts and means. */
static void test_edges(void)
{
	struct tl_anat *t = tl_anat_new(START, IV, 4, 10 * IV);
	REQUIRE(t, "no memory");
	struct anat_comp a1 = comp(100, 1, false), a2 = comp(300, 1, false), a3 = comp(500, 1, false);
	tl_anat_add(t, START - 5, &a1);		/* before the window: interval 0 */
	tl_anat_add(t, START + 2 * IV, &a2);	/* interval 2 */
	tl_anat_add(t, START + 50 * IV, &a3);	/* past the 4 planned: interval 3 */
	const struct tl_anat_interval *a = tl_anat_finish(t, 2);	/* stopped early */
	REQUIRE(a, "finish");
	CHECK(a[0].matched == 1 && a[0].comp[AC_WAIT].mean == 100, "before the start: first");
	CHECK(a[1].matched == 2, "later ones folded into the last: %llu", (unsigned long long)a[1].matched);
	CHECK(a[1].comp[AC_WAIT].mean == 400 && a[1].comp[AC_WAIT].min == 300 &&
	      a[1].comp[AC_WAIT].max == 500, "folded exactly: mean %llu",
	      (unsigned long long)a[1].comp[AC_WAIT].mean);
	tl_anat_free(t);
	CHECK(!tl_anat_new(START, 0, 4, 0) && !tl_anat_new(START, IV, 0, 0), "no intervals: none");
}

int main(void)
{
	test_intervals_exact();
	test_late();
	test_edges();
	return check_status();
}
