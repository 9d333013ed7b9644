/* Numbers for the report: jansson helpers that never leave a NULL in an
 * object, one per kind of figure, so a count is never written as a
 * duration. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

json_t *json_ns(uint64_t ns);		/* a duration: integer ns */
json_t *json_count(uint64_t n);		/* a count of things */
/* A real, or null when !have or not finite (jansson refuses NaN and inf). */
json_t *json_num_or_null(double v, bool have);
