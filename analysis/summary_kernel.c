/* "kernel: ..." lines of the summary, from the loader's plain results. */
#include "analysis/summary_kernel.h"

#include <math.h>
#include <string.h>
#include "common/fmt.h"

/* A percentile (0-100) of a kernel distribution; NAN when empty. */
static double pct(const struct hist *h, double p)
{
	return h->total ? (double)hist_percentile(h, p) : NAN;
}

/* The verdict from what a thread (or a process's threads together, in
 * units of one CPU) did with the window: on a CPU, or waiting for one (run
 * queue); "busy" (not waiting for events) alone would count a thread
 * blocked on a lock or starved of a CPU as saturated. */
static const char *verdict(double oncpu, double runq, double busy)
{
	if (oncpu >= 90)
		return ": the server is saturated";
	if (oncpu + runq >= 90)
		return ": the server is saturated, but for want of a CPU (run-queue delay): the machine's "
		       "CPUs are the limit";
	if (busy >= 50)
		return ": the server is loaded, not saturated";
	return ": the server mostly waits for work; the bottleneck is elsewhere";
}

/* part as a percentage of whole (a process's threads may pass 100). */
static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : NAN;
}

/* A threaded server's event loop only hands work to other threads (the
 * acceptor of Flask's development server): its verdict is the threads'. */
static bool loop_is_acceptor(const struct kernel_results *k, const struct loop_sum *l)
{
	return l->have_oncpu && k->nthreads > 1 && l->oncpu_ns * 2 < k->oncpu_ns;
}

static void print_event_loop(FILE *out, const struct kernel_results *k)
{
	const struct loop_sum *l = &k->loops[k->busiest];
	double pct = 100.0 * l->busy;
	double oncpu = l->have_oncpu ? fmin(100, share(l->oncpu_ns, l->span_ns)) : NAN;
	double runq = l->have_oncpu ? fmin(100, share(l->runq_ns, l->span_ns)) : NAN;

	if (isnan(oncpu)) {	/* no scheduler figures: busy is all there is */
		fprintf(out, "kernel: event loop busy %.0f %% (thread %u %s)%s\n", pct, l->tid, l->comm,
			pct >= 90 ? ": the server is saturated" : verdict(0, 0, pct));
		return;
	}
	fprintf(out, "kernel: event loop busy %.0f %% (thread %u %s; on a CPU %.0f %%, waiting for "
		"one %.0f %%)%s\n", pct, l->tid, l->comm, oncpu, runq,
		loop_is_acceptor(k, l) ? ": it hands the work to the server's other threads"
				       : verdict(oncpu, runq, pct));
	/* Busy is "not waiting for events": that includes a lock or a blocking
	 * call (run-queue time may overlap the waits: this is a lower bound). */
	if (pct - oncpu - runq >= 20)
		fprintf(out, "kernel: ... at least %.0f %% of the window that thread was neither waiting "
			"for events nor running: it blocked outside the event loop\n", pct - oncpu - runq);
	if (runq >= 20 && oncpu + runq < 90)
		fprintf(out, "kernel: ... it waited for a CPU %.0f %% of the window: other work on this "
			"machine competes for its CPUs\n", runq);
}

/* Threaded and pre-forked servers (Flask, gunicorn sync): their threads
 * and worker processes, and the busiest process's use of the window (of
 * one CPU: a Python process's threads share one interpreter lock). */
static void print_threads(FILE *out, const struct kernel_results *k)
{
	const struct proc_sum *top = &k->procs[0];
	double oncpu = share(top->oncpu_ns, k->window_ns), runq = share(top->runq_ns, k->window_ns);
	bool judged = k->busiest < 0 || loop_is_acceptor(k, &k->loops[k->busiest]);

	fprintf(out, "kernel: %llu server thread%s in %zu process%s%s; the busiest, pid %u %s "
		"(%u thread%s), on a CPU %.0f %% of the window, waiting for one %.0f %%%s\n",
		(unsigned long long)k->nthreads, k->nthreads == 1 ? "" : "s", k->nprocs,
		k->nprocs == 1 ? "" : "es", k->nprocs > 1 ? " (workers)" : "", top->tgid, top->comm,
		top->threads, top->threads == 1 ? "" : "s", oncpu, runq,
		judged ? verdict(oncpu, runq, oncpu + runq) : "");
}

static void print_sched(FILE *out, const struct kernel_results *k)
{
	char a[32], b[32], c[32];

	fprintf(out, "kernel: run-queue delay p50 %s, p99 %s, max %s (%llu waits); all server "
		"threads together on CPU %.0f %% of the window; %llu voluntary, %llu involuntary switches\n",
		fmt_duration(pct(&k->runq, 50), a, sizeof(a)),
		fmt_duration(pct(&k->runq, 99), b, sizeof(b)),
		fmt_duration(k->runq.total ? (double)k->runq.max : NAN, c, sizeof(c)),
		(unsigned long long)k->runq.total,
		/* the window may have been narrowed after the fact */
		fmin(100.0, 100.0 * (double)k->oncpu_ns / (double)k->window_ns),
		(unsigned long long)k->voluntary, (unsigned long long)k->involuntary);
}

/* The four most frequent syscalls. */
static void print_top_syscalls(FILE *out, const struct kernel_results *k)
{
	int top[4] = { -1, -1, -1, -1 };
	char a[32];

	for (int s = 0; s < SC_NR; s++) {
		if (!k->sc[s].count)
			continue;
		for (int i = 0; i < 4; i++)
			if (top[i] < 0 || k->sc[s].count > k->sc[top[i]].count) {
				memmove(&top[i + 1], &top[i], (size_t)(3 - i) * sizeof(int));
				top[i] = s;
				break;
			}
	}
	if (top[0] < 0)
		return;
	fprintf(out, "kernel: syscalls:");
	for (int i = 0; i < 4 && top[i] >= 0; i++) {
		const struct sc_sum *x = &k->sc[top[i]];

		fprintf(out, "%s %s %llu (p99 %s", i ? "," : "", k->sc_names[top[i]],
			(unsigned long long)x->count,
			fmt_duration(pct(&x->h, 99), a, sizeof(a)));
		if (x->eagain)
			fprintf(out, ", %.0f %% EAGAIN", 100.0 * (double)x->eagain / (double)x->count);
		fprintf(out, ")");
	}
	fprintf(out, "\n");
}

static void print_tcp(FILE *out, const struct kernel_results *k)
{
	const struct tcp_stat *t = &k->tcp;

	if (k->group_tcp && (t->retransmits || t->synack_retransmits || t->resets_sent ||
			     t->resets_received))
		fprintf(out, "kernel: tcp on port %d: %llu retransmits, %llu SYN-ACK retransmits, "
			"%llu resets sent, %llu received\n", k->port,
			(unsigned long long)t->retransmits, (unsigned long long)t->synack_retransmits,
			(unsigned long long)t->resets_sent, (unsigned long long)t->resets_received);
	if (k->have_listen && (k->listen_overflows || k->listen_drops))
		fprintf(out, "kernel: listen queue overflows %llu, drops %llu (whole host)\n",
			(unsigned long long)k->listen_overflows, (unsigned long long)k->listen_drops);
}

static void print_missing(FILE *out, const struct kernel_results *k)
{
	size_t nmis = 0, i, shown = 0;

	for (i = 0; i < k->nprobes; i++)
		nmis += !k->probes[i].attached;
	if (!nmis)
		return;
	fprintf(out, "kernel: %zu probe%s missing:", nmis, nmis == 1 ? "" : "s");
	for (i = 0; i < k->nprobes; i++)
		if (!k->probes[i].attached)
			fprintf(out, "%s %s (%s)", shown++ ? ";" : "", k->probes[i].name,
				k->probes[i].reason);
	fprintf(out, "\n");
}

void summary_print_kernel(FILE *out, const struct kernel_results *k)
{
	char a[32], b[32], c[32];

	if (!k || !out)
		return;
	if (k->busiest >= 0)
		print_event_loop(out, k);
	if (k->nprocs && (k->busiest < 0 || k->nprocs > 1 || k->nthreads > 1))
		print_threads(out, k);
	if (k->sched_ran && k->window_ns)
		print_sched(out, k);
	if (k->accept_ran && k->accept.total)
		fprintf(out, "kernel: accept queue wait p50 %s, p99 %s, max %s (%llu connections)\n",
			fmt_duration(pct(&k->accept, 50), a, sizeof(a)),
			fmt_duration(pct(&k->accept, 99), b, sizeof(b)),
			fmt_duration((double)k->accept.max, c, sizeof(c)),
			(unsigned long long)k->accept.total);
	if (k->syscalls_ran)
		print_top_syscalls(out, k);
	print_tcp(out, k);
	if (k->records_lost)
		fprintf(out, "kernel: %llu records lost (a BPF map was full): figures undercount\n",
			(unsigned long long)k->records_lost);
	print_missing(out, k);
}
