/* The anatomy per timeline interval (analysis/timeline_anatomy.h). */
#include "analysis/timeline_anatomy.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/anatomy_internal.h"

/* One component of one interval still open to matches. */
struct open_comp {
	uint64_t count, min, max, sum;
	long double sumsq;
	uint32_t buckets[ANAT_TAIL_BUCKETS];
};

struct open_interval {
	uint64_t matched;
	struct open_comp c[AC_NR];
};

struct tl_anat {
	uint64_t start_ns, interval_ns;
	uint32_t max;		/* intervals at most */
	uint32_t ring_n;	/* open intervals kept */
	struct open_interval *ring;	/* interval k at k % ring_n */
	uint64_t open_lo;	/* intervals below it are summarised */
	uint64_t seen;		/* one past the highest interval matched */
	bool new_conn;
	bool failed;		/* out of memory once: no per-interval anatomy at all */
	struct tl_anat_interval *done;	/* summaries, grown as intervals close */
	size_t done_cap;
};

static void open_reset(struct open_interval *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < AC_NR; i++)
		o->c[i].min = UINT64_MAX;
}

struct tl_anat *tl_anat_new(uint64_t start_ns, uint64_t interval_ns, uint32_t n, uint64_t horizon_ns)
{
	struct tl_anat *t;

	if (!interval_ns || !n)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	uint64_t ring = horizon_ns / interval_ns + 2;	/* the interval itself, and a partial one */
	*t = (struct tl_anat){ .start_ns = start_ns, .interval_ns = interval_ns, .max = n,
			       .ring_n = ring < n ? (uint32_t)ring : n };
	t->ring = malloc(t->ring_n * sizeof(*t->ring));
	if (!t->ring) {
		free(t);
		return NULL;
	}
	for (uint32_t i = 0; i < t->ring_n; i++)
		open_reset(&t->ring[i]);
	return t;
}

void tl_anat_free(struct tl_anat *t)
{
	if (!t)
		return;
	free(t->ring);
	free(t->done);
	free(t);
}

static int grow_done(struct tl_anat *t, size_t need)
{
	if (need <= t->done_cap)
		return 0;
	size_t cap = t->done_cap ? t->done_cap : 64;
	while (cap < need)
		cap *= 2;
	struct tl_anat_interval *d = realloc(t->done, cap * sizeof(*d));
	if (!d)
		return -ENOMEM;
	memset(d + t->done_cap, 0, (cap - t->done_cap) * sizeof(*d));
	t->done = d;
	t->done_cap = cap;
	return 0;
}

/* Value at percentile pct of one open component, as hist_percentile has it:
 * the upper bound of the bucket holding that rank, inside the extremes. */
static uint64_t open_percentile(const struct open_comp *c, double pct)
{
	uint64_t rank = hist_rank(pct, c->count), seen = 0, lo, hi;

	if (rank <= 1)
		return c->min;
	if (rank >= c->count)
		return c->max;
	for (unsigned b = 0; b < ANAT_TAIL_BUCKETS; b++) {
		seen += c->buckets[b];
		if (seen < rank)
			continue;
		anat_tail_bounds(b, &lo, &hi);
		return hi > c->max ? c->max : hi < c->min ? c->min : hi;
	}
	return c->max;
}

static void summarise(const struct open_comp *c, struct hist_summary *s)
{
	hist_summary_moments(s, c->count, c->min, c->max, (long double)c->sum, c->sumsq);
	if (!c->count)
		return;
	s->p50 = open_percentile(c, 50);
	s->p90 = open_percentile(c, 90);
	s->p99 = open_percentile(c, 99);
	s->p999 = open_percentile(c, 99.9);
	s->p9999 = open_percentile(c, 99.99);
}

/* Interval k leaves the ring: its summary is final but for late matches. */
static void close_interval(struct tl_anat *t, uint64_t k)
{
	struct open_interval *o = &t->ring[k % t->ring_n];
	struct tl_anat_interval *d = &t->done[k];

	d->matched = o->matched;
	for (int i = 0; i < AC_NR; i++) {
		summarise(&o->c[i], &d->comp[i]);
		d->sum[i] = o->c[i].sum;
	}
	open_reset(o);
}

/* connect and accept_wait belong to requests that opened their connection. */
static bool applies(const struct anat_comp *x, int i)
{
	return x->new_conn || (i != AC_CONNECT && i != AC_ACCEPT_WAIT);
}

/* A value for an interval already summarised: exact in count, sum, mean
 * and extremes; its percentiles stay those of the matches in time. */
static void late_value(struct hist_summary *s, uint64_t *sum, uint64_t v)
{
	*sum += v;
	if (!s->count) {
		*s = (struct hist_summary){ 1, v, v, 0, v, v, v, v, v, v };
		return;
	}
	s->count++;
	s->min = v < s->min ? v : s->min;
	s->max = v > s->max ? v : s->max;
	s->mean = (uint64_t)llround((double)*sum / (double)s->count);
}

static void open_value(struct open_comp *c, uint64_t v)
{
	c->count++;
	c->sum += v;
	c->sumsq += (long double)v * (long double)v;
	c->min = v < c->min ? v : c->min;
	c->max = v > c->max ? v : c->max;
	c->buckets[anat_tail_bucket_of(v)]++;
}

static void add_late(struct tl_anat_interval *d, const struct anat_comp *x)
{
	d->matched++;
	d->late++;
	for (int i = 0; i < AC_NR; i++)
		if (applies(x, i))
			late_value(&d->comp[i], &d->sum[i], x->v[i]);
}

static void add_open(struct open_interval *o, const struct anat_comp *x)
{
	o->matched++;
	for (int i = 0; i < AC_NR; i++)
		if (applies(x, i))
			open_value(&o->c[i], x->v[i]);
}

void tl_anat_add(struct tl_anat *t, uint64_t c0, const struct anat_comp *x)
{
	if (!t)
		return;
	uint64_t k = c0 > t->start_ns ? (c0 - t->start_ns) / t->interval_ns : 0;
	if (k >= t->max)
		k = t->max - 1;
	if (t->failed || grow_done(t, k + 1)) {
		t->failed = true;	/* never a timeline with requests missing */
		return;
	}
	t->new_conn |= x->new_conn;
	if (k < t->open_lo) {
		add_late(&t->done[k], x);
		return;
	}
	while (k >= t->open_lo + t->ring_n)	/* the oldest can get no more in time */
		close_interval(t, t->open_lo++);
	add_open(&t->ring[k % t->ring_n], x);
	if (k + 1 > t->seen)
		t->seen = k + 1;
}

bool tl_anat_new_connections(const struct tl_anat *t)
{
	return t && t->new_conn;
}

static void fold_into(struct tl_anat_interval *a, const struct tl_anat_interval *b)
{
	a->matched += b->matched;
	a->late += b->late;
	for (int i = 0; i < AC_NR; i++) {
		a->sum[i] += b->sum[i];
		hist_summary_fold(&a->comp[i], &b->comp[i], a->sum[i]);
	}
}

const struct tl_anat_interval *tl_anat_finish(struct tl_anat *t, size_t n)
{
	if (!t || !n || t->failed || grow_done(t, n > t->seen ? n : t->seen))
		return NULL;
	for (; t->open_lo < t->seen; t->open_lo++)
		close_interval(t, t->open_lo);
	for (size_t k = t->seen; k-- > n;)	/* past the load generator's last interval */
		fold_into(&t->done[n - 1], &t->done[k]);
	t->seen = n;	/* and the missing ones are the zeroed tail of done */
	return t->done;
}
