/* Repeated runs summed up per server: the median of each figure over the
 * runs and a distribution-free confidence interval for it (order
 * statistics), the ranking by median req/s with overlapping intervals marked
 * as ties, and the checks that say whether the repeats can be trusted. */
#pragma once
#include <stdio.h>
#include <jansson.h>

#define SUMMARY_CONFIDENCE 0.95
#define SUMMARY_MAX_CI_WIDTH 0.05	/* of the median: wider is "noisy" */

/* The interval [x_(k), x_(n+1-k)] of n sorted values that covers the median
 * with at least conf; k = 0 when none does. *level: its actual confidence
 * (for k = 0 the one of [min, max]). */
int summary_ci_rank(size_t n, double conf, double *level);
/* runs: the report's runs (failed runs are left out); an array, one object
 * per server in ranking order. */
json_t *summary_build(json_t *runs);
void summary_print_repeats(FILE *f, json_t *summary);
