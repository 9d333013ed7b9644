#include "analysis/report_timeline.h"

#include "analysis/dist.h"
#include "analysis/json_num.h"

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

json_t *report_timeline(const struct lg_result *r)
{
	if (!r->timeline || !r->n_intervals)
		return NULL;
	json_t *list = json_array();
	for (size_t i = 0; i < r->n_intervals; i++)
		json_array_append_new(list, one_interval(&r->timeline[i]));
	return json_pack("{s:o, s:b, s:o}", "interval_ns", json_ns(r->interval_ns),
			 "truncated", r->timeline_truncated, "intervals", list);
}
