/* loadgen-run: drive the load generator alone, for debugging and for
 * comparing it with wrk.
 *
 *   loadgen-run URL [-c CONNS] [-t THREADS] [-n REQUESTS] [-d SECONDS]
 *               [--warmup SECONDS] [--timeout SECONDS] [--cpu LIST]
 *               [--expect BODY] [--rate R [--arrival constant|poisson] [--seed N]]
 *               [--engine epoll|curl|uring] [--insecure] [--http2]
 *
 * --cpu 1,3-4 pins worker i to the i-th listed CPU (round robin).
 * --rate R switches to open loop at R requests/s in total. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "loadgen/loadgen.h"

static int parse_cpus(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b;
		if (end == s || a < 0 || a >= CPU_SETSIZE)
			return -1;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a || b >= CPU_SETSIZE)
				return -1;
		}
		for (long c = a; c <= b; c++)
			CPU_SET((int)c, set);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return CPU_COUNT(set) ? 0 : -1;
}

static uint64_t secs_ns(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || v < 0) {
		fprintf(stderr, "loadgen-run: bad duration '%s' (seconds)\n", s);
		exit(2);
	}
	return (uint64_t)(v * 1e9);
}

static void usage(void)
{
	fprintf(stderr, "usage: loadgen-run URL [-c CONNS] [-t THREADS] [-n REQUESTS] [-d SECONDS]\n"
			"                   [--warmup SECONDS] [--timeout SECONDS] [--cpu LIST] [--expect BODY]\n"
			"                   [--rate R [--arrival constant|poisson] [--seed N]]\n"
			"                   [--engine epoll|curl|uring] [--insecure] [--http2]\n");
	exit(2);
}

/* A name's index (lg_*_from_name), or exit 2 saying what the option accepts. */
static int known_name(int index, const char *option, const char *choices)
{
	if (index < 0) {
		fprintf(stderr, "loadgen-run: %s is %s\n", option, choices);
		exit(2);
	}
	return index;
}

static double rate_of(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end) {
		fprintf(stderr, "loadgen-run: bad rate '%s'\n", s);
		exit(2);
	}
	return v;
}

static void print_hist(const char *name, const struct hist *h)
{
	printf("%s us: p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f p99.99 %.1f max %.1f mean %.1f stdev %.1f min %.1f\n",
	       name, hist_percentile(h, 50) / 1e3, hist_percentile(h, 90) / 1e3,
	       hist_percentile(h, 99) / 1e3, hist_percentile(h, 99.9) / 1e3,
	       hist_percentile(h, 99.99) / 1e3, h->total ? (double)h->max / 1e3 : 0,
	       hist_mean(h) / 1e3, hist_stdev(h) / 1e3, h->total ? (double)h->min / 1e3 : 0);
}

/* The options into o and *expect; a bad one exits 2. Returns the URL. */
static const char *parse_args(int argc, char **argv, struct lg_options *o, const char **expect)
{
	static const struct option opts[] = {
		{ "connections", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "requests", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "expect", required_argument, NULL, 'e' },
		{ "rate", required_argument, NULL, 'R' },
		{ "arrival", required_argument, NULL, 'A' },
		{ "seed", required_argument, NULL, 'S' },
		{ "engine", required_argument, NULL, 'E' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "http2", no_argument, NULL, '2' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "c:t:n:d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->connections = atoi(optarg); break;
		case 't': o->threads = atoi(optarg); break;
		case 'n': o->requests = strtoull(optarg, NULL, 10); break;
		case 'd': o->duration_ns = secs_ns(optarg); break;
		case 'w': o->warmup_ns = secs_ns(optarg); break;
		case 'T': o->timeout_ns = secs_ns(optarg); break;
		case 'C':
			if (parse_cpus(optarg, &o->cpus)) {
				fprintf(stderr, "loadgen-run: bad CPU list '%s'\n", optarg);
				exit(2);
			}
			o->pin = true;
			break;
		case 'e': *expect = optarg; break;
		case 'R': o->rate = rate_of(optarg); o->mode = LG_MODE_OPEN; break;
		case 'A':
			o->arrival = (enum lg_arrival)known_name(lg_arrival_from_name(optarg), "--arrival",
								 "constant or poisson");
			break;
		case 'S': o->seed = strtoull(optarg, NULL, 0); break;
		case 'E':
			o->engine = (enum lg_engine)known_name(lg_engine_from_name(optarg), "--engine",
							       "epoll, curl or uring");
			break;
		case 'k': o->insecure = true; break;
		case '2': o->http2 = true; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (!o->requests && !o->duration_ns)
		o->duration_ns = 5 * NS_PER_SEC;
	return argv[optind];
}

static void print_errors(const struct lg_result *res)
{
	printf("errors: %llu", (unsigned long long)res->errors_total);
	for (int c = 0; c < LG_ERR__COUNT; c++) {
		if (!res->errors[c])
			continue;
		printf("  %s %llu", lg_error_names[c], (unsigned long long)res->errors[c]);
		for (int e = 0; e < LG_ERRNO_SLOTS; e++)
			if (res->errnos[c][e] && e)
				printf(" [%s: %llu]", strerror(e), (unsigned long long)res->errnos[c][e]);
	}
	if (res->tls_errors)
		printf(" (TLS %llu)", (unsigned long long)res->tls_errors);
	if (res->first_error[0])
		printf("\nfirst error: %s", res->first_error);
	printf("\nstatus: 1xx %llu 2xx %llu 3xx %llu 4xx %llu 5xx %llu other %llu%s\n",
	       (unsigned long long)res->status_classes[1], (unsigned long long)res->status_classes[2],
	       (unsigned long long)res->status_classes[3], (unsigned long long)res->status_classes[4],
	       (unsigned long long)res->status_classes[5], (unsigned long long)res->status_classes[0],
	       res->interrupted ? " (interrupted)" : "");
}

static void print_result(const struct lg_options *o, const struct lg_result *res)
{
	double secs = (double)(res->end_ns - res->start_ns) / 1e9;
	double cpu = res->cpu_user_s + res->cpu_sys_s;
	printf("%llu requests (%llu ok) in %.3f s, %.0f req/s, %.2f MB read, %llu connects\n",
	       (unsigned long long)res->requests_completed, (unsigned long long)res->requests_ok,
	       secs, secs > 0 ? (double)res->requests_completed / secs : 0,
	       (double)res->bytes_read / 1e6, (unsigned long long)res->connects);
	print_hist("latency", &res->latency);
	if (o->mode == LG_MODE_OPEN) {
		print_hist("uncorrected", &res->latency_uncorrected);
		print_hist("send lag", &res->send_lag);
		printf("open loop: rate %.1f achieved %.1f req/s (%+.3f %%), %llu sent in %.3f s, %llu late (>= 1 ms), %llu waited for a connection, %llu unsent, max lag %.1f us\n",
		       o->rate, res->achieved_rate, (res->achieved_rate - o->rate) / o->rate * 100,
		       (unsigned long long)res->sent, (double)res->send_window_ns / 1e9,
		       (unsigned long long)res->late_sends, (unsigned long long)res->conn_waits,
		       (unsigned long long)res->unsent, (double)res->max_lag_ns / 1e3);
	}
	printf("cpu: user %.3f s sys %.3f s, %.0f requests per CPU second, busy %.1f %% (max %.1f %%)\n",
	       res->cpu_user_s, res->cpu_sys_s, cpu > 0 ? (double)res->requests_completed / cpu : 0,
	       res->busy_fraction * 100, res->busy_max * 100);
	print_errors(res);
}

int main(int argc, char **argv)
{
	struct lg_options o = { .connections = 10, .threads = 1, .timeout_ns = 10 * NS_PER_SEC };
	const char *expect = NULL;
	struct errbuf err = { "" };
	const char *url = parse_args(argc, argv, &o, &expect);

	int w = lg_check_options(&o, &err);
	if (w < 0) {
		fprintf(stderr, "loadgen-run: %s\n", err.msg);
		return 2;
	}
	if (w > 0)
		fprintf(stderr, "loadgen-run: warning: %s\n", err.msg);
	struct lg_target t;
	if (lg_target_from_url(&t, url, &err)) {
		fprintf(stderr, "loadgen-run: %s\n", err.msg);
		return 1;
	}
	if (expect) {
		t.expect_body = expect;
		t.expect_body_len = strlen(expect);
	}
	struct lg_run *run;
	struct lg_result res;
	if (lg_start(&t, &o, &run, NULL, &err)) {
		fprintf(stderr, "loadgen-run: %s\n", err.msg);
		return 1;
	}
	while (!lg_done(run))
		usleep(10000);
	if (lg_join(run, &res)) {
		fprintf(stderr, "loadgen-run: out of memory merging results\n");
		return 1;
	}
	print_result(&o, &res);
	int rc = res.errors_total ? 3 : 0;
	lg_result_free(&res);
	return rc;
}
