/* Subcommands that read saved reports instead of running a benchmark:
 * `bench-ebpf report ...` and `bench-ebpf compare ...`. argv[0] is
 * the subcommand's name; the return value is the process exit code. Their
 * options are entries of the option tables (src/cli_table.c). */
#pragma once
#include <stdbool.h>

struct report_options {
	const char *output;	/* the HTML page; NULL: stdout, unless exports only */
	const char *export_csv, *export_markdown, *timeline_csv;
	bool help;
};

struct compare_options {
	const char *json_out, *markdown_out;
	double fail_slower, fail_p99;	/* percent; NAN: no gate */
	bool help;
};

int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
