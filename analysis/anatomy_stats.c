/* The statistics of the matched requests and the report's "breakdown"
 * object: one histogram per component (merged into the load generator's
 * HDR histograms' precision), and the tail attribution, which needs only
 * each component's sum over the requests above the client's p99 / p99.9. */
#include "analysis/anatomy_internal.h"

#include <math.h>
#include <stdlib.h>
#include "analysis/dist.h"
#include "analysis/json_num.h"

void anat_stats_free(struct anat_stats *s)
{
	if (!s)
		return;
	for (int c = 0; c < AC_NR; c++)
		hist_free(&s->h[c]);
	hist_free(&s->latency);
	hist_free(&s->send);
	free(s);
}

struct anat_stats *anat_stats_new(void)
{
	struct anat_stats *s = calloc(1, sizeof(*s));
	int bad = !s;

	for (int c = 0; !bad && c < AC_NR; c++)
		bad = hist_init(&s->h[c]);
	if (!bad)
		bad = hist_init(&s->latency) || hist_init(&s->send);
	if (bad) {
		anat_stats_free(s);
		return NULL;
	}
	return s;
}

unsigned anat_tail_bucket_of(uint64_t v)
{
	unsigned e, b;

	if (v < ANAT_TAIL_SUB)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll(v);	/* >= 5 */
	b = (e - 4) * ANAT_TAIL_SUB + (unsigned)((v >> (e - 5)) & (ANAT_TAIL_SUB - 1));
	return b < ANAT_TAIL_BUCKETS ? b : ANAT_TAIL_BUCKETS - 1;
}

void anat_tail_bounds(unsigned b, uint64_t *lo, uint64_t *hi)
{
	unsigned e;

	if (b < ANAT_TAIL_SUB) {
		*lo = *hi = b;
		return;
	}
	e = b / ANAT_TAIL_SUB + 4;
	*lo = (uint64_t)(ANAT_TAIL_SUB + b % ANAT_TAIL_SUB) << (e - 5);
	*hi = *lo + ((uint64_t)1 << (e - 5)) - 1;
	if (b == ANAT_TAIL_BUCKETS - 1)
		*hi = UINT64_MAX;
}

void anat_stats_add(struct anat_stats *s, const struct anat_rec *k, const struct anat_comp *x)
{
	struct anat_tail_bucket *t = &s->tail[anat_tail_bucket_of(x->latency)];

	for (int i = 0; i < AC_NR; i++)
		if (x->new_conn || (i != AC_CONNECT && i != AC_ACCEPT_WAIT))
			hist_record(&s->h[i], x->v[i]);
	hist_record(&s->latency, x->latency);
	if (k->sends)
		hist_record(&s->send, k->send_ns);
	s->matched++;
	s->new_conn += x->new_conn;
	s->accept_unseen += x->new_conn && !x->accept_seen;
	s->sends += k->sends;
	s->bytes_in += k->bytes_in;
	s->bytes_out += k->bytes_out;
	t->n++;
	t->lat += (double)x->latency;
	for (int i = 0; i < AC_NR; i++)
		t->sum[i] += (double)x->v[i];
}

/* breakdown.tail.<p>: each component's share of the latency of the requests
 * slower than the threshold: the buckets above it, and the part of the
 * bucket holding it that lies above it (its requests taken as spread
 * evenly over the bucket, 1/ANAT_TAIL_SUB of the value wide). */
static json_t *tail_json(const struct anat_stats *s, uint64_t threshold)
{
	double n = 0, lat = 0, sum[AC_NR] = { 0 };
	json_t *o;

	for (unsigned b = threshold ? anat_tail_bucket_of(threshold) : ANAT_TAIL_BUCKETS;
	     b < ANAT_TAIL_BUCKETS; b++) {
		const struct anat_tail_bucket *t = &s->tail[b];
		uint64_t lo, hi;
		double f = 1;

		anat_tail_bounds(b, &lo, &hi);
		if (threshold >= hi || !t->n)
			continue;
		if (threshold >= lo)
			f = (double)(hi - threshold) / (double)(hi - lo + 1);
		n += f * (double)t->n;
		lat += f * t->lat;
		for (int i = 0; i < AC_NR; i++)
			sum[i] += f * t->sum[i];
	}
	o = json_pack("{s:o, s:o}", "threshold_ns", json_ns(threshold),
		      "requests", json_count((uint64_t)llround(n)));
	for (int i = 0; o && i < AC_NR; i++)
		json_object_set_new(o, anat_share_keys[i], n > 0 && lat > 0 ?
				    json_real(sum[i] / lat) : json_null());
	return o;
}

/* breakdown.components.<name>_ns; connect and accept_wait only where
 * connections were opened. */
static json_t *components_json(const struct anat_stats *s)
{
	json_t *comps = json_object();

	for (int c = 0; comps && c < AC_NR; c++) {
		if ((c == AC_CONNECT || c == AC_ACCEPT_WAIT) && !s->new_conn)
			continue;
		json_object_set_new(comps, anat_comp_keys[c], dist_json_hdr(&s->h[c]));
	}
	return comps;
}

static json_t *reasons_json(const uint64_t *v, const char *const *names, int n)
{
	json_t *o = json_object();

	for (int r = 0; o && r < n; r++)
		json_object_set_new(o, names[r], json_count(v[r]));
	return o;
}

/* Per response: sends, bytes in and out, null without matches. */
static void per_response(json_t *o, const struct anat_stats *s)
{
	uint64_t m = s->matched;

	json_object_set_new(o, "sends_per_response",
			    json_num_or_null(m ? (double)s->sends / (double)m : NAN, m > 0));
	json_object_set_new(o, "bytes_in_mean", m ? json_count(s->bytes_in / m) : json_null());
	json_object_set_new(o, "bytes_out_mean", m ? json_count(s->bytes_out / m) : json_null());
}

json_t *anat_stats_json(const struct anat_stats *s, const struct anat_join_counts *jc,
			const struct anat_join_in *in)
{
	uint64_t n_um = 0;
	json_t *o;

	for (int r = 0; r < AU_NR; r++)
		n_um += jc->unmatched[r];
	o = json_pack("{s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o}",
		"available", 1,
		"arrival", in->arrival ? in->arrival : "sk_data_ready",
		"client_requests", json_count(jc->client_ok),
		"matched", json_count(s->matched),
		"unmatched", json_count(n_um),
		"unmatched_reasons", reasons_json(jc->unmatched, anat_unmatched_names, AU_NR),
		"coverage", json_num_or_null(jc->client_ok ? (double)s->matched / (double)jc->client_ok : NAN,
					     jc->client_ok > 0),
		"kernel_records", json_count(in->n_kernel),
		"kernel_only", reasons_json(jc->kernel_only, anat_kernel_only_names, AK_NR),
		"new_connections", json_count(s->new_conn),
		"connection_per_request", s->matched && s->new_conn * 2 > s->matched,
		"components", components_json(s),
		"latency_ns", dist_json_hdr(&s->latency),
		"send_ns", dist_json_hdr(&s->send));
	if (!o)
		return NULL;
	const struct hist *cl = in->client_latency;
	uint64_t t99 = cl && cl->total ? hist_percentile(cl, 99) : 0;
	uint64_t t999 = cl && cl->total ? hist_percentile(cl, 99.9) : 0;
	json_object_set_new(o, "tail", json_pack("{s:o, s:o}", "p99", tail_json(s, t99),
						 "p999", tail_json(s, t999)));
	json_object_set_new(o, "client_errors", json_count(jc->client_errors));
	json_object_set_new(o, "records_lost", json_count(in->records_lost));
	json_object_set_new(o, "client_records_lost", json_count(in->client_lost));
	json_object_set_new(o, "have_accept", json_boolean(in->have_accept));
	json_object_set_new(o, "accept_unseen", json_count(s->accept_unseen));
	per_response(o, s);
	return o;
}
