/* Where the JSON report goes: stdout, or a file opened before the run (so an
 * unwritable path fails in a second, not after the benchmark) and owned by the
 * invoking user under sudo. */
#pragma once
#include <stdio.h>
#include <jansson.h>
#include "common/errbuf.h"

struct output {
	FILE *f;
	const char *path;	/* NULL: stdout */
	char *tmp;		/* output_open_report: the file written, renamed to path at the end */
};

int output_open(struct output *out, const char *path, struct errbuf *err);
/* For the report (-o): written to a temporary file beside path, synced and
 * renamed over it by output_write, so an earlier report is replaced only
 * by a complete one (a killed run leaves the earlier report and at most a
 * ".NAME.XXXXXX" file beside it). */
int output_open_report(struct output *out, const char *path, struct errbuf *err);
int output_write(struct output *out, json_t *report, struct errbuf *err); /* also closes */
json_t *output_command_line(int argc, char **argv);	/* argv as a shell-quoted string */
