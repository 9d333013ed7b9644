/* What one server's run carries between its steps (src/run.c) and the
 * overhead measurement (src/overhead.c). */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <jansson.h>
#include "analysis/report.h"
#include "loader/anatomy.h"
#include "loader/probes.h"
#include "loadgen/loadgen.h"
#include "servers/server.h"
#include "src/cli.h"
#include "src/run.h"

struct run {
	const struct cli_options *o;
	const volatile sig_atomic_t *stop;
	struct server srv;
	bool spawned;		/* server_spawn was called: server_stop owns cleanup */
	struct probes *probes;	/* attached now, or NULL */
	struct anatomy *anatomy;	/* the anatomy group, attached with the probes, or NULL */
	json_t *breakdown;	/* the report's "breakdown" object */
	json_t *kernel;		/* the report's "kernel" object */
	json_t *overhead;	/* the report's "overhead" object (--overhead) */
	struct lg_result res;	/* the last measured load */
	bool have_res;
	bool interrupted;
	struct report_load load;
	char client_cpus[64];
	char server_cpus[64];
};

/* Attach probes to the server (gated or running); with --no-ebpf, or no
 * process to trace, records why in r->kernel and attaches nothing. */
enum run_status run_attach_probes(struct run *r, struct errbuf *err);
void run_detach_probes(struct run *r);
/* One measured load (warmup, then -n/-d) into r->res; the probes, if
 * attached, count only inside its window. */
enum run_status run_drive_load(struct run *r, struct errbuf *err);

/* --overhead: interleaved pairs of loads with probes off and on. Fills
 * r->overhead; leaves the last probes-on load in r->res with its probes
 * attached, so the rest of the report describes it. */
enum run_status overhead_measure(struct run *r, struct errbuf *err);
