#include "analysis/dist.h"

#include <math.h>
#include "analysis/json_num.h"

/* The statistics of one distribution, NAN where unknown. */
struct dist {
	uint64_t count;
	double min, mean, stdev, p50, p90, p99, p999, p9999, max;
};

static json_t *ns_or_null(double v)
{
	return isfinite(v) && v >= 0 ? json_ns((uint64_t)llround(v)) : json_null();
}

/* Steals hist. */
static json_t *dist_json(const struct dist *d, json_t *hist)
{
	json_t *o = json_object();

	if (!o || !hist) {
		json_decref(o);
		json_decref(hist);
		return NULL;
	}
	json_object_set_new(o, "count", json_count(d->count));
	json_object_set_new(o, "min", ns_or_null(d->min));
	json_object_set_new(o, "mean", ns_or_null(d->mean));
	json_object_set_new(o, "stdev", ns_or_null(d->stdev));
	json_object_set_new(o, "p50", ns_or_null(d->p50));
	json_object_set_new(o, "p90", ns_or_null(d->p90));
	json_object_set_new(o, "p99", ns_or_null(d->p99));
	json_object_set_new(o, "p999", ns_or_null(d->p999));
	json_object_set_new(o, "p9999", ns_or_null(d->p9999));
	json_object_set_new(o, "max", ns_or_null(d->max));
	json_object_set_new(o, "hist", hist);
	return o;
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
	struct dist d = { .count = h->total, .min = NAN, .mean = NAN, .stdev = NAN, .p50 = NAN,
			  .p90 = NAN, .p99 = NAN, .p999 = NAN, .p9999 = NAN, .max = NAN };
	json_t *buckets = json_array();

	if (h->total) {
		d.min = (double)h->min;
		d.mean = hist_mean(h);
		d.stdev = hist_stdev(h);
		d.p50 = (double)hist_percentile(h, 50);
		d.p90 = (double)hist_percentile(h, 90);
		d.p99 = (double)hist_percentile(h, 99);
		d.p999 = (double)hist_percentile(h, 99.9);
		d.p9999 = (double)hist_percentile(h, 99.99);
		d.max = (double)h->max;
	}
	if (buckets)
		hist_foreach(h, add_hdr_bucket, buckets);
	return dist_json(&d, buckets);
}

json_t *dist_json_absent(void)
{
	json_t *o = json_pack("{s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:[]}",
			      "count", "min", "mean", "stdev", "p50", "p90", "p99", "p999",
			      "p9999", "max", "hist");
	return o;
}
