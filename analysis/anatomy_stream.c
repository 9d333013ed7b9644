/* The join while the load runs, in constant memory (see anatomy.md, "The
 * streaming join"). Client and kernel records come in as they are drained;
 * each side waits in a bounded window (a ring of ANAT_STREAM_WINDOW records
 * in arrival order, linked per client port, since on one connection
 * responses come in order). A record that arrives is matched at once with
 * the other side's records of its port by the rule of the whole-run join
 * (the kernel record's marks inside the request's [C0, C5]); what is left
 * waits until the window is full, and leaves then (or at the end) with its
 * reason counted as the whole-run join counts it. */
#include "analysis/anatomy_internal.h"
#include "analysis/timeline_anatomy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT64_MAX
#define NPORTS 65536
/* A kernel record that ends this long before a request of its port began
 * cannot be that port's any more: client records of one port come in order. */
#define STALE_NS 100000000ull

enum { S_LIVE, S_HELD, S_DEAD };	/* waiting; a candidate of an unmatched request; matched */

struct node {
	uint64_t next;	/* the next record of its port, by arrival (a sequence number) */
	uint8_t state;
	int8_t why;	/* client: its unmatched reason so far */
	uint64_t best;	/* client: the kernel record that gave it (NONE: none) */
};

/* One side's window: sequence numbers [start, end) are in it. */
struct side {
	struct node *node;
	uint64_t start, end;
	uint64_t head[NPORTS], tail[NPORTS];
};

struct anat_stream {
	struct anat_join_in in;	/* the options; client/kernel unused */
	struct anat_stats *s;
	struct anat_join_counts jc;
	struct side cs, ks;
	struct lg_record *c;	/* ANAT_STREAM_WINDOW each */
	struct anat_rec *k;
	uint64_t n_kernel;
	int trace_errno;	/* why the trace could not be written, from its first failure */
	struct tl_anat *timeline;	/* the anatomy per interval, or NULL */
};

#define SLOT(q) ((q) & (ANAT_STREAM_WINDOW - 1))

static int side_init(struct side *d)
{
	d->node = calloc(ANAT_STREAM_WINDOW, sizeof(*d->node));
	memset(d->head, 0xff, sizeof(d->head));
	memset(d->tail, 0xff, sizeof(d->tail));
	return d->node ? 0 : -ENOMEM;
}

static void side_push(struct side *d, uint16_t port, uint64_t q)
{
	struct node *n = &d->node[SLOT(q)];

	n->next = NONE;
	if (d->tail[port] == NONE)
		d->head[port] = q;
	else
		d->node[SLOT(d->tail[port])].next = q;
	d->tail[port] = q;
	d->end = q + 1;
}

/* The first record of port p not matched, skipping (and unlinking) the
 * matched ones at the front. */
static uint64_t side_first(struct side *d, uint16_t p)
{
	uint64_t q = d->head[p];

	while (q != NONE && d->node[SLOT(q)].state == S_DEAD)
		q = d->node[SLOT(q)].next;
	d->head[p] = q;
	if (q == NONE)
		d->tail[p] = NONE;
	return q;
}

/* The oldest record leaves the window: unlinked from its port's front
 * (where it is, unless matched records were skipped past it). */
static void side_pop(struct side *d, uint16_t port)
{
	uint64_t q = d->start++;

	if (d->head[port] == q) {
		d->head[port] = d->node[SLOT(q)].next;
		if (d->head[port] == NONE)
			d->tail[port] = NONE;
	}
}

static void kernel_leaves(struct anat_stream *st, uint64_t q)
{
	struct node *n = &st->ks.node[SLOT(q)];

	if (n->state == S_LIVE)
		st->jc.kernel_only[anat_in_window(&st->in, anat_k_begin(&st->k[SLOT(q)])) ?
				   AK_NO_CLIENT_REQUEST : AK_OUTSIDE_WINDOW]++;
	n->state = S_DEAD;
}

static void client_leaves(struct anat_stream *st)
{
	uint64_t q = st->cs.start;
	struct node *n = &st->cs.node[SLOT(q)];
	const struct lg_record *c = &st->c[SLOT(q)];

	if (n->state != S_DEAD) {
		if (st->in.debug)
			anat_debug_unmatched(st->in.debug, n->why, c, n->best != NONE &&
					     n->best >= st->ks.start ? &st->k[SLOT(n->best)] : NULL);
		st->jc.unmatched[n->why]++;
	}
	side_pop(&st->cs, c->lport);
}

static void kernel_pop(struct anat_stream *st)
{
	uint64_t q = st->ks.start;

	kernel_leaves(st, q);
	side_pop(&st->ks, st->k[SLOT(q)].port);
}

static void matched(struct anat_stream *st, const struct lg_record *c, const struct anat_rec *k,
		    const struct anat_comp *x)
{
	anat_stats_add(st->s, k, x);
	tl_anat_add(st->timeline, c->c0, x);
	if (st->in.trace) {
		anat_trace_line(st->in.trace, st->in.server ? st->in.server : "", c, k, x);
		/* errno now, while it still says why: the file is closed much later */
		if (!st->trace_errno && ferror(st->in.trace))
			st->trace_errno = errno ? errno : EIO;
	}
}

int anat_stream_trace_errno(const struct anat_stream *st)
{
	return st ? st->trace_errno : 0;
}

/* Whether kernel record k can be client request c's: -1 matched (x
 * filled), a reason, or -2 when its marks are not inside [C0, C5]. */
static int try_pair(const struct anat_stream *st, const struct lg_record *c,
		    const struct anat_rec *k, struct anat_comp *x)
{
	if (anat_k_begin(k) < c->c0 || anat_k_end(k) > c->c5)
		return -2;
	return anat_components(c, k, st->in.have_accept, x);
}

void anat_stream_window_start(struct anat_stream *st, uint64_t t)
{
	st->in.window_start = t;
}

int anat_stream_timeline_start(struct anat_stream *st, uint64_t start_ns, uint64_t interval_ns,
			       uint32_t n, uint64_t horizon_ns)
{
	tl_anat_free(st->timeline);
	st->timeline = tl_anat_new(start_ns, interval_ns, n, horizon_ns);
	return st->timeline || !interval_ns || !n ? 0 : -ENOMEM;
}

struct tl_anat *anat_stream_timeline(const struct anat_stream *st)
{
	return st ? st->timeline : NULL;
}

void anat_stream_client(struct anat_stream *st, const struct lg_record *c)
{
	struct node *cn;
	struct anat_comp x;
	int why = AU_NO_KERNEL_RECORD;
	uint64_t best = NONE;

	if (!c->ok) {
		st->jc.client_errors++;	/* its kernel record, if any, counts as without a request */
		return;
	}
	st->jc.client_ok++;
	for (uint64_t q = side_first(&st->ks, c->lport); q != NONE; q = st->ks.node[SLOT(q)].next) {
		struct node *kn = &st->ks.node[SLOT(q)];
		const struct anat_rec *k = &st->k[SLOT(q)];
		int r;

		if (kn->state == S_DEAD)
			continue;
		if (anat_k_end(k) + STALE_NS < c->c0) {
			kernel_leaves(st, q);
			continue;
		}
		r = try_pair(st, c, k, &x);
		if (r == -1) {
			kn->state = S_DEAD;
			matched(st, c, k, &x);
			return;
		}
		if (r >= 0) {
			why = r;
			best = q;
		}
	}
	if (st->cs.end - st->cs.start == ANAT_STREAM_WINDOW)
		client_leaves(st);
	cn = &st->cs.node[SLOT(st->cs.end)];
	cn->state = S_LIVE;
	cn->why = (int8_t)why;
	cn->best = best;
	if (best != NONE)
		st->ks.node[SLOT(best)].state = S_HELD;
	st->c[SLOT(st->cs.end)] = *c;
	side_push(&st->cs, c->lport, st->cs.end);
}

void anat_stream_kernel(struct anat_stream *st, const struct anat_rec *k)
{
	struct anat_comp x;
	uint8_t state = S_LIVE;

	st->n_kernel++;
	for (uint64_t q = side_first(&st->cs, k->port); q != NONE; q = st->cs.node[SLOT(q)].next) {
		struct node *cn = &st->cs.node[SLOT(q)];
		int r;

		if (cn->state == S_DEAD)
			continue;
		r = try_pair(st, &st->c[SLOT(q)], k, &x);
		if (r == -1) {
			cn->state = S_DEAD;
			matched(st, &st->c[SLOT(q)], k, &x);
			return;
		}
		if (r >= 0) {
			cn->why = (int8_t)r;
			cn->best = st->ks.end;
			state = S_HELD;
		}
	}
	if (st->ks.end - st->ks.start == ANAT_STREAM_WINDOW)
		kernel_pop(st);
	st->ks.node[SLOT(st->ks.end)].state = state;
	st->k[SLOT(st->ks.end)] = *k;
	side_push(&st->ks, k->port, st->ks.end);
}

void anat_stream_free(struct anat_stream *st)
{
	if (!st)
		return;
	anat_stats_free(st->s);
	tl_anat_free(st->timeline);
	free(st->cs.node);
	free(st->ks.node);
	free(st->c);
	free(st->k);
	free(st);
}

struct anat_stream *anat_stream_new(const struct anat_join_in *opts)
{
	struct anat_stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->in = *opts;
	st->s = anat_stats_new();
	st->c = malloc(ANAT_STREAM_WINDOW * sizeof(*st->c));
	st->k = malloc(ANAT_STREAM_WINDOW * sizeof(*st->k));
	if (!st->s || !st->c || !st->k || side_init(&st->cs) || side_init(&st->ks)) {
		anat_stream_free(st);
		return NULL;
	}
	/* Made resident now: a kernel record waits in the window only when it
	 * came before its client record, so the window's pages would otherwise
	 * be touched over minutes, RSS creeping up to the same bound. */
	memset(st->c, 0, ANAT_STREAM_WINDOW * sizeof(*st->c));
	memset(st->k, 0, ANAT_STREAM_WINDOW * sizeof(*st->k));
	return st;
}

json_t *anat_stream_finish(struct anat_stream *st, const struct anat_join_in *end,
			   struct errbuf *err)
{
	json_t *o;

	st->in.window_end = end->window_end;
	st->in.client_latency = end->client_latency;
	st->in.arrival = end->arrival;
	st->in.records_lost = end->records_lost;
	st->in.client_lost = end->client_lost;
	while (st->cs.start != st->cs.end)
		client_leaves(st);
	while (st->ks.start != st->ks.end)
		kernel_pop(st);
	st->in.n_kernel = st->n_kernel;
	o = anat_stats_json(st->s, &st->jc, &st->in);
	if (!o)
		errbuf_set(err, "out of memory building the breakdown");
	return o;
}
