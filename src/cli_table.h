/* The option table: one entry per command-line option holds everything about
 * it (name, argument, help, default, parser, where the value goes), so the
 * parser, --help and the shell completion are all made from it. */
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
	OPT_CONNECTIONS, OPT_REQUESTS, OPT_REPEAT, OPT_INTERVAL, OPT_DURATION, OPT_THREADS, OPT_WARMUP,
	OPT_TIMEOUT, OPT_RATE, OPT_ARRIVAL, OPT_ENGINE, OPT_INSECURE, OPT_HTTP2,
	OPT_NO_EBPF, OPT_PROBES, OPT_DISABLE_PROBE, OPT_OVERHEAD, OPT_TRACE,
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
	size_t offset;		/* of the field in struct cli_options */
	long long min, max;	/* bounds, for the number parsers */
	const char *const *words;	/* the accepted names (NULL-terminated), for
					 * the name parser and the completion */
	enum cli_complete complete;
};

extern const struct cli_opt cli_opts[OPT__COUNT];

/* The shell completion (bash), made from the table. */
void cli_print_completion(FILE *out);
