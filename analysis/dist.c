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

/* The report's buckets have 2 significant digits, the histogram's 3: below
 * 256 ns one per ns, above it 128 per power of two (each at most 1/128 of
 * its lower bound wide). They are only drawn, and the figures beside them
 * come from the full histogram; at 3 digits a 10-million-request run had
 * 115 000 of them, each a JSON object of about 500 bytes while the report
 * is built. Powers of two bound both kinds, so one of the histogram's
 * buckets lies in exactly one of these and every count stays exact. */
#define JSON_EXACT_BELOW 256u
#define JSON_PER_OCTAVE_BITS 7

struct coarse {
	json_t *out;
	uint64_t lo, hi, count;	/* the bucket being summed; count 0: none yet */
};

static void flush_coarse(struct coarse *c)
{
	if (c->count)
		json_array_append_new(c->out, bucket(c->lo, c->hi, c->count));
	c->count = 0;
}

/* HDR buckets come as closed [lo, hi]: written half-open like the kernel's. */
static void add_hdr_bucket(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	struct coarse *c = arg;
	int msb = 63 - __builtin_clzll(lo | 1);
	uint64_t w = lo < JSON_EXACT_BELOW ? 1 : (uint64_t)1 << (msb - JSON_PER_OCTAVE_BITS);
	uint64_t clo = lo & ~(w - 1), chi = clo + w;

	if (!c->count || clo != c->lo) {
		flush_coarse(c);
		c->lo = clo;
		c->hi = chi;
	}
	if (hi + 1 > c->hi)
		c->hi = hi + 1;	/* the top bucket, where clamped values live */
	c->count += count;
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
	struct coarse c = { .out = buckets };
	hist_foreach(h, add_hdr_bucket, &c);
	flush_coarse(&c);
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
