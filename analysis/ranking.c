#define _GNU_SOURCE
#include "analysis/ranking.h"

#include <math.h>
#include <stdlib.h>

#include "common/fmt.h"

static double rps_of(json_t *run)
{
	json_t *v = json_object_get(json_object_get(run, "client"), "rps");
	return json_is_number(v) ? json_number_value(v) : 0;
}

static int by_rps_desc(const void *a, const void *b)
{
	double x = rps_of(*(json_t *const *)a), y = rps_of(*(json_t *const *)b);
	return (x < y) - (x > y);
}

json_t *ranking_build(json_t *runs)
{
	size_t n = json_array_size(runs);
	json_t **sorted = calloc(n ? n : 1, sizeof(*sorted));
	json_t *ranking = json_array();
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *run = json_array_get(runs, i);
		if (json_is_null(json_object_get(run, "error")))	/* failed runs are not ranked */
			sorted[m++] = run;
	}
	n = m;
	qsort(sorted, n, sizeof(*sorted), by_rps_desc);
	double best = n ? rps_of(sorted[0]) : 0;
	for (size_t i = 0; i < n; i++) {
		json_t *run = sorted[i], *client = json_object_get(run, "client");
		json_t *lat = json_object_get(client, "latency_ns");
		json_t *p50 = json_object_get(lat, "p50"), *p99 = json_object_get(lat, "p99");
		json_t *failed = json_object_get(json_object_get(client, "errors"), "total");
		json_t *interrupted = json_object_get(run, "interrupted");
		double rps = rps_of(run);
		json_array_append_new(ranking, json_pack("{s:i, s:O, s:f, s:o, s:O, s:O, s:o, s:o}",
			"rank", (int)i + 1,
			"server", json_object_get(json_object_get(run, "server"), "name"),
			"rps", rps,
			"share_of_fastest", best > 0 ? json_real(rps / best) : json_null(),
			"latency_p50_ns", p50 ? p50 : json_null(),
			"latency_p99_ns", p99 ? p99 : json_null(),
			"failed_requests", failed ? json_incref(failed) : json_integer(0),
			"interrupted", interrupted ? json_incref(interrupted) : json_false()));
	}
	free(sorted);
	return ranking;
}

void ranking_print(FILE *out, json_t *ranking)
{
	size_t i;
	json_t *row;
	char p50[32], p99[32], sh[32];
	fprintf(out, "\nRanking (by requests per second)\n");
	fprintf(out, "  %-4s %-12s %12s %8s %10s %10s %8s\n",
		"rank", "server", "req/s", "share", "p50", "p99", "failed");
	json_array_foreach(ranking, i, row) {
		json_t *share = json_object_get(row, "share_of_fastest");
		json_t *a = json_object_get(row, "latency_p50_ns"), *b = json_object_get(row, "latency_p99_ns");
		if (json_is_number(share))
			snprintf(sh, sizeof(sh), "%.1f%%", 100 * json_number_value(share));
		else
			snprintf(sh, sizeof(sh), "-");
		fprintf(out, "  %-4lld %-12s %12.1f %8s %10s %10s %8lld\n",
			(long long)json_integer_value(json_object_get(row, "rank")),
			json_string_value(json_object_get(row, "server")),
			json_number_value(json_object_get(row, "rps")),
			sh,
			fmt_duration(json_is_number(a) ? json_number_value(a) : NAN, p50, sizeof(p50)),
			fmt_duration(json_is_number(b) ? json_number_value(b) : NAN, p99, sizeof(p99)),
			(long long)json_integer_value(json_object_get(row, "failed_requests")));
	}
}
