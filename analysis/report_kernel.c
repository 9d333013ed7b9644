/* kernel.*: probes, syscalls, sched, event_loop, accept, tcp, records_lost,
 * anatomy. Every figure of a probe that did not run is null, not 0. */
#include "analysis/report_kernel.h"

#include <math.h>
#include <stdbool.h>
#include "analysis/dist.h"
#include "analysis/json_num.h"
#include "analysis/report_cost.h"

/* kernel.records_lost_by_reason keys, by enum drop_kind. */
static const char *const drop_keys[DROP_KINDS] = {
	[DROP_TRACKED_FULL] = "tracked_processes_full",
	[DROP_INFLIGHT_FULL] = "syscalls_in_progress_collision",
	[DROP_LOOP_FULL] = "event_loop_threads_full",
	[DROP_THREADS_FULL] = "sched_threads_full",
	[DROP_ESTAB_FULL] = "accept_queue_full",
};

/* kernel.anatomy.anomalies keys, by enum anat_stat (the first two are
 * kernel.anatomy.records and the lost records). */
static const char *const anomaly_keys[ANAT_ST_NR] = {
	[ANAT_ST_READ_NO_ARRIVAL] = "read_without_arrival",
	[ANAT_ST_ARRIVALS_LOST] = "arrivals_overwritten",
	[ANAT_ST_DATA_NO_REQ] = "response_bytes_without_request",
	[ANAT_ST_SEND_NO_REQ] = "send_without_request",
	[ANAT_ST_RUNQ_TRUNC] = "runq_history_short",
	[ANAT_ST_SEND_UNTIMED] = "send_outside_syscall",
};

static json_t *count_if(bool known, uint64_t v)
{
	return known ? json_count(v) : json_null();
}

static void add_outcomes(json_t *att, json_t *mis, const struct probe_outcome *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct probe_outcome *o = &v[i];

		/* mechanism: the same as mode, by the name the fallbacks use */
		if (o->attached) {
			json_t *a = json_pack("{s:s, s:s, s:s}", "name", o->name, "mode", o->mode,
					      "mechanism", o->mode);

			if (o->detached_after_records)
				json_object_set_new(a, "detached_after_records",
						    json_count(o->detached_after_records));
			if (o->on_hook)
				json_object_set_new(a, "hook", json_string(o->on_hook));
			json_array_append_new(att, a);
		} else
			json_array_append_new(mis, json_pack("{s:s, s:s}", "name", o->name,
							     "reason", o->reason));
	}
}

/* kernel.probes: the groups selected, each probe attached or missing. */
static json_t *probes_json(const struct kernel_results *k, const struct probes_cost *cost)
{
	json_t *o;
	json_t *groups = json_array(), *att = json_array(), *mis = json_array();

	if (k->group_syscalls)
		json_array_append_new(groups, json_string("syscalls"));
	if (k->group_sched)
		json_array_append_new(groups, json_string("sched"));
	if (k->group_tcp)
		json_array_append_new(groups, json_string("tcp"));
	if (k->group_anatomy)
		json_array_append_new(groups, json_string("anatomy"));
	add_outcomes(att, mis, k->probes, k->nprobes);
	o = json_pack("{s:o, s:o, s:o}", "groups", groups, "attached", att, "missing", mis);
	if (o && cost)
		json_object_set_new(o, "cost", report_probe_cost(cost));
	return o;
}

/* kernel.syscalls.<name>: only those called inside the window. */
static json_t *syscalls_json(const struct kernel_results *k)
{
	json_t *sc = json_object();

	for (int s = 0; sc && k->syscalls_ran && s < SC_NR; s++) {
		const struct sc_sum *x = &k->sc[s];

		if (!x->count)
			continue;
		json_object_set_new(sc, k->sc_names[s], json_pack("{s:o, s:o, s:o, s:o, s:o}",
			"count", json_count(x->count),
			"errors", json_count(x->errors),
			"eagain", json_count(x->eagain),
			"total_ns", json_ns((uint64_t)x->h.sum),
			"latency_ns", dist_json_hdr(&x->h)));
	}
	return sc;
}

static json_t *sched_json(const struct kernel_results *k)
{
	bool ran = k->sched_ran;

	return json_pack("{s:o, s:o, s:o, s:o}",
		"runq_delay_ns", ran ? dist_json_hdr(&k->runq) : dist_json_absent(),
		"oncpu_ns", ran ? json_ns(k->oncpu_ns) : json_null(),
		"voluntary_switches", count_if(ran, k->voluntary),
		"involuntary_switches", count_if(ran, k->involuntary));
}

static json_t *loop_thread_json(const struct loop_sum *l)
{
	json_t *o = json_pack("{s:i, s:i, s:s, s:o, s:o, s:o, s:o}",
		"tid", (int)l->tid, "tgid", (int)l->tgid, "comm", l->comm,
		"busy_fraction", json_num_or_null(l->busy, true),
		"waits", json_count(l->waits), "wait_ns", json_ns(l->blocked_ns),
		"span_ns", json_ns(l->span_ns));

	if (o && l->have_oncpu)
		json_object_set_new(o, "oncpu_ns", json_ns(l->oncpu_ns));
	return o;
}

/* kernel.event_loop: the busiest thread first, at most 16 listed. */
static json_t *loop_json(const struct kernel_results *k)
{
	const struct loop_sum *top = k->busiest >= 0 ? &k->loops[k->busiest] : NULL;
	json_t *threads = json_array();

	for (size_t i = 0; threads && i < k->nloops && i < 16; i++)
		json_array_append_new(threads, loop_thread_json(&k->loops[i]));
	return json_pack("{s:o, s:o, s:o, s:o}",
		"busy_fraction", top ? json_num_or_null(top->busy, true) : json_null(),
		"busiest", top ? loop_thread_json(top) : json_null(),
		"threads_seen", json_count(k->nloops),
		"threads", threads);
}

static json_t *tcp_json(const struct kernel_results *k)
{
	const struct tcp_seen *t = &k->tcp_seen;

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:i}",
		"retransmits", count_if(t->retransmits, k->tcp.retransmits),
		"synack_retransmits", count_if(t->synack_retransmits, k->tcp.synack_retransmits),
		"resets_sent", count_if(t->resets_sent, k->tcp.resets_sent),
		"resets_received", count_if(t->resets_received, k->tcp.resets_received),
		"established", count_if(t->established, k->tcp.established),
		"listen_overflows", count_if(k->have_listen, k->listen_overflows),
		"listen_drops", count_if(k->have_listen, k->listen_drops),
		"listen_scope", "host",	/* listen_* count the whole host */
		"port", k->port);
}

static json_t *lost_by_reason_json(const struct kernel_results *k, const struct anatomy_results *a)
{
	json_t *lost = json_object();

	for (int d = 0; lost && d < DROP_KINDS; d++)
		if (k->drops[d])
			json_object_set_new(lost, drop_keys[d], json_count(k->drops[d]));
	if (lost && a && a->ring_lost)
		json_object_set_new(lost, "anatomy_ring_full", json_count(a->ring_lost));
	if (lost && a && a->oom_lost)
		json_object_set_new(lost, "anatomy_out_of_memory", json_count(a->oom_lost));
	return lost;
}

/* kernel.anatomy: the group's own counters. */
static json_t *anatomy_json(const struct anatomy_results *a)
{
	json_t *anom = json_object(), *o;

	for (int s = ANAT_ST_READ_NO_ARRIVAL; anom && s < ANAT_ST_NR; s++)
		json_object_set_new(anom, anomaly_keys[s], json_count(a->stats[s]));
	o = json_pack("{s:b, s:s, s:o, s:o, s:o, s:o}",
		"available", a->usable,
		"arrival", a->arrival ? a->arrival : "none",
		"records", json_count(a->stats[ANAT_ST_EMITTED]),
		"drained", json_count(a->drained),
		"records_lost", json_count(a->ring_lost + a->oom_lost),
		"anomalies", anom);
	if (o && a->ring_bytes)	/* how much of the ring the poller let fill */
		json_object_set_new(o, "ring", json_pack("{s:o, s:o}", "bytes", json_count(a->ring_bytes),
							 "peak_used", a->ring_peak_known ? json_count(a->ring_peak)
										 : json_null()));
	if (o && !a->usable)
		json_object_set_new(o, "reason", json_string(a->reason ? a->reason : ""));
	return o;
}

json_t *report_kernel(const struct kernel_results *k, const struct anatomy_results *a,
		      const struct probes_cost *cost)
{
	uint64_t lost = k->records_lost + (a ? a->ring_lost + a->oom_lost : 0);
	json_t *o = json_object();

	if (!o)
		return NULL;
	if (json_object_set_new(o, "probes", probes_json(k, cost)) ||
	    json_object_set_new(o, "window_ns", json_ns(k->window_ns)) ||
	    json_object_set_new(o, "tracked_processes", json_count(k->tracked)) ||
	    json_object_set_new(o, "syscalls", syscalls_json(k)) ||
	    json_object_set_new(o, "sched", sched_json(k)) ||
	    json_object_set_new(o, "event_loop", loop_json(k)) ||
	    json_object_set_new(o, "accept", json_pack("{s:o, s:b}",
		"wait_ns", k->accept_ran ? dist_json_hdr(&k->accept) : dist_json_absent(),
		"available", k->accept_ran)) ||
	    json_object_set_new(o, "tcp", tcp_json(k)) ||
	    json_object_set_new(o, "records_lost", json_count(lost)) ||
	    json_object_set_new(o, "records_lost_by_reason", lost_by_reason_json(k, a)) ||
	    (a && json_object_set_new(o, "anatomy", anatomy_json(a)))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *report_kernel_disabled(const char *reason)
{
	return json_pack("{s:b, s:s, s:{s:[], s:[]}, s:{}, s:i}",
			 "enabled", 0, "reason", reason,
			 "probes", "attached", "missing",
			 "syscalls", "records_lost", 0);
}
