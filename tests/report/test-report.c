/* Unit test: the report's words and figures for a load that failed. The
 * failures read as a person says them; a load in which nothing succeeded
 * has client.rps 0, not the rate of its errors; the one serializer writes
 * every distribution key, null when there are no samples. */
#include <string.h>
#include <jansson.h>
#include "analysis/dist.h"
#include "analysis/error_text.h"
#include "analysis/ranking.h"
#include "analysis/report.h"
#include "tests/lib/check.h"
#include "tests/lib/json_path.h"

static void test_error_text(void)
{
	uint64_t errors[LG_ERR__COUNT] = { 0 }, status[6] = { 0 };
	char buf[256];

	CHECK(!strcmp(error_text(errors, status, NULL, buf, sizeof(buf)), ""), "none: \"%s\"", buf);
	errors[LG_ERR_TIMEOUT] = 8;
	errors[LG_ERR_STATUS] = 1000;
	status[5] = 1000;
	status[2] = 5;	/* the 2xx answers are not failures */
	error_text(errors, status, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "8 timed out, 1000 answered HTTP 5xx"), "got \"%s\"", buf);
	errors[LG_ERR_CONNECT] = 2;
	error_text(errors, status, NULL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2 could not connect, 8 timed out, 1000 answered HTTP 5xx"), "got \"%s\"", buf);
	int one_code[6] = { [5] = 503 }, several[6] = { [5] = -1 };
	error_text(errors, status, one_code, buf, sizeof(buf));
	CHECK(!strcmp(buf, "2 could not connect, 8 timed out, 1000 answered HTTP 503"), "got \"%s\"", buf);
	error_text(errors, status, several, buf, sizeof(buf));
	CHECK(strstr(buf, "1000 answered HTTP 5xx") != NULL, "several codes: got \"%s\"", buf);
}

static void test_nothing_succeeded(void)
{
	struct report_load l = { .mode = "closed", .engine = "epoll", .connections = 4, .threads = 1,
				 .client_cpu_count = 1 };
	struct lg_result r;
	json_t *c;

	memset(&r, 0, sizeof(r));
	REQUIRE(hist_init(&r.latency) == 0 && hist_init(&r.latency_uncorrected) == 0 &&
		hist_init(&r.send_lag) == 0, "no memory");
	r.start_ns = 1000000000;
	r.end_ns = 2000000000;	/* one second */
	r.requests_completed = 0;	/* 500 answers, every one an HTTP 500: failed, not completed */
	r.errors_total = r.errors[LG_ERR_STATUS] = 500;
	c = report_client(&l, &r);
	REQUIRE(c, "report_client");
	CHECK(json_is_number(json_path(c, "rps")) && json_number_value(json_path(c, "rps")) == 0,
	      "rps of a load with no success");
	CHECK(json_is_null(json_path(c, "latency_ns.p50")), "p50 of no samples is null");
	CHECK(json_path_int(c, "latency_ns.count") == 0, "count 0");
	json_decref(c);
	r.requests_completed = r.requests_ok = 400;	/* 400 good answers, then 100 HTTP 500 */
	r.errors_total = r.errors[LG_ERR_STATUS] = 100;
	c = report_client(&l, &r);
	CHECK(json_number_value(json_path(c, "rps")) == 400, "rps counts completed (accepted) answers: %g",
	      json_number_value(json_path(c, "rps")));
	json_decref(c);
	hist_free(&r.latency);
	hist_free(&r.latency_uncorrected);
	hist_free(&r.send_lag);
}

static void test_dist_keys(void)
{
	static const char *const keys[] = { "count", "min", "mean", "stdev", "p50", "p90", "p99",
					    "p999", "p9999", "max", "hist" };
	struct hist h;
	json_t *d;

	REQUIRE(hist_init(&h) == 0, "no memory");
	for (uint64_t v = 1; v <= 1000; v++)
		hist_record(&h, v * 1000);
	d = dist_json_hdr(&h);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		CHECK(json_object_get(d, keys[i]), "key %s", keys[i]);
	CHECK(json_object_size(d) == sizeof(keys) / sizeof(keys[0]), "only those keys");
	CHECK(json_path_int(d, "min") == 1000 && json_path_int(d, "max") == 1000000, "min, max exact");
	CHECK(json_path_int(d, "p50") >= 500000 && json_path_int(d, "p50") <= 501000, "p50 %lld",
	      json_path_int(d, "p50"));
	json_decref(d);
	hist_free(&h);
}

static int same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* A failed or interrupted server is listed after the ranking, not ranked
 * at 0 req/s. */
static void test_ranking(void)
{
	json_t *runs = json_pack("[{s:{s:s}, s:{s:f}, s:n, s:b}, {s:{s:s}, s:{s:i}, s:s, s:b},"
				 " {s:{s:s}, s:{s:f}, s:n, s:b}, {s:{s:s}, s:{s:f}, s:n, s:b}]",
		"server", "name", "slow", "client", "rps", 100.0, "error", "interrupted", 0,
		"server", "name", "broken", "client", "rps", 0, "error", "it exited", "interrupted", 0,
		"server", "name", "cut", "client", "rps", 900.0, "error", "interrupted", 1,
		"server", "name", "fast", "client", "rps", 400.0, "error", "interrupted", 0);
	json_t *r = ranking_build(runs);

	REQUIRE(json_array_size(r) == 4, "4 rows, got %zu", json_array_size(r));
	CHECK(same(json_string_value(json_object_get(json_array_get(r, 0), "server")), "fast") &&
	      json_integer_value(json_object_get(json_array_get(r, 0), "rank")) == 1, "fast first");
	CHECK(same(json_string_value(json_object_get(json_array_get(r, 1), "server")), "slow") &&
	      json_integer_value(json_object_get(json_array_get(r, 1), "rank")) == 2, "slow second");
	CHECK(json_number_value(json_object_get(json_array_get(r, 1), "share_of_fastest")) == 0.25, "share");
	CHECK(same(json_string_value(json_object_get(json_array_get(r, 2), "server")), "broken") &&
	      json_is_null(json_object_get(json_array_get(r, 2), "rank")) && json_is_null(json_object_get(json_array_get(r, 2), "rps")) &&
	      same(json_string_value(json_object_get(json_array_get(r, 2), "status")), "failed") &&
	      same(json_string_value(json_object_get(json_array_get(r, 2), "reason")), "it exited"), "broken: not ranked");
	CHECK(same(json_string_value(json_object_get(json_array_get(r, 3), "status")), "interrupted") &&
	      json_is_null(json_object_get(json_array_get(r, 3), "rank")), "cut: not ranked at its partial rate");
	json_decref(r);
	json_decref(runs);
}

int main(void)
{
	test_ranking();
	test_error_text();
	test_nothing_succeeded();
	test_dist_keys();
	return check_status();
}
