/* The ranking of several runs, as in the benchmark bench-ebpf grew from:
 * sorted by requests per second, each with its share of the fastest. */
#pragma once
#include <stdio.h>
#include <jansson.h>

json_t *ranking_build(json_t *runs);
void ranking_print(FILE *out, json_t *ranking);
/* The runs that failed or were interrupted, one line each. */
void ranking_print_unranked(FILE *out, json_t *ranking);
