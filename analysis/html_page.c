#define _GNU_SOURCE
#include "analysis/html_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/html_assets.h"
#include "analysis/html_sections.h"
#include "analysis/html_svg.h"

/* The reports themselves, for the page's script and for anyone who saves the
 * page: '<' escaped so no string can close the <script> element. */
static void embed_json(FILE *f, const struct saved_set *s)
{
	json_t *all = json_array();
	for (size_t i = 0; i < s->n_docs; i++)
		json_array_append(all, s->docs[i]);
	char *text = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	fputs("<script type='application/json' id='report-data'>", f);
	for (const char *c = text ? text : "[]"; *c; c++) {
		if (*c == '<')
			fputs("\\u003c", f);
		else
			fputc(*c, f);
	}
	fputs("</script>\n", f);
	free(text);
}

static void page_head(FILE *f, const struct saved_set *s)
{
	fputs("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n"
	      "<meta name='viewport' content='width=device-width, initial-scale=1'>\n<title>bench-ebpf: ", f);
	for (size_t i = 0; i < s->n_runs; i++) {
		html_text(f, s->runs[i].label);
		fputs(i + 1 < s->n_runs ? ", " : "", f);
	}
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_asset_report_css);
	svg_defs(f);
	fputs("<header><h1>bench-ebpf report</h1><p class='files'>", f);
	for (size_t i = 0; i < s->n_docs; i++) {
		fputs(i ? ", " : "from ", f);
		fputs("<code>", f);
		html_text(f, s->doc_files[i]);
		fputs("</code>", f);
	}
	fputs("</p></header>\n<main>\n", f);
}

static void run_section(FILE *f, const struct saved_set *s, size_t i)
{
	const struct saved_run *r = &s->runs[i];
	fprintf(f, "<section class='run' id='run-%zu'>\n<h2>", i + 1);
	html_text(f, r->label);
	fputs("</h2>\n", f);
	html_headline(f, r);
	html_context(f, r);
	html_spectrum(f, r, 1, "spectrum");
	html_timeline(f, r);
	html_anatomy(f, r);
	html_kernel(f, r);
	fputs("</section>\n", f);
}

int html_write(FILE *f, const struct saved_set *s)
{
	page_head(f, s);
	fputs("<section class='warnings-all'>\n", f);
	for (size_t i = 0; i < s->n_runs; i++)
		html_warnings(f, &s->runs[i]);
	html_summary_warnings(f, s);
	fputs("</section>\n", f);
	if (s->n_runs > 1) {
		html_compare(f, s);
		html_repeats(f, s);
		html_ranking(f, s);
		fputs("<section class='overlay'><h2>Latency spectra, all runs</h2>\n", f);
		html_spectrum(f, s->runs, s->n_runs, "spectrum-overlay");
		fputs("</section>\n", f);
	}
	for (size_t i = 0; i < s->n_runs; i++)
		run_section(f, s, i);
	fputs("</main>\n", f);
	embed_json(f, s);
	fprintf(f, "<script>\n%s</script>\n</body></html>\n", html_asset_report_js);
	return ferror(f) ? -EIO : 0;
}

int html_write_file(const char *path, const struct saved_set *s, struct errbuf *err)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errbuf_set(err, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		errbuf_set(err, "cannot write the HTML report %s: %s", path, strerror(errno));
		return -errno;
	}
	int rc = html_write(f, s);
	if (fflush(f) || fsync(fileno(f)))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		errbuf_set(err, "cannot write the HTML report %s: %s", path, strerror(-rc));
	}
	return rc;
}
