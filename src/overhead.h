/* --overhead (src/overhead.c). */
#pragma once
#include "src/run_internal.h"

/* Interleaved pairs of loads with probes off and on. Fills r->overhead;
 * leaves the last probes-on load in r->res with its probes attached, so
 * the rest of the report describes it. */
enum run_status overhead_measure(struct run *r, struct errbuf *err);
