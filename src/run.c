#define _GNU_SOURCE
#include "src/run.h"
#include "src/run_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/anatomy.h"
#include "analysis/report.h"
#include "analysis/report_cost.h"
#include "analysis/summary.h"
#include "common/clock.h"
#include "loader/probes.h"
#include "loadgen/loadgen.h"
#include "servers/server.h"


static void server_opts_from_cli(const struct cli_options *o, const char *name,
				 struct server_opts *so)
{
	memset(so, 0, sizeof(*so));
	so->name = name ? name : o->url ? "external" : "custom";
	so->command = o->server_cmd;
	so->url = o->url;
	so->pid = o->pid;
	so->python = o->python;
	so->port = o->port;
	so->cpus = o->server_cpus;
	so->pin = o->load.pin;
	so->verbose = o->verbose;
}

static bool show_progress(const struct cli_options *o)
{
	return !o->quiet && isatty(STDERR_FILENO);
}

/* Attach the probes to the server process while it still waits at its gate,
 * so nothing it does (or forks) escapes them. */
enum run_status run_attach_probes(struct run *r, struct errbuf *err)
{
	if (r->o->no_ebpf) {
		r->kernel = report_kernel_disabled("--no-ebpf");
		return RUN_OK;
	}
	if (r->srv.pid <= 0) {
		r->kernel = report_kernel_disabled("no process to trace: give --pid with --url");
		return RUN_OK;
	}
	struct probes_opts po = {
		.server_tgid = r->srv.pid,
		.client_tgid = getpid(),
		.server_port = r->srv.port,
		.groups = r->o->probes,
		.disable = r->o->disable_probes,
		.verbose = r->o->verbose,
	};
	int e = probes_open(&po, &r->probes, err);
	if (e)
		return e == -EPERM ? RUN_NOPRIV : RUN_FAILED;
	if (probes_attach(r->probes, err)) {
		run_detach_probes(r);
		return RUN_FAILED;
	}
	r->anatomy = probes_anatomy(r->probes);
	json_decref(r->kernel);
	r->kernel = json_object();
	return RUN_OK;
}

void run_detach_probes(struct run *r)
{
	r->anatomy = NULL;	/* the probes' */
	probes_close(r->probes);
	r->probes = NULL;
}

static void print_progress(struct lg_run *lg, uint64_t t0, uint64_t goal)
{
	uint64_t done = lg_progress(lg);
	double secs = (double)(mono_ns() - t0) / 1e9;
	if (goal)
		fprintf(stderr, "\r  %llu/%llu requests, %.0f req/s   ", (unsigned long long)done,
			(unsigned long long)goal, secs > 0 ? (double)done / secs : 0);
	else
		fprintf(stderr, "\r  %llu requests, %.1f s, %.0f req/s   ", (unsigned long long)done,
			secs, secs > 0 ? (double)done / secs : 0);
}

enum run_status run_drive_load(struct run *r, struct errbuf *err)
{
	const struct cli_options *o = r->o;
	struct lg_target target;
	struct lg_options lo = o->load;
	lo.record_requests = r->anatomy != NULL;	/* the anatomy joins them */
	struct lg_run *lg;
	uint64_t measure_start, last_print = 0;

	if (lg_target_from_url(&target, r->srv.url, err))
		return RUN_FAILED;
	if (!o->server_cmd && !o->url) {
		target.expect_body = SERVER_EXPECTED_BODY;
		target.expect_body_len = strlen(SERVER_EXPECTED_BODY);
	}
	/* Without warmup the kernel window opens before the first connect
	 * (workers start inside lg_start, and this thread may not run again for
	 * a while); with warmup at the exact start, still in the future when
	 * lg_start returns. */
	if (r->probes && !o->load.warmup_ns)
		probes_window_open(r->probes, mono_ns());
	if (lg_start(&target, &lo, &lg, &measure_start, err))
		return RUN_FAILED;
	if (r->probes && o->load.warmup_ns)
		probes_window_open(r->probes, measure_start);
	while (!lg_done(lg)) {
		if (*r->stop && !r->interrupted) {
			r->interrupted = true;
			lg_stop(lg);
		}
		uint64_t now = mono_ns();
		if (show_progress(o) && now > measure_start && now - last_print > 200 * NS_PER_MS) {
			print_progress(lg, measure_start, o->load.requests);
			last_print = now;
		}
		probes_poll(r->probes);	/* drain the per-request records */
		probes_trim(r->probes);
		usleep(20000);
	}
	/* Close the kernel window as soon as the load is over, so the server's
	 * idle time afterwards is not counted. */
	probes_window_close(r->probes);
	if (r->have_res)
		lg_result_free(&r->res);
	lg_join(lg, &r->res);
	r->have_res = true;
	/* The workers have closed their sockets, which emits the last records;
	 * the figures are read for the exact measured window. */
	if (r->probes)
		probes_collect(r->probes, measure_start, r->res.end_ns);
	if (show_progress(o))
		fprintf(stderr, "\r%60s\r", "");
	r->interrupted |= r->res.interrupted;
	return RUN_OK;
}

static json_t *server_json(const struct run *r)
{
	const struct server *s = &r->srv;
	return json_pack("{s:s, s:s, s:o, s:i, s:s, s:o, s:b, s:o}",
		"name", s->name, "command", s->command,
		"pid", s->pid > 0 ? json_integer(s->pid) : json_null(),
		"port", s->port, "url", s->url,
		"version", s->version[0] ? json_string(s->version) : json_null(),
		"external", s->external,
		"cpus", r->o->load.pin && !s->external ? json_string(r->server_cpus) : json_null());
}

static json_t *build_run(struct run *r, const char *error)
{
	if (!r->have_res) {	/* no load ran: report zeros, not garbage */
		memset(&r->res, 0, sizeof(r->res));
		hist_init(&r->res.latency);
		r->have_res = true;
	}
	json_t *run = json_object();
	json_object_set_new(run, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
	json_object_set_new(run, "tool", report_tool());
	json_object_set_new(run, "host", report_host());
	json_object_set_new(run, "server", server_json(r));
	json_object_set_new(run, "load", report_load(&r->load, &r->res));
	json_object_set_new(run, "client", report_client(&r->load, &r->res));
	if (!r->kernel)
		r->kernel = report_kernel_disabled(error ? "the run failed before probes ran" : "not run");
	json_object_set_new(run, "kernel", json_incref(r->kernel));
	if (!r->breakdown)
		r->breakdown = anat_breakdown_unavailable(error ? "the run failed" : "no load ran");
	json_object_set_new(run, "breakdown", json_incref(r->breakdown));
	if (r->overhead)
		json_object_set_new(run, "overhead", json_incref(r->overhead));
	json_object_set_new(run, "interrupted", json_boolean(r->interrupted));
	json_object_set_new(run, "error", error ? json_string(error) : json_null());
	return run;
}

static void collect_kernel(struct run *r)
{
	struct errbuf e = { "" };
	if (r->probes && probes_report(r->probes, r->kernel, &e))
		json_object_set_new(r->kernel, "error", json_string(e.msg));
	if (r->probes && json_is_object(json_object_get(r->kernel, "probes"))) {
		struct probes_cost c;

		probes_cost(r->probes, &c);
		json_object_set_new(json_object_get(r->kernel, "probes"), "cost",
				    report_probe_cost(&c));
	}
	if (r->probes && r->anatomy)
		anatomy_report_kernel(r->anatomy, r->kernel);
}

/* --trace: the first run of this process starts the file, later ones (more
 * servers) append to it. */
static FILE *open_trace(const char *path)
{
	static bool started;
	FILE *f = fopen(path, started ? "ae" : "we");

	if (!f)
		fprintf(stderr, "bench-ebpf: warning: cannot write the trace to %s: %s\n", path,
			strerror(errno));
	started = true;
	return f;
}

/* The report's "breakdown": the load generator's records joined with the
 * kernel's (analysis/anatomy.h). */
static void build_breakdown(struct run *r)
{
	const struct cli_options *o = r->o;
	struct errbuf e = { "" };

	json_decref(r->breakdown);
	r->breakdown = NULL;
	if (!r->anatomy) {
		r->breakdown = anat_breakdown_unavailable(
			o->no_ebpf ? "--no-ebpf" : !r->probes ? "no probes attached" :
			"the anatomy group is not selected (--probes)");
		return;
	}
	if (anatomy_unusable(r->anatomy)[0]) {
		r->breakdown = anat_breakdown_unavailable(anatomy_unusable(r->anatomy));
		return;
	}
	size_t nk = 0;
	const struct anat_rec **k = anatomy_records(r->anatomy, &nk);
	struct anat_join_in in = {
		.client = r->res.records, .n_client = r->res.n_records,
		.kernel = k, .n_kernel = k ? nk : 0,
		.window_start = r->res.start_ns, .window_end = r->res.end_ns,
		.client_latency = &r->res.latency,
		.have_accept = anatomy_have_accept(r->anatomy),
		.arrival = anatomy_arrival(r->anatomy),
		.records_lost = anatomy_lost(r->anatomy),
		.trace = o->trace ? open_trace(o->trace) : NULL,
		.server = r->srv.name,
		.debug = getenv("BENCH_EBPF_ANATOMY_DEBUG") ? stderr : NULL,
	};
	r->breakdown = anat_breakdown(&in, &e);
	if (!r->breakdown)
		r->breakdown = anat_breakdown_unavailable(e.msg);
	if (in.trace && fclose(in.trace))
		fprintf(stderr, "bench-ebpf: warning: failed to write the trace to %s: %s\n",
			o->trace, strerror(errno));
	free(k);
}

/* Start the server with the probes attached before it runs, and wait until it
 * answers. With --overhead the probes come and go per load instead. */
static enum run_status start_server(struct run *r, const struct server_opts *so,
				    struct errbuf *err)
{
	enum run_status st;
	if (!r->o->quiet)
		fprintf(stderr, "bench-ebpf: starting %s\n", so->name);
	r->spawned = true;
	if (server_spawn(so, &r->srv, err))
		return RUN_FAILED;
	if (!r->o->overhead_pairs && (st = run_attach_probes(r, err)) != RUN_OK)
		return st;
	if (server_release(&r->srv, err))
		return RUN_FAILED;
	int e = server_wait_ready(&r->srv, r->o->ready_timeout_s, (const volatile int *)r->stop, err);
	if (e == -EINTR) {
		r->interrupted = true;
		return RUN_INTERRUPTED;
	}
	if (e)
		return RUN_FAILED;
	if (!r->o->quiet)
		fprintf(stderr, "bench-ebpf: %s ready at %s (pid %d); %d connections, %s\n",
			r->srv.name, r->srv.url, (int)r->srv.pid, r->o->load.connections,
			r->o->load.requests ? "measuring requests" : "measuring for a duration");
	return RUN_OK;
}

/* A load in which no request succeeded measured nothing about the server:
 * that is a failed run, whatever the report says beside it. */
static enum run_status check_outcome(struct run *r, struct errbuf *err)
{
	const struct lg_result *res = &r->res;
	if (res->requests_ok || !res->errors_total)
		return RUN_OK;
	char classes[256] = "";
	size_t off = 0;
	for (int c = 0; c < LG_ERR__COUNT && off < sizeof(classes); c++)
		if (res->errors[c])
			off += (size_t)snprintf(classes + off, sizeof(classes) - off, "%s%s %llu",
						off ? ", " : "", lg_error_names[c],
						(unsigned long long)res->errors[c]);
	errbuf_set(err, "no request to %s succeeded (%s)%s%s", r->srv.url, classes,
		   res->first_error[0] ? ": " : "", res->first_error);
	return RUN_FAILED;
}

enum run_status run_server(const struct cli_options *o, const char *name,
			   const volatile sig_atomic_t *stop, json_t **run_out,
			   struct errbuf *err)
{
	struct run r = { .o = o, .stop = stop };
	struct server_opts so;
	enum run_status st;

	server_opts_from_cli(o, name, &so);
	const struct lg_options *lo = &o->load;
	r.load = (struct report_load){
		.mode = lg_mode_names[lo->mode], .engine = lg_engine_names[lo->engine],
		.arrival = lo->mode == LG_MODE_OPEN ? lg_arrival_names[lo->arrival] : NULL,
		.rate = lo->rate,
		.connections = lo->connections, .threads = lo->threads,
		.requests = lo->requests, .duration_limit_ns = lo->duration_ns,
		.warmup_ns = lo->warmup_ns, .timeout_ns = lo->timeout_ns,
		.client_cpus = lo->pin ? report_cpulist(&lo->cpus, r.client_cpus,
							sizeof(r.client_cpus)) : NULL,
		.client_cpu_count = lo->pin ? o->n_client_cpus : (int)sysconf(_SC_NPROCESSORS_ONLN),
	};
	report_cpulist(&o->server_cpus, r.server_cpus, sizeof(r.server_cpus));
	snprintf(r.srv.name, sizeof(r.srv.name), "%s", so.name);

	if (name && server_check_available(&so, err))
		st = RUN_UNAVAILABLE;
	else if ((st = start_server(&r, &so, err)) == RUN_OK)
		st = o->overhead_pairs ? overhead_measure(&r, err) : run_drive_load(&r, err);
	if (st == RUN_OK && !r.interrupted)
		st = check_outcome(&r, err);
	if (r.have_res) {	/* a load ran, even if it failed: keep what the kernel saw */
		collect_kernel(&r);
		build_breakdown(&r);
	} else if (r.kernel && !json_object_get(r.kernel, "probes")) {
		json_decref(r.kernel);	/* probes attached, but nothing was measured */
		r.kernel = report_kernel_disabled("no load ran");
	}
	if (r.interrupted && (st == RUN_OK || st == RUN_INTERRUPTED))
		st = RUN_INTERRUPTED;

	*run_out = build_run(&r, st == RUN_OK || st == RUN_INTERRUPTED ? NULL : err->msg);
	if (!o->quiet && (st == RUN_OK || st == RUN_INTERRUPTED)) {
		summary_print_run(stderr, *run_out);
		anat_summary(stderr, r.breakdown);
		if (r.probes) {
			struct probes_cost c;

			probes_summary(r.probes, stderr);
			probes_cost(r.probes, &c);
			summary_probe_cost(stderr, &c);
		}
	}
	run_detach_probes(&r);
	if (r.spawned)
		server_stop(&r.srv);
	json_decref(r.kernel);
	json_decref(r.overhead);
	json_decref(r.breakdown);
	if (r.have_res)
		lg_result_free(&r.res);
	return st;
}
