#define _GNU_SOURCE
/* What the kernel saw: syscalls, scheduling, accept queue, TCP, probes. */
#include "analysis/html_sections.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/html_svg.h"
#include "common/fmt.h"

/* Syscall latency: schema 2 writes latency_ns.<stat>, schema 1 <stat>_ns. */
static double syscall_stat(json_t *sc, const char *stat)
{
	return dist_stat(sc, json_object_get(sc, "latency_ns") ? "latency" : NULL, stat);
}

static void syscalls_table(FILE *f, json_t *sys)
{
	const char *name;
	json_t *sc;
	char a[24], b[24], c[24], d[24];
	fputs("<table class='syscalls sortable'><thead><tr><th>syscall</th><th>count</th><th>errors</th>"
	      "<th>EAGAIN</th><th>total time</th><th>p50</th><th>p99</th><th>max</th></tr></thead><tbody>\n", f);
	json_object_foreach(sys, name, sc) {
		if (!json_is_object(sc))
			continue;
		double total = jnum(sc, "total_ns"), p50 = syscall_stat(sc, "p50"), p99 = syscall_stat(sc, "p99");
		double max = syscall_stat(sc, "max");
		fprintf(f, "<tr><td>");
		html_text(f, name);
		fprintf(f, "</td><td class='num'>%.0f</td><td class='num'>%.0f</td><td class='num'>%.0f</td>"
			"<td class='num' data-sort='%.0f'>%s</td><td class='num' data-sort='%.0f'>%s</td>"
			"<td class='num' data-sort='%.0f'>%s</td><td class='num' data-sort='%.0f'>%s</td></tr>\n",
			jnum(sc, "count"), jnum(sc, "errors"), jnum(sc, "eagain"), total, fmt_duration(total, a, sizeof(a)),
			p50, fmt_duration(p50, b, sizeof(b)), p99, fmt_duration(p99, c, sizeof(c)),
			max, fmt_duration(isfinite(max) ? max : jnum(sc, "max_ns"), d, sizeof(d)));
	}
	fputs("</tbody></table>\n", f);
}

static void histogram(FILE *f, json_t *parent, const char *base, const char *cls, const char *title)
{
	json_t *h = dist_hist(parent, base), *e;
	size_t n = json_array_size(h), i;
	char p50[24], p99[24];
	fprintf(f, "<div class='hist'><h4>%s</h4>", title);
	if (!n) {
		fputs("<p class='empty'>not measured in this run</p></div>\n", f);
		return;
	}
	struct svg_bucket *b = calloc(n, sizeof(*b));
	if (!b) {
		fputs("</div>\n", f);
		return;
	}
	json_array_foreach(h, i, e)
		b[i] = (struct svg_bucket){ jnum(e, "lo"), jnum(e, "hi"), jnum(e, "count") };
	fprintf(f, "<p>%.0f samples, p50 %s, p99 %s</p>", dist_stat(parent, base, "count"),
		fmt_duration(dist_stat(parent, base, "p50"), p50, sizeof(p50)),
		fmt_duration(dist_stat(parent, base, "p99"), p99, sizeof(p99)));
	svg_histogram(f, cls, title, b, n, HTML_WIDTH / 2 - 10);
	free(b);
	fputs("</div>\n", f);
}

static void tcp_table(FILE *f, json_t *tcp)
{
	static const char *const keys[] = { "established", "retransmits", "synack_retransmits", "resets_sent",
					    "resets_received", "listen_overflows", "listen_drops" };
	fputs("<table class='tcp'><thead><tr><th>TCP event</th><th>count</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		double v = jnum(tcp, keys[i]);
		if (isfinite(v))
			fprintf(f, "<tr><td>%s</td><td class='num%s'>%.0f</td></tr>\n", keys[i],
				v > 0 && strcmp(keys[i], "established") ? " bad" : "", v);
	}
	fputs("</tbody></table>\n", f);
}

static void probes_list(FILE *f, json_t *kernel, json_t *overhead)
{
	json_t *att = jget(kernel, "probes.attached"), *mis = jget(kernel, "probes.missing"), *p;
	size_t i;
	fprintf(f, "<p class='probes'>%zu probes attached", json_array_size(att));
	json_array_foreach(att, i, p) {
		fputs(i ? ", " : ": ", f);
		html_text(f, jstr(p, "name", "?"));
		fputs(" (", f);
		html_text(f, jstr(p, "mode", "?"));
		fputs(")", f);
	}
	fprintf(f, ". %zu missing.</p>\n", json_array_size(mis));
	double ratio = jnum(overhead, "throughput_ratio");
	if (isfinite(ratio))
		fprintf(f, "<p class='overhead'>What the probes cost: throughput with probes on / off = %.3f "
			"(%.1f %% fewer requests per second), median of interleaved pairs.</p>\n", ratio, 100 * (1 - ratio));
}

/* kernel.probes.cost: what each hook's programs ran for, from BPF's own statistics. */
static void probes_cost(FILE *f, json_t *cost)
{
	if (!json_is_object(cost))
		return;
	if (!json_is_true(json_object_get(cost, "available"))) {
		fputs("<p class='empty'>Probes' cost not measured: ", f);
		html_text(f, jstr(cost, "reason", "no reason given"));
		fputs("</p>\n", f);
		return;
	}
	double share = jnum(cost, "server_cpu_share");
	fprintf(f, "<h4>What the probes cost</h4>\n<p class='cost'>%.3f CPU-s in all, %.0f ns per event", jnum(cost, "cpu_seconds"),
		jnum(cost, "ns_per_event"));
	if (isfinite(share))
		fprintf(f, ", %.1f %% of the server's on-CPU time", 100 * share);
	fputs(".</p>\n<table class='probe-cost sortable'><thead><tr><th>hook</th><th>mode</th><th>events</th>"
	      "<th>run time</th><th>per event</th></tr></thead><tbody>\n", f);
	json_t *p;
	size_t i;
	char a[24], b[24];
	json_array_foreach(json_object_get(cost, "programs"), i, p) {
		double rt = jnum(p, "run_time_ns"), per = jnum(p, "ns_per_event");
		fputs("<tr class='cost-row'><td>", f);
		html_text(f, jstr(p, "hook", "?"));
		fputs("</td><td>", f);
		html_text(f, jstr(p, "mode", "?"));
		fprintf(f, "</td><td class='num'>%.0f</td><td class='num' data-sort='%.0f'>%s</td>"
			"<td class='num' data-sort='%.1f'>%s</td></tr>\n", jnum(p, "events"), rt,
			fmt_duration(rt, a, sizeof(a)), isfinite(per) ? per : -1, fmt_duration(per, b, sizeof(b)));
	}
	fputs("</tbody></table>\n", f);
}

void html_kernel(FILE *f, const struct saved_run *r)
{
	json_t *k = json_object_get(r->run, "kernel");
	fputs("<h3>Kernel</h3>\n", f);
	if (!json_is_object(k) || json_is_false(json_object_get(k, "enabled"))) {
		fprintf(f, "<p class='empty'>Probes off in this run%s%s.</p>\n", jstr(k, "reason", NULL) ? ": " : "",
			jstr(k, "reason", ""));
		return;
	}
	probes_list(f, k, json_object_get(r->run, "overhead"));
	fputs("<h4>The server's syscalls</h4>\n", f);
	syscalls_table(f, json_object_get(k, "syscalls"));
	fputs("<div class='hist-pair'>\n", f);
	histogram(f, json_object_get(k, "sched"), "runq_delay", "hist-runq", "Run-queue delay (waiting for a CPU)");
	histogram(f, json_object_get(k, "accept"), "wait", "hist-accept", "Accept-queue wait");
	fputs("</div>\n", f);
	tcp_table(f, json_object_get(k, "tcp"));
	probes_cost(f, jget(k, "probes.cost"));
}
