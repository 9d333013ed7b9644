/* bench-ebpf compare: two sets of saved runs (A, the baseline, and B) side by
 * side. Each figure's median per side, the ratio B/A, and whether the
 * difference is significant at 95 % (Mann-Whitney rank test over the runs);
 * and the anatomy's verdict: which component moved the p50 and the p99. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "analysis/saved_report.h"
#include "common/errbuf.h"

#define COMPARE_ALPHA 0.05

/* The comparison as JSON (see compare_print for its text); NULL and a
 * one-line reason in err when a side is not one server's runs. */
json_t *compare_build(const struct saved_set *a, const struct saved_set *b, struct errbuf *err);
void compare_print(FILE *f, json_t *cmp);
int compare_markdown(FILE *f, json_t *cmp);
json_t *compare_anatomy(const struct saved_set *a, const struct saved_set *b);
/* The figure named name ("rps", "latency_p99") in the comparison. */
json_t *compare_figure(json_t *cmp, const char *name);
