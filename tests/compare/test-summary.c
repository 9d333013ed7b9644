/* Repeats summed up per server: order-statistic intervals with the coverage
 * they claim, ranking by median, overlapping intervals tied, failed runs left
 * out, no interval below 3 runs, and the noisy-repeats check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/repeat_summary.h"
#include "analysis/saved_report.h"
#include "tests/lib/check.h"

static json_t *run(const char *server, double rps, const char *error)
{
	return json_pack("{s:{s:s}, s:{s:f, s:{s:f, s:f, s:f}}, s:o}", "server", "name", server,
			 "client", "rps", rps, "latency_ns", "p50", 1e6 / rps * 100, "p99", 5e6 / rps * 100,
			 "p999", 9e6 / rps * 100, "error", error ? json_string(error) : json_null());
}

static json_t *server(json_t *summary, const char *name)
{
	json_t *s;
	size_t i;
	json_array_foreach(summary, i, s)
		if (!strcmp(jstr(s, "server", ""), name))
			return s;
	return NULL;
}

static void test_ranks(void)
{
	double level;
	int k = summary_ci_rank(6, 0.95, &level);
	CHECK(k == 1 && fabs(level - (1 - 2.0 / 64)) < 1e-12, "6 runs: [min, max] at 96.9 %%, got k %d %.4f", k, level);
	k = summary_ci_rank(10, 0.95, &level);
	CHECK(k == 2 && fabs(level - (1 - 22.0 / 1024)) < 1e-12, "10 runs: 2nd smallest/largest at 97.9 %%, got k %d %.4f", k, level);
	k = summary_ci_rank(3, 0.95, &level);
	CHECK(k == 0 && fabs(level - 0.75) < 1e-12, "3 runs: no 95 %% interval, [min, max] at 75 %%, got k %d %.4f", k, level);
}

/* The printed ranking: one line per server in rank order, ties marked. */
static void test_printed(json_t *sum)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	summary_print_repeats(f, sum);
	fclose(f);
	char *fast = strstr(text, "\n  1    fast"), *close = strstr(text, "\n  2=   close"), *slow = strstr(text, "\n  3=   slow");
	CHECK(fast && close && slow && fast < close && close < slow, "one line per server, by median, ties marked:\n%s", text);
	CHECK(close && strstr(close, "tied with slow") && strstr(close, "tied with slow") < slow, "close's line names the tie");
	CHECK(fast && strstr(fast, "[200, 205]") < close && (!strstr(fast, "tied") || strstr(fast, "tied") > close),
	      "fast: its interval, tied with nobody");
	CHECK(strstr(text, "warning: two: too few runs"), "the noisy-or-too-few warning printed after the table");
	free(text);
}

static void test_summary(void)
{
	json_t *runs = json_array();
	for (int i = 0; i < 6; i++) {	/* interleaved as --repeat writes them */
		json_array_append_new(runs, run("slow", 100 + i, NULL));
		json_array_append_new(runs, run("fast", 200 + i, NULL));
		json_array_append_new(runs, run("close", 104 + i, NULL));
	}
	json_array_append_new(runs, run("fast", 1, "server died"));
	json_array_append_new(runs, run("two", 50, NULL));
	json_array_append_new(runs, run("two", 52, NULL));
	json_t *sum = summary_build(runs);
	CHECK(json_array_size(sum) == 4, "one entry per server, got %zu", json_array_size(sum));
	json_t *fast = server(sum, "fast"), *slow = server(sum, "slow"), *close = server(sum, "close");
	CHECK(jnum(fast, "rank") == 1 && jnum(fast, "runs") == 6, "fast ranks first, its failed run left out");
	CHECK(jnum(slow, "rps.median") == 102.5 && jnum(slow, "rps.ci_low") == 100 && jnum(slow, "rps.ci_high") == 105,
	      "slow: median 102.5 in [100, 105], got %g [%g, %g]", jnum(slow, "rps.median"), jnum(slow, "rps.ci_low"),
	      jnum(slow, "rps.ci_high"));
	CHECK(json_array_size(json_object_get(close, "tied_with")) == 1 &&
	      !strcmp(json_string_value(json_array_get(json_object_get(close, "tied_with"), 0)), "slow"),
	      "close overlaps slow: tied");
	CHECK(json_array_size(json_object_get(fast, "tied_with")) == 0, "fast is tied with nobody");
	json_t *two = server(sum, "two");
	CHECK(json_is_null(jget(two, "rps.ci_low")) && strstr(jstr(two, "rps.note", ""), "no interval"),
	      "two runs: no interval, and it says so");
	CHECK(!strcmp(jstr(slow, "checks.ci_width.status", ""), "pass"),
	      "slow: a 96.9 %% interval 4.9 %% wide passes: %s", jstr(slow, "checks.ci_width.message", ""));
	json_t *t2 = jget(two, "checks.ci_width");
	CHECK(!strcmp(jstr(t2, "status", ""), "warn"), "two runs: the check warns");
	CHECK(jnum(slow, "latency_p99_ns.runs") == 6, "latency intervals too");
	test_printed(sum);
	json_decref(sum);
	json_decref(runs);
}

static void test_noisy(void)
{
	json_t *runs = json_array();
	double steady[] = { 1000, 1001, 999, 1000, 1002, 998, 1000, 1001, 999, 1000 };
	double noisy[] = { 1000, 1300, 800, 1100, 900, 1200, 700, 1000, 1250, 850 };
	for (int i = 0; i < 10; i++) {
		json_array_append_new(runs, run("steady", steady[i], NULL));
		json_array_append_new(runs, run("noisy", noisy[i], NULL));
	}
	json_t *sum = summary_build(runs);
	json_t *s = server(sum, "steady"), *n = server(sum, "noisy");
	CHECK(!strcmp(jstr(s, "checks.ci_width.status", ""), "pass"), "steady runs pass: %s", jstr(s, "checks.ci_width.message", ""));
	CHECK(!strcmp(jstr(n, "checks.ci_width.status", ""), "warn") && jnum(n, "checks.ci_width.more_runs") > 10,
	      "noisy runs warn and ask for more runs: %s", jstr(n, "checks.ci_width.message", ""));
	json_decref(sum);
	json_decref(runs);
}

int main(void)
{
	test_ranks();
	test_summary();
	test_noisy();
	return check_status();
}
