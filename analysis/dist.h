/* One serializer for every distribution of durations in the report: an
 * object named *_ns with the keys count, min, mean, stdev, p50, p90, p99,
 * p999, p9999, max (integer ns, null when unknown or without samples) and
 * hist (buckets [lo, hi) with their counts, at 2 significant digits:
 * dist.c says why). client.latency_ns is the model;
 * kernel.syscalls.<name>.latency_ns, kernel.sched.runq_delay_ns,
 * kernel.accept.wait_ns and breakdown.components.<name>_ns read the same. */
#pragma once
#include <jansson.h>
#include "loadgen/hist.h"

/* From an HDR histogram (loadgen/hist.h, 3 significant digits; count,
 * min, mean and max exact). The kernel's distributions are read into the
 * same histograms (loader/kernel_dist.c): there stdev is computed from the
 * buckets, and percentiles are at most one kernel slot (1.6 %) above. */
json_t *dist_json_hdr(const struct hist *h);
/* The same without the buckets (a timeline interval's): every key but
 * count null when d->count is 0. */
json_t *dist_json_summary(const struct hist_summary *d);
/* The probes that would have measured it did not run: every key null. */
json_t *dist_json_absent(void);
