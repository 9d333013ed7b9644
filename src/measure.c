/* One measured load and the probes around it: attach the probes to the
 * server, drive the load while draining the anatomy's records, close the
 * kernel window, detach. Used by a plain run (src/run.c) and by each
 * segment of --overhead (src/overhead.c). */
#define _GNU_SOURCE
#include "src/measure.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis/anatomy.h"
#include "common/clock.h"
#include "loader/anatomy.h"
#include "loader/probes.h"
#include "loadgen/loadgen.h"
#include "servers/server.h"
#include "src/progress.h"

/* Attach the probes to the server process while it still waits at its gate,
 * so nothing it does (or forks) escapes them. */
enum run_status run_attach_probes(struct run *r, struct errbuf *err)
{
	if (r->o->no_ebpf) {
		r->kernel_off = "--no-ebpf";
		return RUN_OK;
	}
	if (r->srv.pid <= 0) {
		r->kernel_off = "no process to trace: give --pid with --url";
		return RUN_OK;
	}
	struct probes_opts po = {
		.server_tgid = r->srv.pid,
		.client_tgid = getpid(),
		.server_port = r->srv.port,
		.groups = r->o->probes,
		.disable = r->o->disable_probes,
		.verbose = r->o->verbose,
		.no_cost = r->probes_no_cost || r->o->no_probe_cost,
	};
	int e = probes_open(&po, &r->probes, err);
	if (e)
		return e == -EPERM ? RUN_NOPRIV : RUN_FAILED;
	if (probes_attach(r->probes, err)) {
		run_detach_probes(r);
		return RUN_FAILED;
	}
	r->anatomy = probes_anatomy(r->probes);
	r->kernel_off = NULL;
	return RUN_OK;
}

void run_detach_probes(struct run *r)
{
	r->anatomy = NULL;	/* the probes' */
	probes_close(r->probes);
	r->probes = NULL;
}

static void to_stream_client(const struct lg_record *c, void *st)
{
	anat_stream_client(st, c);
}

static void to_stream_kernel(const struct anat_rec *k, void *st)
{
	anat_stream_kernel(st, k);
}

/* The join runs while the load runs (constant memory): both sides' records
 * go to r->stream as they are drained. Without memory for it, the records
 * are kept whole for the join at the end instead. */
static void open_stream(struct run *r)
{
	anat_stream_free(r->stream);
	r->stream = NULL;
	if (!r->anatomy || anatomy_unusable(r->anatomy)[0])
		return;
	struct anat_join_in opts = {
		.have_accept = anatomy_have_accept(r->anatomy),
		.trace = r->trace,
		.server = r->srv.name,
		.debug = getenv("BENCH_EBPF_ANATOMY_DEBUG") ? stderr : NULL,
	};
	r->stream = anat_stream_new(&opts);
	if (r->stream)
		anatomy_set_sink(r->anatomy, to_stream_kernel, r->stream);
}

/* What the load generator still held at lg_join goes to the stream too. */
static void stream_leftovers(struct run *r)
{
	if (!r->stream)
		return;
	for (size_t i = 0; i < r->res.n_records; i++)
		anat_stream_client(r->stream, &r->res.records[i]);
	free(r->res.records);
	r->res.records = NULL;
	r->res.n_records = 0;
}

/* The kernel's figures and the anatomy per interval of the timeline. A
 * match can come up to the timeout after its request began, and the drains
 * add their lag. Without memory for it the timeline has none. */
#define TIMELINE_MATCH_LAG_NS (2 * NS_PER_SEC)
static void start_timeline(struct run *r, const struct lg_options *lo, uint64_t measure_start)
{
	uint32_t n = lg_intervals_planned(lo);
	probes_timeline_start(r->probes, measure_start, lo->interval_ns, n);
	if (r->stream)
		anat_stream_timeline_start(r->stream, measure_start, lo->interval_ns, n,
					   lo->timeout_ns + TIMELINE_MATCH_LAG_NS);
}

/* The main loop's pace: 20 ms, less when the kernel's figures are due
 * sooner, so each interval's are read close to its end. */
static int loop_wait_ms(const struct run *r)
{
	int due = probes_timeline_due_ms(r->probes);
	return due >= 0 && due < 20 ? due : 20;
}

/* The server's death, noticed at once: its process (ours, or --pid's)
 * ends, or, with no process known, every connection is refused for a
 * while. Waits up to loop_wait_ms. */
static bool server_died(struct run *r, struct lg_run *lg, int watch, uint64_t measure_start)
{
	if (r->srv.pid > 0) {
		if (!server_exit_wait(&r->srv, watch, loop_wait_ms(r)))
			return false;
		server_exit_note(&r->server_exit, &r->srv, mono_ns(), measure_start);
		return true;
	}
	usleep((useconds_t)loop_wait_ms(r) * 1000);
	uint64_t since = lg_refused_since(lg);
	if (!since || mono_ns() - since < SERVER_REFUSED_NS)
		return false;
	server_exit_note_refused(&r->server_exit, since, measure_start);
	return true;
}

enum run_status run_drive_load(struct run *r, struct errbuf *err)
{
	const struct cli_options *o = r->o;
	struct lg_target target;
	struct lg_options lo = o->load;
	lo.record_requests = r->anatomy != NULL;	/* the anatomy joins them */
	open_stream(r);
	lo.stream_records = r->stream != NULL;
	struct lg_run *lg;
	uint64_t measure_start;
	struct progress live;

	if (lg_target_from_url(&target, r->srv.url, err))
		return RUN_FAILED;
	if (!o->server_cmd && !o->url) {
		target.expect_body = SERVER_EXPECTED_BODY;
		target.expect_body_len = strlen(SERVER_EXPECTED_BODY);
	} else {
		target.expect_body = o->expect_body;
		target.expect_body_len = o->expect_body_len;
		target.expect_status = o->expect_status;
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
	server_cpu_start(&r->server_cpu, r->srv.cgroup, measure_start);
	if (r->stream)
		anat_stream_window_start(r->stream, measure_start);
	start_timeline(r, &lo, measure_start);
	progress_init(&live, stderr, o->quiet, &lo);
	int watch = server_exit_watch(&r->srv);
	while (!lg_done(lg)) {
		if (*r->stop && !r->interrupted) {
			r->interrupted = true;
			lg_stop(lg);
		}
		progress_update(&live, lg);
		server_cpu_poll(&r->server_cpu);
		if (r->stream)
			lg_drain_records(lg, to_stream_client, r->stream);
		lg_timeline_pack(lg);	/* finished intervals: a few KB each (else retried) */
		probes_poll(r->probes);	/* drain the per-request records */
		probes_trim(r->probes);
		if (!r->server_exit.seen && server_died(r, lg, watch, measure_start))
			lg_stop(lg);	/* nothing left to measure */
	}
	if (watch >= 0)
		close(watch);
	/* Close the kernel window as soon as the load is over, so the server's
	 * idle time afterwards is not counted. */
	probes_window_close(r->probes);
	server_cpu_close(&r->server_cpu);
	if (r->have_res)
		lg_result_free(&r->res);
	lg_join(lg, &r->res);
	r->have_res = true;
	stream_leftovers(r);
	/* The workers have closed their sockets, which emits the last records;
	 * the figures are read for the exact measured window. */
	if (r->probes)
		probes_collect(r->probes, measure_start, r->res.end_ns);
	progress_end(&live);
	if (r->server_exit.seen) {	/* stopped by the death, not by the user */
		r->server_exit.requests = r->res.requests_completed;
		server_exit_message(&r->server_exit, &r->srv, err);
		return RUN_FAILED;
	}
	r->interrupted |= r->res.interrupted;
	return RUN_OK;
}
