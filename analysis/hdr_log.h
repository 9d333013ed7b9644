/* HdrHistogram interval logs (--hdr-log): the client latency of each
 * timeline interval as HistogramLogWriter writes it (header comments, the
 * legend, one line per interval with the histogram in HdrHistogram's V2
 * compressed encoding, base64), so HdrHistogram's own tools read it. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include "loadgen/hist.h"
#include "loadgen/loadgen.h"

struct hdr_log {
	FILE *f;		/* opened before the run; NULL: no log asked for */
	bool started;		/* the header is written */
	double base_s;		/* BaseTime: the first run's window start, s since the epoch */
	size_t lines;		/* interval lines written */
	bool failed;		/* a write failed */
};

/* h as the base64 text of an HdrHistogram (lowest 1, highest 2^40-1, 3
 * significant digits: the same buckets as struct hist) in the V2 compressed
 * encoding. Returns a malloc'd string, or NULL (out of memory). */
char *hdr_log_encode(const struct hist *h);

/* Appends r's timeline, one line per interval, tagged "Tag=tag," unless tag
 * is NULL; the first call writes the header. A run without a timeline adds
 * nothing. Returns 0, or -EIO/-ENOMEM (also remembered in log->failed). */
int hdr_log_write_run(struct hdr_log *log, const struct lg_result *r, const char *tag);
/* After the last run: the header if no run wrote one. Returns the interval
 * lines written, or -EIO if any write failed. The caller closes log->f. */
int hdr_log_finish(struct hdr_log *log);
