/* Command-line options: parsed and validated once, then read-only. */
#pragma once
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "common/errbuf.h"
#include "loadgen/loadgen.h"

#define CLI_MAX_SERVERS 16

/* Exit codes, documented in the man page. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the run failed: server would not start, load failed, ... */
	EXIT_USAGE = 2,		/* bad options */
	EXIT_NOPRIV = 3,	/* eBPF needs privileges we do not have */
	EXIT_UNAVAILABLE = 4,	/* a requested server cannot run here (not installed) */
	EXIT_INTERRUPTED = 130,	/* Ctrl-C: partial results written, marked interrupted */
};

struct cli_options {
	/* what to run: exactly one of servers / server_cmd / url */
	const char *servers[CLI_MAX_SERVERS];
	int n_servers;
	bool all_servers;	/* --server all: every built-in usable here */
	char server_list[1024];	/* copy of --server's value; servers[] point into it */
	const char *server_cmd;
	const char *url;
	pid_t pid;		/* --pid, with --url */
	const char *python;
	int port;		/* 0: pick a free one */
	double ready_timeout_s;
	int expect_status;	/* --expect-status: the status of every answer; 0: any 2xx */
	const char *expect_body;	/* --expect-body: the exact body of every answer; NULL: any */
	size_t expect_body_len;
	cpu_set_t server_cpus;
	int n_client_cpus;	/* CPUs in load.cpus */

	/* The load generator's options, complete but for record_requests (a
	 * run's choice). The client CPUs are load.cpus; load.pin is false on
	 * a single-CPU machine, and then the server is not pinned either. */
	struct lg_options load;

	/* probes and output */
	bool no_ebpf;
	bool no_probe_cost;	/* --no-probe-cost: no BPF run-time statistics */
	const char *probes;	/* groups */
	const char *disable_probes;
	int repeat;		/* --repeat N: rounds over the servers (1: each once) */
	bool same_process;	/* --same-process: a server's repeats share one process */
	int overhead_pairs;	/* --overhead[=N]: N interleaved off/on pairs; 0 = off */
	const char *output;	/* NULL: stdout */
	const char *html;	/* --html FILE: the report as an HTML page too; NULL: none */
	const char *export_csv, *export_markdown, *timeline_csv;	/* hyperfine-style tables */
	const char *hdr_log;	/* --hdr-log FILE: HdrHistogram interval log; NULL: none */
	const char *trace;	/* --trace FILE: per-request anatomy, JSON Lines; NULL: none */
	bool verbose;
	bool quiet;		/* no human summary */
	bool list_servers;	/* --list-servers: print availability and exit */
	bool help, version;	/* print and exit */

	int argc;
	char **argv;		/* for the report's command_line */
	char warnings[4][256];	/* non-fatal remarks found while parsing */
	int n_warnings;
};

/* 0: options ready to use (with version or list_servers set, only those).
 * 1: --help printed, exit 0.
 * -EINVAL: a one-line reason in err, exit EXIT_USAGE. Options mean the same
 * in any order: all are parsed first, then combined and checked. */
int cli_parse(int argc, char **argv, struct cli_options *o, struct errbuf *err);
/* --help's text, made from the option table. */
void cli_usage(FILE *out);
