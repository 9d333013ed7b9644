/* The option tables (the benchmark's and each subcommand's) and the parsers
 * of their values. Each parser stores one value where the table says; how
 * options combine is the command's job (src/cli.c, src/cmd_*.c). */
#define _GNU_SOURCE
#include "src/cli_table.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/loadgen.h"
#include "servers/server.h"
#include "src/commands.h"
#include "src/units.h"

_Static_assert(sizeof(enum lg_engine) == sizeof(int) && sizeof(enum lg_arrival) == sizeof(int),
	       "the name parser stores an int");

static int expected(struct errbuf *err, const char *what)
{
	errbuf_set(err, "expected %s", what);
	return -EINVAL;
}

static int parse_text(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	if (!*v)
		return expected(err, opt->metavar && !strcmp(opt->metavar, "FILE") ?
				"a file name" : "a value that is not empty");
	*(const char **)field = v;
	return 0;
}

static int parse_flag(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	*(bool *)field = true;
	return 0;
}

/* A whole number in [min, max], with k/M suffixes; int or uint64_t field by
 * the bound (max above INT_MAX: uint64_t). */
static int parse_number(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	uint64_t n;
	if (parse_count(v, &n) || n < (uint64_t)opt->min || n > (uint64_t)opt->max) {
		if (opt->max > INT_MAX)
			errbuf_set(err, "expected a whole number of at least %lld", opt->min);
		else
			errbuf_set(err, "expected a whole number from %lld to %lld", opt->min, opt->max);
		return -EINVAL;
	}
	if (opt->max > INT_MAX)
		*(uint64_t *)field = n;
	else
		*(int *)field = (int)n;
	return 0;
}

/* A duration of at least min ns, into a uint64_t of nanoseconds. */
static int parse_duration(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	uint64_t ns;
	if (parse_duration_ns(v, &ns) || ns < (uint64_t)opt->min)
		return expected(err, opt->min >= 100000000 ? "a duration of at least 100ms, such as 1s" :
				opt->min > 1 ? "a duration of at least 1ms, such as 10s" :
				opt->min ? "a duration above 0, such as 10s, 500ms or 1m" :
				"a duration such as 2s, 500ms or 1m");
	*(uint64_t *)field = ns;
	return 0;
}

/* A duration into a double of seconds. */
static int parse_seconds(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	uint64_t ns;
	if (parse_duration_ns(v, &ns) || ns == 0)
		return expected(err, "a duration above 0, such as 20s");
	*(double *)field = (double)ns / 1e9;
	return 0;
}

#define EXPECT_BODY_MAX 65535	/* what the readiness check reads of a body */

/* TEXT, or @FILE for the file's contents (under 64 KiB), into the body
 * every answer must carry. */
static int parse_body(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	struct cli_options *o = (struct cli_options *)((char *)field - opt->offset);
	if (v[0] != '@') {
		o->expect_body = v;
		o->expect_body_len = strlen(v);
		return 0;
	}
	FILE *f = fopen(v + 1, "rbe");
	char *buf = f ? malloc(EXPECT_BODY_MAX + 1) : NULL;
	size_t n = buf ? fread(buf, 1, EXPECT_BODY_MAX + 1, f) : 0;
	int e = f && buf && !ferror(f) ? 0 : errno ? errno : ENOMEM;
	if (f)
		fclose(f);
	if (e || n > EXPECT_BODY_MAX) {
		free(buf);
		errbuf_set(err, e ? "cannot read %s: %s" : "%s is larger than 64 KiB%s", v + 1,
			   e ? strerror(e) : "");
		return -EINVAL;
	}
	o->expect_body = buf;	/* kept for the whole run */
	o->expect_body_len = n;
	return 0;
}

static int parse_cpus(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	if (parse_cpulist(v, field, NULL))
		return expected(err, "a CPU list such as 0, 1-3 or 0,2");
	return 0;
}

/* A finite number, with a k or M suffix when si; -1 when v is none. */
static int real_value(const char *v, bool si, double *out)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (si && end != v && (*end == 'k' || *end == 'K'))
		x *= 1e3, end++;
	else if (si && end != v && *end == 'M')
		x *= 1e6, end++;
	if (errno || end == v || *end || !isfinite(x))
		return -1;
	*out = x;
	return 0;
}

/* Requests per second, with k/M suffixes; fractions allowed. */
static int parse_rate(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	double rate;
	if (real_value(v, true, &rate) || !(rate > 0) || rate > 1e9)
		return expected(err, "requests per second above 0, such as 20000 or 20k");
	*(double *)field = rate;
	return 0;
}

/* A percentage of at least 0, into a double. */
static int parse_percent(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	double pct;
	if (real_value(v, false, &pct) || pct < 0)
		return expected(err, "a percentage such as 10");
	*(double *)field = pct;
	return 0;
}

/* One of opt->words, stored as its index (an enum). */
static int parse_name(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	for (int i = 0; opt->words[i]; i++)
		if (!strcmp(v, opt->words[i])) {
			*(int *)field = i;
			return 0;
		}
	char list[256] = "";
	size_t off = 0;
	for (int i = 0; opt->words[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
					i ? (opt->words[i + 1] ? ", " : " or ") : "", opt->words[i]);
	return expected(err, list);
}

static int parse_engine(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	if (parse_name(opt, v, field, err))
		return -EINVAL;
	if (!lg_engine_available(*(int *)field))
		return expected(err, "an engine built in: uring needs liburing-dev at build time");
	return 0;
}

static int parse_url(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
		return expected(err, "http://HOST[:PORT]/PATH or https://...");
	*(const char **)field = v;
	return 0;
}

/* Splits a copy, so argv stays intact for the report's command_line. A
 * later --server replaces an earlier one. */
static int parse_servers(const struct cli_opt *opt, const char *v, void *field, struct errbuf *err)
{
	struct cli_options *o = (struct cli_options *)((char *)field - opt->offset);
	o->n_servers = 0;
	o->all_servers = false;
	if ((size_t)snprintf(o->server_list, sizeof(o->server_list), "%s", v) >= sizeof(o->server_list))
		return expected(err, "a shorter list");
	char *save = NULL;
	for (char *tok = strtok_r(o->server_list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			o->all_servers = true;
		} else if (!server_is_builtin(tok)) {
			errbuf_set(err, "unknown server '%s' (built-in: flask, aiohttp, fastapi, "
				   "pymongoose, nginx, all; or use --server-cmd)", tok);
			return -EINVAL;
		} else if (o->n_servers == CLI_MAX_SERVERS) {
			errbuf_set(err, "at most %d servers", CLI_MAX_SERVERS);
			return -EINVAL;
		} else {
			o->servers[o->n_servers++] = tok;
		}
	}
	if (!o->n_servers && !o->all_servers)
		return expected(err, "a server name");
	return 0;
}

static const char *const server_words[] = {
	"flask", "aiohttp", "fastapi", "pymongoose", "nginx", "all", NULL,
};
static const char *const group_words[] = { "syscalls", "sched", "tcp", "anatomy", "all", NULL };
static const char *const arrival_words[] = { "constant", "poisson", NULL };
static const char *const engine_words[] = { "epoll", "curl", "uring", NULL };
_Static_assert(sizeof(arrival_words) / sizeof(*arrival_words) == LG_ARRIVAL__COUNT + 1 &&
	       sizeof(engine_words) / sizeof(*engine_words) == LG_ENGINE__COUNT + 1,
	       "one word per load generator name, in its order");

#define AT(field) offsetof(struct cli_options, field)
/* A file option of any command: a file name, kept as given, completed as a path. */
#define FILE_OPT(type, section, long_name, short_name, field, help_text)		\
	{ long_name, short_name, CLI_ARG_REQUIRED, "FILE", section, help_text,		\
	  .parse = parse_text, .offset = offsetof(type, field), .complete = CLI_COMPLETE_FILE }
#define OUTPUT_FILE(long_name, short_name, field, help_text)				\
	FILE_OPT(struct cli_options, S_OUT, long_name, short_name, field, help_text)
/* -h, --help of any command. */
#define HELP_OPT(type, section)								\
	{ "help", 'h', CLI_ARG_NONE, NULL, section, "this text",			\
	  .parse = parse_flag, .offset = offsetof(type, help) }
/* An option of the benchmark that takes no value. */
#define FLAG_OPT(long_name, short_name, section, field, help_text)			\
	{ long_name, short_name, CLI_ARG_NONE, NULL, section, help_text,		\
	  .parse = parse_flag, .offset = AT(field) }
/* A comma list of names (words), completed name by name. */
#define LIST_OPT(long_name, section, parser, field, word_list, help_text)		\
	{ long_name, 0, CLI_ARG_REQUIRED, "LIST", section, help_text,			\
	  .parse = parser, .offset = AT(field), .words = word_list,			\
	  .complete = CLI_COMPLETE_WORD_LIST }
/* A whole number N in [lo, hi], default def (NULL: 0). */
#define NUMBER_OPT(long_name, short_name, section, field, lo, hi, default_value, help_text)	\
	{ long_name, short_name, CLI_ARG_REQUIRED, "N", section, help_text,			\
	  .def = default_value, .parse = parse_number, .offset = AT(field), .min = lo, .max = hi }
/* A duration T of at least lo ns, default def (NULL: 0). */
#define DURATION_OPT(long_name, short_name, section, field, lo, default_value, help_text)	\
	{ long_name, short_name, CLI_ARG_REQUIRED, "T", section, help_text,			\
	  .def = default_value, .parse = parse_duration, .offset = AT(field), .min = lo }
/* Any other option with a value: its parser, and what else it needs (words,
 * bounds, a default, how to complete it) as designated initializers. */
#define VALUE_OPT(long_name, metavar, section, parser, field, help_text, ...)		\
	{ long_name, 0, CLI_ARG_REQUIRED, metavar, section, help_text,			\
	  .parse = parser, .offset = AT(field), __VA_ARGS__ }
#define S_SERVER "SERVER"
#define S_LOAD "LOAD (closed loop by default, HTTP/1.1 keep-alive)"
#define S_OUT "PROBES AND OUTPUT"

const struct cli_opt cli_opts[OPT__COUNT] = {
	[OPT_SERVER] = LIST_OPT("server", S_SERVER, parse_servers, server_list, server_words,
		"built-in servers: flask, aiohttp, fastapi, pymongoose, nginx,\n"
		"or 'all' (every one usable here); several run one after another\n"
		"and end with a ranking"),
	[OPT_SERVER_CMD] = VALUE_OPT("server-cmd", "CMD", S_SERVER, parse_text, server_cmd,
		"any server command; {port} and $PORT are the chosen port",
		.complete = CLI_COMPLETE_COMMAND),
	[OPT_URL] = VALUE_OPT("url", "URL", S_SERVER, parse_url, url,
		"a server already running (not started or stopped)"),
	[OPT_PID] = VALUE_OPT("pid", "PID", S_SERVER, parse_number, pid,
		"with --url: its process, for the probes",
		.min = 1, .max = 4194304),
	[OPT_PYTHON] = VALUE_OPT("python", "PATH", S_SERVER, parse_text, python,
		"interpreter for the Python servers",
		.def = "/usr/bin/python3", .complete = CLI_COMPLETE_FILE),
	[OPT_PORT] = NUMBER_OPT("port", 0, S_SERVER, port, 1, 65535, NULL,
		"port for the server (default: a free one)"),
	[OPT_READY_TIMEOUT] = VALUE_OPT("ready-timeout", "T", S_SERVER, parse_seconds, ready_timeout_s,
		"give up if GET / does not answer within T",
		.def = "20s"),
	[OPT_EXPECT_STATUS] = NUMBER_OPT("expect-status", 0, S_SERVER, expect_status, 100, 599, NULL,
		"with --server-cmd or --url: a good answer has HTTP status N\n"
		"(default: any 2xx)"),
	[OPT_EXPECT_BODY] = VALUE_OPT("expect-body", "TEXT|@FILE", S_SERVER, parse_body, expect_body,
		"with --server-cmd or --url: every answer must have exactly this\n"
		"body (or FILE's contents); default: any 2xx body counts",
		.complete = CLI_COMPLETE_FILE),
	[OPT_SERVER_CPU] = VALUE_OPT("server-cpu", "LIST", S_SERVER, parse_cpus, server_cpus,
		"CPUs for the server (default 0)"),
	[OPT_CLIENT_CPU] = VALUE_OPT("client-cpu", "LIST", S_SERVER, parse_cpus, load.cpus,
		"CPUs for the load generator (default: all others)"),
	[OPT_LIST_SERVERS] = FLAG_OPT("list-servers", 0, S_SERVER, list_servers,
		"list the built-in servers and whether each can run here"),

	[OPT_CONNECTIONS] = NUMBER_OPT("connections", 'c', S_LOAD, load.connections, 1, 1000000, "100",
		"concurrent connections"),
	[OPT_REPEAT] = NUMBER_OPT("repeat", 0, S_LOAD, repeat, 1, 100, "1",
		"run each server N times, interleaved (a b a b ...), each run\n"
		"against a fresh server process; the report adds per server the\n"
		"median and confidence interval of its figures (\"summary\")"),
	[OPT_SAME_PROCESS] = FLAG_OPT("same-process", 0, S_LOAD, same_process,
		"with --repeat: one server process for all N runs of a server\n"
		"(each started before its first run, all stopped after the last)"),
	[OPT_INTERVAL] = DURATION_OPT("interval", 0, S_LOAD, load.interval_ns, 100000000, "1s",
		"the report's timeline: figures per interval of T (at least 100ms)"),
	[OPT_REQUESTS] = NUMBER_OPT("requests", 'n', S_LOAD, load.requests, 1, LLONG_MAX, "50000",
		"requests to measure, k and M suffixes allowed"),
	[OPT_DURATION] = DURATION_OPT("duration", 'd', S_LOAD, load.duration_ns, 1, NULL,
		"measure for T instead (10s, 500ms, 1m); with -n, whichever ends first"),
	[OPT_THREADS] = NUMBER_OPT("threads", 't', S_LOAD, load.threads, 1, 1024, NULL,
		"load generator threads (default: one per client CPU)"),
	[OPT_WARMUP] = DURATION_OPT("warmup", 0, S_LOAD, load.warmup_ns, 0, "0",
		"load before measuring, not counted"),
	[OPT_TIMEOUT] = DURATION_OPT("timeout", 0, S_LOAD, load.timeout_ns, 1000000, "10s",
		"a request not answered within T is an error"),
	[OPT_RATE] = VALUE_OPT("rate", "R", S_LOAD, parse_rate, load.rate,
		"open loop: R requests/s in total, latency from each request's\n"
		"scheduled time (no coordinated omission); k suffix allowed"),
	[OPT_ARRIVAL] = VALUE_OPT("arrival", "KIND", S_LOAD, parse_name, load.arrival,
		"open loop spacing: constant or poisson",
		.def = "constant", .words = arrival_words, .complete = CLI_COMPLETE_WORDS),
	[OPT_ENGINE] = VALUE_OPT("engine", "NAME", S_LOAD, parse_engine, load.engine,
		"epoll (HTTP/1.1), curl (https, HTTP/2), uring\n"
		"(default: epoll; curl for an https URL)",
		.words = engine_words, .complete = CLI_COMPLETE_WORDS),
	[OPT_INSECURE] = FLAG_OPT("insecure", 0, S_LOAD, load.insecure,
		"curl engine: accept self-signed TLS certificates"),
	[OPT_HTTP2] = FLAG_OPT("http2", 0, S_LOAD, load.http2, "curl engine: HTTP/2 (over https)"),

	[OPT_NO_EBPF] = FLAG_OPT("no-ebpf", 0, S_OUT, no_ebpf,
		"run without eBPF probes (no root needed)"),
	[OPT_NO_PROBE_COST] = FLAG_OPT("no-probe-cost", 0, S_OUT, no_probe_cost,
		"no kernel.probes.cost: the BPF run-time statistics behind it\n"
		"add two clock reads to every probe run"),
	[OPT_PROBES] = LIST_OPT("probes", S_OUT, parse_text, probes, group_words,
		"probe groups to load: syscalls,sched,tcp,anatomy (default all)"),
	[OPT_DISABLE_PROBE] = VALUE_OPT("disable-probe", "LIST", S_OUT, parse_text, disable_probes,
		"switch off these probes by name (to test the degraded path)",
		.complete = CLI_COMPLETE_PROBE_LIST),
	[OPT_OVERHEAD] = { "overhead", 0, CLI_ARG_OPTIONAL, "N", S_OUT,
		"measure the probes' cost: N pairs (default 3) of the same load\n"
		"with probes off and on, interleaved; the report gains \"overhead\"",
		.bare = "3", .parse = parse_number, .offset = AT(overhead_pairs), .min = 1, .max = 100 },
	[OPT_TRACE] = OUTPUT_FILE("trace", 0, trace,
		"write each matched request's anatomy (marks and components)\n"
		"to FILE as JSON Lines"),
	[OPT_OUTPUT] = OUTPUT_FILE("output", 'o', output,
		"write the JSON report to FILE instead of stdout"),
	[OPT_HTML] = OUTPUT_FILE("html", 0, html,
		"also write the report as one self-contained HTML page to FILE"),
	[OPT_EXPORT_CSV] = OUTPUT_FILE("export-csv", 0, export_csv,
		"also write the summary (or ranking) as CSV, hyperfine's columns"),
	[OPT_EXPORT_MARKDOWN] = OUTPUT_FILE("export-markdown", 0, export_markdown,
		"also write the summary (or ranking) as a Markdown table"),
	[OPT_TIMELINE_CSV] = OUTPUT_FILE("timeline-csv", 0, timeline_csv,
		"also write the timeline, one row per interval, as CSV"),
	[OPT_HDR_LOG] = OUTPUT_FILE("hdr-log", 0, hdr_log,
		"also write the client latency per interval as an HdrHistogram\n"
		"interval log (HistogramLogWriter's format)"),
	[OPT_QUIET] = FLAG_OPT("quiet", 'q', S_OUT, quiet,
		"no human summary on stderr"),
	[OPT_VERBOSE] = FLAG_OPT("verbose", 'v', S_OUT, verbose,
		"libbpf and server start-up details on stderr"),
	[OPT_VERSION] = FLAG_OPT("version", 'V', S_OUT, version,
		"print the version"),
	[OPT_HELP] = HELP_OPT(struct cli_options, S_OUT),
};

static const char main_head[] =
"USAGE\n"
"  bench-ebpf --server NAME[,NAME...] | --server all | --server-cmd CMD | --url URL [options]\n"
"  bench-ebpf report RUN.json [RUN2.json ...] [options]\n"
"  bench-ebpf compare A.json B.json [options]\n"
"\n"
"Starts an HTTP server, drives load at it, watches it with eBPF and prints a\n"
"JSON report to stdout (or -o FILE) and a summary to stderr. Needs root for\n"
"the eBPF probes; --no-ebpf runs without them. report (an HTML page of saved\n"
"reports) and compare (B against the baseline A) have options of their own\n"
"(bench-ebpf report --help and bench-ebpf compare --help).\n";

static const char main_tail[] =
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

const struct cli_command cli_main = {
	.opts = cli_opts, .n_opts = OPT__COUNT,
	.usage_head = main_head, .usage_tail = main_tail, .help_column = 23,
};

#define S_SUB "OPTIONS"
#define REPORT_FILE(long_name, short_name, field, help_text)				\
	FILE_OPT(struct report_options, S_SUB, long_name, short_name, field, help_text)

static const struct cli_opt report_opts[] = {
	REPORT_FILE("output", 'o', output, "write the page to FILE"),
	REPORT_FILE("export-csv", 0, export_csv, "the runs as CSV (hyperfine's columns)"),
	REPORT_FILE("export-markdown", 0, export_markdown, "the runs as a Markdown table"),
	REPORT_FILE("timeline-csv", 0, timeline_csv, "every run's timeline, one row per interval"),
	HELP_OPT(struct report_options, S_SUB),
};

static const char report_head[] =
"Usage: bench-ebpf report RUN.json [RUN2.json ...] [-o FILE.html] [exports]\n"
"Writes one self-contained HTML page (no network needed to open it) for\n"
"saved bench-ebpf reports; several files or multi-server reports are\n"
"shown side by side with a ranking. Without -o and exports the page goes\n"
"to stdout.\n";

/* A subcommand over saved reports: between least and most of them (most 0: any). */
#define SUBCOMMAND(cmd_name, type, table, head, column, least, most, missing)		\
	{ .name = cmd_name, .opts = table, .n_opts = sizeof(table) / sizeof(*table),	\
	  .usage_head = head, .usage_tail = "", .help_column = column,			\
	  .min_operands = least, .max_operands = most, .operands_missing = missing,	\
	  .help_offset = offsetof(type, help) }

const struct cli_command cli_report = SUBCOMMAND("report", struct report_options, report_opts,
	report_head, 30, 1, 0, "name at least one saved report (RUN.json)");

#define COMPARE_GATE(long_name, field, help_text)					\
	{ long_name, 0, CLI_ARG_REQUIRED, "PCT", S_SUB, help_text,			\
	  .parse = parse_percent, .offset = offsetof(struct compare_options, field) }

static const struct cli_opt compare_opts[] = {
	FILE_OPT(struct compare_options, S_SUB, "output", 'o', json_out, "the comparison as JSON"),
	FILE_OPT(struct compare_options, S_SUB, "export-markdown", 0, markdown_out,
		 "the comparison as a Markdown table"),
	COMPARE_GATE("fail-if-slower", fail_slower,
		     "exit 1 when B's req/s is significantly lower by more than PCT %"),
	COMPARE_GATE("fail-if-p99-above", fail_p99,
		     "exit 1 when B's p99 is significantly higher by more than PCT %"),
	HELP_OPT(struct compare_options, S_SUB),
};

static const char compare_head[] =
"Usage: bench-ebpf compare A.json B.json [options]\n"
"B against the baseline A: each figure's median over the runs of a side,\n"
"the ratio B/A, and whether the difference is significant at 95 %\n"
"(Mann-Whitney rank test over the runs: 4 or more per side; with fewer it\n"
"says it cannot tell); and which anatomy component moved the p50 and p99.\n";

const struct cli_command cli_compare = SUBCOMMAND("compare", struct compare_options, compare_opts,
	compare_head, 31, 2, 2, "name two saved reports, A (the baseline) and B");

const struct cli_command *const cli_subcommands[] = { &cli_report, &cli_compare, NULL };
