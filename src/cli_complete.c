/* The bash completion script, made from the option table (so it offers what
 * the parser takes, no more, no less) and the loader's probe names. */
#include <stdio.h>
#include <string.h>

#include "loader/kernel_features.h"
#include "src/cli_table.h"

static const char script_head[] =
"# bash completion for bench-ebpf; generated from its option table, do not edit\n"
"_bench_ebpf_list()\n"
"{\n"
"	local pre=\n"
"	[[ $cur == *,* ]] && pre=${cur%,*},\n"
"	COMPREPLY=($(compgen -P \"$pre\" -W \"$1\" -- \"${cur##*,}\"))\n"
"	compopt -o nospace 2>/dev/null\n"
"}\n"
"\n"
"_bench_ebpf()\n"
"{\n"
"	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
"	if [[ $cur == = ]]; then cur=; fi\n"
"	if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
"	local opts=\"@OPTS@\"\n"
"	case $prev in\n";

static const char script_tail[] =
"	esac\n"
"	COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
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

/* The head, with @OPTS@ replaced by every option's spellings. */
static void print_head(FILE *out)
{
	const char *at = strstr(script_head, "@OPTS@");
	fwrite(script_head, 1, (size_t)(at - script_head), out);
	for (int i = 0; i < OPT__COUNT; i++) {
		const struct cli_opt *d = &cli_opts[i];
		if (d->short_name)
			fprintf(out, "-%c ", d->short_name);
		fprintf(out, "--%s%s", d->name, i + 1 < OPT__COUNT ? " " : "");
	}
	fputs(at + strlen("@OPTS@"), out);
}

void cli_print_completion(FILE *out)
{
	print_head(out);
	for (int i = 0; i < OPT__COUNT; i++)
		if (cli_opts[i].arg == CLI_ARG_REQUIRED)
			print_value_arm(out, &cli_opts[i]);
	fputs(script_tail, out);
}
