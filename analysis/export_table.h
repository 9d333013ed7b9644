/* Tables of saved runs in hyperfine's export conventions: CSV with one row per
 * run (durations in seconds, hyperfine's column names first), Markdown with a
 * "Relative" column (how many times slower than the fastest), and the
 * timeline, one row per interval. */
#pragma once
#include <stdio.h>
#include "analysis/saved_report.h"

int export_csv(FILE *f, const struct saved_set *s);
int export_markdown(FILE *f, const struct saved_set *s);
/* Runs without a timeline add no rows; returns how many rows were written,
 * or -EIO. */
int export_timeline_csv(FILE *f, const struct saved_set *s);
