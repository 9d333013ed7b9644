/* The stationarity test of checks.stationary (analysis/checks_trend.h). */
#define _GNU_SOURCE
#include "analysis/checks_trend.h"

#include <math.h>
#include <stdlib.h>

#include "analysis/compare_stats.h"

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double beta_fraction(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1);
	d = 1 / (fabs(d) < tiny ? tiny : d);
	double h = d;
	for (int m = 1; m <= 300; m++) {
		for (int odd = 0; odd < 2; odd++) {
			double num = odd ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
					 : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
			d = 1 + num * d;
			d = 1 / (fabs(d) < tiny ? tiny : d);
			c = 1 + num / c;
			c = fabs(c) < tiny ? tiny : c;
			h *= d * c;
		}
		if (fabs(d * c - 1) < 1e-12)
			break;
	}
	return h;
}

/* The regularized incomplete beta function I_x(a, b). */
static double incomplete_beta(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_fraction(a, b, x) / a;
	return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

double student_t_p(double t, double df)
{
	if (!isfinite(t))
		return 0;
	return incomplete_beta(df / 2, 0.5, df / (df + t * t));
}

/* Ranks 1..n (ties averaged) of v into r. */
static void ranks(const double *v, size_t n, double *r)
{
	for (size_t i = 0; i < n; i++) {
		double below = 0, same = 0;
		for (size_t j = 0; j < n; j++) {
			below += v[j] < v[i];
			same += v[j] == v[i];
		}
		r[i] = below + (same + 1) / 2;
	}
}

/* Spearman's rank correlation of v against time (its index). */
static double spearman_vs_time(const double *v, size_t n, double *r)
{
	double mean = (double)(n + 1) / 2, sxy = 0, sxx = 0, syy = 0;
	ranks(v, n, r);
	for (size_t i = 0; i < n; i++) {
		double x = (double)i + 1 - mean, y = r[i] - mean;
		sxy += x * y;
		sxx += x * x;
		syy += y * y;
	}
	return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

/* One interval's standard deviation, from the median absolute difference of
 * neighbours (for normal noise that is 0.954 sigma): a slow trend and a
 * single outlier hardly move it. work has n entries. */
static double interval_spread(const double *v, size_t n, double *work)
{
	for (size_t i = 0; i + 1 < n; i++)
		work[i] = fabs(v[i + 1] - v[i]);
	return stats_median(work, n - 1) / 0.954;
}

struct trend trend_of(const double *v, size_t n)
{
	struct trend t = { 0 };
	double *work = malloc(2 * n * sizeof(*work));
	if (!work || n < 3) {
		free(work);
		return t;
	}
	double *a = work, *b = work + n;
	size_t h = n / 2;
	for (size_t i = 0; i < h; i++) {
		a[i] = v[i];
		b[i] = v[n - h + i];
	}
	double ma = stats_median(a, h), mb = stats_median(b, h);
	t.rho = spearman_vs_time(v, n, work);
	double df = (double)n - 2;
	t.p = fabs(t.rho) < 1 ? student_t_p(fabs(t.rho) * sqrt(df / (1 - t.rho * t.rho)), df) : 0;
	double sigma = interval_spread(v, n, work);
	t.change = ma != 0 ? mb / ma - 1 : 0;
	t.spread = ma != 0 ? sigma / fabs(ma) : 0;
	t.found = t.p < TREND_P_MAX && fabs(t.change) > TREND_SHIFT_MIN &&
		  fabs(mb - ma) > TREND_NOISE_K * sigma;
	free(work);
	return t;
}
