/* Do the repeats of one server disagree with each other beyond their own
 * spread? Each run's req/s over its timeline intervals gives its mean and
 * that mean's standard error; runs measuring one and the same thing give a
 * Cochran's Q (the weighted spread of the run means) that follows
 * chi-square with runs - 1 degrees of freedom. */
#pragma once
#include <stddef.h>
#include <jansson.h>

#define AGREE_MIN_INTERVALS 3	/* full intervals a run needs for its own spread */
#define AGREE_P_MAX 0.01	/* Q beyond what chance gives 1 % of the time */
#define AGREE_MIN_SPREAD 0.05	/* and run means apart by more than 5 % of their median */

/* The check object of summary[].checks.repeats_agree. */
json_t *check_repeats_agree(json_t *const *runs, size_t n);
/* P(chi-square with df degrees of freedom > q), Wilson-Hilferty's cube-root
 * approximation (within about 0.001 of the exact tail near p = 0.01). */
double chi2_tail(double q, double df);
