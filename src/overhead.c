/* --overhead: what the probes cost the server, measured the only way that
 * holds on a machine whose speed drifts: the same load with probes off and
 * on against the same server process, in interleaved pairs (off,on / on,off
 * alternately, so a drift favours neither side), compared pair by pair
 * (analysis/report_overhead.c). The pairs' probes run without the BPF
 * run-time statistics (two clock reads per program run, which on a VM's
 * clock cost more than most programs' work): what is measured is the
 * probes, not the instrument that measures them. A last load with probes
 * and statistics gives the report's other sections (kernel.probes.cost
 * included). */
#define _GNU_SOURCE
#include "src/overhead.h"

#include <stdio.h>
#include <stdlib.h>

#include "analysis/report_overhead.h"
#include "src/measure.h"

static enum run_status one_segment(struct run *r, bool probes, struct overhead_segment *seg,
				   struct errbuf *err)
{
	enum run_status st;

	run_detach_probes(r);
	if (probes && (st = run_attach_probes(r, err)) != RUN_OK)
		return st;
	if ((st = run_drive_load(r, err)) != RUN_OK)
		return st;
	double secs = (double)(r->res.end_ns - r->res.start_ns) / 1e9;
	seg->rps = secs > 0 ? (double)r->res.requests_completed / secs : 0;
	seg->p50_ns = hist_percentile(&r->res.latency, 50);
	seg->p99_ns = hist_percentile(&r->res.latency, 99);
	if (!r->o->quiet)
		fprintf(stderr, "bench-ebpf: overhead: probes %-3s %10.1f req/s, p50 %.1f us, p99 %.1f us\n",
			probes ? "on" : "off", seg->rps, (double)seg->p50_ns / 1e3,
			(double)seg->p99_ns / 1e3);
	return RUN_OK;
}

enum run_status overhead_measure(struct run *r, struct errbuf *err)
{
	int pairs = r->o->overhead_pairs;
	struct overhead_pair *v = calloc((size_t)pairs, sizeof(*v));
	enum run_status st = RUN_OK;
	int done = 0;

	if (!v) {
		errbuf_set(err, "out of memory for %d overhead pairs", pairs);
		return RUN_FAILED;
	}
	r->probes_no_cost = true;
	for (int i = 0; i < pairs && !*r->stop; i++) {
		/* Pair i runs off,on when i is even and on,off when odd, ending
		 * on the last pair's on (an odd count starts with off). */
		struct overhead_pair *p = &v[done];

		p->on_first = (i + pairs) % 2 == 0;
		if ((st = one_segment(r, p->on_first, p->on_first ? &p->on : &p->off, err)) != RUN_OK ||
		    (st = one_segment(r, !p->on_first, p->on_first ? &p->off : &p->on, err)) != RUN_OK ||
		    r->interrupted)
			break;
		done++;
	}
	if (done) {
		r->overhead = report_overhead(v, done);
		if (!r->o->quiet)
			fprintf(stderr, "bench-ebpf: overhead: throughput ratio (on/off) %.3f, median of %d pairs\n",
				overhead_throughput_ratio(v, done), done);
	}
	/* The report's other sections describe one more load, with probes and
	 * their run-time statistics. */
	r->probes_no_cost = false;
	if (st == RUN_OK && !r->interrupted && !*r->stop) {
		run_detach_probes(r);
		if ((st = run_attach_probes(r, err)) == RUN_OK)
			st = run_drive_load(r, err);
	}
	free(v);
	return st;
}
