/* The anatomy per timeline interval: each matched request goes to the
 * interval of its client start (C0), so a tail that grew at second 37 shows
 * which component grew with it. Matches come while the load runs, a little
 * after their requests; the intervals they can still come for are kept in
 * a ring of compact histograms (32 log-linear buckets per power of two,
 * about 3 %), each summarised once no match can come for it any more, so
 * memory does not grow with the run beyond a small summary per interval. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "analysis/anatomy.h"
#include "loadgen/hist.h"

struct tl_anat_interval {
	uint64_t matched;	/* requests with C0 in it, matched */
	uint64_t late;		/* of those, matched after it was summarised:
				 * in count, mean and extremes, not in the percentiles */
	struct hist_summary comp[AC_NR];	/* connect and accept_wait: new connections only */
	uint64_t sum[AC_NR];
};

struct tl_anat;

/* Intervals of interval_ns from start_ns, at most n; a match can come up to
 * horizon_ns after its interval ended (the load's timeout and the drains'
 * lag) and still be in its percentiles. NULL: no memory. */
struct tl_anat *tl_anat_new(uint64_t start_ns, uint64_t interval_ns, uint32_t n, uint64_t horizon_ns);
void tl_anat_add(struct tl_anat *t, uint64_t c0, const struct anat_comp *x);
/* Summarises what is left; then exactly n entries (the load generator's
 * intervals: later ones go into the last, missing ones are empty). NULL
 * without memory. */
const struct tl_anat_interval *tl_anat_finish(struct tl_anat *t, size_t n);
/* Whether any matched request opened its connection (connect and
 * accept_wait mean something). */
bool tl_anat_new_connections(const struct tl_anat *t);
void tl_anat_free(struct tl_anat *t);
