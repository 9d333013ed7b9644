#define _GNU_SOURCE
/* The anatomy's verdict in a comparison: how much each component moved a
 * latency percentile. A component's part of the p50 is its share of all
 * requests' time times the p50; of the p99, its share of the slowest 1 %
 * times the p99 (the mean share where a report has no tail). The parts add
 * up to the percentile, so their changes add up to its change. */
#include "analysis/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare_stats.h"
#include "common/fmt.h"

#define MAX_PARTS 12

struct side_parts {
	double lat[SAVED_MAX_RUNS];
	double part[MAX_PARTS][SAVED_MAX_RUNS];
	size_t n;
};

static void gather(const struct saved_set *s, const char *pct, const char *const *names, size_t k,
		   struct side_parts *out)
{
	out->n = 0;
	for (size_t i = 0; i < s->n_runs; i++) {
		json_t *run = s->runs[i].run, *b = json_object_get(run, "breakdown");
		json_t *comp = json_object_get(b, "components");
		json_t *tail = strcmp(pct, "p50") ? jget(b, "tail.p99") : NULL;
		double lat = dist_stat(json_object_get(run, "client"), "latency", pct), share[MAX_PARTS];
		if (!json_is_object(comp) || !isfinite(lat))
			continue;
		if (tail && !(jnum(tail, "requests") > 0))
			tail = NULL;
		saved_component_shares(comp, tail, names, k, share);
		out->lat[out->n] = lat;
		for (size_t c = 0; c < k; c++)
			out->part[c][out->n] = isfinite(share[c]) ? share[c] * lat : 0;
		out->n++;
	}
}

static const char *signed_ns(double ns, char *buf, size_t len)
{
	char t[24];
	snprintf(buf, len, "%s%s", ns < 0 ? "-" : "+", fmt_duration(fabs(ns), t, sizeof(t)));
	return buf;
}

struct moved {
	const char *name;
	double delta;
};

static int by_size(const void *x, const void *y)
{
	double a = fabs(((const struct moved *)x)->delta), b = fabs(((const struct moved *)y)->delta);
	return (a < b) - (a > b);
}

static json_t *one_percentile(const struct saved_set *a, const struct saved_set *b, const char *pct,
			      const char *const *names, size_t k)
{
	struct side_parts *sa = calloc(2, sizeof(*sa)), *sb = sa + 1;
	if (!sa)
		return json_null();
	gather(a, pct, names, k, sa);
	gather(b, pct, names, k, sb);
	if (!sa->n || !sb->n) {
		free(sa);
		return json_null();
	}
	double la = stats_median(sa->lat, sa->n), lb = stats_median(sb->lat, sb->n);
	struct moved m[MAX_PARTS];
	json_t *parts = json_object();
	for (size_t c = 0; c < k; c++) {
		m[c] = (struct moved){ names[c], stats_median(sb->part[c], sb->n) - stats_median(sa->part[c], sa->n) };
		json_object_set_new(parts, names[c], json_real(m[c].delta));
	}
	qsort(m, k, sizeof(m[0]), by_size);
	char verdict[256], d[32];
	int off = snprintf(verdict, sizeof(verdict), "%s %s:", pct, signed_ns(lb - la, d, sizeof(d)));
	for (size_t c = 0; c < k && c < 3 && off < (int)sizeof(verdict); c++) {
		if (c && fabs(m[c].delta) < 0.05 * fabs(m[0].delta))
			break;
		off += snprintf(verdict + off, sizeof(verdict) - (size_t)off, "%s %s %s", c ? "," : "", m[c].name,
				signed_ns(m[c].delta, d, sizeof(d)));
	}
	free(sa);
	return json_pack("{s:f, s:f, s:f, s:o, s:s}", "a_ns", la, "b_ns", lb, "delta_ns", lb - la,
			 "components", parts, "verdict", verdict);
}

json_t *compare_anatomy(const struct saved_set *a, const struct saved_set *b)
{
	const char *names[MAX_PARTS];
	json_t *comp = jget(a->runs[0].run, "breakdown.components");
	size_t k = json_is_object(comp) ? saved_components(comp, names, MAX_PARTS) : 0;
	json_t *p50 = k ? one_percentile(a, b, "p50", names, k) : json_null();
	json_t *p99 = k ? one_percentile(a, b, "p99", names, k) : json_null();
	bool have = !json_is_null(p50) || !json_is_null(p99);
	return json_pack("{s:b, s:o, s:o, s:s}", "available", have, "p50", p50, "p99", p99, "method",
			 "a component's part of a percentile is its share of the latency (all requests for p50, "
			 "the slowest 1 % for p99) times that percentile; medians over the runs of each side");
}
