/* Parsing of user-typed numbers: counts with SI suffixes, durations with time
 * suffixes, CPU lists. Each returns 0 or -EINVAL; nothing is printed. */
#pragma once
#include <sched.h>
#include <stdint.h>

int parse_count(const char *s, uint64_t *out);		/* "50000", "50k", "2M" */
int parse_duration_ns(const char *s, uint64_t *out);	/* "10s", "500ms", "1m", "2h", "250us", bare number = seconds */
int parse_cpulist(const char *s, cpu_set_t *out, int *n); /* "0", "1-3", "0,2-3" */
