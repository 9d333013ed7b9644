/* The parts of the HTML page, each writing one <section>. */
#pragma once
#include <stdio.h>
#include <jansson.h>
#include "analysis/saved_report.h"

#define HTML_WIDTH 1120		/* chart width in px: fits a 1280 px window with margins */

void html_headline(FILE *f, const struct saved_run *r);
void html_warnings(FILE *f, const struct saved_run *r);
void html_context(FILE *f, const struct saved_run *r);
void html_spectrum(FILE *f, const struct saved_run *runs, size_t n, const char *cls);
void html_timeline(FILE *f, const struct saved_run *r);
void html_anatomy(FILE *f, const struct saved_run *r);
/* The anatomy's components per interval, when the timeline has them. */
void html_anatomy_timeline(FILE *f, const struct saved_run *r, const char *const *names, size_t n);
/* The timeline's intervals, NULL when it has none. */
json_t *html_timeline_entries(json_t *run);
void html_kernel(FILE *f, const struct saved_run *r);
void html_ranking(FILE *f, const struct saved_set *s);
void html_repeats(FILE *f, const struct saved_set *s);
void html_compare(FILE *f, const struct saved_set *s);
void html_summary_warnings(FILE *f, const struct saved_set *s);
