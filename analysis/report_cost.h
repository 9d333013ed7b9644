/* The probes' own cost (loader/probes_cost.h) in the report: the JSON of
 * kernel.probes.cost and the summary line. */
#pragma once
#include <stdio.h>
#include <jansson.h>
#include "loader/probes_cost.h"

json_t *report_probe_cost(const struct probes_cost *c);
/* "probes: 0.31 CPU-s, 62 ns per event, 4.1 % of the server's CPU" */
void summary_probe_cost(FILE *out, const struct probes_cost *c);
