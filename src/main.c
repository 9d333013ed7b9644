#define _GNU_SOURCE
/* bench-ebpf: parse options, then run each server's pipeline (src/run.c) and
 * write one JSON report. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/ranking.h"
#include "analysis/repeat_summary.h"
#include "analysis/run_checks.h"
#include "analysis/report.h"
#include "common/errbuf.h"
#include "loader/probes.h"
#include "servers/server.h"
#include "src/cli.h"
#include "src/commands.h"
#include "src/exports.h"
#include "src/output.h"
#include "src/run.h"
#include "src/run_kept.h"
#include "src/version.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int list_servers(const struct cli_options *o)
{
	for (const char *const *n = server_builtin_names; *n; n++) {
		struct server_opts so = { .name = *n, .python = o->python };
		struct errbuf e = { "" };
		int avail = server_check_available(&so, &e) == 0;
		printf("%-12s %s\n", *n, avail ? "available" : e.msg);
	}
	return EXIT_OK;
}

/* Which built-in servers to run: the named ones (all must be usable), or with
 * 'all' every one usable here, the others noted. */
static int pick_servers(const struct cli_options *o, const char **names, int *n,
			json_t *notes, struct errbuf *err)
{
	*n = 0;
	if (!o->all_servers) {
		for (int i = 0; i < o->n_servers; i++) {
			struct server_opts so = { .name = o->servers[i], .python = o->python };
			if (server_check_available(&so, err))
				return -ENOENT;
			names[(*n)++] = o->servers[i];
		}
		return 0;
	}
	for (const char *const *s = server_builtin_names; *s && *n < CLI_MAX_SERVERS; s++) {
		struct server_opts so = { .name = *s, .python = o->python };
		struct errbuf e = { "" };
		if (server_check_available(&so, &e) == 0)
			names[(*n)++] = *s;
		else
			json_array_append_new(notes, json_sprintf("skipped %s: %s", *s, e.msg));
	}
	if (!*n) {
		errbuf_set(err, "none of the built-in servers can run here (sudo ./bootstrap.sh install)");
		return -ENOENT;
	}
	return 0;
}

/* Every output is opened before the run, so a bad path fails in a second. */
static int open_outputs(const struct cli_options *o, struct output *out, struct exports *x,
			struct errbuf *err)
{
	*x = (struct exports){ .path = { [EXPORT_HTML] = o->html, [EXPORT_CSV] = o->export_csv,
					 [EXPORT_MARKDOWN] = o->export_markdown, [EXPORT_TIMELINE] = o->timeline_csv,
					 [EXPORT_HDR_LOG] = o->hdr_log } };
	if (exports_open(x, err))
		return -1;
	if (output_open_report(out, o->output, err)) {
		exports_abandon(x);
		return -1;
	}
	return 0;
}

static int exit_code_for(enum run_status st)
{
	switch (st) {
	case RUN_OK: return EXIT_OK;
	case RUN_UNAVAILABLE: return EXIT_UNAVAILABLE;
	case RUN_NOPRIV: return EXIT_NOPRIV;
	case RUN_INTERRUPTED: return EXIT_INTERRUPTED;
	default: return EXIT_FAIL;
	}
}

/* A probe that attached but never ran is a fault of the measurement: said
 * on stderr as well as in the report, -q or not. */
static void warn_silent_probes(json_t *run)
{
	json_t *c = json_object_get(json_object_get(run, "checks"), "probes_ran");
	const char *status = json_string_value(json_object_get(c, "status"));

	if (status && !strcmp(status, "warn"))
		fprintf(stderr, "bench-ebpf: warning: %s\n", json_string_value(json_object_get(c, "message")));
}

/* Every server o->repeat times, interleaved (a b a b), so drift falls on all
 * of them; each run gets a fresh server process (one for all with
 * --same-process) and its own checks. */
static int run_all(const struct cli_options *o, const char **names, int n_names, json_t *notes,
		   int argc, char **argv, struct hdr_log *hdr, json_t *runs)
{
	int rc = EXIT_OK;
	struct errbuf err;
	for (int round = 0; round < o->repeat && !g_stop; round++)
		for (int i = 0; i < n_names && !g_stop; i++) {
			json_t *run = NULL;
			err.msg[0] = '\0';
			/* One run: its log lines untagged, as HdrHistogram's tools read by default. */
			char tag[96];
			snprintf(tag, sizeof(tag), o->repeat > 1 ? "%s#%d" : "%s",
				 names[i] ? names[i] : "custom", round + 1);
			struct run_sinks sinks = { .hdr = hdr,
				.hdr_tag = o->repeat * n_names > 1 ? tag : NULL };
			enum run_status st = run_server(o, names[i], &g_stop, &sinks, &run, &err);
			if (st != RUN_OK && st != RUN_INTERRUPTED)
				fprintf(stderr, "bench-ebpf: %s\n", err.msg);
			json_object_set_new(run, "command_line", output_command_line(argc, argv));
			json_object_set_new(run, "notes", json_incref(notes));
			json_object_set_new(run, "checks", run_checks(run));
			warn_silent_probes(run);
			if (o->repeat > 1)
				json_object_set_new(run, "repeat", json_integer(round + 1));
			json_array_append_new(runs, run);
			if (rc == EXIT_OK || st == RUN_INTERRUPTED)
				rc = exit_code_for(st);
		}
	run_kept_stop_all();	/* --same-process servers of runs that did not come */
	if (g_stop && rc == EXIT_OK)
		rc = EXIT_INTERRUPTED;	/* stopped before any run began */
	return rc;
}

int main(int argc, char **argv)
{
	struct cli_options o;
	struct errbuf err = { "" };
	const char *names[CLI_MAX_SERVERS];
	int n_names = 0, rc = EXIT_OK;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	/* Before anything else: a Ctrl-C from here on means a report marked
	 * interrupted, never death by the signal (only exec to here is open). */
	install_signals();
	int p = cli_parse(argc, argv, &o, &err);
	if (p < 0) {
		fprintf(stderr, "bench-ebpf: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (p > 0)
		return EXIT_OK;
	if (o.version) {
		version_print(stdout);
		return EXIT_OK;
	}
	if (o.list_servers)
		return list_servers(&o);
	if (!o.quiet)
		for (int i = 0; i < o.n_warnings; i++)
			fprintf(stderr, "bench-ebpf: warning: %s\n", o.warnings[i]);

	json_t *notes = json_array();
	for (int i = 0; i < o.n_warnings; i++)
		json_array_append_new(notes, json_string(o.warnings[i]));
	if (o.n_servers || o.all_servers) {
		if (pick_servers(&o, names, &n_names, notes, &err) && !g_stop) {
			fprintf(stderr, "bench-ebpf: %s\n", err.msg);
			json_decref(notes);
			return EXIT_UNAVAILABLE;
		}
	} else {
		names[n_names++] = NULL;	/* --server-cmd or --url */
	}
	if (!o.no_ebpf && probes_check_privileges(&err)) {
		fprintf(stderr, "bench-ebpf: %s\n", err.msg);
		json_decref(notes);
		return EXIT_NOPRIV;
	}

	struct output out;
	struct exports x;
	if (open_outputs(&o, &out, &x, &err)) {
		fprintf(stderr, "bench-ebpf: %s\n", err.msg);
		json_decref(notes);
		return EXIT_FAIL;
	}

	json_t *runs = json_array();
	rc = run_all(&o, names, n_names, notes, argc, argv, &x.hdr, runs);

	json_t *report;
	if (json_array_size(runs) == 1) {
		report = json_incref(json_array_get(runs, 0));
	} else {
		json_t *ranking = ranking_build(runs);
		if (!o.quiet && o.repeat == 1)
			ranking_print(stderr, ranking);
		report = json_pack("{s:i, s:o, s:o, s:o, s:O, s:o, s:o, s:b}",
			"schema_version", REPORT_SCHEMA_VERSION,
			"tool", report_tool(), "host", report_host(),
			"command_line", output_command_line(argc, argv),
			"notes", notes, "runs", json_incref(runs), "ranking", ranking,
			"interrupted", rc == EXIT_INTERRUPTED);
		if (o.repeat > 1) {
			json_t *summary = summary_build(runs);
			if (!o.quiet) {	/* one ranking, per server: not one line per run */
				summary_print_repeats(stderr, summary);
				ranking_print_unranked(stderr, ranking);
			}
			json_object_set_new(report, "summary", summary);
		}
	}
	if (output_write(&out, report, &err) || exports_write_report(&x, report, o.output ? o.output : "this run", o.quiet, &err)) {
		fprintf(stderr, "bench-ebpf: %s\n", err.msg);
		rc = EXIT_FAIL;
	}
	json_decref(report);
	json_decref(runs);
	json_decref(notes);
	if (rc == EXIT_INTERRUPTED && !o.quiet)
		fprintf(stderr, "bench-ebpf: interrupted; partial results written, marked \"interrupted\": true\n");
	return rc;
}
