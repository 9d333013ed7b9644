#include "analysis/report_timeline.h"

#include "analysis/dist.h"
#include "analysis/json_num.h"

static json_t *dist_no_hist_absent(void)
{
	json_t *o = dist_json_absent();
	json_object_del(o, "hist");
	return o;
}

/* timeline.intervals[].kernel.syscalls.<name>.count, for every syscall
 * the run counted (the same names as kernel.syscalls). */
static json_t *interval_syscalls(const struct kernel_timeline *kt, size_t k, uint64_t *total)
{
	json_t *o = json_object();
	*total = 0;
	for (int s = 0; o && s < SC_NR; s++) {
		uint64_t run = 0;
		for (size_t j = 0; j < kt->n; j++)
			run += kt->iv[j].sc[s];
		if (run)
			json_object_set_new(o, kt->sc_names[s], json_pack("{s:o}", "count",
						json_count(kt->iv[k].sc[s])));
		*total += kt->iv[k].sc[s];
	}
	return o;
}

static json_t *interval_kernel(const struct kernel_timeline *kt, size_t k)
{
	const struct kernel_interval *iv = &kt->iv[k];
	uint64_t total = 0;
	json_t *sc = kt->syscalls ? interval_syscalls(kt, k, &total) : json_null();
	return json_pack("{s:o, s:o, s:o, s:{s:o, s:o}, s:{s:o}}",
		"read_ns", json_ns(iv->read_ns),
		"syscalls", sc, "syscalls_total", kt->syscalls ? json_count(total) : json_null(),
		"sched", "runq_delay_ns", kt->sched ? dist_json_summary(&iv->runq) : dist_no_hist_absent(),
			 "oncpu_ns", kt->sched ? json_ns(iv->oncpu_ns) : json_null(),
		"tcp", "retransmits", kt->tcp ? json_count(iv->retransmits) : json_null());
}

static json_t *interval_anatomy(const struct tl_anat_interval *a, bool connections)
{
	json_t *comps = json_object();
	for (int c = 0; comps && c < AC_NR; c++)
		if (connections || (c != AC_CONNECT && c != AC_ACCEPT_WAIT))
			json_object_set_new(comps, anat_comp_keys[c], dist_json_summary(&a->comp[c]));
	return json_pack("{s:o, s:o, s:o}", "matched", json_count(a->matched),
			 "late", json_count(a->late), "components", comps);
}

/* One interval. Its latency is the usual distribution without the buckets:
 * the run's histogram (client.latency_ns.hist) holds them all once. */
static json_t *one_interval(const struct lg_interval *iv)
{
	json_t *lat = dist_json_hdr(&iv->latency);
	json_object_del(lat, "hist");
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"start_ns", json_ns(iv->start_ns), "duration_ns", json_ns(iv->duration_ns),
		"requests", json_count(iv->requests), "ok", json_count(iv->ok),
		"errors", json_count(iv->errors), "sent", json_count(iv->sent),
		"rps", json_num_or_null(iv->rps, iv->duration_ns > 0),
		"send_rate", json_num_or_null(iv->send_rate, iv->duration_ns > 0), "latency_ns", lat);
}

json_t *report_timeline(const struct lg_result *r, const struct timeline_parts *p)
{
	if (!r->timeline || !r->n_intervals)
		return NULL;
	json_t *list = json_array();
	for (size_t i = 0; i < r->n_intervals; i++) {
		json_t *e = one_interval(&r->timeline[i]);
		json_object_set_new(e, "kernel", p && p->kernel && p->kernel->n == r->n_intervals ?
				    interval_kernel(p->kernel, i) : json_null());
		json_object_set_new(e, "anatomy", p && p->anatomy ?
				    interval_anatomy(&p->anatomy[i], p->anatomy_connections) : json_null());
		json_array_append_new(list, e);
	}
	return json_pack("{s:o, s:b, s:o}", "interval_ns", json_ns(r->interval_ns),
			 "truncated", r->timeline_truncated, "intervals", list);
}
