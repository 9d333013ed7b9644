/* The join of the load generator's records with the kernel's.
 *
 * Both sides are sorted by (port, end of the request): the client by C5,
 * the kernel by its last mark (C4 when present). On one connection
 * responses come one after the other, so walking both lists together, a
 * kernel record belongs to the first client request on its port that ends
 * at or after it, provided that request had begun (C0) before the kernel
 * saw its first byte (S1). Ports are reused within a run: the time
 * condition is what keeps two connections on one port apart. A second pass
 * gives what is left a chance with any unused record of its port inside
 * its [C0, C5] (a completion seen out of order). */
#include "analysis/anatomy_internal.h"

#include <errno.h>
#include <stdlib.h>

static int cmp_client(const void *pa, const void *pb)
{
	const struct lg_record *a = pa, *b = pb;

	if (a->lport != b->lport)
		return a->lport < b->lport ? -1 : 1;
	return (a->c5 > b->c5) - (a->c5 < b->c5);
}

static int cmp_kernel(const void *pa, const void *pb)
{
	const struct anat_rec *a = *(const struct anat_rec *const *)pa;
	const struct anat_rec *b = *(const struct anat_rec *const *)pb;
	uint64_t ta = anat_k_end(a), tb = anat_k_end(b);

	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (ta > tb) - (ta < tb);
}

/* A client request pass 1 left unmatched, and its best candidate. */
struct miss {
	size_t ci;
	int why;
	const struct anat_rec *best;
};

struct join {
	struct anat_join_in *in;
	struct anat_stats *s;
	struct anat_join_counts *jc;
	unsigned char *used;	/* per kernel record: 1 matched, 2 held by an unmatched request */
	struct miss *miss;
	size_t nmiss, capmiss;
};

static void matched(struct join *J, const struct lg_record *c, const struct anat_rec *k,
		    const struct anat_comp *x)
{
	anat_stats_add(J->s, k, x);
	if (J->in->trace)
		anat_trace_line(J->in->trace, J->in->server ? J->in->server : "", c, k, x);
}

static int add_miss(struct join *J, size_t ci, int why, const struct anat_rec *best)
{
	if (J->nmiss == J->capmiss) {
		size_t cap = J->capmiss ? J->capmiss * 2 : 64;
		struct miss *m = realloc(J->miss, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		J->miss = m;
		J->capmiss = cap;
	}
	J->miss[J->nmiss++] = (struct miss){ ci, why, best };
	return 0;
}

/* Pass 1 for client request c, the kernel cursor at *j: skip the records
 * that end before it began; of those that end inside it, the first
 * complete one that began after it was due. Returns -1 (matched, x
 * filled) or why not; *bestj the candidate's index (-1: none). */
static int pass1_candidate(struct join *J, const struct lg_record *c, size_t *j,
			   long *bestj, struct anat_comp *x)
{
	const struct anat_join_in *in = J->in;
	int why = AU_NO_KERNEL_RECORD;

	*bestj = -1;
	while (*j < in->n_kernel && (in->kernel[*j]->port < c->lport ||
				     (in->kernel[*j]->port == c->lport && anat_k_end(in->kernel[*j]) < c->c0)))
		(*j)++;
	for (; *j < in->n_kernel && in->kernel[*j]->port == c->lport &&
	       anat_k_end(in->kernel[*j]) <= c->c5; (*j)++) {
		const struct anat_rec *k = in->kernel[*j];

		if (anat_k_begin(k) < c->c0 || (*bestj >= 0 && why < 0))
			continue;
		why = anat_components(c, k, in->have_accept, x);
		*bestj = (long)*j;
	}
	return why;
}

/* Pass 1: both lists in (port, end) order. */
static int pass1(struct join *J)
{
	const struct anat_join_in *in = J->in;
	size_t j = 0;

	for (size_t i = 0; i < in->n_client; i++) {
		const struct lg_record *c = &in->client[i];
		struct anat_comp x;
		long bestj;
		int why = pass1_candidate(J, c, &j, &bestj, &x);

		if (!c->ok) {
			J->jc->client_errors++;
			continue;	/* its kernel record, if any, counts as without a request */
		}
		J->jc->client_ok++;
		if (why >= 0) {
			if (add_miss(J, i, why, bestj >= 0 ? in->kernel[bestj] : NULL))
				return -ENOMEM;
			if (bestj >= 0)
				J->used[bestj] = 2;	/* its, unless pass 2 finds it a better owner */
			continue;
		}
		J->used[bestj] = 1;
		matched(J, c, in->kernel[bestj], &x);
	}
	return 0;
}

/* The first kernel record of port p that ends at or after t. */
static size_t first_ending_after(const struct anat_join_in *in, uint16_t p, uint64_t t)
{
	size_t lo = 0, hi = in->n_kernel;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct anat_rec *k = in->kernel[mid];

		if (k->port < p || (k->port == p && anat_k_end(k) < t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Pass 2, for what pass 1 left: a client whose completion was seen out of
 * order with the next requests on its port (possible with the curl engine)
 * is matched with any kernel record of its port inside its [C0, C5] that
 * no request matched. */
static bool pass2_one(struct join *J, const struct lg_record *c)
{
	const struct anat_join_in *in = J->in;
	struct anat_comp x;

	for (size_t q = first_ending_after(in, c->lport, c->c0);
	     q < in->n_kernel && in->kernel[q]->port == c->lport && anat_k_end(in->kernel[q]) <= c->c5; q++) {
		const struct anat_rec *k = in->kernel[q];

		if (J->used[q] == 1 || anat_k_begin(k) < c->c0 ||
		    anat_components(c, k, in->have_accept, &x) >= 0)
			continue;
		J->used[q] = 1;
		matched(J, c, k, &x);
		return true;
	}
	return false;
}

static void pass2(struct join *J)
{
	for (size_t m = 0; m < J->nmiss; m++) {
		const struct lg_record *c = &J->in->client[J->miss[m].ci];

		if (pass2_one(J, c))
			continue;
		if (J->in->debug)
			anat_debug_unmatched(J->in->debug, J->miss[m].why, c, J->miss[m].best);
		J->jc->unmatched[J->miss[m].why]++;
	}
}

int anat_join(struct anat_join_in *in, struct anat_stats *s, struct anat_join_counts *jc)
{
	struct join J = { .in = in, .s = s, .jc = jc };
	int rc;

	qsort(in->client, in->n_client, sizeof(*in->client), cmp_client);
	qsort(in->kernel, in->n_kernel, sizeof(*in->kernel), cmp_kernel);
	J.used = calloc(in->n_kernel ? in->n_kernel : 1, 1);
	if (!J.used)
		return -ENOMEM;
	rc = pass1(&J);
	if (!rc) {
		pass2(&J);
		for (size_t j = 0; j < in->n_kernel; j++)
			if (!J.used[j])
				jc->kernel_only[anat_in_window(in, anat_k_begin(in->kernel[j])) ?
						AK_NO_CLIENT_REQUEST : AK_OUTSIDE_WINDOW]++;
	}
	free(J.used);
	free(J.miss);
	return rc;
}
