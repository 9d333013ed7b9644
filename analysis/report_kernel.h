/* The report's "kernel" object, from what the loader read into plain
 * structs (loader/kernel_results.h). */
#pragma once
#include <jansson.h>
#include "loader/kernel_results.h"
#include "loader/probes_cost.h"

/* k: what every group measured; a: the anatomy group's own counters, or
 * NULL when it did not run; cost: what the probes cost (kernel.probes.cost),
 * or NULL to leave it out. NULL only without memory. */
json_t *report_kernel(const struct kernel_results *k, const struct anatomy_results *a,
		      const struct probes_cost *cost);
/* For runs without probes: why, and the paths that always exist. */
json_t *report_kernel_disabled(const char *reason);
