/* The check that every probe a request passes through ran: one that
 * attached but never ran over a run with answers sits where the requests do
 * not pass on this kernel (a kprobe on a function its build inlined, a path
 * such as sendfile that avoids it), and the figures it feeds are missing.
 * Needs kernel.probes.cost. */
#pragma once
#include <jansson.h>

/* checks.probes_ran of RUN, or NULL where it cannot tell (no probe cost, or
 * no answered request). */
json_t *check_probes_ran(json_t *run);
