#define _GNU_SOURCE
#include "analysis/compare_stats.h"

#include <math.h>
#include <stdlib.h>

static int by_value(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

double stats_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* U of a: pairs (a_i, b_j) with a_i > b_j, ties counting half. */
static double u_statistic(const double *a, size_t na, const double *b, size_t nb)
{
	double u = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			u += a[i] > b[j] ? 1 : a[i] == b[j] ? 0.5 : 0;
	return u;
}

/* Probability of each U for na and nb values with no ties: the number of
 * orderings that give it, over C(na + nb, na). dist has na * nb + 1 entries. */
static int u_distribution(size_t na, size_t nb, double *dist)
{
	size_t umax = na * nb;
	/* f[m][u] for the current n, built up one b at a time: f(m,n,u) = f(m-1,n,u-n) + f(m,n-1,u) */
	double *f = calloc((na + 1) * (umax + 1), sizeof(double));
	if (!f)
		return -1;
	for (size_t m = 0; m <= na; m++)
		f[m * (umax + 1)] = 1;	/* n = 0: one ordering, U = 0 */
	for (size_t n = 1; n <= nb; n++)
		for (size_t m = 1; m <= na; m++)
			for (size_t u = umax + 1; u-- > 0;) {
				double *row = f + m * (umax + 1), *prev = f + (m - 1) * (umax + 1);
				/* row still holds f(m, n-1, .); prev already holds f(m-1, n, .) */
				row[u] = row[u] + (u >= n ? prev[u - n] : 0);
			}
	double total = 0;
	for (size_t u = 0; u <= umax; u++)
		total += f[na * (umax + 1) + u];
	for (size_t u = 0; u <= umax; u++)
		dist[u] = f[na * (umax + 1) + u] / total;
	free(f);
	return 0;
}

static double two_sided(const double *dist, size_t umax, double u)
{
	double lo = 0, hi = 0;
	for (size_t k = 0; k <= umax; k++) {
		if ((double)k <= u + 1e-9)
			lo += dist[k];
		if ((double)k >= u - 1e-9)
			hi += dist[k];
	}
	return fmin(1, 2 * fmin(lo, hi));
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	if (!na || !nb || na > 64 || nb > 64)
		return 1;
	double *dist = calloc(na * nb + 1, sizeof(double));
	if (!dist || u_distribution(na, nb, dist)) {
		free(dist);
		return 1;
	}
	/* a half U from ties lies between two integers: take the less extreme side */
	double u = u_statistic(a, na, b, nb), mid = (double)(na * nb) / 2;
	u = u < mid ? ceil(u) : floor(u);
	double p = two_sided(dist, na * nb, u);
	free(dist);
	return p;
}

double stats_mann_whitney_min_p(size_t na, size_t nb)
{
	if (!na || !nb)
		return 1;
	double c = 1;	/* C(na + nb, na) */
	for (size_t k = 1; k <= na; k++)
		c = c * (double)(nb + k) / (double)k;
	return fmin(1, 2 / c);
}
