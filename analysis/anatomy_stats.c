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

struct anat_stats *anat_stats_new(const struct hist *client_latency)
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
	if (client_latency && client_latency->total) {
		s->tail[0].threshold = hist_percentile(client_latency, 99);
		s->tail[1].threshold = hist_percentile(client_latency, 99.9);
	}
	return s;
}

void anat_stats_add(struct anat_stats *s, const struct anat_rec *k, const struct anat_comp *x)
{
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
	for (int t = 0; t < 2; t++) {
		if (!s->tail[t].threshold || x->latency <= s->tail[t].threshold)
			continue;
		s->tail[t].n++;
		s->tail[t].lat += x->latency;
		for (int i = 0; i < AC_NR; i++)
			s->tail[t].sum[i] += x->v[i];
	}
}

/* breakdown.tail.<p>: each component's share of the slow requests' latency. */
static json_t *tail_json(const struct anat_tail *t)
{
	json_t *o = json_pack("{s:o, s:o}", "threshold_ns", json_ns(t->threshold),
			      "requests", json_count(t->n));

	for (int i = 0; o && i < AC_NR; i++)
		json_object_set_new(o, anat_share_keys[i], t->n && t->lat > 0 ?
				    json_real((double)(t->sum[i] / t->lat)) : json_null());
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
	json_object_set_new(o, "tail", json_pack("{s:o, s:o}", "p99", tail_json(&s->tail[0]),
						 "p999", tail_json(&s->tail[1])));
	json_object_set_new(o, "client_errors", json_count(jc->client_errors));
	json_object_set_new(o, "records_lost", json_count(in->records_lost));
	json_object_set_new(o, "have_accept", json_boolean(in->have_accept));
	json_object_set_new(o, "accept_unseen", json_count(s->accept_unseen));
	per_response(o, s);
	return o;
}
