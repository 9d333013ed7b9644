/* The parts of the anatomy (analysis/anatomy.h), one job each: the join of
 * client and kernel records (anatomy_join.c), the statistics of the
 * matched requests and the breakdown object (anatomy_stats.c), the trace
 * (anatomy_trace.c); the summary bar is anatomy_bar.c. */
#pragma once
#include "analysis/anatomy.h"

/* Tail buckets: the client latency in log-linear buckets of ANAT_TAIL_SUB
 * per power of two (exact below ANAT_TAIL_SUB ns), 64 powers. */
#define ANAT_TAIL_SUB 32
#define ANAT_TAIL_BUCKETS (60 * ANAT_TAIL_SUB)
struct anat_tail_bucket {
	uint64_t n;
	double lat, sum[AC_NR];
};

/* What the statistics keep over the matched requests: a histogram per
 * component, and for the tail attribution (whose thresholds, the client's
 * p99 and p99.9, are known only at the end) each component's sum per
 * bucket of the request's latency: bounded, whatever the run's length. */
struct anat_stats {
	struct hist h[AC_NR], latency, send;
	uint64_t matched, new_conn, accept_unseen, sends, bytes_in, bytes_out;
	struct anat_tail_bucket tail[ANAT_TAIL_BUCKETS];
};

/* What the join counted beside the matches. */
struct anat_join_counts {
	uint64_t unmatched[AU_NR];	/* measured requests without anatomy, by reason */
	uint64_t kernel_only[AK_NR];	/* kernel records without a request, by reason */
	uint64_t client_ok, client_errors;
};

/* anatomy_stats.c */
struct anat_stats *anat_stats_new(void);	/* NULL: no memory */
void anat_stats_free(struct anat_stats *s);
void anat_stats_add(struct anat_stats *s, const struct anat_rec *k, const struct anat_comp *x);
/* The report's "breakdown" object; NULL without memory. */
json_t *anat_stats_json(const struct anat_stats *s, const struct anat_join_counts *jc,
			const struct anat_join_in *in);

/* The tail bucket of a latency, and the bucket's bounds [lo, hi]. */
unsigned anat_tail_bucket_of(uint64_t v);
void anat_tail_bounds(unsigned b, uint64_t *lo, uint64_t *hi);

/* A kernel record's last mark (where it ends: C4 when present) and its
 * first (where the request was surely already sent). */
static inline uint64_t anat_k_end(const struct anat_rec *k)
{
	return k->c4 ? k->c4 : k->s3 ? k->s3 : k->s2 ? k->s2 : k->s1;
}

static inline uint64_t anat_k_begin(const struct anat_rec *k)
{
	return k->s1 ? k->s1 : k->s2 ? k->s2 : k->s3 ? k->s3 : k->c4;
}

/* Inside the measured window (window_end 0: still open). */
static inline bool anat_in_window(const struct anat_join_in *in, uint64_t t)
{
	return t >= in->window_start && (!in->window_end || t <= in->window_end);
}

/* anatomy_join.c: every matched pair goes to anat_stats_add (and the trace);
 * -ENOMEM or 0. */
int anat_join(struct anat_join_in *in, struct anat_stats *s, struct anat_join_counts *jc);

/* anatomy_trace.c */
void anat_trace_line(FILE *f, const char *server, const struct lg_record *c,
		     const struct anat_rec *k, const struct anat_comp *x);
void anat_debug_unmatched(FILE *f, int why, const struct lg_record *c, const struct anat_rec *k);
