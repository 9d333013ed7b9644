/* One server's run: start it, attach probes, wait until it answers, drive the
 * load, collect, stop it, and describe it all as one JSON object. */
#pragma once
#include <signal.h>
#include <jansson.h>
#include "common/errbuf.h"
#include "analysis/hdr_log.h"
#include "src/cli.h"

enum run_status {
	RUN_OK,
	RUN_FAILED,		/* err says why; the run object carries "error" */
	RUN_UNAVAILABLE,	/* the server cannot run on this machine */
	RUN_NOPRIV,		/* probes could not be loaded for lack of privileges */
	RUN_INTERRUPTED,	/* Ctrl-C: partial results, marked */
};

/* Where a run writes as it ends, beside its report. */
struct run_sinks {
	struct hdr_log *hdr;	/* --hdr-log: its intervals' histograms; f NULL: none */
	const char *hdr_tag;	/* the log lines' tag; NULL: untagged */
};

/* name: a built-in server, or NULL for --server-cmd / --url.
 * *run_out is always set (also on failure) and owned by the caller. */
enum run_status run_server(const struct cli_options *o, const char *name,
			   const volatile sig_atomic_t *stop, const struct run_sinks *sinks, json_t **run_out,
			   struct errbuf *err);
