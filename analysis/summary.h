/* Human-readable summary of a run, read back from its JSON object so the text
 * and the report can never disagree. */
#pragma once
#include <stdio.h>
#include <jansson.h>

void summary_print_run(FILE *out, json_t *run);
