/* The HTML report: one self-contained page (inline SVG, CSS and script, the
 * reports' JSON embedded) for one or several saved runs. */
#pragma once
#include <stdio.h>
#include <jansson.h>
#include "analysis/saved_report.h"
#include "common/errbuf.h"

int html_write(FILE *f, const struct saved_set *s);
/* Written to a temporary file beside path, then renamed over it. */
int html_write_file(const char *path, const struct saved_set *s, struct errbuf *err);
