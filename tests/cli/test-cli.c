/* Option parsing: the values users type, and the one-line errors for bad ones. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "src/cli.h"
#include "src/units.h"
#include "tests/lib/check.h"

/* argv for cli_parse from a NULL-ended list; returns argc. */
static int make_argv(char **argv, int max, va_list ap)
{
	int argc = 0;

	argv[argc++] = "bench-ebpf";
	for (char *a; argc < max - 1 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	argv[argc] = NULL;
	return argc;
}

static int parse(struct cli_options *o, struct errbuf *e, ...)
{
	static char *argv[32];
	va_list ap;
	va_start(ap, e);
	int argc = make_argv(argv, 32, ap);
	va_end(ap);
	e->msg[0] = '\0';
	return cli_parse(argc, argv, o, e);
}

static void expect_error(const char *needle, ...)
{
	/* the variadic args are the options; a NULL ends them */
	static char *argv[32];
	struct cli_options o;
	struct errbuf e = { "" };
	va_list ap;
	va_start(ap, needle);
	int argc = make_argv(argv, 32, ap);
	va_end(ap);
	int rc = cli_parse(argc, argv, &o, &e);
	CHECK(rc < 0, "expected an error containing '%s' for %s %s, got rc %d", needle,
	      argv[1], argc > 2 ? argv[2] : "", rc);
	CHECK(strstr(e.msg, needle), "error '%s' lacks '%s'", e.msg, needle);
	CHECK(!strchr(e.msg, '\n'), "error is not one line: '%s'", e.msg);
}

static void test_units(void)
{
	uint64_t v;
	CHECK(parse_count("50000", &v) == 0 && v == 50000, "50000");
	CHECK(parse_count("50k", &v) == 0 && v == 50000, "50k");
	CHECK(parse_count("2M", &v) == 0 && v == 2000000, "2M");
	CHECK(parse_count("-5", &v) < 0, "-5 accepted");
	CHECK(parse_count("5x", &v) < 0, "5x accepted");
	CHECK(parse_count("", &v) < 0, "empty accepted");
	CHECK(parse_count("99999999999999999999", &v) < 0, "overflow accepted");
	CHECK(parse_duration_ns("10s", &v) == 0 && v == 10000000000ull, "10s");
	CHECK(parse_duration_ns("500ms", &v) == 0 && v == 500000000ull, "500ms");
	CHECK(parse_duration_ns("1m", &v) == 0 && v == 60000000000ull, "1m");
	CHECK(parse_duration_ns("1.5s", &v) == 0 && v == 1500000000ull, "1.5s");
	CHECK(parse_duration_ns("250us", &v) == 0 && v == 250000ull, "250us");
	CHECK(parse_duration_ns("3", &v) == 0 && v == 3000000000ull, "bare 3");
	CHECK(parse_duration_ns("10x", &v) < 0, "10x accepted");
	CHECK(parse_duration_ns("-1s", &v) < 0, "-1s accepted");
	cpu_set_t s;
	int n;
	CHECK(parse_cpulist("0,2-3", &s, &n) == 0 && n == 3 && CPU_ISSET(0, &s) &&
	      CPU_ISSET(3, &s) && !CPU_ISSET(1, &s), "0,2-3");
	CHECK(parse_cpulist("3-1", &s, &n) < 0, "3-1 accepted");
	CHECK(parse_cpulist("a", &s, &n) < 0, "a accepted");
}

static void test_defaults(void)
{
	struct cli_options o;
	struct errbuf e;
	CHECK(parse(&o, &e, "--server", "flask", NULL) == 0, "plain --server flask: %s", e.msg);
	CHECK(o.load.connections == 100, "default -c is %d", o.load.connections);
	CHECK(o.load.requests == 50000, "default -n is %llu", (unsigned long long)o.load.requests);
	CHECK(o.load.timeout_ns == 10000000000ull, "default --timeout");
	CHECK(o.load.warmup_ns == 0 && o.load.mode == LG_MODE_CLOSED && o.load.engine == LG_ENGINE_EPOLL &&
	      o.load.arrival == LG_ARRIVAL_CONSTANT, "default load");
	CHECK(o.n_servers == 1 && strcmp(o.servers[0], "flask") == 0, "server list");
	CHECK(strcmp(o.python, "/usr/bin/python3") == 0, "default python");
	CHECK(o.ready_timeout_s == 20, "ready timeout");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu >= 2) {	/* pinned: server on CPU 0, one thread per other CPU */
		CHECK(o.load.pin && CPU_ISSET(0, &o.server_cpus) && !CPU_ISSET(0, &o.load.cpus) &&
		      CPU_COUNT(&o.load.cpus) == ncpu - 1, "default pinning");
		CHECK(o.load.threads == ncpu - 1 && o.n_client_cpus == ncpu - 1,
		      "one thread per client CPU: %d threads for %ld CPUs", o.load.threads, ncpu);
	} else {
		CHECK(!o.load.pin && o.load.threads == 1, "one CPU: no pinning, one thread");
	}

	CHECK(parse(&o, &e, "--server", "flask,aiohttp", "-d", "3s", "-c", "50", NULL) == 0, "%s", e.msg);
	CHECK(o.n_servers == 2 && o.load.requests == 0 && o.load.duration_ns == 3000000000ull &&
	      o.load.connections == 50, "-d alone runs for a duration");
	CHECK(parse(&o, &e, "--server", "nginx", "--server", "aiohttp", NULL) == 0 && o.n_servers == 1 &&
	      !strcmp(o.servers[0], "aiohttp"), "a later --server replaces an earlier one");
	CHECK(parse(&o, &e, "--server", "all", NULL) == 0 && o.all_servers && o.n_servers == 0, "all");
	CHECK(parse(&o, &e, "--server", "nginx", "--rate", "20k", "--arrival", "poisson", "-d", "2s", NULL) == 0 &&
	      o.load.rate == 20000 && o.load.mode == LG_MODE_OPEN && o.load.arrival == LG_ARRIVAL_POISSON,
	      "open loop: %s", e.msg);
	CHECK(parse(&o, &e, "--url", "https://127.0.0.1:8443/", "--insecure", NULL) == 0 &&
	      o.load.engine == LG_ENGINE_CURL && o.load.insecure, "https picks the curl engine: %s", e.msg);
	CHECK(parse(&o, &e, "--server-cmd", "myserver --port {port}", NULL) == 0 &&
	      !strcmp(o.server_cmd, "myserver --port {port}"), "%s", e.msg);

	CHECK(parse(&o, &e, "--server", "nginx", "--server-cpu", "1", "--client-cpu", "0",
		    "-t", "1", NULL) == 0 && CPU_ISSET(1, &o.server_cpus) && !CPU_ISSET(0, &o.server_cpus) &&
	      CPU_ISSET(0, &o.load.cpus) && !CPU_ISSET(1, &o.load.cpus), "explicit CPUs");
	CHECK(parse(&o, &e, "-V", NULL) == 0 && o.version, "-V alone: %s", e.msg);
	CHECK(parse(&o, &e, "--server-cmd", "srv {port}", "--expect-body", "{\"ok\":1}", NULL) == 0 &&
	      o.expect_body_len == 8 && !memcmp(o.expect_body, "{\"ok\":1}", 8), "--expect-body TEXT: %s", e.msg);
	{
		char path[] = "/tmp/test-cli-body-XXXXXX";
		int fd = mkstemp(path);
		CHECK(fd >= 0 && write(fd, "line\n\0two", 9) == 9, "body file");
		close(fd);
		char arg[64];
		snprintf(arg, sizeof(arg), "@%s", path);
		CHECK(parse(&o, &e, "--server-cmd", "srv {port}", "--expect-body", arg, NULL) == 0 &&
		      o.expect_body_len == 9 && !memcmp(o.expect_body, "line\n\0two", 9),
		      "--expect-body @FILE, NUL inside: %s", e.msg);
		unlink(path);
	}
	CHECK(parse(&o, &e, "--server", "nginx", "--probes", "sched,anatomy", "--disable-probe",
		    "sched_switch,anatomy/sk_data_ready:tp_btf", NULL) == 0, "known probe names: %s", e.msg);
	CHECK(parse(&o, &e, "--server", "nginx", "--overhead", NULL) == 0 && o.overhead_pairs == 3,
	      "bare --overhead: 3 pairs, got %d", o.overhead_pairs);
	CHECK(parse(&o, &e, "--server", "nginx", "--overhead=7", "-qv", NULL) == 0 && o.overhead_pairs == 7 &&
	      o.quiet && o.verbose, "--overhead=7 -qv: %s", e.msg);
	CHECK(parse(&o, &e, "--server", "nginx", "-n5k", "--timeout", "250ms", "--warmup", "1s", NULL) == 0 &&
	      o.load.requests == 5000 && o.load.timeout_ns == 250000000ull &&
	      o.load.warmup_ns == 1000000000ull, "suffixes: %s", e.msg);
}

/* --pid must name the server behind --url: this process, listening. */
static void test_pid(void)
{
	struct cli_options o;
	struct errbuf e;
	char url[64], self[16], child[16];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		CHECK(0, "cannot listen for the --pid test");
		return;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
	snprintf(self, sizeof(self), "%d", (int)getpid());
	CHECK(parse(&o, &e, "--url", url, "--pid", self, NULL) == 0 && o.pid == getpid(),
	      "--pid of the listener: %s", e.msg);
	pid_t kid = fork();
	if (kid == 0) {
		close(fd);
		pause();
		_exit(0);
	}
	snprintf(child, sizeof(child), "%d", (int)kid);
	CHECK(parse(&o, &e, "--url", url, "--pid", child, NULL) < 0 &&
	      strstr(e.msg, "neither it nor a process it started listens on port"), "idle child: %s", e.msg);
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	CHECK(parse(&o, &e, "--url", url, "--pid", "1", NULL) < 0 &&
	      strstr(e.msg, "--pid 1 is an ancestor of bench-ebpf itself"), "pid 1: %s", e.msg);
	CHECK(parse(&o, &e, "--url", url, "--pid", child, NULL) < 0 &&
	      strstr(e.msg, ": no such process"), "dead child: %s", e.msg);
	close(fd);
}

static bool same_load(const struct lg_options *a, const struct lg_options *b)
{
	return a->connections == b->connections && a->threads == b->threads &&
	       a->requests == b->requests && a->duration_ns == b->duration_ns &&
	       a->warmup_ns == b->warmup_ns && a->timeout_ns == b->timeout_ns &&
	       a->mode == b->mode && a->rate == b->rate && a->arrival == b->arrival &&
	       a->engine == b->engine && a->insecure == b->insecure && a->http2 == b->http2 &&
	       a->pin == b->pin && CPU_EQUAL(&a->cpus, &b->cpus);
}

/* Options mean the same in any order: each pair parsed both ways gives the
 * same load, or the same error. */
static void test_order(void)
{
	static const char *const pairs[][4] = {
		{ "--url", "https://127.0.0.1:8443/", "--engine", "curl" },
		{ "--url", "https://127.0.0.1:8443/", "--engine", "epoll" },
		{ "--url", "http://127.0.0.1:8080/", "--engine", "curl" },
		{ "--url", "http://127.0.0.1:8080/", "-d", "2s" },
		{ "-d", "2s", "-n", "300" },
		{ "--rate", "500", "--arrival", "poisson" },
		{ "--server-cpu", "1", "--client-cpu", "0" },
		{ "-c", "8", "-t", "2" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char *const *p = pairs[i];
		const char *src = !strcmp(p[0], "--url") ? NULL : "--server";
		struct cli_options a, b;
		struct errbuf ea, eb;
		int ra = src ? parse(&a, &ea, src, "nginx", p[0], p[1], p[2], p[3], NULL)
			     : parse(&a, &ea, p[0], p[1], p[2], p[3], NULL);
		int rb = src ? parse(&b, &eb, src, "nginx", p[2], p[3], p[0], p[1], NULL)
			     : parse(&b, &eb, p[2], p[3], p[0], p[1], NULL);
		CHECK(ra == rb && !strcmp(ea.msg, eb.msg), "%s %s / %s %s: '%s' one way, '%s' the other",
		      p[0], p[1], p[2], p[3], ea.msg, eb.msg);
		CHECK(ra || same_load(&a.load, &b.load), "%s %s / %s %s: the load differs by order",
		      p[0], p[1], p[2], p[3]);
	}
}

/* --help is made from the table: every option is in it, with its default. */
static void test_usage(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cli_usage(f);
	fclose(f);
	static const char *const needles[] = {
		"\n  -c, --connections N  concurrent connections (default 100)\n",
		"\n  -n, --requests N     requests to measure, k and M suffixes allowed (default 50000)\n",
		"\n      --timeout T      a request not answered within T is an error (default 10s)\n",
		"\n      --overhead[=N]   measure the probes' cost",
		"\n      --server LIST    built-in servers:",
		"\n                       or 'all' (every one usable here)",
		"\nSERVER\n", "\nPROBES AND OUTPUT\n", "\nEXAMPLES\n",
	};
	for (size_t i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
		CHECK(strstr(text, needles[i]), "--help lacks '%s'", needles[i]);
	static const char *const names[] = {
		"server", "server-cmd", "url", "pid", "python", "port", "ready-timeout", "server-cpu",
		"client-cpu", "list-servers", "connections", "requests", "duration", "threads",
		"warmup", "timeout", "rate", "arrival", "engine", "insecure", "http2", "no-ebpf",
		"probes", "disable-probe", "overhead", "trace", "output", "quiet", "verbose",
		"version", "help",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "--%s", names[i]);
		char *at = strstr(text, needle);
		size_t n = strlen(needle);
		CHECK(at && (at[n] == ' ' || at[n] == '[' || at[n] == '\n'), "--help lacks %s", needle);
	}
	free(text);
}

int main(void)
{
	test_units();
	test_defaults();
	test_order();
	test_pid();
	test_usage();
	expect_error("invalid value '0' for -c: expected a whole number from 1 to 1000000",
		     "--server", "flask", "-c", "0", NULL);
	expect_error("invalid value '0' for --connections: expected a whole number from 1 to 1000000",
		     "--server", "flask", "--connections", "0", NULL);
	expect_error("invalid value '-5' for -n: expected a whole number of at least 1",
		     "--server", "flask", "-n", "-5", NULL);
	expect_error("invalid value '10x' for -d: expected a duration above 0",
		     "--server", "flask", "-d", "10x", NULL);
	expect_error("fewer connections (-c 2) than threads (-t 4)", "--server", "flask", "-c", "2", "-t", "4", NULL);
	expect_error("unknown server 'tomcat' (built-in:", "--server", "flask,tomcat", NULL);
	expect_error("no server given", "-c", "5", NULL);
	expect_error("--server, --server-cmd and --url exclude each other", "--server", "flask", "--url", "http://x/", NULL);
	expect_error("--pid goes with --url", "--server", "flask", "--pid", "5", NULL);
	expect_error("unknown option '--bogus'", "--server", "flask", "--bogus", NULL);
	expect_error("option -c needs a value", "--server", "flask", "-c", NULL);
	expect_error("invalid value '70000' for --port: expected a whole number from 1 to 65535",
		     "--server", "flask", "--port", "70000", NULL);
	expect_error("invalid value 'ftp://example.invalid/' for --url: expected http://",
		     "--url", "ftp://example.invalid/", NULL);
	expect_error("invalid value '0' for --rate: expected requests per second above 0",
		     "--server", "nginx", "--rate", "0", NULL);
	expect_error("invalid value 'fast' for --rate", "--server", "nginx", "--rate", "fast", NULL);
	expect_error("--arrival shapes an open loop: give --rate too", "--server", "nginx", "--arrival", "poisson", NULL);
	expect_error("invalid value 'bursty' for --arrival: expected constant or poisson",
		     "--server", "nginx", "--rate", "100", "--arrival", "bursty", NULL);
	expect_error("invalid value 'dpdk' for --engine: expected epoll, curl or uring",
		     "--server", "nginx", "--engine", "dpdk", NULL);
	expect_error("--engine epoll cannot speak TLS: an https URL needs --engine curl",
		     "--engine", "epoll", "--url", "https://127.0.0.1:8443/", NULL);
	expect_error("--engine uring cannot speak TLS", "--url", "https://127.0.0.1:8443/", "--engine", "uring", NULL);
	expect_error("invalid value '0' for --overhead: expected a whole number from 1 to 100",
		     "--server", "nginx", "--overhead=0", NULL);
	expect_error("--overhead compares probes off and on", "--server", "nginx", "--overhead", "--no-ebpf", NULL);
	expect_error("invalid value '' for --trace: expected a file name", "--server", "nginx", "--trace", "", NULL);
	expect_error("below the thread count", "--server", "nginx", "--rate", "1", "-t", "2", "-c", "2", NULL);
	expect_error("HTTP/2 needs --engine curl", "--server", "nginx", "--http2", NULL);
	expect_error("unknown option '-x'", "--server", "flask", "-qx", NULL);
	expect_error("no host in URL 'http://'", "--url", "http://", NULL);
	expect_error("the port in URL 'http://h:99999/' is not a number from 1 to 65535", "--url", "http://h:99999/", NULL);
	expect_error("--server-cpu: CPU 1000 is not available here (usable: ", "--server", "nginx", "--server-cpu", "1000", NULL);
	expect_error("--client-cpu: CPU 1000 is not available here", "--server", "nginx", "--client-cpu", "0,1000", NULL);
	expect_error("unknown probe group 'bogus' (known: syscalls, sched, tcp, anatomy)", "--server", "nginx", "--probes", "sched,bogus", NULL);
	expect_error("unknown probe 'bogus' in the disable list (known: ", "--server", "nginx", "--disable-probe", "bogus", NULL);
	expect_error("--expect-body goes with --server-cmd or --url", "--server", "nginx", "--expect-body", "x", NULL);
	expect_error("--expect-status goes with --server-cmd or --url", "--server", "nginx", "--expect-status", "404", NULL);
	expect_error("invalid value '99' for --expect-status: expected a whole number from 100 to 599",
		     "--url", "http://127.0.0.1:9/", "--expect-status", "99", NULL);
	expect_error("invalid value '@/nonexistent/body' for --expect-body: cannot read /nonexistent/body: No such file",
		     "--url", "http://127.0.0.1:9/", "--expect-body", "@/nonexistent/body", NULL);
	expect_error("unexpected argument 'extra'", "--server", "flask", "extra", NULL);
	return check_status();
}
