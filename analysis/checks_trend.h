/* Is there a trend over a run's intervals? A rank correlation with time that
 * chance gives rarely, and a shift between the halves larger than both a
 * fixed share and the intervals' own scatter: a steady but noisy server
 * passes, one that slows down over the run does not. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define TREND_P_MAX 0.01	/* the rank correlation's two-sided p-value */
#define TREND_SHIFT_MIN 0.10	/* halves' medians apart by more than this share */
#define TREND_NOISE_K 2.0	/* ... and by more than this many interval spreads */

struct trend {
	double rho;	/* Spearman's rank correlation with time */
	double p;	/* its two-sided p-value (Student's t, n - 2 degrees of freedom) */
	double change;	/* second half's median over the first's, - 1 */
	double spread;	/* one interval's scatter (robust, from successive differences),
			 * as a share of the first half's median */
	bool found;	/* p < TREND_P_MAX and |change| beyond both bounds */
};

/* The trend of v[0..n) (n >= 3) against its index. */
struct trend trend_of(const double *v, size_t n);

/* Two-sided p-value of Student's t with df degrees of freedom. */
double student_t_p(double t, double df);
