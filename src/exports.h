/* The report's other forms, each to its own file: the HTML page, and
 * hyperfine-style CSV and Markdown tables and the timeline as CSV, written
 * at the end; the HdrHistogram interval log, written by each run as it ends
 * (it needs the intervals' histograms, which the report leaves out). Files
 * are opened before the run, so a bad path fails at once. */
#pragma once
#include <stdio.h>
#include <jansson.h>
#include "analysis/hdr_log.h"
#include "analysis/saved_report.h"
#include "common/errbuf.h"

enum export_kind { EXPORT_HTML, EXPORT_CSV, EXPORT_MARKDOWN, EXPORT_TIMELINE, EXPORT_HDR_LOG, EXPORT__COUNT };

struct exports {
	const char *path[EXPORT__COUNT];	/* NULL: not asked for */
	FILE *f[EXPORT__COUNT];
	struct hdr_log hdr;	/* the runs append to f[EXPORT_HDR_LOG] through it */
};

/* Opens every path set in x->path; on failure closes and removes what it opened. */
int exports_open(struct exports *x, struct errbuf *err);
/* Writes and closes each; warnings (a report without a timeline) go to stderr
 * unless quiet. */
int exports_write(struct exports *x, const struct saved_set *s, int quiet, struct errbuf *err);
/* name: what the page calls the report (the -o file, or "this run"). */
int exports_write_report(struct exports *x, json_t *report, const char *name, int quiet, struct errbuf *err);
/* Closes and removes them all (the run never started). */
void exports_abandon(struct exports *x);
