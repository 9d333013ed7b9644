/* Option parsing: the values users type, and the one-line errors for bad ones. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "src/cli.h"
#include "src/units.h"

static int failures;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; \
	fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static int parse(struct cli_options *o, struct errbuf *e, ...)
{
	static char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, e);
	argv[argc++] = "bench-ebpf";
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	e->msg[0] = '\0';
	return cli_parse(argc, argv, o, e);
}

static void expect_error(const char *needle, ...)
{
	/* the variadic args are the options; a NULL ends them */
	static char *argv[32];
	int argc = 0;
	struct cli_options o;
	struct errbuf e = { "" };
	va_list ap;
	va_start(ap, needle);
	argv[argc++] = "bench-ebpf";
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
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
	CHECK(o.connections == 100, "default -c is %d", o.connections);
	CHECK(o.requests == 50000, "default -n is %llu", (unsigned long long)o.requests);
	CHECK(o.n_servers == 1 && strcmp(o.servers[0], "flask") == 0, "server list");
	CHECK(strcmp(o.python, "/usr/bin/python3") == 0, "default python");
	CHECK(o.threads >= 1, "threads %d", o.threads);
	CHECK(o.ready_timeout_s == 20, "ready timeout");

	CHECK(parse(&o, &e, "--server", "flask,aiohttp", "-d", "3s", "-c", "50", NULL) == 0, "%s", e.msg);
	CHECK(o.n_servers == 2 && o.requests == 0 && o.duration_ns == 3000000000ull,
	      "-d alone runs for a duration");
	CHECK(parse(&o, &e, "--server", "all", NULL) == 0 && o.all_servers, "all");
	CHECK(parse(&o, &e, "--server", "nginx", "--rate", "20k", "--arrival", "poisson", "-d", "2s", NULL) == 0 &&
	      o.rate == 20000 && o.mode == 1 && o.arrival == 1, "open loop: %s", e.msg);
	CHECK(parse(&o, &e, "--url", "https://127.0.0.1:8443/", "--insecure", NULL) == 0 && o.engine == 1,
	      "https picks the curl engine: %s", e.msg);
	CHECK(parse(&o, &e, "--server-cmd", "myserver --port {port}", NULL) == 0, "%s", e.msg);
	CHECK(parse(&o, &e, "--url", "http://127.0.0.1:8080/", "--pid", "1", NULL) == 0, "%s", e.msg);
	CHECK(parse(&o, &e, "--server", "nginx", "--server-cpu", "1", "--client-cpu", "0",
		    "-t", "1", NULL) == 0 && CPU_ISSET(1, &o.server_cpus) && CPU_ISSET(0, &o.client_cpus),
	      "explicit CPUs");
}

int main(void)
{
	test_units();
	test_defaults();
	expect_error("-c", "--server", "flask", "-c", "0", NULL);
	expect_error("-n", "--server", "flask", "-n", "-5", NULL);
	expect_error("-d", "--server", "flask", "-d", "10x", NULL);
	expect_error("fewer connections", "--server", "flask", "-c", "2", "-t", "4", NULL);
	expect_error("unknown server 'tomcat'", "--server", "tomcat", NULL);
	expect_error("no server given", "-c", "5", NULL);
	expect_error("exclude each other", "--server", "flask", "--url", "http://x/", NULL);
	expect_error("--pid goes with --url", "--server", "flask", "--pid", "5", NULL);
	expect_error("unknown option", "--server", "flask", "--bogus", NULL);
	expect_error("needs a value", "--server", "flask", "-c", NULL);
	expect_error("--port", "--server", "flask", "--port", "70000", NULL);
	expect_error("--url", "--url", "ftp://example.invalid/", NULL);
	expect_error("--rate", "--server", "nginx", "--rate", "0", NULL);
	expect_error("--rate", "--server", "nginx", "--rate", "fast", NULL);
	expect_error("give --rate", "--server", "nginx", "--arrival", "poisson", NULL);
	expect_error("--arrival", "--server", "nginx", "--rate", "100", "--arrival", "bursty", NULL);
	expect_error("--engine", "--server", "nginx", "--engine", "dpdk", NULL);
	expect_error("below the thread count", "--server", "nginx", "--rate", "1", "-t", "2", "-c", "2", NULL);
	expect_error("HTTP/2 needs --engine curl", "--server", "nginx", "--http2", NULL);
	expect_error("unexpected argument", "--server", "flask", "extra", NULL);
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
