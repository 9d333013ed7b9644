/* overhead.*: each pair compared on its own (on / off), then the median
 * and the spread over pairs, so a drift of the machine's speed between
 * pairs does not count as cost. */
#include "analysis/report_overhead.h"

#include <stdlib.h>
#include "analysis/json_num.h"

enum ratio_kind { RATIO_RPS, RATIO_P50, RATIO_P99 };

static double ratio(const struct overhead_pair *p, enum ratio_kind k)
{
	switch (k) {
	case RATIO_RPS:
		return p->off.rps > 0 ? p->on.rps / p->off.rps : 0;
	case RATIO_P50:
		return p->off.p50_ns ? (double)p->on.p50_ns / (double)p->off.p50_ns : 0;
	case RATIO_P99:
		return p->off.p99_ns ? (double)p->on.p99_ns / (double)p->off.p99_ns : 0;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of one ratio over the pairs; -1 without memory. */
static int ratio_stats(const struct overhead_pair *v, int n, enum ratio_kind k, double out[3])
{
	double *r = calloc((size_t)n, sizeof(*r));

	if (!r)
		return -1;
	for (int i = 0; i < n; i++)
		r[i] = ratio(&v[i], k);
	qsort(r, (size_t)n, sizeof(*r), cmp_double);
	out[0] = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
	out[1] = r[0];
	out[2] = r[n - 1];
	free(r);
	return 0;
}

double overhead_throughput_ratio(const struct overhead_pair *v, int n)
{
	double s[3];

	return n > 0 && !ratio_stats(v, n, RATIO_RPS, s) ? s[0] : 0;
}

static json_t *spread_json(const struct overhead_pair *v, int n, enum ratio_kind k)
{
	double s[3];

	if (ratio_stats(v, n, k, s))
		return NULL;
	return json_pack("{s:f, s:f, s:f}", "median", s[0], "min", s[1], "max", s[2]);
}

static json_t *pair_json(const struct overhead_pair *p)
{
	return json_pack("{s:f, s:f, s:o, s:o, s:o, s:o, s:s}",
		"rps_off", p->off.rps, "rps_on", p->on.rps,
		"p50_off_ns", json_ns(p->off.p50_ns), "p50_on_ns", json_ns(p->on.p50_ns),
		"p99_off_ns", json_ns(p->off.p99_ns), "p99_on_ns", json_ns(p->on.p99_ns),
		"order", p->on_first ? "on,off" : "off,on");
}

json_t *report_overhead(const struct overhead_pair *v, int n)
{
	json_t *runs;

	if (n <= 0 || !(runs = json_array()))
		return NULL;
	for (int i = 0; i < n; i++)
		json_array_append_new(runs, pair_json(&v[i]));
	return json_pack("{s:i, s:f, s:o, s:o, s:o, s:o}",
		"pairs", n,
		"throughput_ratio", overhead_throughput_ratio(v, n),
		"throughput_ratio_spread", spread_json(v, n, RATIO_RPS),
		"latency_p50_ratio", spread_json(v, n, RATIO_P50),
		"latency_p99_ratio", spread_json(v, n, RATIO_P99),
		"runs", runs);
}
