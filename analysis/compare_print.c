#define _GNU_SOURCE
/* A comparison as text (stdout) and as a Markdown table. */
#include "analysis/compare.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "common/fmt.h"

static const char *value(json_t *fig, const char *side, char *buf, size_t len)
{
	double v = jnum(fig, side);
	const char *unit = jstr(fig, "unit", "");
	if (!strcmp(unit, "ns"))
		return fmt_duration(v, buf, len);
	if (!strcmp(unit, "bytes/s"))
		snprintf(buf, len, "%.1f KiB/s", v / 1024);
	else
		snprintf(buf, len, "%.1f %s", v, unit);
	return buf;
}

static void anatomy_lines(FILE *f, json_t *cmp, const char *prefix)
{
	json_t *an = json_object_get(cmp, "anatomy");
	if (!json_is_true(json_object_get(an, "available"))) {
		fprintf(f, "%sanatomy: not in both reports\n", prefix);
		return;
	}
	for (const char *const *p = (const char *const[]){ "p50", "p99", NULL }; *p; p++)
		if (json_is_object(json_object_get(an, *p)))
			fprintf(f, "%sanatomy %s\n", prefix, jstr(json_object_get(an, *p), "verdict", ""));
}

/* One line per figure in the row format given (label, A, B, ratio, verdict). */
static void figure_rows(FILE *f, json_t *cmp, const char *row)
{
	char a[32], b[32];
	json_t *fig;
	size_t i;
	json_array_foreach(json_object_get(cmp, "figures"), i, fig)
		fprintf(f, row, jstr(fig, "label", "?"), value(fig, "a.median", a, sizeof(a)),
			value(fig, "b.median", b, sizeof(b)), jnum(fig, "ratio"), jstr(fig, "verdict", ""));
	fputc('\n', f);
}

void compare_print(FILE *f, json_t *cmp)
{
	fprintf(f, "A: %s (%s, %lld run%s)\nB: %s (%s, %lld run%s)\n\n", jstr(cmp, "a.file", "?"),
		jstr(cmp, "a.server", "?"), (long long)jnum(cmp, "a.runs"), jnum(cmp, "a.runs") == 1 ? "" : "s",
		jstr(cmp, "b.file", "?"), jstr(cmp, "b.server", "?"), (long long)jnum(cmp, "b.runs"),
		jnum(cmp, "b.runs") == 1 ? "" : "s");
	fprintf(f, "  %-20s %16s %16s %8s  %s\n", "figure (median)", "A", "B", "B/A", "difference at 95 %");
	figure_rows(f, cmp, "  %-20s %16s %16s %8.3f  %s\n");
	anatomy_lines(f, cmp, "  ");
}

int compare_markdown(FILE *f, json_t *cmp)
{
	fprintf(f, "A: `%s` (%s), B: `%s` (%s)\n\n| Figure | A | B | B/A | Difference at 95 %% |\n"
		"|:---|---:|---:|---:|:---|\n", jstr(cmp, "a.file", "?"), jstr(cmp, "a.server", "?"),
		jstr(cmp, "b.file", "?"), jstr(cmp, "b.server", "?"));
	figure_rows(f, cmp, "| %s | %s | %s | %.3f | %s |\n");
	anatomy_lines(f, cmp, "- ");
	return ferror(f) ? -EIO : 0;
}
