/* Option parsing in two steps: every option's value is parsed by its table
 * entry (src/cli_table.c, through src/cli_engine.c), then the whole is
 * resolved and checked here, so the order of options never changes what
 * they mean. */
#define _GNU_SOURCE
#include "src/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/loadgen.h"
#include "loader/kernel_features.h"
#include "servers/server.h"
#include "src/cli_table.h"

static void warn(struct cli_options *o, const char *msg)
{
	if (o->n_warnings < 4)
		snprintf(o->warnings[o->n_warnings++], sizeof(o->warnings[0]), "%s", msg);
}

/* What to run, and which options go with it. */
static int check_sources(struct cli_options *o, const bool *seen, struct errbuf *err)
{
	int sources = seen[OPT_SERVER] + seen[OPT_SERVER_CMD] + seen[OPT_URL];
	if (sources == 0)
		errbuf_set(err, "no server given: use --server NAME, --server-cmd CMD or --url URL (see --help)");
	else if (sources > 1)
		errbuf_set(err, "--server, --server-cmd and --url exclude each other");
	else if (seen[OPT_PID] && !seen[OPT_URL])
		errbuf_set(err, "--pid goes with --url (for a server started elsewhere)");
	else if ((seen[OPT_EXPECT_BODY] || seen[OPT_EXPECT_STATUS]) && seen[OPT_SERVER])
		errbuf_set(err, "--expect-%s goes with --server-cmd or --url (the built-in servers' answer is known)",
			   seen[OPT_EXPECT_BODY] ? "body" : "status");
	else if (o->overhead_pairs && o->no_ebpf)
		errbuf_set(err, "--overhead compares probes off and on: it cannot go with --no-ebpf");
	else if (o->trace && o->no_ebpf)
		errbuf_set(err, "--trace writes what the eBPF probes saw: it cannot go with --no-ebpf");
	else if (o->url && server_url_check(o->url, err))
		return -EINVAL;
	else if (o->pid && server_pid_check(o->pid, o->url, err))
		return -EINVAL;
	else if (probes_check_names(o->probes, o->disable_probes, err))
		return -EINVAL;
	else
		return 0;
	return -EINVAL;
}

/* "0-1,4": the CPUs of SET as a list. */
static void cpus_text(const cpu_set_t *set, char *out, size_t len)
{
	size_t n = 0;
	out[0] = 0;
	for (int c = 0; c < CPU_SETSIZE && n < len; c++) {
		if (!CPU_ISSET(c, set) || (c > 0 && CPU_ISSET(c - 1, set)))
			continue;
		int last = c;
		while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set))
			last++;
		n += (size_t)(last > c ? snprintf(out + n, len - n, "%s%d-%d", n ? "," : "", c, last)
				       : snprintf(out + n, len - n, "%s%d", n ? "," : "", c));
	}
}

/* Every CPU in SET must be one this process may run on. */
static int check_cpus(const char *opt, const cpu_set_t *set, struct errbuf *err)
{
	cpu_set_t allowed;
	char usable[128];
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return 0;	/* cannot tell: the pinning itself will say */
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set) && !CPU_ISSET(c, &allowed)) {
			cpus_text(&allowed, usable, sizeof(usable));
			errbuf_set(err, "%s: CPU %d is not available here (usable: %s)", opt, c, usable);
			return -EINVAL;
		}
	return 0;
}

/* Default pinning: server on CPU 0, load generator on every other CPU. */
static void default_cpus(struct cli_options *o, bool server_set, bool client_set)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->load.pin = true;
	if (ncpu < 2 && !server_set && !client_set) {
		warn(o, "one CPU only: the server and the load generator share it, figures will be noisy");
		o->load.pin = false;
		return;
	}
	if (!server_set)
		CPU_SET(0, &o->server_cpus);
	if (!client_set) {
		for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
			if (!CPU_ISSET(c, &o->server_cpus))
				CPU_SET(c, &o->load.cpus);
		if (!CPU_COUNT(&o->load.cpus))
			CPU_SET(0, &o->load.cpus);
	}
	o->n_client_cpus = CPU_COUNT(&o->load.cpus);
	cpu_set_t both;
	CPU_AND(&both, &o->server_cpus, &o->load.cpus);
	if (CPU_COUNT(&both))
		warn(o, "the server and the load generator share CPUs: figures will be noisy");
}

/* The load as a whole: the mode, the engine the URL needs, threads, and the
 * load generator's own verdict on the combination. */
static int resolve_load(struct cli_options *o, const bool *seen, struct errbuf *err)
{
	struct lg_options *lo = &o->load;
	if (seen[OPT_DURATION] && !seen[OPT_REQUESTS])
		lo->requests = 0;	/* -d alone: run for the duration */
	if (seen[OPT_RATE])
		lo->mode = LG_MODE_OPEN;
	else if (seen[OPT_ARRIVAL]) {
		errbuf_set(err, "--arrival shapes an open loop: give --rate too");
		return -EINVAL;
	}
	if (o->url && !strncmp(o->url, "https://", 8)) {
		if (!seen[OPT_ENGINE])
			lo->engine = LG_ENGINE_CURL;	/* only curl speaks TLS */
		else if (lo->engine != LG_ENGINE_CURL) {
			errbuf_set(err, "--engine %s cannot speak TLS: an https URL needs --engine curl",
				   lg_engine_names[lo->engine]);
			return -EINVAL;
		}
	}
	if ((seen[OPT_SERVER_CPU] && check_cpus("--server-cpu", &o->server_cpus, err)) ||
	    (seen[OPT_CLIENT_CPU] && check_cpus("--client-cpu", &lo->cpus, err)))
		return -EINVAL;
	default_cpus(o, seen[OPT_SERVER_CPU], seen[OPT_CLIENT_CPU]);
	if (!seen[OPT_THREADS])
		lo->threads = lo->pin ? o->n_client_cpus : 1;
	if (lo->connections < lo->threads) {
		errbuf_set(err, "fewer connections (-c %d) than threads (-t %d): each thread needs at least one",
			   lo->connections, lo->threads);
		return -EINVAL;
	}
	struct errbuf lerr = { "" };
	int checked = lg_check_options(lo, &lerr);
	if (checked < 0) {
		errbuf_set(err, "%s", lerr.msg);
		return -EINVAL;
	}
	if (checked > 0)
		warn(o, lerr.msg);
	return 0;
}

int cli_parse(int argc, char **argv, struct cli_options *o, struct errbuf *err)
{
	bool seen[OPT__COUNT] = { false };

	memset(o, 0, sizeof(*o));
	o->argc = argc;
	o->argv = argv;
	int operand = cli_command_parse(&cli_main, argc, argv, o, seen, err);
	if (operand < 0)
		return -EINVAL;
	if (operand < argc) {
		errbuf_set(err, "unexpected argument '%s' (see --help)", argv[operand]);
		return -EINVAL;
	}
	if (o->help) {
		cli_usage(stdout);
		return 1;
	}
	if (o->version || o->list_servers)
		return 0;
	if (check_sources(o, seen, err) || resolve_load(o, seen, err))
		return -EINVAL;
	return 0;
}
