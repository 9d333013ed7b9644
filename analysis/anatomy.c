/* Join of client and kernel records, components, statistics, trace and the
 * summary bar (see anatomy.h and anatomy.md).
 *
 * The join: both sides are sorted by (port, end of the request): the client
 * by C5, the kernel by its last mark (C4 when present). On one connection
 * responses come one after the other, so walking both lists together, a
 * kernel record belongs to the first client request on its port that ends
 * at or after it, provided that request had begun (C0) before the kernel
 * saw its first byte (S1). Ports are reused within a run: the time
 * condition is what keeps two connections on one port apart. A second pass
 * gives what is left a chance with any unused record of its port inside
 * its [C0, C5] (a completion seen out of order). */
#define _GNU_SOURCE
#include "analysis/anatomy.h"
#include "analysis/dist.h"
#include "common/fmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const anat_comp_names[AC_NR] = {
	[AC_CONNECT] = "connect", [AC_NET_IN] = "net_in", [AC_ACCEPT_WAIT] = "accept_wait",
	[AC_WAIT] = "wait", [AC_APP] = "app", [AC_NET_OUT] = "net_out", [AC_CLIENT] = "client",
	[AC_WAIT_RUNQ] = "wait_runq", [AC_WAIT_OTHER] = "wait_other",
};
const char *const anat_comp_keys[AC_NR] = {
	[AC_CONNECT] = "connect_ns", [AC_NET_IN] = "net_in_ns",
	[AC_ACCEPT_WAIT] = "accept_wait_ns", [AC_WAIT] = "wait_ns", [AC_APP] = "app_ns",
	[AC_NET_OUT] = "net_out_ns", [AC_CLIENT] = "client_ns",
	[AC_WAIT_RUNQ] = "wait_runq_ns", [AC_WAIT_OTHER] = "wait_other_ns",
};
const char *const anat_share_keys[AC_NR] = {
	[AC_CONNECT] = "connect_share", [AC_NET_IN] = "net_in_share",
	[AC_ACCEPT_WAIT] = "accept_wait_share", [AC_WAIT] = "wait_share",
	[AC_APP] = "app_share", [AC_NET_OUT] = "net_out_share", [AC_CLIENT] = "client_share",
	[AC_WAIT_RUNQ] = "wait_runq_share", [AC_WAIT_OTHER] = "wait_other_share",
};
const char *const anat_unmatched_names[AU_NR] = {
	[AU_NO_KERNEL_RECORD] = "no_kernel_record",
	[AU_MARKS_MISSING] = "marks_missing",
	[AU_OUT_OF_ORDER] = "out_of_order",
};
const char *const anat_kernel_only_names[AK_NR] = {
	[AK_OUTSIDE_WINDOW] = "outside_window",
	[AK_NO_CLIENT_REQUEST] = "no_client_request",
};

/* ---- one request -------------------------------------------------------------- */

/* Definitions (every difference is of two marks ordered by causality, so
 * none is negative, and consecutive ones share a mark, so they add up):
 *
 *   kept-alive connection            connection opened for this request
 *   net_in      = S1 - C0            connect     = CE - C0
 *                                    net_in      = S1 - CE
 *                                    accept_wait = A  - S1,  A = max(ACC, S1)
 *   wait        = S2 - S1            wait        = S2 - A
 *   app = S3 - S2,  net_out = C4 - S3,  client = C5 - C4
 *
 * CE: the client socket became ESTABLISHED; ACC: the server's accept()
 * returned it. accept_wait is the part of the time in the accept queue
 * that the request's bytes spent waiting there (before S1 they were not
 * there yet, and that time is the way in). wait_runq is the run-queue
 * delay of the reading thread inside [A, S2] (at most wait), wait_other =
 * wait - wait_runq. */
int anat_components(const struct lg_record *c, const struct anat_rec *k, bool have_accept,
		    struct anat_comp *out)
{
	uint64_t a, start;
	bool nc = c->new_conn;

	memset(out, 0, sizeof(*out));
	if (!k->s1 || !k->s2 || !k->s3 || !k->c4 || (k->flags & ANAT_F_NO_ARRIVAL))
		return AU_MARKS_MISSING;
	if (nc && (k->seq != 0 || !k->ce))
		return AU_MARKS_MISSING;
	start = nc ? k->ce : k->s1;
	/* An accept() return not seen (the probe missing, or detached once the
	 * connections proved kept alive) leaves accept_wait inside wait. */
	a = nc && have_accept && k->acc > k->s1 ? k->acc : k->s1;
	if (c->c0 > start || (nc && k->ce > k->s1) || a > k->s2 || k->s2 > k->s3 ||
	    k->s3 > k->c4 || k->c4 > c->c5)
		return AU_OUT_OF_ORDER;
	out->new_conn = nc;
	out->accept_seen = nc && have_accept && k->acc;
	out->a = a;
	out->latency = c->c5 - c->c0;
	out->v[AC_CONNECT] = nc ? k->ce - c->c0 : 0;
	out->v[AC_NET_IN] = k->s1 - (nc ? k->ce : c->c0);
	out->v[AC_ACCEPT_WAIT] = a - k->s1;
	out->v[AC_WAIT] = k->s2 - a;
	out->v[AC_APP] = k->s3 - k->s2;
	out->v[AC_NET_OUT] = k->c4 - k->s3;
	out->v[AC_CLIENT] = c->c5 - k->c4;
	out->v[AC_WAIT_RUNQ] = k->runq_ns < out->v[AC_WAIT] ? k->runq_ns : out->v[AC_WAIT];
	out->v[AC_WAIT_OTHER] = out->v[AC_WAIT] - out->v[AC_WAIT_RUNQ];
	return -1;
}

/* ---- sorting -------------------------------------------------------------------- */

static int cmp_client(const void *pa, const void *pb)
{
	const struct lg_record *a = pa, *b = pb;

	if (a->lport != b->lport)
		return a->lport < b->lport ? -1 : 1;
	return (a->c5 > b->c5) - (a->c5 < b->c5);
}

/* The kernel record's last mark: where it ends. */
static uint64_t k_end(const struct anat_rec *k)
{
	uint64_t t = k->c4;

	if (!t)
		t = k->s3 ? k->s3 : k->s2 ? k->s2 : k->s1;
	return t;
}

/* Its first mark: where the request was surely already sent. */
static uint64_t k_begin(const struct anat_rec *k)
{
	return k->s1 ? k->s1 : k->s2 ? k->s2 : k->s3 ? k->s3 : k->c4;
}

static int cmp_kernel(const void *pa, const void *pb)
{
	const struct anat_rec *a = *(const struct anat_rec *const *)pa;
	const struct anat_rec *b = *(const struct anat_rec *const *)pb;
	uint64_t ta = k_end(a), tb = k_end(b);

	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (ta > tb) - (ta < tb);
}

/* ---- statistics ------------------------------------------------------------------ */

struct acc {
	struct hist h[AC_NR], latency, send;
	uint64_t matched, new_conn, accept_unseen, sends, bytes_in, bytes_out;
	struct tail {
		uint64_t threshold;
		uint64_t n;
		long double sum[AC_NR], lat;
	} tail[2];
};

static json_t *tail_json(const struct tail *t)
{
	json_t *o = json_pack("{s:I,s:I}", "threshold_ns", (json_int_t)t->threshold,
			      "requests", (json_int_t)t->n);

	for (int i = 0; o && i < AC_NR; i++)
		json_object_set_new(o, anat_share_keys[i], t->n && t->lat > 0 ?
				    json_real((double)(t->sum[i] / t->lat)) : json_null());
	return o;
}

/* ---- trace ---------------------------------------------------------------------- */

static void trace_line(FILE *f, const char *server, const struct lg_record *c,
		       const struct anat_rec *k, const struct anat_comp *x)
{
	fprintf(f, "{\"server\":\"%s\",\"port\":%u,\"seq\":%u,\"new_conn\":%s,\"c0\":%" PRIu64,
		server, c->lport, c->seq, x->new_conn ? "true" : "false", c->c0);
	if (x->new_conn)
		fprintf(f, ",\"ce\":%" PRIu64 ",\"acc\":%" PRIu64, (uint64_t)k->ce, (uint64_t)k->acc);
	fprintf(f, ",\"s1\":%" PRIu64 ",\"s2\":%" PRIu64 ",\"s3\":%" PRIu64 ",\"c4\":%" PRIu64
		",\"c5\":%" PRIu64, (uint64_t)k->s1, (uint64_t)k->s2, (uint64_t)k->s3,
		(uint64_t)k->c4, c->c5);
	for (int i = 0; i < AC_NR; i++)
		fprintf(f, ",\"%s\":%" PRIu64, anat_comp_names[i], x->v[i]);
	fprintf(f, ",\"latency\":%" PRIu64 ",\"send_ns\":%" PRIu64 ",\"sends\":%u,\"bytes_in\":%u"
		",\"bytes_out\":%u,\"tid\":%u,\"flags\":%u}\n", x->latency, (uint64_t)k->send_ns, k->sends,
		k->bytes_in, k->bytes_out, k->tid, k->flags);
}

/* ---- the join ------------------------------------------------------------------- */

/* One line per unmatched request and the kernel record it was compared
 * with, times relative to its C0 (BENCH_EBPF_ANATOMY_DEBUG=1). */
static void debug_unmatched(FILE *f, int why, const struct lg_record *c, const struct anat_rec *k)
{
#define REL(t) ((t) ? (long long)((t) - c->c0) : 0LL)
	fprintf(f, "anatomy: unmatched (%s): port %u seq %u new_conn %u, c5 +%llu", anat_unmatched_names[why],
		c->lport, c->seq, c->new_conn, (unsigned long long)(c->c5 - c->c0));
	if (k)
		fprintf(f, "; kernel seq %u ce %+lld acc %+lld s1 %+lld s2 %+lld s3 %+lld c4 %+lld flags 0x%x",
			k->seq, REL(k->ce), REL(k->acc), REL(k->s1), REL(k->s2), REL(k->s3), REL(k->c4),
			(unsigned)k->flags);
	fputc('\n', f);
#undef REL
}

static void account(struct acc *s, const struct anat_rec *k, const struct anat_comp *x)
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

static bool in_window(const struct anat_join_in *in, uint64_t t)
{
	return t >= in->window_start && (!in->window_end || t <= in->window_end);
}

json_t *anat_breakdown(struct anat_join_in *in, struct errbuf *err)
{
	uint64_t unmatched[AU_NR] = { 0 }, kernel_only[AK_NR] = { 0 }, client_ok = 0, errors = 0;
	struct acc *s = calloc(1, sizeof(*s));
	struct miss {
		size_t ci;
		int why;
		const struct anat_rec *best;
	} *miss = NULL;
	size_t i, j = 0, nmiss = 0, capmiss = 0;
	unsigned char *used = NULL;
	json_t *o = NULL, *um, *ko, *comps, *tail;

	if (!s)
		goto oom;
	for (int c = 0; c < AC_NR; c++)
		if (hist_init(&s->h[c]))
			goto oom;
	if (hist_init(&s->latency) || hist_init(&s->send))
		goto oom;
	if (in->client_latency && in->client_latency->total) {
		s->tail[0].threshold = hist_percentile(in->client_latency, 99);
		s->tail[1].threshold = hist_percentile(in->client_latency, 99.9);
	}

	qsort(in->client, in->n_client, sizeof(*in->client), cmp_client);
	qsort(in->kernel, in->n_kernel, sizeof(*in->kernel), cmp_kernel);
	used = calloc(in->n_kernel ? in->n_kernel : 1, 1);
	if (!used)
		goto oom;

	/* Pass 1: both lists in (port, end) order. */
	for (i = 0; i < in->n_client; i++) {
		const struct lg_record *c = &in->client[i];
		const struct anat_rec *best = NULL;
		size_t bestj = 0;
		struct anat_comp x;
		int why = AU_NO_KERNEL_RECORD;

		/* Kernel records that end before this request began. */
		while (j < in->n_kernel && (in->kernel[j]->port < c->lport ||
					    (in->kernel[j]->port == c->lport && k_end(in->kernel[j]) < c->c0)))
			j++;
		/* Those that end inside it: the first complete one that began
		 * after it was due. */
		for (; j < in->n_kernel && in->kernel[j]->port == c->lport &&
		       k_end(in->kernel[j]) <= c->c5; j++) {
			const struct anat_rec *k = in->kernel[j];
			int r;

			if (k_begin(k) < c->c0 || (best && why < 0))
				continue;
			r = anat_components(c, k, in->have_accept, &x);
			best = k;
			bestj = j;
			why = r;
		}
		if (!c->ok) {
			errors++;
			continue;	/* its kernel record, if any, counts as without a request */
		}
		client_ok++;
		if (why >= 0) {
			if (nmiss == capmiss) {
				struct miss *m = realloc(miss, (capmiss ? capmiss * 2 : 64) * sizeof(*m));

				if (!m)
					goto oom;
				miss = m;
				capmiss = capmiss ? capmiss * 2 : 64;
			}
			miss[nmiss++] = (struct miss){ i, why, best };
			if (best)
				used[bestj] = 2;	/* its, unless pass 2 finds it a better owner */
			continue;
		}
		used[bestj] = 1;
		account(s, best, &x);
		if (in->trace)
			trace_line(in->trace, in->server ? in->server : "", c, best, &x);
	}

	/* Pass 2, for what pass 1 left: a client whose completion was seen out
	 * of order with the next requests on its port (possible with the curl
	 * engine) is matched with any kernel record of its port inside its
	 * [C0, C5] that no request matched. (used: 1 matched, 2 held by an
	 * unmatched request as its best candidate.) */
	for (size_t m = 0; m < nmiss; m++) {
		const struct lg_record *c = &in->client[miss[m].ci];
		struct anat_comp x;
		size_t lo = 0, hi = in->n_kernel, q;
		bool done = false;

		while (lo < hi) {	/* first record of the port ending at or after c0 */
			size_t mid = lo + (hi - lo) / 2;
			const struct anat_rec *k = in->kernel[mid];

			if (k->port < c->lport || (k->port == c->lport && k_end(k) < c->c0))
				lo = mid + 1;
			else
				hi = mid;
		}
		for (q = lo; q < in->n_kernel && in->kernel[q]->port == c->lport &&
		     k_end(in->kernel[q]) <= c->c5; q++) {
			const struct anat_rec *k = in->kernel[q];

			if (used[q] == 1 || k_begin(k) < c->c0 ||
			    anat_components(c, k, in->have_accept, &x) >= 0)
				continue;
			used[q] = 1;
			account(s, k, &x);
			if (in->trace)
				trace_line(in->trace, in->server ? in->server : "", c, k, &x);
			done = true;
			break;
		}
		if (done)
			continue;
		if (in->debug)
			debug_unmatched(in->debug, miss[m].why, c, miss[m].best);
		unmatched[miss[m].why]++;
	}
	for (j = 0; j < in->n_kernel; j++)
		if (!used[j])
			kernel_only[in_window(in, k_begin(in->kernel[j])) ? AK_NO_CLIENT_REQUEST
									 : AK_OUTSIDE_WINDOW]++;

	um = json_object();
	ko = json_object();
	comps = json_object();
	tail = json_object();
	uint64_t n_um = 0;
	for (int r = 0; r < AU_NR; r++) {
		json_object_set_new(um, anat_unmatched_names[r], json_integer((json_int_t)unmatched[r]));
		n_um += unmatched[r];
	}
	for (int r = 0; r < AK_NR; r++)
		json_object_set_new(ko, anat_kernel_only_names[r], json_integer((json_int_t)kernel_only[r]));
	for (int c = 0; c < AC_NR; c++) {
		if ((c == AC_CONNECT || c == AC_ACCEPT_WAIT) && !s->new_conn)
			continue;	/* only where connections were opened */
		json_object_set_new(comps, anat_comp_keys[c], dist_json_hdr(&s->h[c]));
	}
	json_object_set_new(tail, "p99", tail_json(&s->tail[0]));
	json_object_set_new(tail, "p999", tail_json(&s->tail[1]));

	o = json_pack("{s:b,s:s,s:I,s:I,s:I,s:o,s:o,s:I,s:o,s:I,s:b,s:o,s:o,s:o,s:o}",
		"available", 1,
		"arrival", in->arrival ? in->arrival : "sk_data_ready",
		"client_requests", (json_int_t)client_ok,
		"matched", (json_int_t)s->matched,
		"unmatched", (json_int_t)n_um,
		"unmatched_reasons", um,
		"coverage", client_ok ? json_real((double)s->matched / (double)client_ok) : json_null(),
		"kernel_records", (json_int_t)in->n_kernel,
		"kernel_only", ko,
		"new_connections", (json_int_t)s->new_conn,
		"connection_per_request", s->matched && s->new_conn * 2 > s->matched,
		"components", comps,
		"latency_ns", dist_json_hdr(&s->latency),
		"send_ns", dist_json_hdr(&s->send),
		"tail", tail);
	if (o) {
		json_object_set_new(o, "client_errors", json_integer((json_int_t)errors));
		json_object_set_new(o, "records_lost", json_integer((json_int_t)in->records_lost));
		json_object_set_new(o, "have_accept", json_boolean(in->have_accept));
		json_object_set_new(o, "accept_unseen", json_integer((json_int_t)s->accept_unseen));
		json_object_set_new(o, "sends_per_response", s->matched ?
			json_real((double)s->sends / (double)s->matched) : json_null());
		json_object_set_new(o, "bytes_in_mean", s->matched ?
			json_integer((json_int_t)(s->bytes_in / s->matched)) : json_null());
		json_object_set_new(o, "bytes_out_mean", s->matched ?
			json_integer((json_int_t)(s->bytes_out / s->matched)) : json_null());
	}
oom:
	free(used);
	free(miss);
	if (s) {
		for (int c = 0; c < AC_NR; c++)
			hist_free(&s->h[c]);
		hist_free(&s->latency);
		hist_free(&s->send);
		free(s);
	}
	if (!o)
		errbuf_set(err, "out of memory building the breakdown");
	return o;
}

json_t *anat_breakdown_unavailable(const char *reason)
{
	return json_pack("{s:b,s:s}", "available", 0, "reason", reason ? reason : "not run");
}

/* ---- summary ---------------------------------------------------------------------- */

static double jnum(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return v && json_is_number(v) ? json_number_value(v) : NAN;
}

#define BAR 60

void anat_summary(FILE *out, json_t *b)
{
	/* Bar segments, in the order of the request's life. */
	static const struct { int id; char letter; const char *label; } seg[] = {
		{ AC_CONNECT, 'c', "connect      client connect() until established" },
		{ AC_NET_IN, 'i', "net_in       on the way in, until queued on the server socket" },
		{ AC_ACCEPT_WAIT, 'q', "accept_wait  queued, connection not yet accepted" },
		{ AC_WAIT_RUNQ, 'r', "wait (runq)  queued, server thread waiting for a CPU" },
		{ AC_WAIT_OTHER, 'w', "wait (busy)  queued, server busy elsewhere" },
		{ AC_APP, 'a', "app          read returned until the response's first send" },
		{ AC_NET_OUT, 'o', "net_out      send until the last bytes are at the client" },
		{ AC_CLIENT, 'l', "client       load generator wake-up and parsing" },
	};
	const int nseg = sizeof(seg) / sizeof(seg[0]);
	json_t *comps = json_object_get(b, "components");
	double mean[8], total = 0, cov = jnum(b, "coverage", NULL);
	int width[8], used = 0;
	char bar[BAR + 1], d[3][32];

	if (!json_is_true(json_object_get(b, "available"))) {
		fprintf(out, "  Anatomy:              not available (%s)\n",
			json_string_value(json_object_get(b, "reason")) ?
			json_string_value(json_object_get(b, "reason")) : "?");
		return;
	}
	for (int i = 0; i < nseg; i++) {
		json_t *c = json_object_get(comps, anat_comp_keys[seg[i].id]);
		double m = jnum(c, "mean", NULL), n = jnum(c, "count", NULL);
		double all = jnum(b, "matched", NULL);

		/* connect and accept_wait are means over new connections: spread
		 * over all requests for the bar, so the segments add up. */
		mean[i] = isfinite(m) && n > 0 && all > 0 ? m * n / all : 0;
		total += mean[i];
	}
	fprintf(out, "  Anatomy:              %.0f of %.0f requests matched (coverage %.2f %%)",
		jnum(b, "matched", NULL), jnum(b, "client_requests", NULL),
		isfinite(cov) ? cov * 100 : 0);
	if (jnum(b, "records_lost", NULL) > 0)
		fprintf(out, ", %.0f kernel records lost", jnum(b, "records_lost", NULL));
	fputc('\n', out);
	if (!(total > 0))
		return;
	/* Largest remainders, so the bar is exactly BAR wide. */
	double rem[8];
	for (int i = 0; i < nseg; i++) {
		double w = mean[i] / total * BAR;

		width[i] = (int)w;
		rem[i] = w - width[i];
		used += width[i];
	}
	while (used < BAR) {
		int best = 0;

		for (int i = 1; i < nseg; i++)
			if (rem[i] > rem[best])
				best = i;
		width[best]++;
		rem[best] = -1;
		used++;
	}
	int p = 0;
	for (int i = 0; i < nseg; i++)
		for (int k = 0; k < width[i] && p < BAR; k++)
			bar[p++] = seg[i].letter;
	bar[p] = 0;
	fprintf(out, "    [%s]  mean %s\n", bar, fmt_duration(total, d[0], sizeof(d[0])));
	for (int i = 0; i < nseg; i++) {
		json_t *c = json_object_get(comps, anat_comp_keys[seg[i].id]);

		if (!c)
			continue;
		fprintf(out, "    %c %-60s %5.1f %%  p50 %-9s p99 %s\n", seg[i].letter, seg[i].label,
			mean[i] / total * 100, fmt_duration(jnum(c, "p50", NULL), d[0], sizeof(d[0])),
			fmt_duration(jnum(c, "p99", NULL), d[1], sizeof(d[1])));
	}
	json_t *t = json_object_get(json_object_get(b, "tail"), "p99");
	if (jnum(t, "requests", NULL) > 0) {
		fprintf(out, "    slowest 1 %% (> %s):", fmt_duration(jnum(t, "threshold_ns", NULL), d[0], sizeof(d[0])));
		for (int i = 0; i < nseg; i++) {
			double sh = jnum(t, anat_share_keys[seg[i].id], NULL);

			if (isfinite(sh) && sh >= 0.005)
				fprintf(out, " %s %.0f %%", seg[i].id == AC_WAIT_RUNQ ? "wait(runq)" :
					seg[i].id == AC_WAIT_OTHER ? "wait(busy)" : anat_comp_names[seg[i].id],
					sh * 100);
		}
		fputc('\n', out);
	}
}
