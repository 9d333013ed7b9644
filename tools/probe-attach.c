/* Developer tool: attach the probes to a running server and print the
 * report's "kernel" object, for checks and overhead measurements against
 * outside load generators (wrk):
 *
 *   probe-attach --pid PID --port PORT [--seconds S] [--client-pid PID]
 *                [--groups LIST] [--disable LIST] [-v]
 *
 * The window opens once attached and closes after S seconds (default 10)
 * or at SIGINT/SIGTERM. JSON to stdout, the human summary to stderr. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "analysis/report_kernel.h"
#include "analysis/summary_kernel.h"
#include "loader/probes.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct probes_opts o = { 0 };
	struct probes *p = NULL;
	struct errbuf err = { { 0 } };
	double seconds = 10;
	json_t *k;
	const struct kernel_results *res;
	uint64_t t0, deadline;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-v")) {
			o.verbose = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "probe-attach: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--pid"))
			o.server_tgid = atoi(v);
		else if (!strcmp(a, "--port"))
			o.server_port = atoi(v);
		else if (!strcmp(a, "--client-pid"))
			o.client_tgid = atoi(v);
		else if (!strcmp(a, "--seconds"))
			seconds = atof(v);
		else if (!strcmp(a, "--groups"))
			o.groups = v;
		else if (!strcmp(a, "--disable"))
			o.disable = v;
		else {
			fprintf(stderr, "probe-attach: unknown option %s\n", a);
			return 2;
		}
	}
	if (o.server_tgid <= 0) {
		fprintf(stderr, "usage: probe-attach --pid PID --port PORT [--seconds S] "
			"[--client-pid PID] [--groups LIST] [--disable LIST] [-v]\n");
		return 2;
	}
	if (!o.client_tgid)
		o.client_tgid = getpid();
	if (probes_check_privileges(&err) || probes_open(&o, &p, &err) || probes_attach(p, &err)) {
		fprintf(stderr, "probe-attach: %s\n", err.msg);
		probes_close(p);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_ns();
	deadline = t0 + (uint64_t)(seconds * 1e9);
	probes_window_open(p, t0);
	while (!stop && now_ns() < deadline) {
		probes_poll(p);
		usleep(10000);
	}
	probes_window_close(p);
	probes_collect(p, 0, 0);
	res = probes_results(p);
	k = res ? report_kernel(res, NULL, NULL) : NULL;
	if (!k) {
		fprintf(stderr, "probe-attach: out of memory reading the probes' results\n");
		probes_close(p);
		return 1;
	}
	json_dumpf(k, stdout, JSON_INDENT(1));
	putchar('\n');
	summary_print_kernel(stderr, res);
	json_decref(k);
	probes_close(p);
	return 0;
}
