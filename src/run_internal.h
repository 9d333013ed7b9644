/* What one server's run carries between its steps: src/run.c (the run),
 * src/measure.c (probes and one load) and src/overhead.c (--overhead). */
#pragma once
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <jansson.h>
#include "analysis/report.h"
#include "loader/anatomy.h"
#include "loader/probes.h"
#include "loadgen/loadgen.h"
#include "servers/server.h"
#include "src/cli.h"
#include "src/run.h"
#include "src/server_cpu.h"
#include "src/server_exit.h"

struct run {
	const struct cli_options *o;
	const volatile sig_atomic_t *stop;
	struct server srv;
	bool spawned;		/* server_spawn was called: server_stop owns cleanup */
	struct probes *probes;	/* attached now, or NULL */
	struct anatomy *anatomy;	/* the anatomy group, attached with the probes, or NULL */
	const char *kernel_off;	/* why no probes were attached on purpose; NULL: they were */
	bool probes_no_cost;	/* attach without the BPF run-time statistics (--overhead's pairs) */
	const struct kernel_results *kres;	/* the probes' last results (theirs) */
	json_t *breakdown;	/* the report's "breakdown" object (built in analysis/) */
	struct anat_stream *stream;	/* the last load's join, fed while it ran, or NULL */
	json_t *kernel;		/* the report's "kernel" object (built in analysis/) */
	json_t *overhead;	/* the report's "overhead" object (--overhead) */
	FILE *trace;		/* --trace, open for this run; NULL: none */
	struct lg_result res;	/* the last measured load */
	bool have_res;
	bool interrupted;
	struct server_exit server_exit;	/* the server died during the load */
	struct server_cpu server_cpu;	/* its cgroup's CPU time over the last load's window */
	struct report_load load;
	char client_cpus[64];
	char server_cpus[64];
};
