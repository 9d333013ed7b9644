#define _GNU_SOURCE
/* bench-ebpf report RUN.json [RUN2.json ...] [-o FILE.html] [exports]: the
 * HTML view and the tables of saved reports (several: side by side). */
#include "src/commands.h"

#include <stdio.h>
#include <string.h>

#include "analysis/html_report.h"
#include "src/cli.h"
#include "src/cli_table.h"
#include "src/exports.h"

static int write_page(const char *out, const struct saved_set *s, struct errbuf *err)
{
	if (out)
		return html_write_file(out, s, err);
	if (html_write(stdout, s) || fflush(stdout)) {
		errbuf_set(err, "cannot write the HTML report to stdout");
		return -1;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_options o = { 0 };
	int operand, p = cli_subcommand_parse(&cli_report, argc, argv, &o, &operand);
	if (p)
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	const char *out = o.output;
	struct exports x = { .path = { [EXPORT_CSV] = o.export_csv, [EXPORT_MARKDOWN] = o.export_markdown,
				       [EXPORT_TIMELINE] = o.timeline_csv } };
	struct saved_set s;
	struct errbuf err = { "" };
	if (saved_set_load(&s, (const char *const *)argv + operand, (size_t)(argc - operand), &err)) {
		fprintf(stderr, "bench-ebpf report: %s\n", err.msg);
		return EXIT_USAGE;
	}
	bool any_export = x.path[EXPORT_CSV] || x.path[EXPORT_MARKDOWN] || x.path[EXPORT_TIMELINE];
	int rc = exports_open(&x, &err);
	if (!rc)
		rc = exports_write(&x, &s, 0, &err);
	if (!rc && (out || !any_export))
		rc = write_page(out, &s, &err);
	saved_set_free(&s);
	if (rc) {
		fprintf(stderr, "bench-ebpf report: %s\n", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
