/* "timeline": the measuring window in intervals (--interval), from the load
 * generator's per-interval figures; they add up exactly to the whole run. */
#pragma once
#include <jansson.h>
#include "loadgen/loadgen.h"

/* NULL when the run kept no intervals. */
json_t *report_timeline(const struct lg_result *r);
