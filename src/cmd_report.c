#define _GNU_SOURCE
/* bench-ebpf report RUN.json [RUN2.json ...] [-o FILE.html] [exports]: the
 * HTML view and the tables of saved reports (several: side by side). */
#include "src/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis/html_report.h"
#include "src/cli.h"
#include "src/exports.h"

static void report_usage(FILE *out)
{
	fputs("Usage: bench-ebpf report RUN.json [RUN2.json ...] [-o FILE.html] [exports]\n"
	      "Writes one self-contained HTML page (no network needed to open it) for\n"
	      "saved bench-ebpf reports; several files or multi-server reports are\n"
	      "shown side by side with a ranking. Without -o and exports the page goes\n"
	      "to stdout.\n\n"
	      "  -o, --output FILE         write the page to FILE\n"
	      "      --export-csv FILE     the runs as CSV (hyperfine's columns)\n"
	      "      --export-markdown FILE  the runs as a Markdown table\n"
	      "      --timeline-csv FILE   every run's timeline, one row per interval\n"
	      "  -h, --help                this text\n", out);
}

/* Options into out and x; 1: --help printed; -1: bad option (said). */
static int parse(int argc, char **argv, const char **out, struct exports *x)
{
	enum { O_CSV = 256, O_MD, O_TL };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "export-csv", required_argument, NULL, O_CSV },
		{ "export-markdown", required_argument, NULL, O_MD },
		{ "timeline-csv", required_argument, NULL, O_TL },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	optind = 0;	/* a fresh scan (GNU getopt) */
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': *out = optarg; break;
		case O_CSV: x->path[EXPORT_CSV] = optarg; break;
		case O_MD: x->path[EXPORT_MARKDOWN] = optarg; break;
		case O_TL: x->path[EXPORT_TIMELINE] = optarg; break;
		case 'h': report_usage(stdout); return 1;
		default:
			fprintf(stderr, "bench-ebpf report: see bench-ebpf report --help\n");
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "bench-ebpf report: name at least one saved report (RUN.json)\n");
		return -1;
	}
	return 0;
}

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
	const char *out = NULL;
	struct exports x = { 0 };
	int p = parse(argc, argv, &out, &x);
	if (p)
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	struct saved_set s;
	struct errbuf err = { "" };
	if (saved_set_load(&s, (const char *const *)argv + optind, (size_t)(argc - optind), &err)) {
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
