#define _GNU_SOURCE
#include "src/run.h"
#include "src/run_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/anatomy.h"
#include "analysis/error_text.h"
#include "analysis/report.h"
#include "analysis/report_timeline.h"
#include "analysis/report_cost.h"
#include "analysis/report_kernel.h"
#include "analysis/summary.h"
#include "analysis/summary_kernel.h"
#include "loader/anatomy.h"
#include "loader/probes.h"
#include "loadgen/loadgen.h"
#include "servers/server.h"
#include "src/measure.h"
#include "src/overhead.h"
#include "src/run_kept.h"


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
	so->insecure = o->load.insecure;
	so->expect_body = o->expect_body;
	so->expect_status = o->expect_status;
	so->expect_body_len = o->expect_body_len;
	so->verbose = o->verbose;
}

/* The report's "kernel" object, from the probes' plain results
 * (analysis/report_kernel.c); without probes, why there are none. */
static void collect_kernel(struct run *r, bool failed)
{
	struct anatomy_results ar;
	struct probes_cost cost;

	json_decref(r->kernel);
	r->kernel = NULL;
	if (r->probes && r->have_res) {
		r->kres = probes_results(r->probes);
		anatomy_results(r->anatomy, &ar);
		probes_cost(r->probes, &cost);
		if (r->kres)
			r->kernel = report_kernel(r->kres, r->anatomy ? &ar : NULL, &cost);
		if (!r->kernel)
			r->kernel = report_kernel_disabled("out of memory reading the probes' results");
		return;
	}
	r->kernel = report_kernel_disabled(r->kernel_off ? r->kernel_off :
					   r->probes ? "no load ran" :
					   failed ? "the run failed before probes ran" : "not run");
}

/* Whether this run's server process serves all of the server's repeats. */
static bool same_process(const struct cli_options *o)
{
	return o->same_process && o->repeat > 1 && !o->url;
}

/* The server died before the measuring window opened: nothing was measured. */
static bool died_in_warmup(const struct run *r)
{
	return r->server_exit.seen && r->server_exit.at_ns < 0;
}

static json_t *build_run(struct run *r, const char *error)
{
	if (!r->have_res) {	/* no load ran: report zeros, not garbage */
		memset(&r->res, 0, sizeof(r->res));
		hist_init(&r->res.latency);
		r->have_res = true;
	}
	if (!r->breakdown)
		r->breakdown = anat_breakdown_unavailable(error ? "the run failed" : "no load ran");
	json_t *load = report_load(&r->load, &r->res), *client = report_client(&r->load, &r->res);
	struct report_cgroup_cpu cg;
	struct report_run_parts parts = {
		.server = &r->srv,
		.server_cpus = r->o->load.pin ? r->server_cpus : NULL,
		.server_cgroup = server_cpu_result(&r->server_cpu, &cg) ? &cg : NULL,
		.load = load, .client = client, .kernel = r->kernel, .breakdown = r->breakdown,
		.overhead = r->overhead,
		.interrupted = r->interrupted,
		.error = error,
	};
	json_t *run = report_run(&parts);
	json_object_set_new(json_object_get(run, "server"), "exit", server_exit_json(&r->server_exit));
	if (r->o->repeat > 1)
		json_object_set_new(json_object_get(run, "server"), "same_process", json_boolean(same_process(r->o)));
	struct tl_anat *ta = anat_stream_timeline(r->stream);
	struct timeline_parts tp = {
		.kernel = probes_timeline(r->probes, r->res.n_intervals),
		.anatomy = tl_anat_finish(ta, r->res.n_intervals),
		.anatomy_connections = tl_anat_new_connections(ta),
	};
	json_t *timeline = report_timeline(&r->res, &tp);
	if (timeline && !died_in_warmup(r))
		json_object_set_new(run, "timeline", timeline);
	else
		json_decref(timeline);	/* no window opened: no intervals of it */
	json_decref(load);
	json_decref(client);
	return run;
}

/* --trace, checked before the server starts (like -o): the first run of
 * this process starts the file, later ones (more servers) append to it. */
static int open_trace(struct run *r, struct errbuf *err)
{
	static bool started;

	if (!r->o->trace)
		return 0;
	r->trace = fopen(r->o->trace, started ? "ae" : "we");
	if (!r->trace) {
		errbuf_set(err, "cannot write the trace to %s: %s", r->o->trace, strerror(errno));
		return -1;
	}
	started = true;
	return 0;
}

/* A trace that could not be written whole fails the run, and says why. */
static enum run_status close_trace(struct run *r, enum run_status st, struct errbuf *err)
{
	int e = 0;

	if (!r->trace)
		return st;
	if (ferror(r->trace))	/* written while the load ran: its errno is long gone */
		e = anat_stream_trace_errno(r->stream);
	if (!e && (ferror(r->trace) || fflush(r->trace)))
		e = errno ? errno : EIO;
	if (fclose(r->trace) && !e)
		e = errno;
	r->trace = NULL;
	if (!e || (st != RUN_OK && st != RUN_INTERRUPTED))
		return st;
	errbuf_set(err, "failed to write the trace to %s: %s", r->o->trace, strerror(e));
	return RUN_FAILED;
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
	struct anat_join_in in = {
		.window_start = r->res.start_ns, .window_end = r->res.end_ns,
		.client_latency = &r->res.latency,
		.have_accept = anatomy_have_accept(r->anatomy),
		.arrival = anatomy_arrival(r->anatomy),
		.records_lost = anatomy_lost(r->anatomy),
		.client_lost = r->res.records_lost,
		.trace = r->trace,
		.server = r->srv.name,
		.debug = getenv("BENCH_EBPF_ANATOMY_DEBUG") ? stderr : NULL,
	};
	if (r->stream) {
		r->breakdown = anat_stream_finish(r->stream, &in, &e);
	} else {	/* no memory for the stream: the whole-run join */
		size_t nk = 0;
		const struct anat_rec **k = anatomy_records(r->anatomy, &nk);

		in.client = r->res.records;
		in.n_client = r->res.n_records;
		in.kernel = k;
		in.n_kernel = k ? nk : 0;
		r->breakdown = anat_breakdown(&in, &e);
		free(k);
	}
	if (!r->breakdown)
		r->breakdown = anat_breakdown_unavailable(e.msg);
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
	if (!r->o->quiet) {
		char pid[24] = "no pid given";	/* --url without --pid */
		if (r->srv.pid > 0)
			snprintf(pid, sizeof(pid), "pid %d", (int)r->srv.pid);
		fprintf(stderr, "bench-ebpf: %s ready at %s (%s); %d connections, %s\n",
			r->srv.name, r->srv.url, pid, r->o->load.connections,
			r->o->load.requests ? "measuring requests" : "measuring for a duration");
	}
	return RUN_OK;
}

/* --same-process: the server kept from this server's last run, ready and
 * answering; the probes attach to it as it runs (its workers included). */
static enum run_status reuse_server(struct run *r, struct errbuf *err)
{
	enum run_status st;
	r->spawned = true;
	if (!r->o->quiet)
		fprintf(stderr, "bench-ebpf: %s again, the same process (pid %d)\n", r->srv.name, (int)r->srv.pid);
	if (!r->o->overhead_pairs && (st = run_attach_probes(r, err)) != RUN_OK)
		return st;
	return RUN_OK;
}

/* After a run: stop the server, or with --same-process keep it until every
 * run is over (for its next repeat when it is alive). */
static void keep_or_stop(struct run *r, const char *name, int runs, enum run_status st)
{
	if (!r->spawned)
		return;
	if (same_process(r->o))
		run_kept_put(name, &r->srv, runs, st == RUN_OK && !r->server_exit.seen && runs < r->o->repeat);
	else
		server_stop(&r->srv);
}

/* A load in which no request succeeded measured nothing about the server:
 * that is a failed run, whatever the report says beside it. */
static enum run_status check_outcome(struct run *r, struct errbuf *err)
{
	const struct lg_result *res = &r->res;
	char what[512];

	if (res->requests_ok)
		return RUN_OK;
	if (!res->errors_total) {
		errbuf_set(err, "no request to %s got a response in the run", r->srv.url);
		return RUN_FAILED;
	}
	errbuf_set(err, "no request to %s succeeded: %s%s%s", r->srv.url,
		   error_text(res->errors, res->status_classes, res->status_code, what, sizeof(what)),
		   res->first_error[0] ? "; first: " : "", res->first_error);
	return RUN_FAILED;
}

enum run_status run_server(const struct cli_options *o, const char *name,
			   const volatile sig_atomic_t *stop, const struct run_sinks *sinks, json_t **run_out,
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

	int served = same_process(o) ? run_kept_take(so.name, &r.srv) : 0;
	if (!served && name && server_check_available(&so, err))
		st = RUN_UNAVAILABLE;
	else if (open_trace(&r, err))
		st = RUN_FAILED;
	else if ((st = served ? reuse_server(&r, err) : start_server(&r, &so, err)) == RUN_OK)
		st = o->overhead_pairs ? overhead_measure(&r, err) : run_drive_load(&r, err);
	if (st == RUN_OK && !r.interrupted)
		st = check_outcome(&r, err);
	/* A load ran, even if it failed: keep what the kernel saw. */
	collect_kernel(&r, st != RUN_OK && st != RUN_INTERRUPTED);
	if (r.have_res)
		build_breakdown(&r);
	st = close_trace(&r, st, err);
	if (r.interrupted && (st == RUN_OK || st == RUN_INTERRUPTED))
		st = RUN_INTERRUPTED;

	*run_out = build_run(&r, st == RUN_OK || st == RUN_INTERRUPTED ? NULL : err->msg);
	hdr_log_write_run(sinks->hdr, &r.res, sinks->hdr_tag);	/* a failure fails the export */
	if (!o->quiet && (st == RUN_OK || st == RUN_INTERRUPTED || (r.server_exit.seen && !died_in_warmup(&r)))) {
		summary_print_run(stderr, *run_out);
		anat_summary(stderr, r.breakdown);
		summary_print_kernel(stderr, r.kres);
		if (r.probes) {
			struct probes_cost c;

			probes_cost(r.probes, &c);
			summary_probe_cost(stderr, &c);
		}
	}
	run_detach_probes(&r);
	keep_or_stop(&r, so.name, served + 1, st);
	json_decref(r.kernel);
	json_decref(r.overhead);
	json_decref(r.breakdown);
	anat_stream_free(r.stream);
	if (r.have_res)
		lg_result_free(&r.res);
	return st;
}
