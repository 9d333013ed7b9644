#define _GNU_SOURCE
/* bench-ebpf compare A.json B.json: B against the baseline A, with a gate a
 * CI job can fail on. */
#include "src/commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/report.h"
#include "src/cli.h"
#include "src/cli_table.h"
#include "src/output.h"

/* One gate: tripped when B is significantly worse than A by more than pct. */
static json_t *gate(json_t *cmp, const char *figure, const char *option, double pct, bool higher_worse)
{
	json_t *f = compare_figure(cmp, figure);
	double ratio = jnum(f, "ratio"), change = 100 * (higher_worse ? ratio - 1 : 1 - ratio);
	bool sig = json_is_true(json_object_get(f, "significant")), worse = json_is_true(json_object_get(f, "worse"));
	bool tripped = f && sig && worse && change > pct;
	char msg[256];
	if (!f || json_is_null(json_object_get(f, "significant")))
		snprintf(msg, sizeof(msg), "%s %g not applied: %s", option, pct, f ? jstr(f, "verdict", "") : "no such figure");
	else
		snprintf(msg, sizeof(msg), "%s %g %s: B %s %s by %.1f %%%s", option, pct, tripped ? "failed" : "passed",
			 jstr(f, "label", figure), higher_worse ? (ratio > 1 ? "higher" : "lower") : (ratio < 1 ? "lower" : "higher"),
			 fabs(100 * (ratio - 1)), sig ? "" : " (not significant)");
	return json_pack("{s:s, s:f, s:b, s:s}", "option", option, "percent", pct, "tripped", tripped, "message", msg);
}

static int write_outputs(const struct compare_options *o, json_t *doc, struct errbuf *err)
{
	struct output out;
	if (o->json_out && (output_open(&out, o->json_out, err) || output_write(&out, doc, err)))
		return -1;
	if (o->markdown_out) {
		if (output_open(&out, o->markdown_out, err))
			return -1;
		int rc = compare_markdown(out.f, json_object_get(doc, "compare"));
		if (fclose(out.f) || rc) {
			errbuf_set(err, "failed to write %s", o->markdown_out);
			return -1;
		}
	}
	return 0;
}

static int run_gates(const struct compare_options *o, json_t *doc)
{
	json_t *cmp = json_object_get(doc, "compare"), *gates = json_array(), *g;
	if (isfinite(o->fail_slower))
		json_array_append_new(gates, gate(cmp, "rps", "--fail-if-slower", o->fail_slower, false));
	if (isfinite(o->fail_p99))
		json_array_append_new(gates, gate(cmp, "latency_p99", "--fail-if-p99-above", o->fail_p99, true));
	int tripped = 0;
	size_t i;
	json_array_foreach(gates, i, g) {
		fprintf(stderr, "bench-ebpf compare: %s\n", jstr(g, "message", ""));
		tripped |= json_is_true(json_object_get(g, "tripped"));
	}
	json_object_set_new(doc, "gates", gates);
	return tripped;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_options o = { .fail_slower = NAN, .fail_p99 = NAN };
	int operand, p = cli_subcommand_parse(&cli_compare, argc, argv, &o, &operand);
	if (p)
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	const char *files[2] = { argv[operand], argv[operand + 1] };
	struct saved_set *s = calloc(2, sizeof(*s));
	struct errbuf err = { "" };
	if (!s || saved_set_load(&s[0], &files[0], 1, &err) || saved_set_load(&s[1], &files[1], 1, &err)) {
		fprintf(stderr, "bench-ebpf compare: %s\n", s ? err.msg : "out of memory");
		if (s)
			saved_set_free(&s[0]);
		free(s);
		return EXIT_USAGE;
	}
	json_t *cmp = compare_build(&s[0], &s[1], &err);
	int rc = EXIT_OK;
	if (!cmp) {
		fprintf(stderr, "bench-ebpf compare: %s\n", err.msg);
		rc = EXIT_USAGE;
	} else {
		json_t *doc = json_pack("{s:o, s:o}", "tool", report_tool(), "compare", cmp);
		compare_print(o.json_out && !strcmp(o.json_out, "-") ? stderr : stdout, cmp);
		int tripped = run_gates(&o, doc);
		if (write_outputs(&o, doc, &err)) {
			fprintf(stderr, "bench-ebpf compare: %s\n", err.msg);
			rc = EXIT_FAIL;
		} else if (tripped) {
			rc = EXIT_FAIL;
		}
		json_decref(doc);
	}
	saved_set_free(&s[0]);
	saved_set_free(&s[1]);
	free(s);
	return rc;
}
