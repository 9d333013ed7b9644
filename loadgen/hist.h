/* Log-linear latency histogram (HDR-style): 3 significant digits from 1 ns to
 * about 1100 s, O(1) record with no allocation, mergeable across threads. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hist {
	uint64_t *counts;	/* n_counts buckets, allocated once by hist_init; NULL when packed */
	uint8_t *packed;	/* hist_pack's read-only form of the counts */
	size_t packed_len;
	uint32_t n_counts;
	uint64_t total;		/* samples recorded */
	uint64_t min, max;	/* exact; min is UINT64_MAX when empty */
	long double sum, sumsq;	/* exact mean / stdev (not bucketed) */
};

int hist_init(struct hist *h);			/* 0 or -ENOMEM */
/* Bytes of counts one histogram has, for hist_init_at. */
size_t hist_counts_bytes(void);
/* A histogram over caller-owned zeroed memory of hist_counts_bytes()
 * (never hist_free it: the caller releases the memory). */
void hist_init_at(struct hist *h, uint64_t *counts);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);
void hist_record(struct hist *h, uint64_t value);
/* dst (unpacked) += src (either form). */
int hist_merge(struct hist *dst, const struct hist *src);
/* *dst becomes a read-only copy of src in a few bytes per non-empty bucket
 * (a finished interval's), for percentiles, foreach, merging from and
 * hist_free only. 0 or -ENOMEM. */
int hist_pack(struct hist *dst, const struct hist *src);
/* Non-empty buckets by index, ascending (the layout HdrHistogram shares). */
typedef void (*hist_index_fn)(uint32_t index, uint64_t count, void *arg);
void hist_foreach_index(const struct hist *h, hist_index_fn fn, void *arg);
double hist_mean(const struct hist *h);		/* 0 when empty */
double hist_stdev(const struct hist *h);	/* population stdev, 0 when empty */
/* Value v with at least pct % of samples <= v, within 0.1 % of the exact
 * order statistic sorted[ceil(pct/100*n)-1]; 0 when empty. pct in [0,100]. */
uint64_t hist_percentile(const struct hist *h, double pct);

/* The statistics of a distribution, in ns, for where its buckets are not
 * kept (an interval of the timeline): count 0 means every other one is
 * unknown. */
struct hist_summary {
	uint64_t count, min, mean, stdev, p50, p90, p99, p999, p9999, max;
};
void hist_summarize(const struct hist *h, struct hist_summary *out);
/* OUT's count, extremes, mean and stdev from exact sums (its percentiles
 * zero, for the caller's buckets to give). */
void hist_summary_moments(struct hist_summary *out, uint64_t count, uint64_t min, uint64_t max,
			  long double sum, long double sumsq);
/* The rank, 1 to n, of the sample at percentile pct of n: ceil(pct/100 n). */
uint64_t hist_rank(double pct, uint64_t n);
/* b's samples added into a without their buckets (intervals that were
 * summarised apart): count and extremes exact, the mean from sum_ns (both
 * together), each percentile and the stdev the larger of the two's. */
void hist_summary_fold(struct hist_summary *a, const struct hist_summary *b, uint64_t sum_ns);

/* Non-empty buckets in ascending order: samples in [lo, hi] (inclusive). */
typedef void (*hist_bucket_fn)(uint64_t lo, uint64_t hi, uint64_t count, void *arg);
void hist_foreach(const struct hist *h, hist_bucket_fn fn, void *arg);
