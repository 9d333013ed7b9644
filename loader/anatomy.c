/* The anatomy group's records: the ring buffer consumer, the per-CPU
 * batches handed over at the end, and the group's counters (see anatomy.h).
 * Its probes are loaded and attached by loader/probes.c with every other
 * group's. Nothing here fails a run: what cannot be kept is counted. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/anatomy.h"

/* Drained records: chunks that never move, so pointers into them stay valid. */
#define CHUNK_RECS 4096
struct chunk {
	struct chunk *next;
	size_t n;
	struct anat_rec v[CHUNK_RECS];
};

struct anatomy {
	struct anatomy_src src;
	struct ring_buffer *rb;
	/* The ring's consumer and producer positions (its first two pages,
	 * mapped read-only): how full it got, seen at each poll. */
	const volatile unsigned long *ring_pos;
	size_t page;
	uint64_t ring_peak;
	struct chunk *head, *tail;	/* oldest first */
	size_t n;
	size_t n_first;			/* of them, first requests of their connection */
	uint64_t flushed_direct;	/* records taken from the batches by user space (counted as emitted) */
	uint64_t oom;			/* records drained but not kept (no memory) */
	uint64_t stats[ANAT_ST_NR];
	char unusable[200];
	anatomy_sink_fn sink;		/* set: records go there as drained, none is kept */
	void *sink_arg;
};

/* ---- the consumer -------------------------------------------------------------- */

static int on_one(struct anatomy *a, const struct anat_rec *r)
{
	struct chunk *c = a->tail;

	if (a->sink) {
		a->n++;
		a->n_first += r->seq == 0;
		a->sink(r, a->sink_arg);
		return 0;
	}

	if (!c || c->n == CHUNK_RECS) {
		c = malloc(sizeof(*c));
		if (!c) {
			a->oom++;
			return 0;
		}
		c->next = NULL;
		c->n = 0;
		if (a->tail)
			a->tail->next = c;
		else
			a->head = c;
		a->tail = c;
	}
	memcpy(&c->v[c->n++], r, sizeof(*r));
	a->n++;
	a->n_first += r->seq == 0;
	return 0;
}

/* A ring record holds one anat_rec, or a CPU's batch of them (anat_batch). */
static int on_record(void *ctx, void *data, size_t size)
{
	struct anatomy *a = ctx;
	const struct anat_rec *r = data;

	for (size_t i = 0; i < size / sizeof(*r); i++)
		on_one(a, &r[i]);
	return 0;
}

/* Hand over what each CPU's batch still holds: anat_flush run on that CPU
 * (it answers 1 while a program there is filling the batch: try again).
 * Where it cannot run (no BPF_F_TEST_RUN_ON_CPU), the batch is read from
 * the map instead (the load is over: nothing fills it any more). */
static void flush_batches(struct anatomy *a)
{
	int fd, err, ncpu = libbpf_num_possible_cpus();
	bool direct = false, *failed;
	struct anat_batch *v;
	uint32_t zero = 0;

	if ((fd = a->src.flush_prog_fd) < 0 || ncpu <= 0)
		return;
	failed = calloc((size_t)ncpu, sizeof(*failed));
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!failed || !v) {
		/* Nothing can be read back: what the batches hold is lost, and said so. */
		a->oom += ANAT_BATCH * (uint64_t)ncpu;
		goto out;
	}
	for (int cpu = 0; cpu < ncpu; cpu++) {
		for (int tries = 0; tries < 1000; tries++) {
			LIBBPF_OPTS(bpf_test_run_opts, t, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (uint32_t)cpu);

			err = bpf_prog_test_run_opts(fd, &t);
			if (err && errno != ENXIO)	/* ENXIO: an offline CPU, nothing there */
				failed[cpu] = direct = true;
			if (err || t.retval != 1)
				break;
		}
	}
	if (direct && !bpf_map_lookup_elem(a->src.batch_fd, &zero, v)) {
		for (int cpu = 0; cpu < ncpu; cpu++) {
			if (!failed[cpu])
				continue;
			for (uint32_t i = 0; i < v[cpu].n && i < ANAT_BATCH; i++, a->flushed_direct++)
				on_one(a, &v[cpu].rec[i]);
			v[cpu].n = 0;
		}
		bpf_map_update_elem(a->src.batch_fd, &zero, v, BPF_ANY);
	}
out:
	free(failed);
	free(v);
}

/* Bytes the ring holds now (records not yet consumed, headers included). */
static void note_ring_fill(struct anatomy *a)
{
	unsigned long cons, prod;

	if (!a->ring_pos)
		return;
	cons = __atomic_load_n(&a->ring_pos[0], __ATOMIC_ACQUIRE);
	prod = __atomic_load_n(&a->ring_pos[a->page / sizeof(unsigned long)], __ATOMIC_ACQUIRE);
	if (prod - cons > a->ring_peak)
		a->ring_peak = prod - cons;
}

int anatomy_poll(struct anatomy *a)
{
	if (!a || !a->rb)
		return 0;
	note_ring_fill(a);
	return ring_buffer__consume(a->rb);
}

void anatomy_set_sink(struct anatomy *a, anatomy_sink_fn fn, void *arg)
{
	if (!a)
		return;
	a->sink = fn;
	a->sink_arg = arg;
}

void anatomy_seen(const struct anatomy *a, size_t *records, size_t *first)
{
	*records = a ? a->n : 0;
	*first = a ? a->n_first : 0;
}

static void read_stats(struct anatomy *a)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (a->src.stats_fd < 0 || ncpu <= 0)
		return;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return;
	for (uint32_t k = 0; k < ANAT_ST_NR; k++) {
		a->stats[k] = 0;
		if (bpf_map_lookup_elem(a->src.stats_fd, &k, v))
			continue;
		for (int c = 0; c < ncpu; c++)
			a->stats[k] += v[c];
	}
	a->stats[ANAT_ST_EMITTED] += a->flushed_direct;
	free(v);
}

void anatomy_finish(struct anatomy *a)
{
	if (!a)
		return;
	flush_batches(a);
	anatomy_poll(a);
	read_stats(a);
}

const struct anat_rec **anatomy_records(struct anatomy *a, size_t *n)
{
	const struct anat_rec **v;
	size_t k = 0;

	*n = 0;
	if (!a || !a->n)
		return NULL;
	v = malloc(a->n * sizeof(*v));
	if (!v)
		return NULL;
	for (struct chunk *c = a->head; c; c = c->next)
		for (size_t i = 0; i < c->n; i++)
			v[k++] = &c->v[i];
	*n = k;
	return v;
}

uint64_t anatomy_lost(const struct anatomy *a)
{
	return a ? a->stats[ANAT_ST_LOST] + a->oom : 0;
}

const char *anatomy_unusable(const struct anatomy *a)
{
	return a ? a->unusable : "not run";
}

const char *anatomy_arrival(const struct anatomy *a)
{
	static const char *const names[] = { "sk_data_ready", "tcp_probe", "none" };

	return a && a->src.arrival < 3 ? names[a->src.arrival] : "none";
}

/* ---- new / free ------------------------------------------------------------- */

/* Without the mapping the peak is not known (reported as 0), nothing else. */
static void map_ring_pos(struct anatomy *a)
{
	void *m;

	a->page = (size_t)sysconf(_SC_PAGESIZE);
	m = mmap(NULL, 2 * a->page, PROT_READ, MAP_SHARED, a->src.ring_fd, 0);
	a->ring_pos = m == MAP_FAILED ? NULL : m;
}

int anatomy_new(const struct anatomy_src *src, struct anatomy **out)
{
	struct anatomy *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->src = *src;
	snprintf(a->unusable, sizeof(a->unusable), "%s", src->unusable ? src->unusable : "");
	a->src.unusable = NULL;
	if (src->ring_fd >= 0) {
		a->rb = ring_buffer__new(src->ring_fd, on_record, a, NULL);
		if (!a->rb && !a->unusable[0])
			snprintf(a->unusable, sizeof(a->unusable),
				 "failed to open the anatomy ring buffer: %s", strerror(errno));
		map_ring_pos(a);
	}
	*out = a;
	return 0;
}

void anatomy_free(struct anatomy *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	ring_buffer__free(a->rb);
	if (a->ring_pos)
		munmap((void *)a->ring_pos, 2 * a->page);
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* ---- results -------------------------------------------------------------------- */

void anatomy_results(const struct anatomy *a, struct anatomy_results *out)
{
	memset(out, 0, sizeof(*out));
	if (!a)
		return;
	out->usable = !a->unusable[0];
	out->reason = a->unusable;
	out->arrival = anatomy_arrival(a);
	memcpy(out->stats, a->stats, sizeof(out->stats));
	out->drained = a->n;
	out->ring_lost = a->stats[ANAT_ST_LOST];
	out->oom_lost = a->oom;
	out->ring_bytes = a->src.ring_bytes;
	out->ring_peak = a->ring_peak;
	out->ring_peak_known = a->ring_pos != NULL;
}

bool anatomy_have_accept(const struct anatomy *a)
{
	return a && a->src.have_accept;
}
