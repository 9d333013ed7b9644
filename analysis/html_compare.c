#define _GNU_SOURCE
/* Two files given: B (the second) against A, as bench-ebpf compare says it. */
#include "analysis/html_sections.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/html_svg.h"
#include "common/fmt.h"

static void figure_row(FILE *f, json_t *fig)
{
	char a[32], b[32];
	const char *unit = jstr(fig, "unit", "");
	bool ns = !strcmp(unit, "ns");
	double va = jnum(fig, "a.median"), vb = jnum(fig, "b.median");
	json_t *worse = json_object_get(fig, "worse");
	fputs("<tr class='compare-row'><td>", f);
	html_text(f, jstr(fig, "label", "?"));
	if (ns)
		fprintf(f, "</td><td class='num'>%s</td><td class='num'>%s</td>", fmt_duration(va, a, sizeof(a)),
			fmt_duration(vb, b, sizeof(b)));
	else
		fprintf(f, "</td><td class='num'>%.1f %s</td><td class='num'>%.1f %s</td>", va, unit, vb, unit);
	fprintf(f, "<td class='num'>%.3f</td><td class='%s'>", jnum(fig, "ratio"),
		json_is_true(worse) ? "bad" : "");
	html_text(f, jstr(fig, "verdict", ""));
	fputs("</td></tr>\n", f);
}

void html_compare(FILE *f, const struct saved_set *s)
{
	if (s->n_docs != 2)
		return;
	struct saved_set *side = calloc(2, sizeof(*side));
	struct errbuf err;
	if (!side)
		return;
	json_t *cmp = NULL;
	if (!saved_set_from_doc(&side[0], s->docs[0], s->doc_files[0], &err) &&
	    !saved_set_from_doc(&side[1], s->docs[1], s->doc_files[1], &err))
		cmp = compare_build(&side[0], &side[1], &err);
	if (cmp) {
		fputs("<section class='compare'><h2>B against A</h2>\n<p>A: <code>", f);
		html_text(f, s->doc_files[0]);
		fprintf(f, "</code> (%s, %.0f runs), B: <code>", jstr(cmp, "a.server", "?"), jnum(cmp, "a.runs"));
		html_text(f, s->doc_files[1]);
		fprintf(f, "</code> (%s, %.0f runs). Medians over each side's runs; significance at 95 %% "
			"from a Mann-Whitney rank test over the runs.</p>\n", jstr(cmp, "b.server", "?"), jnum(cmp, "b.runs"));
		fputs("<table class='compare'><thead><tr><th>figure</th><th>A</th><th>B</th><th>B/A</th>"
		      "<th>difference at 95 %</th></tr></thead><tbody>\n", f);
		json_t *fig;
		size_t i;
		json_array_foreach(json_object_get(cmp, "figures"), i, fig)
			figure_row(f, fig);
		fputs("</tbody></table>\n<ul class='anatomy-verdict'>\n", f);
		for (const char *const *p = (const char *const[]){ "p50", "p99", NULL }; *p; p++) {
			json_t *v = jget(json_object_get(cmp, "anatomy"), *p);
			if (json_is_object(v)) {
				fputs("<li>anatomy ", f);
				html_text(f, jstr(v, "verdict", ""));
				fputs("</li>\n", f);
			}
		}
		fputs("</ul></section>\n", f);
		json_decref(cmp);
	}
	saved_set_free(&side[0]);
	saved_set_free(&side[1]);
	free(side);
}
