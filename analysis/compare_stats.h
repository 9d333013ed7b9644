/* Statistics over run-level figures for compare: medians and the
 * Mann-Whitney rank test (exact distribution, two-sided). */
#pragma once
#include <stddef.h>

/* Median of n values (n >= 1; the array is reordered). */
double stats_median(double *v, size_t n);
/* Two-sided p-value that a and b come from the same distribution; 1 when
 * either is empty. Exact for up to 64 values per side (ties counted half). */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);
/* The smallest p-value na and nb runs can give at all: below 0.05 only from
 * 4 and 4 runs (or 3 and 5, ...); with fewer no difference can be shown. */
double stats_mann_whitney_min_p(size_t na, size_t nb);
