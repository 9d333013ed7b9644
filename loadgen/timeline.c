/* Per-interval figures (lg_options.interval_ns): each worker counts into
 * its own slots, one per interval, all made before the run; the hot path
 * only moves to the next slot (core.c, slot_at). After the run the slots are
 * merged over the workers into lg_result.timeline, so the intervals add up
 * exactly to the run's counts and latency histogram. While it runs,
 * lg_live_interval reads the slots every worker has left behind.
 *
 * Memory: a histogram is 254 KB of counts; one interval uses a few of its
 * pages. The slots' counts are one anonymous mapping per worker with no
 * swap reserved, so only the pages an interval touches become resident.
 * Once a worker has left an interval, lg_timeline_pack (from the main loop)
 * packs it into a few bytes per non-empty bucket and gives its pages back,
 * and the merged result is packed too: a run holds one worker's current
 * interval at full size, and about 10 KB per interval. */
#define _GNU_SOURCE
#include "loadgen/lg_internal.h"

#include <errno.h>
#include <sys/mman.h>

uint32_t lg_intervals_planned(const struct lg_options *o)
{
	if (!o->interval_ns)
		return 0;
	if (!o->duration_ns)
		return LG_MAX_INTERVALS;
	uint64_t n = (o->duration_ns + o->interval_ns - 1) / o->interval_ns;
	return n > LG_MAX_INTERVALS ? LG_MAX_INTERVALS + 1 : (uint32_t)n;
}

int lg_slots_init(struct lg_worker *w)
{
	uint32_t n = w->run->nslots;
	w->slot_end = UINT64_MAX;
	if (!n)
		return 0;
	size_t bytes = hist_counts_bytes();
	w->slot_mem_bytes = (size_t)n * bytes;
	w->slot_mem = mmap(NULL, w->slot_mem_bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	w->slots = calloc(n, sizeof(*w->slots));
	if (w->slot_mem == MAP_FAILED || !w->slots) {
		if (w->slot_mem == MAP_FAILED)
			w->slot_mem = NULL;
		return -ENOMEM;
	}
	w->nslots = n;
	for (uint32_t i = 0; i < n; i++)
		hist_init_at(&w->slots[i].lat, (uint64_t *)((char *)w->slot_mem + (size_t)i * bytes));
	return 0;
}

void lg_slots_start(struct lg_worker *w)
{
	if (w->slots)
		w->slot_end = w->nslots > 1 ? w->run->measure_ns + w->run->opts.interval_ns : UINT64_MAX;
}

void lg_slots_done(struct lg_worker *w)
{
	if (w->slots)
		__atomic_store_n(&w->slot_pub, w->nslots, __ATOMIC_RELEASE);
}

void lg_slots_free(struct lg_worker *w)
{
	for (uint32_t i = 0; i < w->nslots; i++)
		free(w->slots[i].lat.packed);	/* the unpacked ones are in slot_mem */
	if (w->slot_mem)
		munmap(w->slot_mem, w->slot_mem_bytes);
	free(w->slots);
	w->slot_mem = NULL;
	w->slots = NULL;
	w->nslots = 0;
}

/* ---- finished intervals, packed ------------------------------------------------ */

int lg_timeline_pack(struct lg_run *r)
{
	size_t bytes = hist_counts_bytes();
	for (int i = 0; i < r->nworkers; i++) {
		struct lg_worker *w = r->workers[i];
		uint32_t done = __atomic_load_n(&w->slot_pub, __ATOMIC_ACQUIRE);
		for (; w->packed < done && w->packed < w->nslots; w->packed++) {
			struct lg_slot *s = &w->slots[w->packed];
			struct hist p;
			if (hist_pack(&p, &s->lat))
				return -ENOMEM;	/* it stays as it is, and is tried again */
			s->lat = p;
			/* the worker never comes back to it: its pages can go */
			madvise((char *)w->slot_mem + (size_t)w->packed * bytes, bytes, MADV_DONTNEED);
		}
	}
	return 0;
}

/* ---- after the run ----------------------------------------------------------- */

/* How many intervals the result has: the whole window when it ran to its
 * end, else up to the last one any worker reached. */
static uint32_t intervals_used(const struct lg_run *r, bool whole_window)
{
	if (whole_window)
		return r->nslots;
	uint32_t n = 0;
	for (int i = 0; i < r->nworkers; i++)
		if (r->workers[i]->slots && r->workers[i]->cur + 1 > n)
			n = r->workers[i]->cur + 1;
	return n;
}

int lg_timeline_merge(const struct lg_run *r, struct lg_result *res, bool whole_window, uint64_t window_ns)
{
	uint64_t iv = r->opts.interval_ns;
	uint32_t n = r->nslots ? intervals_used(r, whole_window) : 0;
	res->interval_ns = iv;
	if (!n)
		return 0;
	res->timeline = calloc(n, sizeof(*res->timeline));
	if (!res->timeline)
		return -ENOMEM;
	res->n_intervals = n;
	struct hist sum;	/* one interval's, over the workers, then packed */
	int ret = hist_init(&sum);
	for (uint32_t k = 0; k < n; k++) {
		struct lg_interval *t = &res->timeline[k];
		t->start_ns = (uint64_t)k * iv;
		t->duration_ns = k + 1 < n || window_ns <= t->start_ns ? iv : window_ns - t->start_ns;
		hist_init_at(&t->latency, NULL);
		hist_reset(&sum);
		for (int i = 0; i < r->nworkers; i++) {
			const struct lg_slot *s = &r->workers[i]->slots[k];
			t->requests += s->completed;
			t->ok += s->completed;
			t->errors += s->errors;
			t->sent += s->sent;
			if (!ret && hist_merge(&sum, &s->lat))
				ret = -EINVAL;
		}
		if (!ret)
			ret = hist_pack(&t->latency, &sum);
		t->rps = (double)t->requests * 1e9 / (double)t->duration_ns;
		t->send_rate = (double)t->sent * 1e9 / (double)t->duration_ns;
	}
	hist_free(&sum);
	/* without a duration the last interval may have taken the rest */
	res->timeline_truncated = !r->opts.duration_ns && n == LG_MAX_INTERVALS &&
				  window_ns > (uint64_t)LG_MAX_INTERVALS * iv;
	if (res->timeline_truncated)
		res->timeline[n - 1].duration_ns = window_ns - res->timeline[n - 1].start_ns;
	return ret;
}

void lg_timeline_free(struct lg_result *res)
{
	for (size_t k = 0; k < res->n_intervals; k++)
		hist_free(&res->timeline[k].latency);
	free(res->timeline);
	res->timeline = NULL;
	res->n_intervals = 0;
}

/* ---- while it runs ------------------------------------------------------------- */

bool lg_live_interval(struct lg_run *r, struct lg_live *out)
{
	if (!r->nslots || !r->live.counts)
		return false;
	uint32_t done = UINT32_MAX;	/* slots before it are complete everywhere */
	for (int i = 0; i < r->nworkers; i++) {
		uint32_t p = __atomic_load_n(&r->workers[i]->slot_pub, __ATOMIC_ACQUIRE);
		if (p < done)
			done = p;
	}
	if (done > r->nslots)
		done = r->nslots;
	if (!done)
		return false;
	uint64_t k = done - 1;
	if (r->live_next > k) {	/* nothing new */
		*out = r->live_last;
		return true;
	}
	struct lg_live *l = &r->live_last;
	for (uint64_t j = r->live_next; j <= k; j++) {
		l->requests = l->errors = 0;
		for (int i = 0; i < r->nworkers; i++) {
			l->requests += r->workers[i]->slots[j].completed;
			l->errors += r->workers[i]->slots[j].errors;
		}
		l->requests_total += l->requests;
		l->errors_total += l->errors;
	}
	r->live_next = k + 1;
	hist_reset(&r->live);
	for (int i = 0; i < r->nworkers; i++)
		hist_merge(&r->live, &r->workers[i]->slots[k].lat);
	l->index = k;
	l->duration_ns = r->opts.interval_ns;
	l->start_ns = k * l->duration_ns;
	l->rps = (double)l->requests * 1e9 / (double)l->duration_ns;
	l->p99_ns = hist_percentile(&r->live, 99);
	*out = *l;
	return true;
}
