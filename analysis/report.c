#define _GNU_SOURCE
#include "analysis/report.h"
#include "analysis/dist.h"
#include "analysis/json_num.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef BENCH_EBPF_VERSION
#define BENCH_EBPF_VERSION "unknown"
#endif

const char *report_cpulist(const void *set, char *buf, size_t len)
{
	const cpu_set_t *s = set;
	size_t off = 0;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, s))
			continue;
		int e = c;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, s))
			e++;
		int n = e > c ? snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "", c, e)
			      : snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
		c = e;
	}
	return buf;
}

json_t *report_tool(void)
{
	return json_pack("{s:s, s:s}", "name", "bench-ebpf", "version", BENCH_EBPF_VERSION);
}

static void cpu_model(char *out, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, len, "%s", colon);
		break;
	}
	fclose(f);
}

json_t *report_host(void)
{
	struct utsname u;
	char model[256], host[256] = "";
	uname(&u);
	cpu_model(model, sizeof(model));
	gethostname(host, sizeof(host) - 1);
	return json_pack("{s:s, s:s, s:s, s:i, s:s}",
			 "kernel", u.release, "arch", u.machine, "cpu_model", model,
			 "cpus", (int)sysconf(_SC_NPROCESSORS_ONLN), "hostname", host);
}

static uint64_t window_ns(const struct lg_result *r)
{
	return r->end_ns > r->start_ns ? r->end_ns - r->start_ns : 0;
}

json_t *report_load(const struct report_load *l, const struct lg_result *r)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:o, s:o}",
		"mode", l->mode, "engine", l->engine,
		"connections", l->connections, "threads", l->threads,
		"requests", l->requests ? json_count(l->requests) : json_null(),
		"duration_ns", json_ns(window_ns(r)),
		"duration_limit_ns", l->duration_limit_ns ? json_ns(l->duration_limit_ns) : json_null(),
		"warmup_ns", json_ns(l->warmup_ns),
		"timeout_ns", json_ns(l->timeout_ns));
	json_object_set_new(o, "client_cpus", l->client_cpus ? json_string(l->client_cpus) : json_null());
	json_object_set_new(o, "rate", json_num_or_null(l->rate, l->arrival != NULL));
	json_object_set_new(o, "arrival", l->arrival ? json_string(l->arrival) : json_null());
	return o;
}

static json_t *errors_object(const struct lg_result *r)
{
	json_t *e = json_object(), *by_errno = json_object();
	json_object_set_new(e, "total", json_count(r->errors_total));
	for (int c = 0; c < LG_ERR__COUNT; c++) {
		json_object_set_new(e, lg_error_names[c], json_count(r->errors[c]));
		json_t *per = json_object();
		for (int n = 0; n < LG_ERRNO_SLOTS; n++) {
			if (!r->errnos[c][n])
				continue;
			const char *name = n ? strerrorname_np(n) : NULL;
			char key[32];
			snprintf(key, sizeof(key), "%s", name ? name : n ? "" : "none");
			if (!key[0])
				snprintf(key, sizeof(key), "errno_%d", n);
			json_object_set_new(per, key, json_count(r->errnos[c][n]));
		}
		if (json_object_size(per))
			json_object_set_new(by_errno, lg_error_names[c], per);
		else
			json_decref(per);
	}
	json_object_set_new(e, "by_errno", by_errno);
	return e;
}

/* Open loop: did the schedule hold? */
static json_t *open_loop_object(const struct lg_result *r)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"sent", json_count(r->sent),
		"achieved_rate", json_num_or_null(r->achieved_rate, r->send_window_ns > 0),
		"send_window_ns", json_ns(r->send_window_ns),
		"late_sends", json_count(r->late_sends),
		"conn_waits", json_count(r->conn_waits),
		"max_lag_ns", json_ns(r->max_lag_ns),
		"unsent", json_count(r->unsent),
		"send_lag_ns", dist_json_hdr(&r->send_lag));
}

json_t *report_client(const struct report_load *l, const struct lg_result *r)
{
	uint64_t win = window_ns(r);
	double secs = (double)win / 1e9;
	bool have_time = win > 0 && r->requests_completed > 0;
	double cpu = r->cpu_user_s + r->cpu_sys_s;
	/* The load generator ran for warmup + window on at most this many CPUs. */
	int ncpu = l->threads < l->client_cpu_count ? l->threads : l->client_cpu_count;
	double run_s = (double)(win + l->warmup_ns) / 1e9;
	bool have_busy = run_s > 0 && ncpu > 0;
	json_t *classes = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
		"1xx", (json_int_t)r->status_classes[1], "2xx", (json_int_t)r->status_classes[2],
		"3xx", (json_int_t)r->status_classes[3], "4xx", (json_int_t)r->status_classes[4],
		"5xx", (json_int_t)r->status_classes[5], "other", (json_int_t)r->status_classes[0]);
	json_t *tpr = json_pack("{s:o, s:o}",
		"mean", have_time ? json_ns((uint64_t)llround((double)win * l->connections /
							     (double)r->requests_completed)) : json_null(),
		"mean_across_concurrent", have_time ?
			json_ns((uint64_t)llround((double)win / (double)r->requests_completed)) : json_null());
	json_t *c = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"requests_completed", json_count(r->requests_completed),
		"requests_ok", json_count(r->requests_ok),
		"errors", errors_object(r),
		"status_classes", classes,
		/* completed (accepted) answers per second: a server's fast 500s are
		 * no throughput (ab's req/s counts them); none: 0 */
		"rps", json_num_or_null((double)r->requests_completed / secs, win > 0),
		"bytes_read", json_count(r->bytes_read),
		"transfer_bytes_per_s", json_num_or_null((double)r->bytes_read / secs, win > 0),
		"connections_opened", json_count(r->connects),
		"cpu_seconds", json_real(cpu),
		/* the workers' time not spent waiting for events; the CPU share beside it */
		"busy_fraction", json_num_or_null(r->busy_fraction, have_busy),
		"latency_ns", dist_json_hdr(&r->latency),
		"time_per_request_ns", tpr,
		"window", json_pack("{s:o, s:o}", "start_ns", json_ns(r->start_ns),
				    "end_ns", json_ns(r->end_ns)));
	json_object_set_new(c, "cpu_fraction", json_num_or_null(cpu / (run_s * ncpu), have_busy));
	json_object_set_new(c, "busy_max", json_num_or_null(r->busy_max, have_busy));
	json_object_set_new(c, "latency_uncorrected_ns", dist_json_hdr(&r->latency_uncorrected));
	json_object_set_new(c, "open_loop", l->arrival ? open_loop_object(r) : json_null());
	/* sent in the window, still in flight at its end: neither completed nor errors */
	json_object_set_new(c, "requests_unfinished", json_count(r->requests_unfinished));
	json_object_set_new(c, "tls_errors", json_count(r->tls_errors));
	json_object_set_new(c, "first_error", r->first_error[0] ? json_string(r->first_error) : json_null());
	return c;
}
