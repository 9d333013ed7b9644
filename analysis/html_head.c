#define _GNU_SOURCE
/* The top of each run: headline figures, warnings, and what ran where. */
#include "analysis/html_sections.h"

#include <math.h>
#include <string.h>

#include "analysis/html_svg.h"
#include "common/fmt.h"

static void card(FILE *f, const char *cls, const char *label, const char *value, const char *sub)
{
	fprintf(f, "<div class='card %s'><div class='label'>%s</div><div class='value'>", cls, label);
	html_text(f, value);
	fputs("</div><div class='sub'>", f);
	html_text(f, sub);
	fputs("</div></div>\n", f);
}

static const char *fmt_rate_bytes(double bps, char *buf, size_t len)
{
	if (!isfinite(bps))
		snprintf(buf, len, "-");
	else if (bps >= 1 << 20)
		snprintf(buf, len, "%.2f MiB/s", bps / (1 << 20));
	else
		snprintf(buf, len, "%.1f KiB/s", bps / 1024);
	return buf;
}

void html_headline(FILE *f, const struct saved_run *r)
{
	json_t *c = json_object_get(r->run, "client");
	char v[64], sub[128], a[24], b[24], m[24], n[3][24];
	fputs("<div class='headline'>\n", f);
	fmt_fixed(jnum(c, "rps"), 1, v, sizeof(v));	/* null when no window opened */
	snprintf(sub, sizeof(sub), "%s requests in %s", fmt_fixed(jnum(c, "requests_completed"), 0, n[0], sizeof(n[0])),
		 fmt_duration(jnum(r->run, "load.duration_ns"), a, sizeof(a)));
	card(f, "rps", "Requests per second", v, sub);
	fmt_duration(dist_stat(c, "latency", "p50"), a, sizeof(a));
	snprintf(sub, sizeof(sub), "p99 %s, max %s", fmt_duration(dist_stat(c, "latency", "p99"), b, sizeof(b)),
		 fmt_duration(dist_stat(c, "latency", "max"), m, sizeof(m)));
	card(f, "latency", "Latency p50", a, sub);
	snprintf(sub, sizeof(sub), "%s bytes received", fmt_fixed(jnum(c, "bytes_read"), 0, n[0], sizeof(n[0])));
	card(f, "transfer", "Transfer rate", fmt_rate_bytes(jnum(c, "transfer_bytes_per_s"), v, sizeof(v)), sub);
	double failed = jnum(c, "errors.total");
	snprintf(v, sizeof(v), "%.0f", isfinite(failed) ? failed : 0);
	snprintf(sub, sizeof(sub), "timeout %s, status %s, connect %s",
		 fmt_fixed(jnum(c, "errors.timeout"), 0, n[0], sizeof(n[0])),
		 fmt_fixed(jnum(c, "errors.status"), 0, n[1], sizeof(n[1])),
		 fmt_fixed(jnum(c, "errors.connect"), 0, n[2], sizeof(n[2])));
	card(f, failed > 0 ? "failed bad" : "failed", "Failed requests", v, sub);
	fputs("</div>\n", f);
}

static void warn(FILE *f, const struct saved_run *r, const char *level, const char *text)
{
	fprintf(f, "<li class='%s'><strong>%s</strong> ", level, !strcmp(level, "warn") ? "Warning:" : "Note:");
	html_text(f, r->label);
	fputs(": ", f);
	html_text(f, text);
	fputs("</li>\n", f);
}

static void warn_probes(FILE *f, const struct saved_run *r)
{
	json_t *missing = jget(r->run, "kernel.probes.missing"), *p;
	size_t i;
	char text[512];
	json_array_foreach(missing, i, p) {
		snprintf(text, sizeof(text), "probe %s did not run: %s", jstr(p, "name", "?"),
			 jstr(p, "reason", jstr(p, "error", "no reason given")));
		warn(f, r, "warn", text);
	}
	const char *lost_paths[] = { "kernel.records_lost", "kernel.anatomy.records_lost", "breakdown.records_lost" };
	for (size_t k = 0; k < 3; k++) {
		double lost = jnum(r->run, lost_paths[k]);
		if (lost > 0) {
			snprintf(text, sizeof(text), "%.0f records lost (%s): kernel figures are incomplete", lost, lost_paths[k]);
			warn(f, r, "warn", text);
		}
	}
	if (json_is_false(jget(r->run, "kernel.enabled")))
		warn(f, r, "note", "probes off: no kernel figures");
}

static void warn_client(FILE *f, const struct saved_run *r)
{
	char text[512];
	json_t *err = json_object_get(r->run, "error");
	if (json_is_string(err) || json_is_object(err)) {
		snprintf(text, sizeof(text), "the run failed: %s",
			 json_is_string(err) ? json_string_value(err) : jstr(err, "message", "see the JSON"));
		warn(f, r, "warn", text);
	}
	if (json_is_true(json_object_get(r->run, "interrupted")))
		warn(f, r, "warn", "interrupted: the figures cover only part of the run");
	bool checked = json_is_object(json_object_get(r->run, "checks"));	/* they say it then */
	double busy = jnum(r->run, "client.busy_fraction");
	if (busy > 0.9 && !checked) {
		snprintf(text, sizeof(text), "load generator saturated (busy %.0f %%): the figures describe the client, not the server", 100 * busy);
		warn(f, r, "warn", text);
	}
	double failed = jnum(r->run, "client.errors.total");
	if (failed > 0) {
		snprintf(text, sizeof(text), "%.0f failed requests", failed);
		warn(f, r, "warn", text);
	}
	double rate = jnum(r->run, "load.rate"), got = jnum(r->run, "client.open_loop.achieved_rate");
	double unsent = jnum(r->run, "client.open_loop.unsent");
	if (rate > 0 && (got < 0.95 * rate || unsent > 0) && !checked) {
		snprintf(text, sizeof(text), "open-loop rate not held: %.0f req/s achieved of %.0f asked, %.0f unsent",
			 got, rate, isfinite(unsent) ? unsent : 0);
		warn(f, r, "warn", text);
	}
	double cov = jnum(r->run, "breakdown.coverage");
	if (cov < 0.95) {
		snprintf(text, sizeof(text), "anatomy matched only %.1f %% of the requests", 100 * cov);
		warn(f, r, "warn", text);
	}
}

static void warn_checks(FILE *f, const struct saved_run *r)
{
	json_t *checks = json_object_get(r->run, "checks"), *c;
	const char *name;
	json_object_foreach(checks, name, c) {
		const char *st = jstr(c, "status", "");
		if (!strcmp(st, "warn")) {
			char text[512];
			snprintf(text, sizeof(text), "check %s: %s", name, jstr(c, "message", "warn"));
			warn(f, r, "warn", text);
		}
	}
	json_t *notes = json_object_get(r->run, "notes"), *n;
	size_t i;
	json_array_foreach(notes, i, n)
		if (json_is_string(n))
			warn(f, r, "note", json_string_value(n));
}

void html_warnings(FILE *f, const struct saved_run *r)
{
	fputs("<ul class='warnings'>\n", f);
	warn_client(f, r);
	warn_probes(f, r);
	warn_checks(f, r);
	fputs("</ul>\n", f);
}

static void row(FILE *f, const char *k, const char *v)
{
	fprintf(f, "<tr><th>%s</th><td>", k);
	html_text(f, v);
	fputs("</td></tr>\n", f);
}

void html_context(FILE *f, const struct saved_run *r)
{
	char buf[512], t[24], n[2][24];	/* a missing number (no --pid) is "-" */
	json_t *run = r->run;
	fputs("<details class='context' open><summary>Server, load, host</summary><table class='kv'>\n", f);
	snprintf(buf, sizeof(buf), "%s (%s), pid %s, port %s, CPUs %s", jstr(run, "server.name", "?"),
		 jstr(run, "server.version", "version unknown"), fmt_fixed(jnum(run, "server.pid"), 0, n[0], sizeof(n[0])),
		 fmt_fixed(jnum(run, "server.port"), 0, n[1], sizeof(n[1])), jstr(run, "server.cpus", "any"));
	row(f, "server", buf);
	row(f, "server command", jstr(run, "server.command", jstr(run, "server.url", "-")));
	row(f, "command line", jstr(run, "command_line", "-"));
	snprintf(buf, sizeof(buf), "%s loop, %s engine, %s connections, %s thread(s) on CPUs %s, timeout %s",
		 jstr(run, "load.mode", "?"), jstr(run, "load.engine", "?"),
		 fmt_fixed(jnum(run, "load.connections"), 0, n[0], sizeof(n[0])),
		 fmt_fixed(jnum(run, "load.threads"), 0, n[1], sizeof(n[1])), jstr(run, "load.client_cpus", "any"),
		 fmt_duration(jnum(run, "load.timeout_ns"), t, sizeof(t)));
	row(f, "load", buf);
	snprintf(buf, sizeof(buf), "%s, kernel %s, %s, %s, %s CPUs", jstr(run, "host.hostname", "?"),
		 jstr(run, "host.kernel", "?"), jstr(run, "host.arch", "?"), jstr(run, "host.cpu_model", "?"),
		 fmt_fixed(jnum(run, "host.cpus"), 0, n[0], sizeof(n[0])));
	row(f, "host", buf);
	snprintf(buf, sizeof(buf), "%s %s, report schema %.0f", jstr(run, "tool.name", "bench-ebpf"),
		 jstr(run, "tool.version", "?"), jnum(run, "schema_version"));
	row(f, "tool", buf);
	fputs("</table></details>\n", f);
}

/* A repeated run's warnings (noisy, repeats that disagree): said at the top
 * like a run's warnings. */
void html_summary_warnings(FILE *f, const struct saved_set *s)
{
	fputs("<ul class='warnings'>\n", f);
	for (size_t d = 0; d < s->n_docs; d++) {
		json_t *e, *c;
		size_t i;
		const char *name;
		json_array_foreach(json_object_get(s->docs[d], "summary"), i, e)
			json_object_foreach(json_object_get(e, "checks"), name, c)
				if (!strcmp(jstr(c, "status", ""), "warn")) {
					fputs("<li class='warn'><strong>Warning:</strong> ", f);
					html_text(f, jstr(e, "server", "?"));
					fputs(" (repeats): ", f);
					html_text(f, jstr(c, "message", ""));
					fputs("</li>\n", f);
				}
	}
	fputs("</ul>\n", f);
}
