#define _GNU_SOURCE
#include "src/exports.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "analysis/export_table.h"
#include "analysis/html_report.h"
#include "src/output.h"

static const struct {
	const char *option;
	int (*write)(FILE *f, const struct saved_set *s);
} kinds[EXPORT__COUNT] = {
	[EXPORT_HTML] = { "--html", html_write },
	[EXPORT_CSV] = { "--export-csv", export_csv },
	[EXPORT_MARKDOWN] = { "--export-markdown", export_markdown },
	[EXPORT_TIMELINE] = { "--timeline-csv", export_timeline_csv },
	[EXPORT_HDR_LOG] = { "--hdr-log", NULL },	/* written by the runs */
};

/* The runs wrote the log: how many lines, or -EIO. */
static int hdr_log_written(struct hdr_log *log)
{
	int n = hdr_log_finish(log);
	log->f = NULL;
	return n;
}

void exports_abandon(struct exports *x)
{
	for (int k = 0; k < EXPORT__COUNT; k++) {
		if (!x->f[k])
			continue;
		fclose(x->f[k]);
		unlink(x->path[k]);
		x->f[k] = NULL;
	}
	x->hdr.f = NULL;
}

int exports_open(struct exports *x, struct errbuf *err)
{
	for (int k = 0; k < EXPORT__COUNT; k++) {
		struct output out;
		x->f[k] = NULL;
		if (!x->path[k])
			continue;
		if (!strcmp(x->path[k], "-")) {
			errbuf_set(err, "%s needs a file name, not -", kinds[k].option);
			exports_abandon(x);
			return -EINVAL;
		}
		if (output_open(&out, x->path[k], err)) {
			exports_abandon(x);
			return -EIO;
		}
		x->f[k] = out.f;
	}
	x->hdr = (struct hdr_log){ .f = x->f[EXPORT_HDR_LOG] };
	return 0;
}

int exports_write(struct exports *x, const struct saved_set *s, int quiet, struct errbuf *err)
{
	int rc = 0;
	for (int k = 0; k < EXPORT__COUNT; k++) {
		if (!x->f[k])
			continue;
		int n = kinds[k].write ? kinds[k].write(x->f[k], s) : hdr_log_written(&x->hdr);
		if (fclose(x->f[k]) && n >= 0)
			n = -EIO;
		x->f[k] = NULL;
		if (n < 0 && !rc) {
			errbuf_set(err, "failed to write %s %s", kinds[k].option, x->path[k]);
			rc = -EIO;
		}
		if ((k == EXPORT_TIMELINE || k == EXPORT_HDR_LOG) && n == 0 && !quiet)
			fprintf(stderr, "bench-ebpf: warning: %s %s: no run here has a timeline; only the header was written\n",
				kinds[k].option, x->path[k]);
	}
	return rc;
}

int exports_write_report(struct exports *x, json_t *report, const char *name, int quiet, struct errbuf *err)
{
	struct saved_set s;
	if (saved_set_from_doc(&s, report, name, err)) {
		exports_abandon(x);
		return -EINVAL;
	}
	int rc = exports_write(x, &s, quiet, err);
	saved_set_free(&s);
	return rc;
}
