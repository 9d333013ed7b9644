#define _GNU_SOURCE
#include "analysis/summary.h"
#include "common/fmt.h"
#include "analysis/error_text.h"

#include <math.h>
#include <string.h>

static double num(json_t *o, const char *path)
{
	/* path like "client.latency_ns.p99": NaN when missing or null */
	char key[64];
	const char *p = path;
	while (o && *p) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		o = json_object_get(o, key);
		p += n + (p[n] == '.');
	}
	return o && json_is_number(o) ? json_number_value(o) : NAN;
}

static const char *str(json_t *o, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(json_object_get(o, a), b));
	return s ? s : "";
}

/* client.errors and client.status_classes back into counts, in words. */
static const char *errors_in_words(json_t *run)
{
	static const char *const classes[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	static char buf[512];
	uint64_t errors[LG_ERR__COUNT] = { 0 }, status[6] = { 0 };
	json_t *e = json_object_get(json_object_get(run, "client"), "errors");
	json_t *sc = json_object_get(json_object_get(run, "client"), "status_classes");

	for (int c = 0; c < LG_ERR__COUNT; c++)
		errors[c] = (uint64_t)json_integer_value(json_object_get(e, lg_error_names[c]));
	for (int c = 0; c < 6; c++)
		status[c] = (uint64_t)json_integer_value(json_object_get(sc, classes[c]));
	return error_text(errors, status, NULL, buf, sizeof(buf));
}

/* ", CPU 1.91 s in the window (user 1.80 s, system 0.11 s; 0.95 CPUs)" from
 * the server's cgroup; "" without one. */
static const char *server_cpu_words(json_t *run)
{
	static char buf[224];
	char b[4][32], extra[48] = "";
	double usage = num(run, "server.cgroup.cpu_usage_ns"), throttled = num(run, "server.cgroup.nr_throttled");
	if (!isfinite(usage))
		return "";
	if (throttled > 0)	/* a cpu.max limit held it back */
		snprintf(extra, sizeof(extra), "; throttled %.0f times", throttled);
	snprintf(buf, sizeof(buf), ", CPU %s in the window (user %s, system %s; %s CPUs%s)",
		 fmt_duration(usage, b[0], 32), fmt_duration(num(run, "server.cgroup.cpu_user_ns"), b[1], 32),
		 fmt_duration(num(run, "server.cgroup.cpu_system_ns"), b[2], 32),
		 fmt_fixed(num(run, "server.cgroup.cpus_used"), 2, b[3], 32),
		 extra);
	return buf;
}

void summary_print_run(FILE *out, json_t *run)
{
	char b[6][32];
	const char *version = str(run, "server", "version");
	double rps = num(run, "client.rps");
	double reqs = num(run, "client.requests_completed");
	double errs = num(run, "client.errors.total");
	double secs = num(run, "load.duration_ns") / 1e9;

	fprintf(out, "\n%s%s%s%s, pid %s, port %s%s\n", str(run, "server", "name"),
		*version ? " (" : "", version, *version ? ")" : "",
		fmt_fixed(num(run, "server.pid"), 0, b[0], 32),
		fmt_fixed(num(run, "server.port"), 0, b[1], 32), server_cpu_words(run));
	const char *mode = str(run, "load", "mode");
	fprintf(out, "  Load:                 %.0f connections, %.0f thread(s), %s loop, %s engine",
		num(run, "load.connections"), num(run, "load.threads"), mode, str(run, "load", "engine"));
	if (strcmp(mode, "open") == 0)
		fprintf(out, ", %s req/s %s (achieved %s, %s late sends, %s unsent)",
			fmt_fixed(num(run, "load.rate"), 0, b[0], 32), str(run, "load", "arrival"),
			fmt_fixed(num(run, "client.open_loop.achieved_rate"), 1, b[1], 32),
			fmt_fixed(num(run, "client.open_loop.late_sends"), 0, b[2], 32),
			fmt_fixed(num(run, "client.open_loop.unsent"), 0, b[3], 32));
	fputc('\n', out);
	fprintf(out, "  Complete requests:    %.0f\n", reqs);
	fprintf(out, "  Failed requests:      %.0f", errs);
	if (errs > 0)
		fprintf(out, ": %s", errors_in_words(run));
	fputc('\n', out);
	double non2xx = 0;	/* ab's line: answers whose status is not 2xx */
	json_t *classes = json_object_get(json_object_get(run, "client"), "status_classes");
	for (const char *const *k = (const char *const[]){ "1xx", "3xx", "4xx", "5xx", "other", NULL }; *k; k++)
		non2xx += json_number_value(json_object_get(classes, *k));
	if (non2xx > 0)
		fprintf(out, "  Non-2xx responses:    %.0f\n", non2xx);
	double unfinished = num(run, "client.requests_unfinished");
	if (unfinished > 0)
		fprintf(out, "  Unfinished requests:  %.0f (in flight when the window ended)\n", unfinished);
	fprintf(out, "  Time taken:           %.3f s\n", secs);
	fprintf(out, "  Requests per second:  %s [#/sec] (mean)\n", fmt_fixed(rps, 1, b[0], 32));
	fprintf(out, "  Time per request:     %s (mean)\n",
		fmt_duration(num(run, "client.time_per_request_ns.mean"), b[0], 32));
	fprintf(out, "  Time per request:     %s (mean, across all concurrent requests)\n",
		fmt_duration(num(run, "client.time_per_request_ns.mean_across_concurrent"), b[0], 32));
	fprintf(out, "  Transfer rate:        %s KiB/s received\n",
		fmt_fixed(num(run, "client.transfer_bytes_per_s") / 1024, 1, b[0], 32));
	fprintf(out, "  Latency:              mean %s, stdev %s, max %s\n",
		fmt_duration(num(run, "client.latency_ns.mean"), b[0], 32),
		fmt_duration(num(run, "client.latency_ns.stdev"), b[1], 32),
		fmt_duration(num(run, "client.latency_ns.max"), b[2], 32));
	fprintf(out, "  Percentiles:          p50 %s, p90 %s, p99 %s, p99.9 %s, p99.99 %s\n",
		fmt_duration(num(run, "client.latency_ns.p50"), b[0], 32),
		fmt_duration(num(run, "client.latency_ns.p90"), b[1], 32),
		fmt_duration(num(run, "client.latency_ns.p99"), b[2], 32),
		fmt_duration(num(run, "client.latency_ns.p999"), b[3], 32),
		fmt_duration(num(run, "client.latency_ns.p9999"), b[4], 32));
	double busy = num(run, "client.busy_fraction");
	if (strcmp(mode, "open") == 0)
		fprintf(out, "  Uncorrected latency:  p50 %s, p99 %s (from the actual send; the figures above start at the scheduled time)\n",
			fmt_duration(num(run, "client.latency_uncorrected_ns.p50"), b[0], 32),
			fmt_duration(num(run, "client.latency_uncorrected_ns.p99"), b[1], 32));
	fprintf(out, "  Load generator CPU:   %s s (busy %s %% of its time)%s\n",
		fmt_fixed(num(run, "client.cpu_seconds"), 2, b[0], 32), fmt_fixed(busy * 100, 0, b[1], 32),
		busy > 0.9 ? "  <- the load generator was the bottleneck: these figures describe it, not the server" : "");
}
