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
#define S_SERVER "SERVER"
#define S_LOAD "LOAD (closed loop by default, HTTP/1.1 keep-alive)"
#define S_OUT "PROBES AND OUTPUT"

const struct cli_opt cli_opts[OPT__COUNT] = {
	[OPT_SERVER] = { "server", 0, CLI_ARG_REQUIRED, "LIST", S_SERVER,
		"built-in servers: flask, aiohttp, fastapi, pymongoose, nginx,\n"
		"or 'all' (every one usable here); several run one after another\n"
		"and end with a ranking",
		.parse = parse_servers, .offset = AT(server_list), .words = server_words,
		.complete = CLI_COMPLETE_WORD_LIST },
	[OPT_SERVER_CMD] = { "server-cmd", 0, CLI_ARG_REQUIRED, "CMD", S_SERVER,
		"any server command; {port} and $PORT are the chosen port",
		.parse = parse_text, .offset = AT(server_cmd), .complete = CLI_COMPLETE_COMMAND },
	[OPT_URL] = { "url", 0, CLI_ARG_REQUIRED, "URL", S_SERVER,
		"a server already running (not started or stopped)",
		.parse = parse_url, .offset = AT(url) },
	[OPT_PID] = { "pid", 0, CLI_ARG_REQUIRED, "PID", S_SERVER,
		"with --url: its process, for the probes",
		.parse = parse_number, .offset = AT(pid), .min = 1, .max = 4194304 },
	[OPT_PYTHON] = { "python", 0, CLI_ARG_REQUIRED, "PATH", S_SERVER,
		"interpreter for the Python servers", .def = "/usr/bin/python3",
		.parse = parse_text, .offset = AT(python), .complete = CLI_COMPLETE_FILE },
	[OPT_PORT] = { "port", 0, CLI_ARG_REQUIRED, "N", S_SERVER,
		"port for the server (default: a free one)",
		.parse = parse_number, .offset = AT(port), .min = 1, .max = 65535 },
	[OPT_READY_TIMEOUT] = { "ready-timeout", 0, CLI_ARG_REQUIRED, "T", S_SERVER,
		"give up if GET / does not answer within T", .def = "20s",
		.parse = parse_seconds, .offset = AT(ready_timeout_s) },
	[OPT_EXPECT_STATUS] = { "expect-status", 0, CLI_ARG_REQUIRED, "N", S_SERVER,
		"with --server-cmd or --url: a good answer has HTTP status N\n"
		"(default: any 2xx)",
		.parse = parse_number, .offset = AT(expect_status), .min = 100, .max = 599 },
	[OPT_EXPECT_BODY] = { "expect-body", 0, CLI_ARG_REQUIRED, "TEXT|@FILE", S_SERVER,
		"with --server-cmd or --url: every answer must have exactly this\n"
		"body (or FILE's contents); default: any 2xx body counts",
		.parse = parse_body, .offset = AT(expect_body), .complete = CLI_COMPLETE_FILE },
	[OPT_SERVER_CPU] = { "server-cpu", 0, CLI_ARG_REQUIRED, "LIST", S_SERVER,
		"CPUs for the server (default 0)",
		.parse = parse_cpus, .offset = AT(server_cpus) },
	[OPT_CLIENT_CPU] = { "client-cpu", 0, CLI_ARG_REQUIRED, "LIST", S_SERVER,
		"CPUs for the load generator (default: all others)",
		.parse = parse_cpus, .offset = AT(load.cpus) },
	[OPT_LIST_SERVERS] = { "list-servers", 0, CLI_ARG_NONE, NULL, S_SERVER,
		"list the built-in servers and whether each can run here",
		.parse = parse_flag, .offset = AT(list_servers) },

	[OPT_CONNECTIONS] = { "connections", 'c', CLI_ARG_REQUIRED, "N", S_LOAD,
		"concurrent connections", .def = "100",
		.parse = parse_number, .offset = AT(load.connections), .min = 1, .max = 1000000 },
	[OPT_REPEAT] = { "repeat", 0, CLI_ARG_REQUIRED, "N", S_LOAD,
		"run each server N times, interleaved (a b a b ...), each run\n"
		"against a fresh server process; the report adds per server the\n"
		"median and confidence interval of its figures (\"summary\")",
		.def = "1", .parse = parse_number, .offset = AT(repeat), .min = 1, .max = 100 },
	[OPT_INTERVAL] = { "interval", 0, CLI_ARG_REQUIRED, "T", S_LOAD,
		"the report's timeline: figures per interval of T (at least 100ms)",
		.def = "1s", .parse = parse_duration, .offset = AT(load.interval_ns), .min = 100000000 },
	[OPT_REQUESTS] = { "requests", 'n', CLI_ARG_REQUIRED, "N", S_LOAD,
		"requests to measure, k and M suffixes allowed", .def = "50000",
		.parse = parse_number, .offset = AT(load.requests), .min = 1, .max = LLONG_MAX },
	[OPT_DURATION] = { "duration", 'd', CLI_ARG_REQUIRED, "T", S_LOAD,
		"measure for T instead (10s, 500ms, 1m); with -n, whichever ends first",
		.parse = parse_duration, .offset = AT(load.duration_ns), .min = 1 },
	[OPT_THREADS] = { "threads", 't', CLI_ARG_REQUIRED, "N", S_LOAD,
		"load generator threads (default: one per client CPU)",
		.parse = parse_number, .offset = AT(load.threads), .min = 1, .max = 1024 },
	[OPT_WARMUP] = { "warmup", 0, CLI_ARG_REQUIRED, "T", S_LOAD,
		"load before measuring, not counted", .def = "0",
		.parse = parse_duration, .offset = AT(load.warmup_ns) },
	[OPT_TIMEOUT] = { "timeout", 0, CLI_ARG_REQUIRED, "T", S_LOAD,
		"a request not answered within T is an error", .def = "10s",
		.parse = parse_duration, .offset = AT(load.timeout_ns), .min = 1000000 },
	[OPT_RATE] = { "rate", 0, CLI_ARG_REQUIRED, "R", S_LOAD,
		"open loop: R requests/s in total, latency from each request's\n"
		"scheduled time (no coordinated omission); k suffix allowed",
		.parse = parse_rate, .offset = AT(load.rate) },
	[OPT_ARRIVAL] = { "arrival", 0, CLI_ARG_REQUIRED, "KIND", S_LOAD,
		"open loop spacing: constant or poisson", .def = "constant",
		.parse = parse_name, .offset = AT(load.arrival), .words = arrival_words,
		.complete = CLI_COMPLETE_WORDS },
	[OPT_ENGINE] = { "engine", 0, CLI_ARG_REQUIRED, "NAME", S_LOAD,
		"epoll (HTTP/1.1), curl (https, HTTP/2), uring\n"
		"(default: epoll; curl for an https URL)",
		.parse = parse_engine, .offset = AT(load.engine), .words = engine_words,
		.complete = CLI_COMPLETE_WORDS },
	[OPT_INSECURE] = { "insecure", 0, CLI_ARG_NONE, NULL, S_LOAD,
		"curl engine: accept self-signed TLS certificates",
		.parse = parse_flag, .offset = AT(load.insecure) },
	[OPT_HTTP2] = { "http2", 0, CLI_ARG_NONE, NULL, S_LOAD,
		"curl engine: HTTP/2 (over https)",
		.parse = parse_flag, .offset = AT(load.http2) },

	[OPT_NO_EBPF] = { "no-ebpf", 0, CLI_ARG_NONE, NULL, S_OUT,
		"run without eBPF probes (no root needed)",
		.parse = parse_flag, .offset = AT(no_ebpf) },
	[OPT_PROBES] = { "probes", 0, CLI_ARG_REQUIRED, "LIST", S_OUT,
		"probe groups to load: syscalls,sched,tcp,anatomy (default all)",
		.parse = parse_text, .offset = AT(probes), .words = group_words,
		.complete = CLI_COMPLETE_WORD_LIST },
	[OPT_DISABLE_PROBE] = { "disable-probe", 0, CLI_ARG_REQUIRED, "LIST", S_OUT,
		"switch off these probes by name (to test the degraded path)",
		.parse = parse_text, .offset = AT(disable_probes), .complete = CLI_COMPLETE_PROBE_LIST },
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
	[OPT_QUIET] = { "quiet", 'q', CLI_ARG_NONE, NULL, S_OUT,
		"no human summary on stderr",
		.parse = parse_flag, .offset = AT(quiet) },
	[OPT_VERBOSE] = { "verbose", 'v', CLI_ARG_NONE, NULL, S_OUT,
		"libbpf and server start-up details on stderr",
		.parse = parse_flag, .offset = AT(verbose) },
	[OPT_VERSION] = { "version", 'V', CLI_ARG_NONE, NULL, S_OUT,
		"print the version",
		.parse = parse_flag, .offset = AT(version) },
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
