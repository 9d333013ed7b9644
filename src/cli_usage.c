/* --help, made from the option tables, so it cannot drift from the parser. */
#include "src/cli.h"

#include <stdio.h>
#include <string.h>

#include "src/cli_table.h"

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

static void print_option(FILE *out, const struct cli_opt *d, int column)
{
	int n = print_synopsis(out, d);
	fprintf(out, "%*s", n < column - 1 ? column - n : 2, "");
	for (const char *line = d->help; *line;) {
		size_t len = strcspn(line, "\n");
		fprintf(out, "%.*s", (int)len, line);
		line += len;
		if (*line) {
			fprintf(out, "\n%*s", column, "");
			line++;
		}
	}
	if (d->def)
		fprintf(out, " (default %s)", d->def);
	fputc('\n', out);
}

void cli_command_usage(FILE *out, const struct cli_command *cmd)
{
	const char *section = NULL;
	fputs(cmd->usage_head, out);
	for (int i = 0; i < cmd->n_opts; i++) {
		const struct cli_opt *d = &cmd->opts[i];
		if (!section || strcmp(section, d->section)) {
			section = d->section;
			fprintf(out, "\n%s\n", section);
		}
		print_option(out, d, cmd->help_column);
	}
	fputs(cmd->usage_tail, out);
}

void cli_usage(FILE *out)
{
	cli_command_usage(out, &cli_main);
}
