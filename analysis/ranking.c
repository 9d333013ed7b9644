/* ranking[]: the runs that finished, by requests per second, each with its
 * share of the fastest; after them, unranked (rank null), the runs that
 * failed or were interrupted, with why: a server that did not run is never
 * ranked at 0 req/s. */
#define _GNU_SOURCE
#include "analysis/ranking.h"

#include <math.h>
#include <stdlib.h>

#include "analysis/json_num.h"
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

static bool finished(json_t *run)
{
	return json_is_null(json_object_get(run, "error")) &&
	       !json_is_true(json_object_get(run, "interrupted"));
}

static json_t *ranked_row(json_t *run, int rank, double best)
{
	json_t *client = json_object_get(run, "client"), *lat = json_object_get(client, "latency_ns");
	json_t *p50 = json_object_get(lat, "p50"), *p99 = json_object_get(lat, "p99");
	json_t *failed = json_object_get(json_object_get(client, "errors"), "total");
	double rps = rps_of(run);

	return json_pack("{s:i, s:O, s:s, s:f, s:o, s:O, s:O, s:o, s:b}",
		"rank", rank,
		"server", json_object_get(json_object_get(run, "server"), "name"),
		"status", "ok",
		"rps", rps,
		"share_of_fastest", json_num_or_null(rps / best, best > 0),
		"latency_p50_ns", p50 ? p50 : json_null(),
		"latency_p99_ns", p99 ? p99 : json_null(),
		"failed_requests", failed ? json_incref(failed) : json_integer(0),
		"interrupted", 0);
}

static json_t *unranked_row(json_t *run)
{
	json_t *err = json_object_get(run, "error");
	bool failed = json_is_string(err);

	return json_pack("{s:n, s:O, s:s, s:s, s:n, s:n, s:b}",
		"rank",
		"server", json_object_get(json_object_get(run, "server"), "name"),
		"status", failed ? "failed" : "interrupted",
		"reason", failed ? json_string_value(err) : "interrupted before its load ended",
		"rps", "share_of_fastest",
		"interrupted", json_is_true(json_object_get(run, "interrupted")));
}

json_t *ranking_build(json_t *runs)
{
	size_t n = json_array_size(runs), m = 0;
	json_t **sorted = calloc(n ? n : 1, sizeof(*sorted));
	json_t *ranking = json_array();

	if (!sorted || !ranking) {
		free(sorted);
		json_decref(ranking);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (finished(json_array_get(runs, i)))
			sorted[m++] = json_array_get(runs, i);
	qsort(sorted, m, sizeof(*sorted), by_rps_desc);
	for (size_t i = 0; i < m; i++)
		json_array_append_new(ranking, ranked_row(sorted[i], (int)i + 1, rps_of(sorted[0])));
	for (size_t i = 0; i < n; i++)
		if (!finished(json_array_get(runs, i)))
			json_array_append_new(ranking, unranked_row(json_array_get(runs, i)));
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

		if (!json_is_integer(json_object_get(row, "rank")))
			continue;	/* not ranked: listed below */
		fmt_fixed(json_is_number(share) ? 100 * json_number_value(share) : NAN, 1, sh, sizeof(sh));
		fprintf(out, "  %-4lld %-12s %12.1f %7s%% %10s %10s %8lld\n",
			(long long)json_integer_value(json_object_get(row, "rank")),
			json_string_value(json_object_get(row, "server")),
			json_number_value(json_object_get(row, "rps")), sh,
			fmt_duration(json_is_number(a) ? json_number_value(a) : NAN, p50, sizeof(p50)),
			fmt_duration(json_is_number(b) ? json_number_value(b) : NAN, p99, sizeof(p99)),
			(long long)json_integer_value(json_object_get(row, "failed_requests")));
	}
	ranking_print_unranked(out, ranking);
}

void ranking_print_unranked(FILE *out, json_t *ranking)
{
	size_t i;
	json_t *row;

	json_array_foreach(ranking, i, row)
		if (!json_is_integer(json_object_get(row, "rank")))
			fprintf(out, "  not ranked:  %-12s %s: %s\n",
				json_string_value(json_object_get(row, "server")),
				json_string_value(json_object_get(row, "status")),
				json_string_value(json_object_get(row, "reason")));
}
