/* The live progress line on a terminal: one line rewritten each interval
 * (like k6 and oha) from the load generator's newest finished interval. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "loadgen/loadgen.h"

struct progress {
	FILE *out;		/* NULL: no line (not a terminal, or -q) */
	uint64_t duration_ns;	/* the window's length, or 0 */
	uint64_t requests;	/* -n, or 0 */
	uint64_t shown;		/* intervals shown so far */
	bool drawn;		/* a line is on the terminal */
};

/* OUT when it is a terminal and not QUIET; else nothing is ever drawn. */
void progress_init(struct progress *p, FILE *out, bool quiet, const struct lg_options *o);
/* Draws the line again when RUN has finished a new interval. */
void progress_update(struct progress *p, struct lg_run *run);
/* Erases the line, so what follows starts on a clean one. */
void progress_end(struct progress *p);
