/* --overhead: the ratios of interleaved loads with probes off and on, and
 * the report's "overhead" object. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

/* One measured load of a pair. */
struct overhead_segment {
	double rps;
	uint64_t p50_ns, p99_ns;	/* client latency */
};

struct overhead_pair {
	struct overhead_segment off, on;
	bool on_first;		/* the pair ran on, then off */
};

/* The median over pairs of req/s on / req/s off (0 for no pairs). */
double overhead_throughput_ratio(const struct overhead_pair *v, int n);
/* {pairs, throughput_ratio, its spread, latency ratios, runs}; NULL for
 * n == 0 or without memory. */
json_t *report_overhead(const struct overhead_pair *v, int n);
