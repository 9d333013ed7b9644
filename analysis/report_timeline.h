/* "timeline": the measuring window in intervals (--interval), from the load
 * generator's per-interval figures, the kernel's (loader/probes_interval.c)
 * and the anatomy's (analysis/timeline_anatomy.c) of the same intervals;
 * each adds up exactly to the whole run's. */
#pragma once
#include <stdbool.h>
#include <jansson.h>
#include "loader/kernel_results.h"
#include "loadgen/loadgen.h"
#include "analysis/timeline_anatomy.h"

struct timeline_parts {
	const struct kernel_timeline *kernel;	/* n_intervals entries; NULL: no probes */
	const struct tl_anat_interval *anatomy;	/* n_intervals entries; NULL: no anatomy */
	bool anatomy_connections;	/* connect and accept_wait are in it */
};

/* NULL when the run kept no intervals. */
json_t *report_timeline(const struct lg_result *r, const struct timeline_parts *p);
