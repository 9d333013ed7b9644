#define _GNU_SOURCE
#include "src/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/loadgen.h"
#include "servers/server.h"
#include "src/units.h"

#ifndef BENCH_EBPF_VERSION
#define BENCH_EBPF_VERSION "unknown"
#endif

enum {
	OPT_SERVER = 0x100, OPT_SERVER_CMD, OPT_URL, OPT_PID, OPT_PYTHON, OPT_PORT,
	OPT_READY_TIMEOUT, OPT_SERVER_CPU, OPT_CLIENT_CPU, OPT_WARMUP, OPT_TIMEOUT,
	OPT_NO_EBPF, OPT_PROBES, OPT_DISABLE_PROBE, OPT_LIST_SERVERS, OPT_OVERHEAD,
	OPT_TRACE, OPT_RATE, OPT_ARRIVAL, OPT_ENGINE, OPT_INSECURE, OPT_HTTP2,
};

static const struct option long_opts[] = {
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "server-cmd", required_argument, NULL, OPT_SERVER_CMD },
	{ "url", required_argument, NULL, OPT_URL },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "python", required_argument, NULL, OPT_PYTHON },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "ready-timeout", required_argument, NULL, OPT_READY_TIMEOUT },
	{ "server-cpu", required_argument, NULL, OPT_SERVER_CPU },
	{ "client-cpu", required_argument, NULL, OPT_CLIENT_CPU },
	{ "connections", required_argument, NULL, 'c' },
	{ "requests", required_argument, NULL, 'n' },
	{ "duration", required_argument, NULL, 'd' },
	{ "threads", required_argument, NULL, 't' },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "arrival", required_argument, NULL, OPT_ARRIVAL },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "http2", no_argument, NULL, OPT_HTTP2 },
	{ "no-ebpf", no_argument, NULL, OPT_NO_EBPF },
	{ "probes", required_argument, NULL, OPT_PROBES },
	{ "disable-probe", required_argument, NULL, OPT_DISABLE_PROBE },
	{ "overhead", optional_argument, NULL, OPT_OVERHEAD },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ "list-servers", no_argument, NULL, OPT_LIST_SERVERS },
	{ 0 },
};

void cli_usage(FILE *out)
{
	fputs(
"USAGE\n"
"  bench-ebpf --server NAME[,NAME...] | --server all | --server-cmd CMD | --url URL [options]\n"
"\n"
"Starts an HTTP server, drives load at it, watches it with eBPF and prints a\n"
"JSON report to stdout (or -o FILE) and a summary to stderr. Needs root for\n"
"the eBPF probes; --no-ebpf runs without them.\n"
"\n"
"SERVER\n"
"  --server LIST        built-in servers: flask, aiohttp, fastapi, pymongoose, nginx,\n"
"                       or 'all' (every one usable here); several run one after another\n"
"                       and end with a ranking\n"
"  --server-cmd CMD     any server command; {port} and $PORT are the chosen port\n"
"  --url URL            a server already running (not started or stopped)\n"
"  --pid PID            with --url: its process, for the probes\n"
"  --python PATH        interpreter for the Python servers (default /usr/bin/python3)\n"
"  --port N             port for the server (default: a free one)\n"
"  --ready-timeout T    give up if GET / does not answer within T (default 20s)\n"
"  --server-cpu LIST    CPUs for the server (default 0)\n"
"  --client-cpu LIST    CPUs for the load generator (default: all others)\n"
"  --list-servers       list the built-in servers and whether each can run here\n"
"\n"
"LOAD (closed loop by default, HTTP/1.1 keep-alive)\n"
"  -c, --connections N  concurrent connections (default 100)\n"
"  -n, --requests N     requests to measure (default 50000; k and M suffixes)\n"
"  -d, --duration T     measure for T instead (10s, 500ms, 1m); with -n, whichever ends first\n"
"  -t, --threads N      load generator threads (default: one per client CPU)\n"
"      --warmup T       load before measuring, not counted (default 0)\n"
"      --timeout T      a request not answered within T is an error (default 10s)\n"
"      --rate R         open loop: R requests/s in total, latency from each request's\n"
"                       scheduled time (no coordinated omission); k suffix allowed\n"
"      --arrival KIND   open loop spacing: constant (default) or poisson\n"
"      --engine NAME    epoll (default, HTTP/1.1), curl (https, HTTP/2), uring\n"
"      --insecure       curl engine: accept self-signed TLS certificates\n"
"      --http2          curl engine: HTTP/2 (over https)\n"
"\n"
"PROBES AND OUTPUT\n"
"      --no-ebpf        run without eBPF probes (no root needed)\n"
"      --probes LIST    probe groups to load: syscalls,sched,tcp,anatomy (default all)\n"
"      --disable-probe LIST  switch off these probes by name (to test the degraded path)\n"
"      --overhead[=N]   measure the probes' cost: N pairs (default 3) of the same load\n"
"                       with probes off and on, interleaved; the report gains \"overhead\"\n"
"      --trace FILE     write each matched request's anatomy (marks and components)\n"
"                       to FILE as JSON Lines\n"
"  -o, --output FILE    write the JSON report to FILE instead of stdout\n"
"  -q, --quiet          no human summary on stderr\n"
"  -v, --verbose        libbpf and server start-up details on stderr\n"
"  -V, --version        print the version\n"
"  -h, --help           this text\n"
"\n"
"EXAMPLES\n"
"  sudo bench-ebpf --server flask                 the seed benchmark on Flask\n"
"  sudo bench-ebpf --server aiohttp -n 5000 -c 50\n"
"  sudo bench-ebpf --server all -o report.json    every server, ranked\n"
"  sudo bench-ebpf --server-cmd 'gunicorn -b 127.0.0.1:{port} app:app' -d 10s\n"
"  bench-ebpf --no-ebpf --url http://127.0.0.1:8080/ -c 10 -d 5s\n"
"\n"
"Exit status: 0 ok, 1 run failed, 2 bad options, 3 no privileges for eBPF,\n"
"4 server not available here, 130 interrupted (partial JSON written).\n",
	      out);
}

static int bad(struct errbuf *err, const char *opt, const char *val, const char *what)
{
	errbuf_set(err, "invalid value '%s' for %s: %s", val, opt, what);
	return -EINVAL;
}

static int positive_int(const char *s, int *out)
{
	uint64_t v;
	if (parse_count(s, &v) || v == 0 || v > 1000000)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* Splits a copy, so argv stays intact for the report's command_line. */
static int split_servers(struct cli_options *o, const char *value, struct errbuf *err)
{
	if ((size_t)snprintf(o->server_list, sizeof(o->server_list), "%s", value) >= sizeof(o->server_list)) {
		errbuf_set(err, "--server list is too long");
		return -EINVAL;
	}
	char *list = o->server_list;
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "all") == 0) {
			o->all_servers = true;
			continue;
		}
		if (!server_is_builtin(tok)) {
			errbuf_set(err, "unknown server '%s' (built-in: flask, aiohttp, fastapi, "
				   "pymongoose, nginx, all; or use --server-cmd)", tok);
			return -EINVAL;
		}
		if (o->n_servers == CLI_MAX_SERVERS) {
			errbuf_set(err, "too many servers (at most %d)", CLI_MAX_SERVERS);
			return -EINVAL;
		}
		o->servers[o->n_servers++] = tok;
	}
	if (!o->n_servers && !o->all_servers) {
		errbuf_set(err, "--server needs a name");
		return -EINVAL;
	}
	return 0;
}

static void warn(struct cli_options *o, const char *msg)
{
	if (o->n_warnings < 4)
		snprintf(o->warnings[o->n_warnings++], sizeof(o->warnings[0]), "%s", msg);
}

/* Default pinning: server on CPU 0, load generator on every other CPU. */
static void default_cpus(struct cli_options *o, bool server_set, bool client_set)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 2 && !server_set && !client_set) {
		warn(o, "one CPU only: the server and the load generator share it, figures will be noisy");
		o->pin = false;
		return;
	}
	if (!server_set) {
		CPU_ZERO(&o->server_cpus);
		CPU_SET(0, &o->server_cpus);
	}
	if (!client_set) {
		CPU_ZERO(&o->client_cpus);
		for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
			if (!CPU_ISSET(c, &o->server_cpus))
				CPU_SET(c, &o->client_cpus);
		if (!CPU_COUNT(&o->client_cpus))
			CPU_SET(0, &o->client_cpus);
	}
	o->n_client_cpus = CPU_COUNT(&o->client_cpus);
	cpu_set_t both;
	CPU_AND(&both, &o->server_cpus, &o->client_cpus);
	if (CPU_COUNT(&both))
		warn(o, "the server and the load generator share CPUs: figures will be noisy");
}

int cli_parse(int argc, char **argv, struct cli_options *o, struct errbuf *err)
{
	const char *server_list = NULL;
	bool server_cpu_set = false, client_cpu_set = false, requests_set = false;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->argc = argc;
	o->argv = argv;
	o->python = "/usr/bin/python3";
	o->ready_timeout_s = 20;
	o->connections = 100;
	o->requests = 50000;
	o->timeout_ns = 10 * 1000000000ull;
	o->pin = true;
	CPU_ZERO(&o->server_cpus);
	CPU_ZERO(&o->client_cpus);

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:n:d:t:o:qvVh", long_opts, NULL)) != -1) {
		const char *name = optind > 1 ? argv[optind - 1] : "?";
		switch (c) {
		case OPT_SERVER:
			server_list = optarg;
			break;
		case OPT_SERVER_CMD:
			if (!*optarg)
				return bad(err, "--server-cmd", optarg, "empty command");
			o->server_cmd = optarg;
			break;
		case OPT_URL:
			if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
				return bad(err, "--url", optarg, "expected http://HOST[:PORT]/PATH or https://...");
			if (strncmp(optarg, "https://", 8) == 0 && !o->engine)
				o->engine = LG_ENGINE_CURL;	/* only curl speaks TLS */
			o->url = optarg;
			break;
		case OPT_PID:
			if (parse_count(optarg, &v) || v == 0 || v > 4194304)
				return bad(err, "--pid", optarg, "expected a process id");
			o->pid = (pid_t)v;
			break;
		case OPT_PYTHON:
			o->python = optarg;
			break;
		case OPT_PORT:
			if (parse_count(optarg, &v) || v == 0 || v > 65535)
				return bad(err, "--port", optarg, "expected 1-65535");
			o->port = (int)v;
			break;
		case OPT_READY_TIMEOUT:
			if (parse_duration_ns(optarg, &v) || v == 0)
				return bad(err, "--ready-timeout", optarg, "expected a duration such as 20s");
			o->ready_timeout_s = (double)v / 1e9;
			break;
		case OPT_SERVER_CPU:
			if (parse_cpulist(optarg, &o->server_cpus, NULL))
				return bad(err, "--server-cpu", optarg, "expected a CPU list such as 0 or 0-1");
			server_cpu_set = true;
			break;
		case OPT_CLIENT_CPU:
			if (parse_cpulist(optarg, &o->client_cpus, NULL))
				return bad(err, "--client-cpu", optarg, "expected a CPU list such as 1 or 1-3");
			client_cpu_set = true;
			break;
		case 'c':
			if (positive_int(optarg, &o->connections))
				return bad(err, "-c", optarg, "expected a whole number from 1 to 1000000");
			break;
		case 'n':
			if (parse_count(optarg, &o->requests) || o->requests == 0)
				return bad(err, "-n", optarg, "expected a whole number of requests above 0");
			requests_set = true;
			break;
		case 'd':
			if (parse_duration_ns(optarg, &o->duration_ns) || o->duration_ns == 0)
				return bad(err, "-d", optarg, "expected a duration such as 10s, 500ms or 1m");
			break;
		case 't':
			if (positive_int(optarg, &o->threads) || o->threads > 1024)
				return bad(err, "-t", optarg, "expected a whole number from 1 to 1024");
			break;
		case OPT_WARMUP:
			if (parse_duration_ns(optarg, &o->warmup_ns))
				return bad(err, "--warmup", optarg, "expected a duration such as 2s");
			break;
		case OPT_TIMEOUT:
			if (parse_duration_ns(optarg, &o->timeout_ns) || o->timeout_ns < 1000000)
				return bad(err, "--timeout", optarg, "expected a duration of at least 1ms");
			break;
		case OPT_RATE: {
			char *end;
			double m = 1;
			errno = 0;
			o->rate = strtod(optarg, &end);
			if (*end == 'k' || *end == 'K')
				m = 1e3, end++;
			else if (*end == 'M')
				m = 1e6, end++;
			o->rate *= m;
			if (errno || end == optarg || *end || !(o->rate > 0) || o->rate > 1e9)
				return bad(err, "--rate", optarg, "expected requests per second above 0, such as 20000 or 20k");
			o->mode = LG_MODE_OPEN;
			break;
		}
		case OPT_ARRIVAL:
			if ((o->arrival = lg_arrival_from_name(optarg)) < 0)
				return bad(err, "--arrival", optarg, "expected constant or poisson");
			break;
		case OPT_ENGINE:
			if ((o->engine = lg_engine_from_name(optarg)) < 0)
				return bad(err, "--engine", optarg, "expected epoll, curl or uring");
			if (!lg_engine_available(o->engine))
				return bad(err, "--engine", optarg, "not built in (needs liburing-dev at build time)");
			break;
		case OPT_INSECURE:
			o->insecure = true;
			break;
		case OPT_HTTP2:
			o->http2 = true;
			break;
		case OPT_NO_EBPF:
			o->no_ebpf = true;
			break;
		case OPT_PROBES:
			o->probes = optarg;
			break;
		case OPT_DISABLE_PROBE:
			o->disable_probes = optarg;
			break;
		case OPT_OVERHEAD:
			o->overhead_pairs = 3;
			if (optarg && (positive_int(optarg, &o->overhead_pairs) || o->overhead_pairs > 100))
				return bad(err, "--overhead", optarg, "expected a number of pairs from 1 to 100");
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_TRACE:
			if (!*optarg)
				return bad(err, "--trace", optarg, "expected a file name");
			o->trace = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'V':
			printf("bench-ebpf %s\n", BENCH_EBPF_VERSION);
			return 1;
		case 'h':
			cli_usage(stdout);
			return 1;
		case OPT_LIST_SERVERS:
			o->list_servers = true;
			break;
		case ':':
			errbuf_set(err, "option %s needs a value", name);
			return -EINVAL;
		default:
			errbuf_set(err, "unknown option '%s' (see --help)", name);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		errbuf_set(err, "unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}

	if (o->list_servers)
		return 0;
	int sources = !!server_list + !!o->server_cmd + !!o->url;
	if (sources == 0) {
		errbuf_set(err, "no server given: use --server NAME, --server-cmd CMD or --url URL (see --help)");
		return -EINVAL;
	}
	if (sources > 1) {
		errbuf_set(err, "--server, --server-cmd and --url exclude each other");
		return -EINVAL;
	}
	if (o->pid && !o->url) {
		errbuf_set(err, "--pid goes with --url (for a server started elsewhere)");
		return -EINVAL;
	}
	if (o->overhead_pairs && o->no_ebpf) {
		errbuf_set(err, "--overhead compares probes off and on: it cannot go with --no-ebpf");
		return -EINVAL;
	}
	if (o->trace && o->no_ebpf) {
		errbuf_set(err, "--trace writes what the eBPF probes saw: it cannot go with --no-ebpf");
		return -EINVAL;
	}
	if (server_list && split_servers(o, server_list, err))
		return -EINVAL;
	if (o->duration_ns && !requests_set)
		o->requests = 0;	/* -d alone: run for the duration */

	default_cpus(o, server_cpu_set, client_cpu_set);
	if (!o->threads)
		o->threads = o->pin ? o->n_client_cpus : 1;
	if (o->connections < o->threads) {
		errbuf_set(err, "fewer connections (-c %d) than threads (-t %d): each thread needs at least one",
			   o->connections, o->threads);
		return -EINVAL;
	}
	if (o->arrival && o->mode != LG_MODE_OPEN) {
		errbuf_set(err, "--arrival shapes an open loop: give --rate too");
		return -EINVAL;
	}
	/* The load generator's own view of what cannot work (rate below the
	 * thread count, HTTP/2 without curl, ...), and what may not. */
	struct lg_options lo = {
		.connections = o->connections, .threads = o->threads,
		.requests = o->requests, .duration_ns = o->duration_ns,
		.warmup_ns = o->warmup_ns, .timeout_ns = o->timeout_ns,
		.mode = o->mode, .rate = o->rate, .arrival = o->arrival,
		.engine = o->engine, .insecure = o->insecure, .http2 = o->http2,
	};
	struct errbuf lerr = { "" };
	int checked = lg_check_options(&lo, &lerr);
	if (checked < 0) {
		errbuf_set(err, "%s", lerr.msg);
		return -EINVAL;
	}
	if (checked > 0)
		warn(o, lerr.msg);
	return 0;
}
