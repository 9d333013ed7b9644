/* The kernel's figures per timeline interval. The BPF maps only ever grow
 * (counts, sums, histogram slots, summed over CPUs), so each interval's
 * figures are what they gained between the reads at its two ends: read at
 * every interval boundary while the load runs (probes_poll), and once more
 * when the window is closed (probes_collect). The differences telescope:
 * the intervals add up exactly to the whole run's figures, whenever the
 * reads happen; a read late after its boundary only moves events from the
 * next interval into this one (each interval says when it was read). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "loader/probes_internal.h"
#include "bpf/hist_slot.h"
#include "common/clock.h"

/* The maps' cumulative values, summed over CPUs. */
struct snapshot {
	uint64_t sc[SC_NR];
	uint64_t runq_count, runq_total, runq_min, runq_max;
	uint64_t runq_slots[HIST_SLOTS];
	uint64_t oncpu_ns, retransmits;
};

struct probes_intervals {
	uint64_t start_ns, interval_ns;
	uint32_t max;			/* intervals the load generator can have */
	struct kernel_interval *iv;	/* closed so far */
	size_t n, cap;
	struct snapshot prev, cur;
	void *cpu_buf;			/* one map value for every possible CPU */
	size_t cpu_stride_max;
	int ncpu;
	struct dist diff;		/* an interval's run-queue waits, as the maps have them */
	struct hist scratch;		/* the same, for its percentiles */
	struct kernel_timeline out;
};

/* One key of a per-CPU map into pi->cpu_buf; false when unreadable. */
static bool read_percpu(struct probes_intervals *pi, struct bpf_map *m, uint32_t key, size_t vsz)
{
	return m && !bpf_map__lookup_elem(m, &key, sizeof(key), pi->cpu_buf,
					  (size_t)pi->ncpu * PERCPU_STRIDE(vsz), 0);
}

#define CPU_VALUE(pi, type, c) ((const type *)PERCPU_AT((pi)->cpu_buf, sizeof(type), c))

static void snap_syscalls(struct probes *p, struct probes_intervals *pi, struct snapshot *s)
{
	struct bpf_map *m = p->group_loaded[GROUP_SYSCALLS] ? probes_map(p, "sc_stats") : NULL;

	for (uint32_t k = 0; m && k < SC_NR; k++) {
		if (!read_percpu(pi, m, k, sizeof(struct sc_stat)))
			continue;
		for (int c = 0; c < pi->ncpu; c++)
			s->sc[k] += CPU_VALUE(pi, struct sc_stat, c)->lat.count;
	}
}

static void snap_sched(struct probes *p, struct probes_intervals *pi, struct snapshot *s)
{
	struct bpf_map *m = p->group_loaded[GROUP_SCHED] ? probes_map(p, "sched_stats") : NULL;

	s->runq_min = UINT64_MAX;
	if (!read_percpu(pi, m, 0, sizeof(struct sched_stat)))
		return;
	for (int c = 0; c < pi->ncpu; c++) {
		const struct sched_stat *st = CPU_VALUE(pi, struct sched_stat, c);

		s->oncpu_ns += st->oncpu_ns;
		s->runq_count += st->runq.count;
		s->runq_total += st->runq.total_ns;
		if (st->runq.count && st->runq.min_ns < s->runq_min)
			s->runq_min = st->runq.min_ns;
		if (st->runq.count && st->runq.max_ns > s->runq_max)
			s->runq_max = st->runq.max_ns;
		for (unsigned i = 0; i < HIST_SLOTS; i++)
			s->runq_slots[i] += st->runq.hist[i];
	}
}

static void snap_tcp(struct probes *p, struct probes_intervals *pi, struct snapshot *s)
{
	struct bpf_map *m = p->group_loaded[GROUP_TCP] ? probes_map(p, "tcp_stats") : NULL;

	if (!read_percpu(pi, m, 0, sizeof(struct tcp_stat)))
		return;
	for (int c = 0; c < pi->ncpu; c++)
		s->retransmits += CPU_VALUE(pi, struct tcp_stat, c)->retransmits;
}

static void take_snapshot(struct probes *p, struct probes_intervals *pi, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	snap_syscalls(p, pi, s);
	snap_sched(p, pi, s);
	snap_tcp(p, pi, s);
}

/* The run-queue waits between two snapshots as a BPF distribution: exact
 * count and sum; the extremes exact when the run's own moved in the
 * interval, else the bounds of its first and last slot. */
static void runq_diff(const struct snapshot *a, const struct snapshot *b, struct dist *d)
{
	int first = -1, last = -1;
	__u64 lo, hi;

	d->count = b->runq_count - a->runq_count;
	d->total_ns = b->runq_total - a->runq_total;
	for (unsigned i = 0; i < HIST_SLOTS; i++) {
		d->hist[i] = b->runq_slots[i] - a->runq_slots[i];
		if (d->hist[i] && first < 0)
			first = i;
		if (d->hist[i])
			last = i;
	}
	if (first < 0)
		return;
	hist_slot_range((uint32_t)first, &lo, &hi);
	d->min_ns = b->runq_min < a->runq_min ? b->runq_min : lo < b->runq_min ? b->runq_min : lo;
	hist_slot_range((uint32_t)last, &lo, &hi);
	d->max_ns = b->runq_max > a->runq_max ? b->runq_max : hi > b->runq_max ? b->runq_max : hi;
}

static struct kernel_interval *next_interval(struct probes_intervals *pi)
{
	if (pi->n == pi->cap) {
		size_t cap = pi->cap ? pi->cap * 2 : 64;
		struct kernel_interval *iv = realloc(pi->iv, cap * sizeof(*iv));

		if (!iv)
			return NULL;
		pi->iv = iv;
		pi->cap = cap;
	}
	memset(&pi->iv[pi->n], 0, sizeof(pi->iv[0]));
	return &pi->iv[pi->n++];
}

/* Closes the next interval with what the maps gained since the last read. */
static int close_interval(struct probes_intervals *pi, uint64_t read_at)
{
	struct kernel_interval *k = next_interval(pi);

	if (!k)
		return -ENOMEM;
	k->read_ns = read_at > pi->start_ns ? read_at - pi->start_ns : 0;
	for (int s = 0; s < SC_NR; s++)
		k->sc[s] = pi->cur.sc[s] - pi->prev.sc[s];
	k->oncpu_ns = pi->cur.oncpu_ns - pi->prev.oncpu_ns;
	k->retransmits = pi->cur.retransmits - pi->prev.retransmits;
	k->runq_total_ns = pi->cur.runq_total - pi->prev.runq_total;
	memset(&pi->diff, 0, sizeof(pi->diff));
	runq_diff(&pi->prev, &pi->cur, &pi->diff);
	hist_reset(&pi->scratch);
	probes_dist_add(&pi->scratch, &pi->diff);
	hist_summarize(&pi->scratch, &k->runq);
	pi->prev = pi->cur;
	return 0;
}

int probes_timeline_start(struct probes *p, uint64_t start_ns, uint64_t interval_ns, uint32_t n)
{
	struct probes_intervals *pi;

	if (!p || !p->skel || !interval_ns || !n)
		return 0;
	pi = calloc(1, sizeof(*pi));
	if (!pi)
		return -ENOMEM;
	*pi = (struct probes_intervals){ .start_ns = start_ns, .interval_ns = interval_ns, .max = n };
	pi->ncpu = libbpf_num_possible_cpus();
	pi->cpu_stride_max = PERCPU_STRIDE(sizeof(struct sc_stat));
	if (PERCPU_STRIDE(sizeof(struct sched_stat)) > pi->cpu_stride_max)
		pi->cpu_stride_max = PERCPU_STRIDE(sizeof(struct sched_stat));
	pi->cpu_buf = pi->ncpu > 0 ? calloc((size_t)pi->ncpu, pi->cpu_stride_max) : NULL;
	if (!pi->cpu_buf || hist_init(&pi->scratch)) {
		free(pi->cpu_buf);
		free(pi);
		return -ENOMEM;
	}
	/* Nothing counted before the window opened: the first interval starts
	 * from zero (and holds what came between the window's opening and the
	 * measuring start), so the sums are the run's whole figures. */
	pi->prev.runq_min = UINT64_MAX;
	p->intervals = pi;
	return 0;
}

void probes_timeline_poll(struct probes *p)
{
	struct probes_intervals *pi = p ? p->intervals : NULL;
	uint64_t now = mono_ns();

	if (!pi || now < pi->start_ns)
		return;
	/* intervals whose end has passed (the last one is closed by collect) */
	uint64_t ended = (now - pi->start_ns) / pi->interval_ns;
	if (ended >= pi->max)
		ended = pi->max - 1;
	if (pi->n >= ended)
		return;
	take_snapshot(p, pi, &pi->cur);
	while (pi->n < ended)	/* behind by several: the first gets it all */
		if (close_interval(pi, now)) {
			probes_timeline_free(p);	/* no memory: no timeline, never a partial one */
			return;
		}
}

int probes_timeline_due_ms(const struct probes *p)
{
	const struct probes_intervals *pi = p ? p->intervals : NULL;

	if (!pi || pi->n + 1 >= pi->max)
		return -1;
	uint64_t due = pi->start_ns + (pi->n + 1) * pi->interval_ns, now = mono_ns();
	return due <= now ? 0 : (int)((due - now + NS_PER_MS - 1) / NS_PER_MS);
}

/* After the window closed: the last interval gets the rest; run-wide
 * figures that probes_collect clipped (on-CPU time) come from its results,
 * so the sums are exactly the report's. */
void probes_timeline_finish(struct probes *p)
{
	struct probes_intervals *pi = p ? p->intervals : NULL;

	if (!pi)
		return;
	if (!p->have_res) {	/* the run's figures could not be read: nothing to add up to */
		probes_timeline_free(p);
		return;
	}
	take_snapshot(p, pi, &pi->cur);
	for (int s = 0; s < SC_NR; s++)
		pi->cur.sc[s] = p->res.sc[s].count;
	pi->cur.oncpu_ns = p->res.oncpu_ns;
	pi->cur.retransmits = p->res.tcp.retransmits;
	if (close_interval(pi, mono_ns()))
		probes_timeline_free(p);
}

/* Interval x's figures added into k (its run-queue percentiles as
 * hist_summary_fold can). */
static void fold_interval(struct kernel_interval *k, const struct kernel_interval *x)
{
	for (int s = 0; s < SC_NR; s++)
		k->sc[s] += x->sc[s];
	k->oncpu_ns += x->oncpu_ns;
	k->retransmits += x->retransmits;
	k->read_ns = x->read_ns;
	k->runq_total_ns += x->runq_total_ns;
	hist_summary_fold(&k->runq, &x->runq, k->runq_total_ns);
}

const struct kernel_timeline *probes_timeline(struct probes *p, size_t n)
{
	struct probes_intervals *pi = p ? p->intervals : NULL;

	if (!pi || !pi->n || !n)
		return NULL;
	/* Boundaries never read (the main loop was held up past the end):
	 * the last read has what came in them, the ones after it are empty. */
	while (pi->n < n) {
		uint64_t read = pi->iv[pi->n - 1].read_ns;
		struct kernel_interval *k = next_interval(pi);

		if (!k)
			return NULL;
		k->read_ns = read;
	}
	/* Read past the load generator's last interval (it stopped early, or
	 * its workers never reached the next one): those go into the last. */
	for (; pi->n > n; pi->n--)
		fold_interval(&pi->iv[n - 1], &pi->iv[pi->n - 1]);
	pi->out = (struct kernel_timeline){
		.iv = pi->iv, .n = pi->n, .sc_names = probes_sc_names,
		.syscalls = p->res.syscalls_ran, .sched = p->res.sched_ran,
		.tcp = p->res.tcp_seen.retransmits,
	};
	return &pi->out;
}

void probes_timeline_free(struct probes *p)
{
	struct probes_intervals *pi = p ? p->intervals : NULL;

	if (!pi)
		return;
	hist_free(&pi->scratch);
	free(pi->cpu_buf);
	free(pi->iv);
	free(pi);
	p->intervals = NULL;
}
