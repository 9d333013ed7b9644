#include "analysis/dist.h"

#include <stdbool.h>
#include "analysis/json_num.h"

static json_t *ns_if(uint64_t v, bool known)
{
	return known ? json_ns(v) : json_null();
}

json_t *dist_json_summary(const struct hist_summary *d)
{
	bool k = d->count > 0;

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"count", json_count(d->count), "min", ns_if(d->min, k), "mean", ns_if(d->mean, k),
		"stdev", ns_if(d->stdev, k), "p50", ns_if(d->p50, k), "p90", ns_if(d->p90, k),
		"p99", ns_if(d->p99, k), "p999", ns_if(d->p999, k), "p9999", ns_if(d->p9999, k),
		"max", ns_if(d->max, k));
}

static json_t *bucket(uint64_t lo, uint64_t hi, uint64_t count)
{
	return json_pack("{s:o, s:o, s:o}", "lo", json_ns(lo), "hi", json_ns(hi),
			 "count", json_count(count));
}

/* HDR buckets come as closed [lo, hi]: written half-open like the kernel's. */
static void add_hdr_bucket(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	json_array_append_new(arg, bucket(lo, hi + 1, count));
}

json_t *dist_json_hdr(const struct hist *h)
{
	struct hist_summary d;
	json_t *buckets = json_array(), *o;

	hist_summarize(h, &d);
	o = dist_json_summary(&d);
	if (!o || !buckets) {
		json_decref(o);
		json_decref(buckets);
		return NULL;
	}
	hist_foreach(h, add_hdr_bucket, buckets);
	json_object_set_new(o, "hist", buckets);
	return o;
}

json_t *dist_json_absent(void)
{
	json_t *o = json_pack("{s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:[]}",
			      "count", "min", "mean", "stdev", "p50", "p90", "p99", "p999",
			      "p9999", "max", "hist");
	return o;
}
