#define _GNU_SOURCE
/* bench-ebpf report RUN.json [RUN2.json ...] [-o FILE.html]: the HTML view of
 * saved reports (several: side by side). */
#include "src/commands.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis/html_report.h"
#include "src/cli.h"

static void report_usage(FILE *out)
{
	fputs("Usage: bench-ebpf report RUN.json [RUN2.json ...] [-o FILE.html]\n"
	      "Writes one self-contained HTML page (no network needed to open it) for\n"
	      "saved bench-ebpf reports; several files or multi-server reports are\n"
	      "shown side by side with a ranking. Without -o the page goes to stdout.\n"
	      "\n  -o, --output FILE   write the page to FILE\n  -h, --help          this text\n", out);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL;
	int c;
	optind = 0;	/* a fresh scan (GNU getopt) */
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'h': report_usage(stdout); return EXIT_OK;
		default:
			fprintf(stderr, "bench-ebpf report: see bench-ebpf report --help\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "bench-ebpf report: name at least one saved report (RUN.json)\n");
		return EXIT_USAGE;
	}
	struct saved_set s;
	struct errbuf err = { "" };
	if (saved_set_load(&s, (const char *const *)argv + optind, (size_t)(argc - optind), &err)) {
		fprintf(stderr, "bench-ebpf report: %s\n", err.msg);
		return EXIT_USAGE;
	}
	int rc = out ? html_write_file(out, &s, &err) : html_write(stdout, &s);
	if (!out && (fflush(stdout) || rc))
		errbuf_set(&err, "cannot write the HTML report to stdout");
	saved_set_free(&s);
	if (rc || err.msg[0]) {
		fprintf(stderr, "bench-ebpf report: %s\n", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
