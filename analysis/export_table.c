#define _GNU_SOURCE
#include "analysis/export_table.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* A CSV field: quoted when it holds a comma, quote or newline. */
static void csv_text(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* An empty field for a missing figure, never "nan". */
static void csv_num(FILE *f, double v, double scale)
{
	double x = v * scale;
	if (isfinite(x) && x == floor(x) && fabs(x) < 1e15)
		fprintf(f, ",%.0f", x);	/* counts and ns stay whole numbers */
	else if (isfinite(x))
		fprintf(f, ",%.9g", x);
	else
		fputc(',', f);
}

static double best_rps(const struct saved_set *s)
{
	double best = 0;
	for (size_t i = 0; i < s->n_runs; i++)
		best = fmax(best, isfinite(jnum(s->runs[i].run, "client.rps")) ? jnum(s->runs[i].run, "client.rps") : 0);
	return best;
}

int export_csv(FILE *f, const struct saved_set *s)
{
	static const char *const lat[] = { "mean", "stdev", "p50", "min", "max", "p90", "p99", "p999" };
	double best = best_rps(s);
	fputs("command,mean,stddev,median,min,max,p90,p99,p999,rps,requests,failed,transfer_bytes_per_s,relative\n", f);
	for (size_t i = 0; i < s->n_runs; i++) {
		json_t *c = json_object_get(s->runs[i].run, "client");
		csv_text(f, s->runs[i].label);
		for (size_t k = 0; k < sizeof(lat) / sizeof(lat[0]); k++)
			csv_num(f, dist_stat(c, "latency", lat[k]), 1e-9);
		double rps = jnum(c, "rps");
		csv_num(f, rps, 1);
		csv_num(f, jnum(c, "requests_completed"), 1);
		csv_num(f, jnum(c, "errors.total"), 1);
		csv_num(f, jnum(c, "transfer_bytes_per_s"), 1);
		csv_num(f, rps > 0 ? best / rps : NAN, 1);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

/* One unit for the whole table, from the fastest run's mean (as hyperfine). */
static double md_unit(const struct saved_set *s, const char **name)
{
	double min = INFINITY;
	for (size_t i = 0; i < s->n_runs; i++) {
		double m = dist_stat(json_object_get(s->runs[i].run, "client"), "latency", "mean");
		if (isfinite(m))
			min = fmin(min, m);
	}
	*name = min >= 1e9 ? "s" : min >= 1e6 || !isfinite(min) ? "ms" : "µs";
	return min >= 1e9 ? 1e9 : min >= 1e6 || !isfinite(min) ? 1e6 : 1e3;
}

static void md_num(FILE *f, double v, double div, int digits)
{
	if (isfinite(v))
		fprintf(f, " %.*f |", digits, v / div);
	else
		fputs(" - |", f);
}

int export_markdown(FILE *f, const struct saved_set *s)
{
	const char *u;
	double div = md_unit(s, &u), best = best_rps(s);
	fprintf(f, "| Server | Req/s | Mean [%s] | p50 [%s] | p99 [%s] | Max [%s] | Failed | Relative |\n"
		"|:---|---:|---:|---:|---:|---:|---:|---:|\n", u, u, u, u);
	for (size_t i = 0; i < s->n_runs; i++) {
		json_t *c = json_object_get(s->runs[i].run, "client");
		double rps = jnum(c, "rps"), mean = dist_stat(c, "latency", "mean");
		double sd = dist_stat(c, "latency", "stdev");
		fprintf(f, "| `%s` |", s->runs[i].label);
		md_num(f, rps, 1, 1);
		if (isfinite(mean) && isfinite(sd))
			fprintf(f, " %.2f ± %.2f |", mean / div, sd / div);
		else
			md_num(f, mean, div, 2);
		md_num(f, dist_stat(c, "latency", "p50"), div, 2);
		md_num(f, dist_stat(c, "latency", "p99"), div, 2);
		md_num(f, dist_stat(c, "latency", "max"), div, 2);
		md_num(f, jnum(c, "errors.total"), 1, 0);
		md_num(f, rps > 0 ? best / rps : NAN, 1, 2);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

static json_t *timeline_of(json_t *run)
{
	json_t *t = json_object_get(run, "timeline");
	if (json_is_object(t))
		t = json_object_get(t, "intervals");
	return json_is_array(t) ? t : NULL;
}

/* The anatomy's components in the timeline's CSV, in breakdown order. */
static const char *const tl_components[] = { "connect", "net_in", "accept_wait", "wait", "wait_runq",
					      "wait_other", "app", "net_out", "client" };
#define N_TL_COMPONENTS (sizeof(tl_components) / sizeof(tl_components[0]))

static void timeline_csv_header(FILE *f)
{
	fputs("command,start_ns,duration_ns,requests,errors,rps,latency_p50_ns,latency_p90_ns,"
	      "latency_p99_ns,latency_p999_ns,latency_max_ns,syscalls,runq_delay_p99_ns,"
	      "server_cpu_ns,tcp_retransmits,anatomy_matched", f);
	for (size_t c = 0; c < N_TL_COMPONENTS; c++)
		fprintf(f, ",%s_mean_ns,%s_p99_ns", tl_components[c], tl_components[c]);
	fputc('\n', f);
}

/* The kernel's and the anatomy's columns of one interval: empty where the
 * report has no such figure (no probes, no anatomy, no new connections). */
static void timeline_csv_kernel(FILE *f, json_t *e)
{
	char key[96];
	csv_num(f, jnum(e, "kernel.syscalls_total"), 1);
	csv_num(f, jnum(e, "kernel.sched.runq_delay_ns.p99"), 1);
	csv_num(f, jnum(e, "kernel.sched.oncpu_ns"), 1);
	csv_num(f, jnum(e, "kernel.tcp.retransmits"), 1);
	csv_num(f, jnum(e, "anatomy.matched"), 1);
	for (size_t c = 0; c < N_TL_COMPONENTS; c++) {
		snprintf(key, sizeof(key), "anatomy.components.%s_ns.mean", tl_components[c]);
		csv_num(f, jnum(e, key), 1);
		snprintf(key, sizeof(key), "anatomy.components.%s_ns.p99", tl_components[c]);
		csv_num(f, jnum(e, key), 1);
	}
}

int export_timeline_csv(FILE *f, const struct saved_set *s)
{
	static const char *const lat[] = { "p50", "p90", "p99", "p999", "max" };
	int rows = 0;
	timeline_csv_header(f);
	for (size_t i = 0; i < s->n_runs; i++) {
		json_t *e, *tl = timeline_of(s->runs[i].run);
		size_t k;
		json_array_foreach(tl, k, e) {
			csv_text(f, s->runs[i].label);
			csv_num(f, jnum(e, "start_ns"), 1);
			csv_num(f, jnum(e, "duration_ns"), 1);
			csv_num(f, jnum(e, "requests"), 1);
			csv_num(f, jnum(e, "errors"), 1);
			csv_num(f, jnum(e, "rps"), 1);
			for (size_t q = 0; q < sizeof(lat) / sizeof(lat[0]); q++)
				csv_num(f, dist_stat(e, "latency", lat[q]), 1);
			timeline_csv_kernel(f, e);
			fputc('\n', f);
			rows++;
		}
	}
	return ferror(f) ? -EIO : rows;
}
