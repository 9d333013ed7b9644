/* Reading what the probes gathered into struct kernel_results
 * (loader/kernel_results.h): per-CPU maps summed over CPUs, the event-loop
 * figures per thread, which probes ran. The JSON and the human lines are
 * analysis/'s (report_kernel.c, summary_kernel.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/probes_internal.h"

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- reading maps ---------------------------------------------------------------- */

/* Values of one key of a per-CPU map (PERCPU_AT). Caller frees. */
static void *percpu_get(struct bpf_map *m, uint32_t key, size_t vsz, int *ncpu)
{
	size_t stride = PERCPU_STRIDE(vsz);
	int n = libbpf_num_possible_cpus();
	void *buf;

	if (!m || n <= 0)
		return NULL;
	buf = calloc((size_t)n, stride);
	if (!buf)
		return NULL;
	if (bpf_map__lookup_elem(m, &key, sizeof(key), buf, (size_t)n * stride, 0)) {
		free(buf);
		return NULL;
	}
	*ncpu = n;
	return buf;
}

/* Adds one CPU's value of key into r. */
typedef void percpu_add_fn(struct kernel_results *r, uint32_t key, const void *value);

/* Every CPU's value of key in m (of vsz bytes) through add; nothing when m
 * is NULL or unreadable. */
static void sum_percpu(struct bpf_map *m, uint32_t key, size_t vsz, percpu_add_fn *add,
		       struct kernel_results *r)
{
	int n = 0;
	void *v = percpu_get(m, key, vsz, &n);

	for (int c = 0; v && c < n; c++)
		add(r, key, PERCPU_AT(v, vsz, c));
	free(v);
}

static void add_drop(struct kernel_results *r, uint32_t kind, const void *value)
{
	r->drops[kind] += *(const uint64_t *)value;
}

static void sum_drops(struct probes *p, struct kernel_results *r)
{
	struct bpf_map *m = probes_map(p, "drops");

	for (uint32_t k = 0; m && k < DROP_KINDS; k++)
		sum_percpu(m, k, sizeof(uint64_t), add_drop, r);
	for (int k = 0; k < DROP_KINDS; k++)
		r->records_lost += r->drops[k];
}

void probes_results_free(struct kernel_results *r)
{
	for (int s = 0; s < SC_NR; s++)
		hist_free(&r->sc[s].h);
	hist_free(&r->runq);
	hist_free(&r->accept);
	free(r->loops);
	r->loops = NULL;
	free(r->procs);
	r->procs = NULL;
	r->nprocs = 0;
	r->nloops = 0;
	free(r->probes);
	r->probes = NULL;
	r->nprobes = 0;
}

static void add_syscall(struct kernel_results *r, uint32_t sc, const void *value)
{
	const struct sc_stat *st = value;

	r->sc[sc].count += st->lat.count;
	r->sc[sc].errors += st->errors;
	r->sc[sc].eagain += st->eagain;
	probes_dist_add(&r->sc[sc].h, &st->lat);
}

static void add_accept(struct kernel_results *r, uint32_t key, const void *value)
{
	probes_dist_add(&r->accept, value);
}

static void add_sched(struct kernel_results *r, uint32_t key, const void *value)
{
	const struct sched_stat *st = value;

	r->oncpu_ns += st->oncpu_ns;
	r->voluntary += st->voluntary;
	r->involuntary += st->involuntary;
	probes_dist_add(&r->runq, &st->runq);
}

static void add_tcp(struct kernel_results *r, uint32_t key, const void *value)
{
	const struct tcp_stat *st = value;

	r->tcp.established += st->established;
	r->tcp.retransmits += st->retransmits;
	r->tcp.synack_retransmits += st->synack_retransmits;
	r->tcp.resets_sent += st->resets_sent;
	r->tcp.resets_received += st->resets_received;
}

static void collect_syscalls(struct probes *p, struct kernel_results *r)
{
	struct bpf_map *m = probes_map(p, "sc_stats");

	for (uint32_t s = 0; m && s < SC_NR; s++)
		sum_percpu(m, s, sizeof(struct sc_stat), add_syscall, r);
	sum_percpu(probes_map(p, "accept_stats"), 0, sizeof(struct dist), add_accept, r);
}

static void collect_sched(struct probes *p, struct kernel_results *r)
{
	sum_percpu(probes_map(p, "sched_stats"), 0, sizeof(struct sched_stat), add_sched, r);
}

static void collect_tcp(struct probes *p, struct kernel_results *r)
{
	sum_percpu(probes_map(p, "tcp_stats"), 0, sizeof(struct tcp_stat), add_tcp, r);
	if (p->ns_start.ok) {
		struct netstat_snap end = p->ns_end;

		if (!end.ok)
			probes_read_netstat(&end);
		if (end.ok) {
			r->have_listen = true;
			r->listen_overflows = end.listen_overflows - p->ns_start.listen_overflows;
			r->listen_drops = end.listen_drops - p->ns_start.listen_drops;
		}
	}
}

static bool attached(struct probes *p, const char *name)
{
	for (size_t i = 0; i < probes_ndefs; i++)
		if (!strcmp(probes_defs[i].name, name))
			return p->ps[i].status == PROBE_ATTACHED;
	return false;
}

static void add_outcome(struct kernel_results *r, const char *name, bool ok, const char *mode,
			const char *on_hook, const char *reason)
{
	struct probe_outcome *o = &r->probes[r->nprobes++];

	snprintf(o->name, sizeof(o->name), "%s", name);
	o->attached = ok;
	o->mode = ok ? mode : NULL;
	o->on_hook = ok ? on_hook : NULL;
	snprintf(o->reason, sizeof(o->reason), "%s", ok ? "" : reason);
}

/* Which probes ran, which did not (and why), and what that makes known. */
static void collect_outcomes(struct probes *p, struct kernel_results *r)
{
	r->probes = calloc(probes_ndefs + 1, sizeof(*r->probes));
	for (size_t i = 0; r->probes && i < probes_ndefs; i++) {
		const struct probe_state *s = &p->ps[i];

		if (s->status != PROBE_ATTACHED && s->status != PROBE_MISSING)
			continue;
		add_outcome(r, probes_defs[i].name, s->status == PROBE_ATTACHED, s->mode, s->on_hook,
			    s->reason);
		if (s->status == PROBE_ATTACHED && i == U_ANAT_SYS_EXIT)
			r->probes[r->nprobes - 1].detached_after_records = p->accept_mark_retired_at;
	}
	if (r->probes && p->group_on[GROUP_TCP])
		add_outcome(r, "listen_overflows", p->ns_start.ok, "procfs", NULL,
			    "/proc/net/netstat unreadable");
	r->group_syscalls = p->group_on[GROUP_SYSCALLS];
	r->group_sched = p->group_on[GROUP_SCHED];
	r->group_tcp = p->group_on[GROUP_TCP];
	r->group_anatomy = p->group_on[GROUP_ANATOMY];
	r->syscalls_ran = attached(p, "sys_enter") && attached(p, "sys_exit");
	r->sched_ran = attached(p, "sched_switch");
	r->accept_ran = p->accept_wait;
	if (p->group_loaded[GROUP_TCP])
		r->tcp_seen = (struct tcp_seen){
			.retransmits = attached(p, "tcp_retransmit_skb"),
			.synack_retransmits = attached(p, "tcp_retransmit_synack"),
			.resets_sent = attached(p, "tcp_send_reset"),
			.resets_received = attached(p, "tcp_receive_reset"),
			.established = attached(p, "inet_sock_set_state"),
		};
	r->port = p->opts.server_port;
	r->sc_names = probes_sc_names;
}

int probes_read_results(struct probes *p)
{
	struct kernel_results *r = &p->res;
	uint64_t ws = p->win_start, we = p->win_end;

	probes_results_free(r);
	memset(r, 0, sizeof(*r));
	r->busiest = -1;
	if (!we || we == UINT64_MAX)
		we = mono_now();	/* window still open: up to now */
	r->window_ns = ws && we > ws ? we - ws : 0;
	collect_outcomes(p, r);
	collect_syscalls(p, r);
	collect_sched(p, r);
	collect_tcp(p, r);
	if (ws) {
		struct loop_maps m = {
			probes_map(p, "loop_threads"), probes_inflight(p),
			p->group_loaded[GROUP_SCHED] ? probes_map(p, "threads") : NULL,
		};

		probes_collect_loops(&m, r, ws, we);
	}
	sum_drops(p, r);
	r->tracked = p->seeded + probes_tracked_added(p);
	p->have_res = r->probes != NULL;
	return p->have_res ? 0 : -ENOMEM;
}

const struct kernel_results *probes_results(struct probes *p)
{
	if (p && !p->have_res)
		probes_read_results(p);
	return p && p->have_res ? &p->res : NULL;
}
