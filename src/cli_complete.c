/* The bash completion script, made from the option tables (so it offers what
 * the parsers take, no more, no less) and the loader's probe names. */
#include <stdio.h>
#include <string.h>

#include "loader/kernel_features.h"
#include "src/cli_table.h"

static const char script_head[] =
"# bash completion for bench-ebpf; generated from its option tables, do not edit\n"
"_bench_ebpf_list()\n"
"{\n"
"	local pre=\n"
"	[[ $cur == *,* ]] && pre=${cur%,*},\n"
"	COMPREPLY=($(compgen -P \"$pre\" -W \"$1\" -- \"${cur##*,}\"))\n"
"	compopt -o nospace 2>/dev/null\n"
"}\n";

/* The entry point: a subcommand's words go to its own function. */
static const char script_tail[] =
"\n"
"_bench_ebpf()\n"
"{\n"
"	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
"	if [[ $cur == = ]]; then cur=; fi\n"
"	if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
"	local subcommands=\"@SUBCOMMANDS@\"\n"
"	if [[ $COMP_CWORD -ge 2 && \" $subcommands \" == *\" ${COMP_WORDS[1]} \"* ]]; then\n"
"		\"_bench_ebpf_cmd_${COMP_WORDS[1]}\"\n"
"		return\n"
"	fi\n"
"	_bench_ebpf_cmd\n"
"	if [[ $COMP_CWORD -eq 1 && $cur != -* ]]; then\n"
"		COMPREPLY+=($(compgen -W \"$subcommands\" -- \"$cur\"))\n"
"	fi\n"
"}\n"
"complete -F _bench_ebpf bench-ebpf\n";

static void print_words(FILE *out, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		fprintf(out, "%s%s", i ? " " : "", words[i]);
}

static void print_probe_names(FILE *out)
{
	const char *name;
	for (unsigned i = 0; (name = probes_name(i)); i++)
		fprintf(out, "%s%s", i ? " " : "", name);
}

/* "-c|--connections" */
static void print_pattern(FILE *out, const struct cli_opt *d)
{
	if (d->short_name)
		fprintf(out, "-%c|", d->short_name);
	fprintf(out, "--%s", d->name);
}

/* The case arm that completes D's value. */
static void print_value_arm(FILE *out, const struct cli_opt *d)
{
	fputs("	", out);
	print_pattern(out, d);
	fputs(")\n		", out);
	switch (d->complete) {
	case CLI_COMPLETE_FILE:
		fputs("COMPREPLY=($(compgen -f -- \"$cur\"))", out);
		break;
	case CLI_COMPLETE_COMMAND:
		fputs("COMPREPLY=($(compgen -c -- \"$cur\"))", out);
		break;
	case CLI_COMPLETE_WORDS:
		fputs("COMPREPLY=($(compgen -W \"", out);
		print_words(out, d->words);
		fputs("\" -- \"$cur\"))", out);
		break;
	case CLI_COMPLETE_WORD_LIST:
		fputs("_bench_ebpf_list \"", out);
		print_words(out, d->words);
		fputs("\"", out);
		break;
	case CLI_COMPLETE_PROBE_LIST:
		fputs("_bench_ebpf_list \"", out);
		print_probe_names(out);
		fputs("\"", out);
		break;
	case CLI_COMPLETE_NONE:
		fputs("COMPREPLY=()", out);	/* a number, a URL: nothing to offer */
		break;
	}
	fputs("\n		return;;\n", out);
}

/* Every option's spellings: "-c --connections --warmup ..." */
static void print_spellings(FILE *out, const struct cli_command *cmd)
{
	for (int i = 0; i < cmd->n_opts; i++) {
		const struct cli_opt *d = &cmd->opts[i];
		if (d->short_name)
			fprintf(out, "-%c ", d->short_name);
		fprintf(out, "--%s%s", d->name, i + 1 < cmd->n_opts ? " " : "");
	}
}

/* _bench_ebpf_cmd_NAME (the benchmark's: _bench_ebpf_cmd): an option's value, an
 * option, or for a subcommand a file (its operands are saved reports). */
static void print_command(FILE *out, const struct cli_command *cmd)
{
	fprintf(out, "\n_bench_ebpf_cmd%s%s()\n{\n	local opts=\"", cmd->name ? "_" : "",
		cmd->name ? cmd->name : "");
	print_spellings(out, cmd);
	fputs("\"\n	case $prev in\n", out);
	for (int i = 0; i < cmd->n_opts; i++)
		if (cmd->opts[i].arg == CLI_ARG_REQUIRED)
			print_value_arm(out, &cmd->opts[i]);
	fputs("	esac\n", out);
	if (cmd->name)
		fputs("	if [[ $cur != -* ]]; then\n"
		      "		COMPREPLY=($(compgen -f -- \"$cur\"))\n"
		      "		return\n"
		      "	fi\n", out);
	fputs("	COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n}\n", out);
}

void cli_print_completion(FILE *out)
{
	fputs(script_head, out);
	print_command(out, &cli_main);
	for (int i = 0; cli_subcommands[i]; i++)
		print_command(out, cli_subcommands[i]);
	const char *at = strstr(script_tail, "@SUBCOMMANDS@");
	fwrite(script_tail, 1, (size_t)(at - script_tail), out);
	for (int i = 0; cli_subcommands[i]; i++)
		fprintf(out, "%s%s", i ? " " : "", cli_subcommands[i]->name);
	fputs(at + strlen("@SUBCOMMANDS@"), out);
}
