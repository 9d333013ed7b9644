/* The JSON report: building its parts from what the run measured. Every
 * duration is integer nanoseconds; a statistic with no samples is null. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "loadgen/hist.h"
#include "loadgen/loadgen.h"
#include "servers/server.h"

#define REPORT_SCHEMA_VERSION 2

/* What the load was asked to do, as the report's "load" object states it. */
struct report_load {
	const char *mode;	/* "closed" or "open" */
	const char *engine;	/* "epoll", "curl", "uring" */
	const char *arrival;	/* open loop: "constant" or "poisson"; NULL in closed loop */
	double rate;		/* open loop: requests/s asked for */
	int connections, threads;
	uint64_t requests;	/* asked for; 0 = duration-bound */
	uint64_t duration_limit_ns;
	uint64_t warmup_ns, timeout_ns;
	const char *client_cpus;	/* "1" or "1-3"; NULL when not pinned */
	int client_cpu_count;	/* CPUs the load generator may use */
};

json_t *report_host(void);
json_t *report_tool(void);
json_t *report_load(const struct report_load *l, const struct lg_result *r);
json_t *report_client(const struct report_load *l, const struct lg_result *r);

/* The parts of one server's run, each already a JSON object built here in
 * analysis/ (report_client, report_kernel, anat_breakdown, report_overhead). */
/* The server's CPU time over the measuring window, from its cgroup. */
struct report_cgroup_cpu {
	uint64_t usage_ns, user_ns, system_ns;
	int64_t nr_throttled, throttled_ns;	/* -1: not kept (no cpu controller) */
	uint64_t window_ns;	/* between the two reads of cpu.stat */
};

struct report_run_parts {
	const struct server *server;
	const char *server_cpus;	/* where it was pinned; NULL: not pinned */
	const struct report_cgroup_cpu *server_cgroup;	/* NULL: no cgroup of its own */
	json_t *load, *client, *kernel, *breakdown;	/* borrowed */
	json_t *overhead;		/* borrowed; NULL: no --overhead */
	bool interrupted;
	const char *error;		/* why the run failed; NULL: it did not */
};
/* The report's object for one server's run. */
json_t *report_run(const struct report_run_parts *p);

/* "0,2-3" from a CPU set, into buf. */
const char *report_cpulist(const void *cpuset, char *buf, size_t len);
