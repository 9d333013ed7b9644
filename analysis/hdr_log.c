/* The interval log around the encoded histograms, as HdrHistogram's
 * HistogramLogWriter writes it: timestamps in seconds from BaseTime, the
 * interval's length in seconds, its max in milliseconds (our values are ns;
 * the writer's default max-value unit ratio is 10^6). */
#define _GNU_SOURCE
#include "analysis/hdr_log.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define LOG_VERSION "1.3"
#define MAX_UNIT_RATIO 1e6

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_header(FILE *f, double start_s)
{
	char when[64] = "";
	time_t t = (time_t)start_s;
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Z %Y", &tm);
	return fprintf(f, "#[Histogram log format version " LOG_VERSION "]\n"
			  "#[StartTime: %.3f (seconds since epoch), %s]\n"
			  "#[BaseTime: %.3f (seconds since epoch)]\n"
			  "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
		       start_s, when, start_s) < 0 ? -EIO : 0;
}

static int write_interval(FILE *f, const struct lg_interval *iv, double start_s, const char *tag)
{
	char *text = hdr_log_encode(&iv->latency);
	if (!text)
		return -ENOMEM;
	int n = fprintf(f, "%s%s%s%.3f,%.3f,%.3f,%s\n", tag ? "Tag=" : "", tag ? tag : "",
			tag ? "," : "", start_s, iv->duration_ns / 1e9,
			iv->latency.total ? iv->latency.max / MAX_UNIT_RATIO : 0.0, text);
	free(text);
	return n < 0 ? -EIO : 0;
}

int hdr_log_write_run(struct hdr_log *log, const struct lg_result *r, const char *tag)
{
	if (!log->f || !r->timeline || !r->n_intervals)
		return 0;
	/* The window's start on the wall clock: the monotonic clock's offset now. */
	double window_s = r->start_ns / 1e9 + clock_s(CLOCK_REALTIME) - clock_s(CLOCK_MONOTONIC);
	int rc = 0;
	if (!log->started) {
		log->base_s = window_s;
		log->started = true;
		rc = write_header(log->f, window_s);
	}
	for (size_t i = 0; i < r->n_intervals && !rc; i++) {
		const struct lg_interval *iv = &r->timeline[i];
		rc = write_interval(log->f, iv, window_s - log->base_s + iv->start_ns / 1e9, tag);
		log->lines += !rc;
	}
	if (rc)
		log->failed = true;
	return rc;
}

int hdr_log_finish(struct hdr_log *log)
{
	if (!log->started && !log->failed) {
		log->started = true;
		log->failed = write_header(log->f, clock_s(CLOCK_REALTIME)) != 0;
	}
	return log->failed ? -EIO : (int)log->lines;
}
