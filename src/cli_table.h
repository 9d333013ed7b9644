/* The option tables: one entry per command-line option holds everything about
 * it (name, argument, help, default, parser, where the value goes), so the
 * parser, --help and the shell completion are all made from it. One table
 * for the benchmark itself, one for each subcommand (report, compare). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "common/errbuf.h"
#include "src/cli.h"

/* Every option, by identity: the resolve step asks which were given. */
enum cli_opt_id {
	OPT_SERVER, OPT_SERVER_CMD, OPT_URL, OPT_PID, OPT_PYTHON, OPT_PORT,
	OPT_READY_TIMEOUT, OPT_EXPECT_STATUS, OPT_EXPECT_BODY, OPT_SERVER_CPU, OPT_CLIENT_CPU, OPT_LIST_SERVERS,
	OPT_CONNECTIONS, OPT_REQUESTS, OPT_REPEAT, OPT_SAME_PROCESS, OPT_INTERVAL, OPT_DURATION, OPT_THREADS, OPT_WARMUP,
	OPT_TIMEOUT, OPT_RATE, OPT_ARRIVAL, OPT_ENGINE, OPT_INSECURE, OPT_HTTP2,
	OPT_NO_EBPF, OPT_NO_PROBE_COST, OPT_PROBES, OPT_DISABLE_PROBE, OPT_OVERHEAD, OPT_TRACE,
	OPT_OUTPUT, OPT_HTML, OPT_EXPORT_CSV, OPT_EXPORT_MARKDOWN, OPT_TIMELINE_CSV, OPT_HDR_LOG, OPT_QUIET, OPT_VERBOSE, OPT_VERSION, OPT_HELP,
	OPT__COUNT,
};

enum cli_arg { CLI_ARG_NONE, CLI_ARG_REQUIRED, CLI_ARG_OPTIONAL };

/* What the shell may offer as an option's value. */
enum cli_complete {
	CLI_COMPLETE_NONE,	/* a free value */
	CLI_COMPLETE_FILE,
	CLI_COMPLETE_COMMAND,
	CLI_COMPLETE_WORDS,	/* one of .words */
	CLI_COMPLETE_WORD_LIST,	/* a comma list of .words */
	CLI_COMPLETE_PROBE_LIST,	/* a comma list of probe names (the loader's) */
};

struct cli_opt;
/* Stores VALUE in FIELD (inside struct cli_options), or returns -EINVAL
 * with "expected ..." in err. */
typedef int cli_parse_fn(const struct cli_opt *opt, const char *value, void *field,
			 struct errbuf *err);

struct cli_opt {
	const char *name;	/* long name, without the dashes */
	char short_name;	/* 0: none */
	enum cli_arg arg;
	const char *metavar;	/* the argument in --help: N, T, FILE, ... */
	const char *section;	/* --help heading this option sits under */
	const char *help;	/* one or more lines ('\n' between them) */
	const char *def;	/* default, parsed as if typed before argv; NULL: zero */
	const char *bare;	/* CLI_ARG_OPTIONAL: the value when none is given */
	cli_parse_fn *parse;
	size_t offset;		/* of the field in the command's options struct */
	long long min, max;	/* bounds, for the number parsers */
	const char *const *words;	/* the accepted names (NULL-terminated), for
					 * the name parser and the completion */
	enum cli_complete complete;
};

extern const struct cli_opt cli_opts[OPT__COUNT];

/* A command line's table and the text around its --help. */
struct cli_command {
	const char *name;	/* "compare"; NULL: the benchmark itself */
	const struct cli_opt *opts;
	int n_opts;
	const char *usage_head, *usage_tail;
	int help_column;	/* where the help text of an option begins */
	int min_operands, max_operands;	/* a subcommand's saved reports; max 0: any number */
	const char *operands_missing;	/* what to say when they are too few or too many */
	size_t help_offset;	/* of the bool that -h, --help sets */
};

extern const struct cli_command cli_main, cli_compare, cli_report;
/* The subcommands, NULL-terminated. */
extern const struct cli_command *const cli_subcommands[];

#define CLI_MAX_OPTS 64

/* Every option of argv into target (the command's options struct), each by
 * its table entry, after the table's defaults; seen[i] (NULL: not wanted)
 * says whether option i was given. Returns the index of the first operand
 * (argc: none), or -EINVAL with a one-line reason in err. */
int cli_command_parse(const struct cli_command *cmd, int argc, char **argv, void *target,
		      bool *seen, struct errbuf *err);
/* A subcommand's command line into target: 0 with *operand the index of
 * the first operand, 1 when --help was printed, -1 after a one-line error
 * on stderr ("bench-ebpf NAME: ..."). */
int cli_subcommand_parse(const struct cli_command *cmd, int argc, char **argv, void *target,
			 int *operand);
/* --help's text for CMD, made from its table. */
void cli_command_usage(FILE *out, const struct cli_command *cmd);

/* The shell completion (bash), made from the tables. */
void cli_print_completion(FILE *out);
