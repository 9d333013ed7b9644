/* --help, made from the option table, so it cannot drift from the parser. */
#include "src/cli.h"

#include <stdio.h>
#include <string.h>

#include "src/cli_table.h"

#define HELP_COLUMN 23

static const char usage_head[] =
"USAGE\n"
"  bench-ebpf --server NAME[,NAME...] | --server all | --server-cmd CMD | --url URL [options]\n"
"\n"
"Starts an HTTP server, drives load at it, watches it with eBPF and prints a\n"
"JSON report to stdout (or -o FILE) and a summary to stderr. Needs root for\n"
"the eBPF probes; --no-ebpf runs without them.\n";

static const char usage_tail[] =
"\n"
"EXAMPLES\n"
"  sudo bench-ebpf --server flask                 the seed benchmark on Flask\n"
"  sudo bench-ebpf --server aiohttp -n 5000 -c 50\n"
"  sudo bench-ebpf --server all -o report.json    every server, ranked\n"
"  sudo bench-ebpf --server-cmd 'gunicorn -b 127.0.0.1:{port} app:app' -d 10s\n"
"  bench-ebpf --no-ebpf --url http://127.0.0.1:8080/ -c 10 -d 5s\n"
"\n"
"Exit status: 0 ok, 1 run failed, 2 bad options, 3 no privileges for eBPF,\n"
"4 server not available here, 130 interrupted (partial JSON written).\n";

/* "  -c, --connections N", or "      --warmup T" for an option without a letter. */
static int print_synopsis(FILE *out, const struct cli_opt *d)
{
	int n = d->short_name ? fprintf(out, "  -%c, --%s", d->short_name, d->name)
			      : fprintf(out, "      --%s", d->name);
	if (d->arg == CLI_ARG_REQUIRED)
		n += fprintf(out, " %s", d->metavar);
	else if (d->arg == CLI_ARG_OPTIONAL)
		n += fprintf(out, "[=%s]", d->metavar);
	return n;
}

static void print_option(FILE *out, const struct cli_opt *d)
{
	int n = print_synopsis(out, d);
	fprintf(out, "%*s", n < HELP_COLUMN - 1 ? HELP_COLUMN - n : 2, "");
	for (const char *line = d->help; *line;) {
		size_t len = strcspn(line, "\n");
		fprintf(out, "%.*s", (int)len, line);
		line += len;
		if (*line) {
			fprintf(out, "\n%*s", HELP_COLUMN, "");
			line++;
		}
	}
	if (d->def)
		fprintf(out, " (default %s)", d->def);
	fputc('\n', out);
}

void cli_usage(FILE *out)
{
	const char *section = NULL;
	fputs(usage_head, out);
	for (int i = 0; i < OPT__COUNT; i++) {
		const struct cli_opt *d = &cli_opts[i];
		if (!section || strcmp(section, d->section)) {
			section = d->section;
			fprintf(out, "\n%s\n", section);
		}
		print_option(out, d);
	}
	fputs(usage_tail, out);
}
