#define _GNU_SOURCE
#include "analysis/compare.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "analysis/compare_stats.h"
#include "common/fmt.h"

static const struct figure {
	const char *name, *label, *unit;
	const char *base, *stat;	/* client.<base> distribution statistic, or client.<stat> */
	bool higher_is_better;
} figures[] = {
	{ "rps", "requests per second", "req/s", NULL, "rps", true },
	{ "latency_mean", "latency mean", "ns", "latency", "mean", false },
	{ "latency_p50", "latency p50", "ns", "latency", "p50", false },
	{ "latency_p90", "latency p90", "ns", "latency", "p90", false },
	{ "latency_p99", "latency p99", "ns", "latency", "p99", false },
	{ "latency_p999", "latency p99.9", "ns", "latency", "p999", false },
	{ "transfer", "transfer rate", "bytes/s", NULL, "transfer_bytes_per_s", true },
};
#define N_FIGURES (sizeof(figures) / sizeof(figures[0]))

static double figure_of(const struct figure *fg, json_t *run)
{
	json_t *c = json_object_get(run, "client");
	return fg->base ? dist_stat(c, fg->base, fg->stat) : jnum(c, fg->stat);
}

/* One server per side: its name, or NULL and a reason. */
static const char *side_server(const struct saved_set *s, const char *side, struct errbuf *err)
{
	const char *name = jstr(s->runs[0].run, "server.name", "?");
	for (size_t i = 1; i < s->n_runs; i++)
		if (strcmp(name, jstr(s->runs[i].run, "server.name", "?"))) {
			errbuf_set(err, "%s: holds runs of several servers (%s, %s); compare takes one server per side",
				   s->runs[i].file, name, jstr(s->runs[i].run, "server.name", "?"));
			return NULL;
		}
	(void)side;
	return name;
}

static const char *cannot_tell(size_t na, size_t nb, char *buf, size_t len)
{
	if (na < 2 && nb < 2)
		snprintf(buf, len, "cannot tell from one run each (repeat the runs: 4 or more per side)");
	else
		snprintf(buf, len, "cannot tell from %zu and %zu runs (a rank test needs 4 and 4)", na, nb);
	return buf;
}

static json_t *one_figure(const struct figure *fg, const struct saved_set *a, const struct saved_set *b)
{
	double va[SAVED_MAX_RUNS], vb[SAVED_MAX_RUNS];
	size_t na = 0, nb = 0;
	for (size_t i = 0; i < a->n_runs; i++)
		if (isfinite(figure_of(fg, a->runs[i].run)))
			va[na++] = figure_of(fg, a->runs[i].run);
	for (size_t i = 0; i < b->n_runs; i++)
		if (isfinite(figure_of(fg, b->runs[i].run)))
			vb[nb++] = figure_of(fg, b->runs[i].run);
	if (!na || !nb)
		return NULL;
	double p = stats_mann_whitney_p(va, na, vb, nb);
	bool can = stats_mann_whitney_min_p(na, nb) < COMPARE_ALPHA, sig = can && p < COMPARE_ALPHA;
	double ma = stats_median(va, na), mb = stats_median(vb, nb), ratio = ma != 0 ? mb / ma : NAN;
	bool b_better = fg->higher_is_better ? mb > ma : mb < ma;
	char verdict[160];
	if (!can)
		cannot_tell(na, nb, verdict, sizeof(verdict));
	else if (!sig)
		snprintf(verdict, sizeof(verdict), "no significant difference (p = %.2g)", p);
	else
		snprintf(verdict, sizeof(verdict), "B %s by %.1f %% (p = %.2g)",
			 fg->higher_is_better ? (b_better ? "faster" : "slower") : (b_better ? "lower" : "higher"),
			 100 * fabs(ratio - 1), p);
	return json_pack("{s:s, s:s, s:s, s:{s:f, s:i}, s:{s:f, s:i}, s:o, s:o, s:o, s:o, s:s}",
		"name", fg->name, "label", fg->label, "unit", fg->unit,
		"a", "median", ma, "runs", (int)na, "b", "median", mb, "runs", (int)nb,
		"ratio", isfinite(ratio) ? json_real(ratio) : json_null(),
		"p_value", can ? json_real(p) : json_null(),
		"significant", can ? json_boolean(sig) : json_null(),
		"worse", sig ? json_boolean(!b_better) : json_null(), "verdict", verdict);
}

json_t *compare_figure(json_t *cmp, const char *name)
{
	json_t *f;
	size_t i;
	json_array_foreach(json_object_get(cmp, "figures"), i, f)
		if (!strcmp(jstr(f, "name", ""), name))
			return f;
	return NULL;
}

json_t *compare_build(const struct saved_set *a, const struct saved_set *b, struct errbuf *err)
{
	const char *sa = side_server(a, "A", err), *sb = sa ? side_server(b, "B", err) : NULL;
	if (!sa || !sb)
		return NULL;
	json_t *figs = json_array();
	for (size_t i = 0; i < N_FIGURES; i++) {
		json_t *f = one_figure(&figures[i], a, b);
		if (f)
			json_array_append_new(figs, f);
	}
	return json_pack("{s:{s:s, s:s, s:i}, s:{s:s, s:s, s:i}, s:f, s:o, s:o}",
		"a", "file", a->runs[0].file, "server", sa, "runs", (int)a->n_runs,
		"b", "file", b->runs[0].file, "server", sb, "runs", (int)b->n_runs,
		"alpha", COMPARE_ALPHA, "figures", figs, "anatomy", compare_anatomy(a, b));
}
