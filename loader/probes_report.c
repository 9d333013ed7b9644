/* Reading what the probes gathered: per-CPU maps summed over CPUs, the
 * event-loop figures per thread, and the report's "kernel" object plus a
 * few human lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common/fmt.h"
#include "loader/probes_internal.h"

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- histograms ---------------------------------------------------------------- */

/* A percentile (0-100) of a kernel distribution; NAN when empty. */
static double pct(const struct hist *h, double p)
{
	return h->total ? (double)hist_percentile(h, p) : NAN;
}

/* ---- reading maps ---------------------------------------------------------------- */

/* Values of one key of a per-CPU map, one per possible CPU, each rounded up
 * to 8 bytes as the kernel lays them out. Caller frees. */
static void *percpu_get(struct bpf_map *m, uint32_t key, size_t vsz, int *ncpu)
{
	size_t stride = (vsz + 7) & ~(size_t)7;
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

#define PERCPU_AT(buf, vsz, cpu) ((char *)(buf) + (size_t)(cpu) * (((vsz) + 7) & ~(size_t)7))


static bool thread_alive(uint32_t tgid, uint32_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/task/%u", tgid, tid);
	return access(path, F_OK) == 0;
}

static int cmp_busy(const void *a, const void *b)
{
	const struct loop_sum *x = a, *y = b;
	double bx = isnan(x->busy) ? -1 : x->busy, by = isnan(y->busy) ? -1 : y->busy;

	if (bx != by)
		return bx > by ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Event loop: per thread that waited in epoll_wait/poll/select, the share
 * of its span inside the window it was NOT waiting there. The span runs
 * from the window start (or the thread's first wait, if later) to the
 * window end (or its last wait, if the thread is gone by now). A thread
 * still waiting when the window closed gets that tail added here, and one
 * that waited through the whole window (no wait returned, so no record in
 * the kernel) is found in the in-progress syscalls. */
struct loop_raw {
	uint32_t tid;
	struct loop_thread lt;
	bool waiting;		/* a wait in progress now */
	uint64_t wait_since;
};

static struct loop_raw *loop_find_or_add(struct loop_raw **v, size_t *n, size_t *cap,
					 uint32_t tid)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].tid == tid)
			return &(*v)[i];
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct loop_raw *nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].tid = tid;
	return &(*v)[(*n)++];
}

static void collect_loops(struct probes *p, struct results *r, uint64_t ws, uint64_t we)
{
	struct bpf_map *lm = probes_map(p, "loop_threads");
	struct sc_inflight *inflight = probes_inflight(p);
	struct bpf_map *tm = probes_map(p, "threads");
	struct loop_raw *raw = NULL, *lr;
	size_t n = 0, cap = 0;
	uint32_t key, next, *kp = NULL;

	r->busiest = -1;
	if (!lm)
		return;
	while (bpf_map__get_next_key(lm, kp, &next, sizeof(next)) == 0) {
		struct loop_thread lt;

		key = next;
		kp = &key;
		if (bpf_map__lookup_elem(lm, &key, sizeof(key), &lt, sizeof(lt), 0))
			continue;
		lr = loop_find_or_add(&raw, &n, &cap, key);
		if (lr)
			lr->lt = lt;
	}
	for (uint32_t i = 0; inflight && i < INFLIGHT_SLOTS; i++) {
		struct sc_inflight inf = inflight[i];	/* racy copy: good enough */

		if (!inf.pid_tgid || inf.slot < SC_FIRST_WAIT || inf.slot > SC_LAST_WAIT)
			continue;
		lr = loop_find_or_add(&raw, &n, &cap, (uint32_t)inf.pid_tgid);
		if (!lr)
			continue;
		if (!lr->lt.tgid) {	/* never returned from a wait so far */
			lr->lt.tgid = (uint32_t)(inf.pid_tgid >> 32);
			lr->lt.first_ns = inf.ts;
			lr->lt.last_ns = inf.ts;
		}
		lr->waiting = true;
		lr->wait_since = inf.ts;
	}
	r->loops = calloc(n ? n : 1, sizeof(*r->loops));
	for (size_t i = 0; r->loops && i < n; i++) {
		struct loop_sum *ls = &r->loops[r->nloops];
		const struct loop_thread *lt = &raw[i].lt;
		bool alive = thread_alive(lt->tgid, raw[i].tid);
		uint64_t from, to;

		ls->tid = raw[i].tid;
		ls->tgid = lt->tgid;
		memcpy(ls->comm, lt->comm, sizeof(ls->comm));
		ls->comm[sizeof(ls->comm) - 1] = 0;
		if (!ls->comm[0]) {	/* known only from a wait in progress */
			char path[64];
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", lt->tgid, raw[i].tid);
			if ((f = fopen(path, "re"))) {
				if (fgets(ls->comm, sizeof(ls->comm), f))
					ls->comm[strcspn(ls->comm, "\n")] = 0;
				fclose(f);
			}
		}
		ls->waits = lt->waits;
		ls->blocked_ns = lt->blocked_ns;
		if (alive && raw[i].waiting) {
			uint64_t a = raw[i].wait_since > ws ? raw[i].wait_since : ws;

			if (we > a) {
				ls->blocked_ns += we - a;
				ls->waits++;	/* the wait in progress overlaps the window */
			}
		}
		to = alive ? we : (lt->last_ns < we ? lt->last_ns : we);
		from = lt->first_ns > ws ? lt->first_ns : ws;
		ls->span_ns = to > from ? to - from : 0;
		if (ls->blocked_ns > ls->span_ns)
			ls->blocked_ns = ls->span_ns;
		ls->busy = ls->span_ns ? 1.0 - (double)ls->blocked_ns / (double)ls->span_ns : NAN;
		if (tm) {
			struct sched_thread st;

			if (!bpf_map__lookup_elem(tm, &ls->tid, sizeof(ls->tid), &st, sizeof(st), 0)) {
				ls->oncpu_ns = st.oncpu_ns;
				ls->have_oncpu = true;
			}
		}
		if (ls->span_ns)
			r->nloops++;	/* a thread with no time in the window is left out */
	}
	free(raw);
	if (!r->nloops)
		return;
	qsort(r->loops, r->nloops, sizeof(*r->loops), cmp_busy);
	/* Headline: the busiest thread that lived through at least half of the
	 * window (short-lived threads make no event loop). */
	for (size_t i = 0; i < r->nloops; i++)
		if (!isnan(r->loops[i].busy) && r->loops[i].span_ns * 2 >= r->window_ns) {
			r->busiest = (int)i;
			break;
		}
}

static void sum_drops(struct probes *p, struct results *r)
{
	struct bpf_map *m = probes_map(p, "drops");

	for (uint32_t k = 0; m && k < DROP_KINDS; k++) {
		int n = 0;
		uint64_t *v = percpu_get(m, k, sizeof(uint64_t), &n);

		for (int c = 0; v && c < n; c++)
			r->drops[k] += v[c];
		free(v);
	}
	for (int k = 0; k < DROP_KINDS; k++)
		r->records_lost += r->drops[k];
}

void probes_results_free(struct results *r)
{
	for (int s = 0; s < SC_NR; s++)
		hist_free(&r->sc[s].h);
	hist_free(&r->runq);
	hist_free(&r->accept);
	free(r->loops);
	r->loops = NULL;
	r->nloops = 0;
}

int probes_read_results(struct probes *p)
{
	struct results *r = &p->res;
	uint64_t ws = p->win_start, we = p->win_end;
	struct bpf_map *m;
	void *v;
	int n = 0;

	probes_results_free(r);
	memset(r, 0, sizeof(*r));
	r->busiest = -1;
	if (!we || we == UINT64_MAX)
		we = mono_now();	/* window still open: up to now */
	r->window_ns = ws && we > ws ? we - ws : 0;

	m = probes_map(p, "sc_stats");
	for (uint32_t s = 0; m && s < SC_NR; s++) {
		v = percpu_get(m, s, sizeof(struct sc_stat), &n);
		for (int c = 0; v && c < n; c++) {
			const struct sc_stat *st = (void *)PERCPU_AT(v, sizeof(struct sc_stat), c);

			r->sc[s].count += st->lat.count;
			r->sc[s].errors += st->errors;
			r->sc[s].eagain += st->eagain;
			probes_dist_add(&r->sc[s].h, &st->lat);
		}
		free(v);
	}

	m = probes_map(p, "accept_stats");
	v = percpu_get(m, 0, sizeof(struct dist), &n);
	for (int c = 0; v && c < n; c++)
		probes_dist_add(&r->accept, (void *)PERCPU_AT(v, sizeof(struct dist), c));
	free(v);

	m = probes_map(p, "sched_stats");
	v = percpu_get(m, 0, sizeof(struct sched_stat), &n);
	for (int c = 0; v && c < n; c++) {
		const struct sched_stat *st = (void *)PERCPU_AT(v, sizeof(struct sched_stat), c);

		r->oncpu_ns += st->oncpu_ns;
		r->voluntary += st->voluntary;
		r->involuntary += st->involuntary;
		probes_dist_add(&r->runq, &st->runq);
	}
	free(v);

	m = probes_map(p, "tcp_stats");
	v = percpu_get(m, 0, sizeof(struct tcp_stat), &n);
	for (int c = 0; v && c < n; c++) {
		const struct tcp_stat *st = (void *)PERCPU_AT(v, sizeof(struct tcp_stat), c);

		r->tcp.established += st->established;
		r->tcp.retransmits += st->retransmits;
		r->tcp.synack_retransmits += st->synack_retransmits;
		r->tcp.resets_sent += st->resets_sent;
		r->tcp.resets_received += st->resets_received;
	}
	free(v);

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

	if (ws)
		collect_loops(p, r, ws, we);
	sum_drops(p, r);
	r->tracked = p->seeded + probes_tracked_added(p);
	p->have_res = true;
	return 0;
}

/* ---- JSON -------------------------------------------------------------------------- */

static json_t *jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* Integer ns, or null when there are no samples. */
static json_t *jns(double v)
{
	return isnan(v) ? json_null() : json_integer((json_int_t)llround(v));
}

static void add_bucket(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I,s:I,s:I}", "lo", (json_int_t)lo,
					     "hi", (json_int_t)(hi + 1), "count", (json_int_t)count));
}

/* The non-empty buckets: [lo, hi) in ns. */
static json_t *hist_json(const struct hist *h)
{
	json_t *a = json_array();

	hist_foreach(h, add_bucket, a);
	return a;
}

/* {count,p50,p99,max,mean,hist}; all null when the probes did not run. */
static json_t *dist_json(const struct hist *h, bool ran)
{
	if (!ran)
		return json_pack("{s:n,s:n,s:n,s:n,s:n,s:[]}", "count", "p50", "p99", "max",
				 "mean", "hist");
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}",
		"count", jint(h->total),
		"p50", jns(pct(h, 50)),
		"p99", jns(pct(h, 99)),
		"max", h->total ? jint(h->max) : json_null(),
		"mean", h->total ? jns(hist_mean(h)) : json_null(),
		"hist", hist_json(h));
}

static bool attached(struct probes *p, const char *name)
{
	for (size_t i = 0; i < probes_ndefs; i++)
		if (!strcmp(probes_defs[i].name, name))
			return p->ps[i].status == PROBE_ATTACHED;
	return false;
}

static const char *const drop_names[DROP_KINDS] = {
	[DROP_TRACKED_FULL] = "tracked_processes_full",
	[DROP_INFLIGHT_FULL] = "syscalls_in_progress_collision",
	[DROP_LOOP_FULL] = "event_loop_threads_full",
	[DROP_THREADS_FULL] = "sched_threads_full",
	[DROP_ESTAB_FULL] = "accept_queue_full",
};

static json_t *loop_thread_json(const struct loop_sum *l)
{
	json_t *o = json_pack("{s:i,s:i,s:s,s:o,s:I,s:I,s:I}",
		"tid", (int)l->tid, "tgid", (int)l->tgid, "comm", l->comm,
		"busy_fraction", isnan(l->busy) ? json_null() : json_real(l->busy),
		"waits", (json_int_t)l->waits, "wait_ns", (json_int_t)l->blocked_ns,
		"span_ns", (json_int_t)l->span_ns);

	if (o && l->have_oncpu)
		json_object_set_new(o, "oncpu_ns", jint(l->oncpu_ns));
	return o;
}

int probes_report(struct probes *p, json_t *kernel, struct errbuf *err)
{
	struct results *r;
	json_t *probes, *att, *mis, *groups, *sc, *sched, *loop, *threads, *acc, *tcp, *lost;
	bool sc_ran, sched_ran, tcp_ran;

	if (!p || !json_is_object(kernel)) {
		errbuf_set(err, "probes_report: no probes or no kernel object");
		return -EINVAL;
	}
	if (!p->have_res)
		probes_read_results(p);
	r = &p->res;
	sc_ran = attached(p, "sys_enter") && attached(p, "sys_exit");
	sched_ran = attached(p, "sched_switch");
	tcp_ran = p->group_loaded[GROUP_TCP];

	/* probes */
	att = json_array();
	mis = json_array();
	groups = json_array();
	for (size_t i = 0; i < probes_ndefs; i++) {
		const struct probe_state *s = &p->ps[i];

		if (s->status == PROBE_ATTACHED && i == U_ANAT_SYS_EXIT && p->accept_mark_retired_at)
			json_array_append_new(att, json_pack("{s:s,s:s,s:I}", "name",
				probes_defs[i].name, "mode", s->mode, "detached_after_records",
				(json_int_t)p->accept_mark_retired_at));
		else if (s->status == PROBE_ATTACHED)
			json_array_append_new(att, json_pack("{s:s,s:s}", "name",
				probes_defs[i].name, "mode", s->mode));
		else if (s->status == PROBE_MISSING)
			json_array_append_new(mis, json_pack("{s:s,s:s}", "name",
				probes_defs[i].name, "reason", s->reason));
	}
	if (p->group_on[GROUP_TCP]) {
		if (p->ns_start.ok)
			json_array_append_new(att, json_pack("{s:s,s:s}", "name",
				"listen_overflows", "mode", "procfs"));
		else
			json_array_append_new(mis, json_pack("{s:s,s:s}", "name",
				"listen_overflows", "reason", "/proc/net/netstat unreadable"));
	}
	for (int g = 0; g < GROUP_USER_NR; g++)
		if (p->group_on[g])
			json_array_append_new(groups, json_string(probes_group_names[g]));
	probes = json_pack("{s:o,s:o,s:o}", "groups", groups, "attached", att, "missing", mis);

	/* syscalls: only those called inside the window */
	sc = json_object();
	for (int s = 0; sc_ran && s < SC_NR; s++) {
		const struct sc_sum *x = &r->sc[s];

		if (!x->count)
			continue;
		json_object_set_new(sc, probes_sc_names[s], json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			"count", jint(x->count), "errors", jint(x->errors),
			"eagain", jint(x->eagain), "total_ns", jint((uint64_t)x->h.sum),
			"max_ns", jint(x->h.max),
			"p50_ns", jns(pct(&x->h, 50)),
			"p99_ns", jns(pct(&x->h, 99)),
			"hist", hist_json(&x->h)));
	}

	sched = json_pack("{s:o,s:o,s:o,s:o}",
		"runq_delay_ns", dist_json(&r->runq, sched_ran),
		"oncpu_ns", sched_ran ? jint(r->oncpu_ns) : json_null(),
		"voluntary_switches", sched_ran ? jint(r->voluntary) : json_null(),
		"involuntary_switches", sched_ran ? jint(r->involuntary) : json_null());

	threads = json_array();
	for (size_t i = 0; i < r->nloops && i < 16; i++)
		json_array_append_new(threads, loop_thread_json(&r->loops[i]));
	loop = json_pack("{s:o,s:o,s:I,s:o}",
		"busy_fraction", r->busiest >= 0 ? json_real(r->loops[r->busiest].busy) : json_null(),
		"busiest", r->busiest >= 0 ? loop_thread_json(&r->loops[r->busiest]) : json_null(),
		"threads_seen", (json_int_t)r->nloops,
		"threads", threads);

	acc = json_pack("{s:o,s:b}", "wait_ns", dist_json(&r->accept, p->accept_wait),
			"available", p->accept_wait);

	tcp = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:i}",
		"retransmits", tcp_ran && attached(p, "tcp_retransmit_skb") ? jint(r->tcp.retransmits) : json_null(),
		"synack_retransmits", tcp_ran && attached(p, "tcp_retransmit_synack") ? jint(r->tcp.synack_retransmits) : json_null(),
		"resets_sent", tcp_ran && attached(p, "tcp_send_reset") ? jint(r->tcp.resets_sent) : json_null(),
		"resets_received", tcp_ran && attached(p, "tcp_receive_reset") ? jint(r->tcp.resets_received) : json_null(),
		"established", tcp_ran && attached(p, "inet_sock_set_state") ? jint(r->tcp.established) : json_null(),
		"listen_overflows", r->have_listen ? jint(r->listen_overflows) : json_null(),
		"listen_drops", r->have_listen ? jint(r->listen_drops) : json_null(),
		"listen_scope", "host",	/* listen_* count the whole host */
		"port", p->opts.server_port);

	lost = json_object();
	for (int k = 0; k < DROP_KINDS; k++)
		if (r->drops[k])
			json_object_set_new(lost, drop_names[k], jint(r->drops[k]));

	if (!probes || !sc || !sched || !loop || !acc || !tcp ||
	    json_object_set_new(kernel, "probes", probes) ||
	    json_object_set_new(kernel, "window_ns", jint(r->window_ns)) ||
	    json_object_set_new(kernel, "tracked_processes", jint(r->tracked)) ||
	    json_object_set_new(kernel, "syscalls", sc) ||
	    json_object_set_new(kernel, "sched", sched) ||
	    json_object_set_new(kernel, "event_loop", loop) ||
	    json_object_set_new(kernel, "accept", acc) ||
	    json_object_set_new(kernel, "tcp", tcp) ||
	    json_object_set_new(kernel, "records_lost", jint(r->records_lost)) ||
	    json_object_set_new(kernel, "records_lost_by_reason", lost)) {
		errbuf_set(err, "failed to build the kernel JSON object");
		return -ENOMEM;
	}
	return 0;
}

/* ---- human summary ------------------------------------------------------------------ */

void probes_summary(struct probes *p, FILE *out)
{
	struct results *r;
	char a[32], b[32], c[32];
	size_t nmis = 0;

	if (!p || !out)
		return;
	if (!p->have_res)
		probes_read_results(p);
	r = &p->res;

	if (r->busiest >= 0) {
		const struct loop_sum *l = &r->loops[r->busiest];
		double pct = 100.0 * l->busy;
		double oncpu = l->have_oncpu && l->span_ns ?
			       fmin(100.0, 100.0 * (double)l->oncpu_ns / (double)l->span_ns) : NAN;

		fprintf(out, "kernel: event loop busy %.0f %% (thread %u %s)%s\n", pct, l->tid,
			l->comm,
			pct >= 90 ? ": the server is saturated" :
			pct >= 50 ? ": the server is loaded, not saturated" :
				    ": the server mostly waits for work; the bottleneck is elsewhere");
		/* Busy is "not waiting for events": that includes waiting for a
		 * CPU or for a lock. Say so when it is much of it. */
		if (!isnan(oncpu) && pct - oncpu >= 20)
			fprintf(out, "kernel: ... but that thread was on a CPU only %.0f %% of the time: the rest it "
				"waited for a CPU (see run-queue delay) or blocked outside the event loop\n",
				oncpu);
	}
	if (attached(p, "sched_switch") && r->window_ns) {
		fprintf(out, "kernel: run-queue delay p50 %s, p99 %s, max %s (%llu waits); all server "
			"threads together on CPU %.0f %% of the window; %llu voluntary, %llu involuntary switches\n",
			fmt_duration(pct(&r->runq, 50), a, sizeof(a)),
			fmt_duration(pct(&r->runq, 99), b, sizeof(b)),
			fmt_duration(r->runq.total ? (double)r->runq.max : NAN, c, sizeof(c)),
			(unsigned long long)r->runq.total,
			/* the window may have been narrowed after the fact */
			fmin(100.0, 100.0 * (double)r->oncpu_ns / (double)r->window_ns),
			(unsigned long long)r->voluntary, (unsigned long long)r->involuntary);
	}
	if (p->accept_wait && r->accept.total)
		fprintf(out, "kernel: accept queue wait p50 %s, p99 %s, max %s (%llu connections)\n",
			fmt_duration(pct(&r->accept, 50), a, sizeof(a)),
			fmt_duration(pct(&r->accept, 99), b, sizeof(b)),
			fmt_duration((double)r->accept.max, c, sizeof(c)),
			(unsigned long long)r->accept.total);
	if (attached(p, "sys_exit")) {
		/* The four most frequent syscalls. */
		int top[4] = { -1, -1, -1, -1 };

		for (int s = 0; s < SC_NR; s++) {
			if (!r->sc[s].count)
				continue;
			for (int k = 0; k < 4; k++)
				if (top[k] < 0 || r->sc[s].count > r->sc[top[k]].count) {
					memmove(&top[k + 1], &top[k], (size_t)(3 - k) * sizeof(int));
					top[k] = s;
					break;
				}
		}
		if (top[0] >= 0) {
			fprintf(out, "kernel: syscalls:");
			for (int k = 0; k < 4 && top[k] >= 0; k++) {
				const struct sc_sum *x = &r->sc[top[k]];

				fprintf(out, "%s %s %llu (p99 %s", k ? "," : "", probes_sc_names[top[k]],
					(unsigned long long)x->count,
					fmt_duration(pct(&x->h, 99), a, sizeof(a)));
				if (x->eagain)
					fprintf(out, ", %.0f %% EAGAIN", 100.0 * (double)x->eagain / (double)x->count);
				fprintf(out, ")");
			}
			fprintf(out, "\n");
		}
	}
	if (p->group_loaded[GROUP_TCP] && (r->tcp.retransmits || r->tcp.synack_retransmits ||
				 r->tcp.resets_sent || r->tcp.resets_received))
		fprintf(out, "kernel: tcp on port %d: %llu retransmits, %llu SYN-ACK retransmits, "
			"%llu resets sent, %llu received\n", p->opts.server_port,
			(unsigned long long)r->tcp.retransmits,
			(unsigned long long)r->tcp.synack_retransmits,
			(unsigned long long)r->tcp.resets_sent,
			(unsigned long long)r->tcp.resets_received);
	if (r->have_listen && (r->listen_overflows || r->listen_drops))
		fprintf(out, "kernel: listen queue overflows %llu, drops %llu (whole host)\n",
			(unsigned long long)r->listen_overflows, (unsigned long long)r->listen_drops);
	if (r->records_lost)
		fprintf(out, "kernel: %llu records lost (a BPF map was full): figures undercount\n",
			(unsigned long long)r->records_lost);

	for (size_t i = 0; i < probes_ndefs; i++)
		nmis += p->ps[i].status == PROBE_MISSING;
	if (nmis) {
		size_t k = 0;

		fprintf(out, "kernel: %zu probe%s missing:", nmis, nmis == 1 ? "" : "s");
		for (size_t i = 0; i < probes_ndefs; i++)
			if (p->ps[i].status == PROBE_MISSING)
				fprintf(out, "%s %s (%s)", k++ ? ";" : "", probes_defs[i].name,
					p->ps[i].reason);
		fprintf(out, "\n");
	}
}
