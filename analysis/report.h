/* The JSON report: building its parts from what the run measured. Every
 * duration is integer nanoseconds; a statistic with no samples is null. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "loadgen/hist.h"
#include "loadgen/loadgen.h"

#define REPORT_SCHEMA_VERSION 1

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
/* Latency stats plus the bucket array {lo,hi,count} of the histogram. */
json_t *report_latency(const struct hist *h);
json_t *report_load(const struct report_load *l, const struct lg_result *r);
json_t *report_client(const struct report_load *l, const struct lg_result *r);
/* An empty "kernel" object for runs without probes (paths still exist). */
json_t *report_kernel_disabled(const char *reason);

/* jansson helpers that never leave a NULL in an object. */
json_t *json_ns(uint64_t ns);		/* integer ns */
json_t *json_num_or_null(double v, bool have);
/* "0,2-3" from a CPU set, into buf. */
const char *report_cpulist(const void *cpuset, char *buf, size_t len);
