/* Option parsing in two steps: every option's value is parsed by its table
 * entry (src/cli_table.c), then the whole is resolved and checked here, so
 * the order of options never changes what they mean. */
#define _GNU_SOURCE
#include "src/cli.h"

#include <errno.h>
#include <getopt.h>
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

/* getopt's view of the table: long options return their table index +
 * 0x100, short ones their letter. */
static void getopt_tables(struct option *longs, char *shorts)
{
	static const int has_arg[] = {
		[CLI_ARG_NONE] = no_argument, [CLI_ARG_REQUIRED] = required_argument,
		[CLI_ARG_OPTIONAL] = optional_argument,
	};
	*shorts++ = ':';	/* report a missing value as ':' */
	for (int i = 0; i < OPT__COUNT; i++) {
		const struct cli_opt *d = &cli_opts[i];
		longs[i] = (struct option){ d->name, has_arg[d->arg], NULL, 0x100 + i };
		if (d->short_name) {
			*shorts++ = d->short_name;
			if (d->arg == CLI_ARG_REQUIRED)
				*shorts++ = ':';
		}
	}
	longs[OPT__COUNT] = (struct option){ 0 };
	*shorts = '\0';
}

static int opt_index(int c)
{
	if (c >= 0x100 && c < 0x100 + OPT__COUNT)
		return c - 0x100;
	for (int i = 0; i < OPT__COUNT; i++)
		if (cli_opts[i].short_name && cli_opts[i].short_name == c)
			return i;
	return -1;
}

/* One value through its option's parser; the error names the option as typed. */
static int apply(struct cli_options *o, int i, const char *value, const char *typed,
		 struct errbuf *err)
{
	const struct cli_opt *d = &cli_opts[i];
	struct errbuf why = { "" };
	if (!d->parse(d, value ? value : "", (char *)o + d->offset, &why))
		return 0;
	errbuf_set(err, "invalid value '%s' for %s: %s", value ? value : "", typed, why.msg);
	return -EINVAL;
}

static int apply_defaults(struct cli_options *o, struct errbuf *err)
{
	for (int i = 0; i < OPT__COUNT; i++)
		if (cli_opts[i].def && apply(o, i, cli_opts[i].def, cli_opts[i].name, err))
			return -EINVAL;	/* a wrong default in the table */
	return 0;
}

/* The first step: every option stored, nothing combined yet. */
static int parse_all(int argc, char **argv, struct cli_options *o, bool *seen,
		     struct errbuf *err)
{
	struct option longs[OPT__COUNT + 1];
	char shorts[3 * OPT__COUNT + 2];
	int c;

	getopt_tables(longs, shorts);
	opterr = 0;
	optind = 0;	/* 0, not 1: GNU getopt forgets a half-read "-abc" of an earlier call */
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const char *typed = optind > 1 ? argv[optind - 1] : "?";
		if (c == ':') {
			errbuf_set(err, "option %s needs a value", typed);
			return -EINVAL;
		}
		int i = opt_index(c);
		if (i < 0 && optopt > 0 && optopt < 0x100) {
			errbuf_set(err, "unknown option '-%c' (see --help)", optopt);
			return -EINVAL;
		}
		if (i < 0) {
			errbuf_set(err, "unknown option '%s' (see --help)", typed);
			return -EINVAL;
		}
		char name[64];
		if (c < 0x100)
			snprintf(name, sizeof(name), "-%c", cli_opts[i].short_name);
		else
			snprintf(name, sizeof(name), "--%s", cli_opts[i].name);
		const char *value = optarg ? optarg : cli_opts[i].bare;
		if (apply(o, i, value, name, err))
			return -EINVAL;
		seen[i] = true;
	}
	if (optind < argc) {
		errbuf_set(err, "unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
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
	if (apply_defaults(o, err) || parse_all(argc, argv, o, seen, err))
		return -EINVAL;
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
