/* One server's run: start it, attach probes, wait until it answers, drive the
 * load, collect, stop it, and describe it all as one JSON object. */
#pragma once
#include <signal.h>
#include <jansson.h>
#include "common/errbuf.h"
#include "src/cli.h"

enum run_status {
	RUN_OK,
	RUN_FAILED,		/* err says why; the run object carries "error" */
	RUN_UNAVAILABLE,	/* the server cannot run on this machine */
	RUN_NOPRIV,		/* probes could not be loaded for lack of privileges */
	RUN_INTERRUPTED,	/* Ctrl-C: partial results, marked */
};

/* name: a built-in server, or NULL for --server-cmd / --url.
 * *run_out is always set (also on failure) and owned by the caller. */
enum run_status run_server(const struct cli_options *o, const char *name,
			   const volatile sig_atomic_t *stop, json_t **run_out,
			   struct errbuf *err);
