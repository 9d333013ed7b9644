/* One command line through its option table: getopt's view made from the
 * table, each value through its entry's parser. How options combine is the
 * command's own job, after this. */
#define _GNU_SOURCE
#include "src/cli_table.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* getopt's view of the table: long options return their table index +
 * 0x100, short ones their letter. */
static void getopt_tables(const struct cli_command *cmd, struct option *longs, char *shorts)
{
	static const int has_arg[] = {
		[CLI_ARG_NONE] = no_argument, [CLI_ARG_REQUIRED] = required_argument,
		[CLI_ARG_OPTIONAL] = optional_argument,
	};
	*shorts++ = ':';	/* report a missing value as ':' */
	for (int i = 0; i < cmd->n_opts; i++) {
		const struct cli_opt *d = &cmd->opts[i];
		longs[i] = (struct option){ d->name, has_arg[d->arg], NULL, 0x100 + i };
		if (d->short_name) {
			*shorts++ = d->short_name;
			if (d->arg == CLI_ARG_REQUIRED)
				*shorts++ = ':';
		}
	}
	longs[cmd->n_opts] = (struct option){ 0 };
	*shorts = '\0';
}

static int opt_index(const struct cli_command *cmd, int c)
{
	if (c >= 0x100 && c < 0x100 + cmd->n_opts)
		return c - 0x100;
	for (int i = 0; i < cmd->n_opts; i++)
		if (cmd->opts[i].short_name && cmd->opts[i].short_name == c)
			return i;
	return -1;
}

/* One value through its option's parser; the error names the option as typed. */
static int apply(const struct cli_opt *d, void *target, const char *value, const char *typed,
		 struct errbuf *err)
{
	struct errbuf why = { "" };
	if (!d->parse(d, value ? value : "", (char *)target + d->offset, &why))
		return 0;
	errbuf_set(err, "invalid value '%s' for %s: %s", value ? value : "", typed, why.msg);
	return -EINVAL;
}

/* " (see --help)", or " (see bench-ebpf compare --help)" for a subcommand. */
static const char *see_help(const struct cli_command *cmd, char *buf, size_t len)
{
	if (!cmd->name)
		return " (see --help)";
	snprintf(buf, len, " (see bench-ebpf %s --help)", cmd->name);
	return buf;
}

/* The option getopt returned as C, into target; -EINVAL when unknown or bad. */
static int take(const struct cli_command *cmd, int c, const char *typed, void *target,
		bool *seen, struct errbuf *err)
{
	char see[96];
	if (c == ':') {
		errbuf_set(err, "option %s needs a value", typed);
		return -EINVAL;
	}
	int i = opt_index(cmd, c);
	if (i < 0 && optopt > 0 && optopt < 0x100) {
		errbuf_set(err, "unknown option '-%c'%s", optopt, see_help(cmd, see, sizeof(see)));
		return -EINVAL;
	}
	if (i < 0) {
		errbuf_set(err, "unknown option '%s'%s", typed, see_help(cmd, see, sizeof(see)));
		return -EINVAL;
	}
	const struct cli_opt *d = &cmd->opts[i];
	char name[64];
	if (c < 0x100)
		snprintf(name, sizeof(name), "-%c", d->short_name);
	else
		snprintf(name, sizeof(name), "--%s", d->name);
	if (apply(d, target, optarg ? optarg : d->bare, name, err))
		return -EINVAL;
	if (seen)
		seen[i] = true;
	return 0;
}

int cli_command_parse(const struct cli_command *cmd, int argc, char **argv, void *target,
		      bool *seen, struct errbuf *err)
{
	struct option longs[CLI_MAX_OPTS + 1];
	char shorts[3 * CLI_MAX_OPTS + 2];
	int c;

	if (cmd->n_opts > CLI_MAX_OPTS) {
		errbuf_set(err, "too many options in the table");	/* a build mistake */
		return -EINVAL;
	}
	for (int i = 0; i < cmd->n_opts; i++)
		if (cmd->opts[i].def && apply(&cmd->opts[i], target, cmd->opts[i].def, cmd->opts[i].name, err))
			return -EINVAL;	/* a wrong default in the table */
	getopt_tables(cmd, longs, shorts);
	opterr = 0;
	optind = 0;	/* 0, not 1: GNU getopt forgets a half-read "-abc" of an earlier call */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1)
		if (take(cmd, c, optind > 1 ? argv[optind - 1] : "?", target, seen, err))
			return -EINVAL;
	return optind;
}

int cli_subcommand_parse(const struct cli_command *cmd, int argc, char **argv, void *target,
			 int *operand)
{
	struct errbuf err = { "" };
	int first = cli_command_parse(cmd, argc, argv, target, NULL, &err);
	if (first < 0) {
		fprintf(stderr, "bench-ebpf %s: %s\n", cmd->name, err.msg);
		return -1;
	}
	if (*(bool *)((char *)target + cmd->help_offset)) {
		cli_command_usage(stdout, cmd);
		return 1;
	}
	int n = argc - first;
	if (n < cmd->min_operands || (cmd->max_operands && n > cmd->max_operands)) {
		fprintf(stderr, "bench-ebpf %s: %s\n", cmd->name, cmd->operands_missing);
		return -1;
	}
	*operand = first;
	return 0;
}
