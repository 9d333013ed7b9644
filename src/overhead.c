/* --overhead: what the probes cost the server, measured the only way that
 * holds on a machine whose speed drifts: the same load with probes off and
 * on against the same server process, in interleaved pairs (off,on / on,off
 * alternately, so a drift favours neither side), compared pair by pair. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "common/clock.h"
#include "src/run_internal.h"

struct segment {
	bool probes;
	double rps;
	uint64_t p50, p99;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static enum run_status one_segment(struct run *r, bool probes, struct segment *seg,
				   struct errbuf *err)
{
	enum run_status st;
	run_detach_probes(r);
	if (probes && (st = run_attach_probes(r, err)) != RUN_OK)
		return st;
	if ((st = run_drive_load(r, err)) != RUN_OK)
		return st;
	double secs = (double)(r->res.end_ns - r->res.start_ns) / 1e9;
	seg->probes = probes;
	seg->rps = secs > 0 ? (double)r->res.requests_completed / secs : 0;
	seg->p50 = hist_percentile(&r->res.latency, 50);
	seg->p99 = hist_percentile(&r->res.latency, 99);
	if (!r->o->quiet)
		fprintf(stderr, "bench-ebpf: overhead: probes %-3s %10.1f req/s, p50 %.1f us, p99 %.1f us\n",
			probes ? "on" : "off", seg->rps, (double)seg->p50 / 1e3, (double)seg->p99 / 1e3);
	return RUN_OK;
}

static json_t *ratio_stats(double *v, int n)
{
	double lo = v[0], hi = v[0];
	for (int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return json_pack("{s:f, s:f, s:f}", "median", median(v, n), "min", lo, "max", hi);
}

enum run_status overhead_measure(struct run *r, struct errbuf *err)
{
	int pairs = r->o->overhead_pairs;
	struct segment *segs = calloc((size_t)pairs * 2, sizeof(*segs));
	double *tput = calloc((size_t)pairs, sizeof(double));
	double *p50 = calloc((size_t)pairs, sizeof(double));
	double *p99 = calloc((size_t)pairs, sizeof(double));
	json_t *list = json_array();
	enum run_status st = RUN_OK;
	int done = 0;

	for (int i = 0; i < pairs && !*r->stop; i++) {
		/* Pair i runs off,on when i is even and on,off when odd; the last
		 * segment must leave probes attached, so an odd count starts with off. */
		bool on_first = (i + pairs) % 2 == 0;
		struct segment *a = &segs[2 * i], *b = &segs[2 * i + 1];
		if ((st = one_segment(r, on_first, a, err)) != RUN_OK ||
		    (st = one_segment(r, !on_first, b, err)) != RUN_OK || r->interrupted)
			break;
		struct segment *on = on_first ? a : b, *off = on_first ? b : a;
		tput[done] = off->rps > 0 ? on->rps / off->rps : 0;
		p50[done] = off->p50 ? (double)on->p50 / (double)off->p50 : 0;
		p99[done] = off->p99 ? (double)on->p99 / (double)off->p99 : 0;
		json_array_append_new(list, json_pack("{s:f, s:f, s:I, s:I, s:I, s:I, s:s}",
			"rps_off", off->rps, "rps_on", on->rps,
			"p50_off_ns", (json_int_t)off->p50, "p50_on_ns", (json_int_t)on->p50,
			"p99_off_ns", (json_int_t)off->p99, "p99_on_ns", (json_int_t)on->p99,
			"order", on_first ? "on,off" : "off,on"));
		done++;
	}
	if (done) {
		double tr = median(tput, done);	/* ratio_stats sorts: take it first */
		r->overhead = json_pack("{s:i, s:f, s:o, s:o, s:o, s:o}",
			"pairs", done,
			"throughput_ratio", tr,
			"throughput_ratio_spread", ratio_stats(tput, done),
			"latency_p50_ratio", ratio_stats(p50, done),
			"latency_p99_ratio", ratio_stats(p99, done),
			"runs", list);
		if (!r->o->quiet)
			fprintf(stderr, "bench-ebpf: overhead: throughput ratio (on/off) %.3f, median of %d pairs\n",
				tr, done);
	} else {
		json_decref(list);
	}
	/* The report's other sections describe the last load; it ran with probes
	 * unless the pairs were cut short. */
	if (st == RUN_OK && !r->probes && !*r->stop && (st = run_attach_probes(r, err)) == RUN_OK)
		st = run_drive_load(r, err);
	free(segs);
	free(tput);
	free(p50);
	free(p99);
	return st;
}
