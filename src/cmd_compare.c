#define _GNU_SOURCE
/* bench-ebpf compare A.json B.json: B against the baseline A, with a gate a
 * CI job can fail on. */
#include "src/commands.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/report.h"
#include "src/cli.h"
#include "src/output.h"

struct compare_opts {
	const char *files[2];
	const char *json_out, *markdown_out;
	double fail_slower, fail_p99;	/* percent; NAN: no gate */
};

static void compare_usage(FILE *out)
{
	fputs("Usage: bench-ebpf compare A.json B.json [options]\n"
	      "B against the baseline A: each figure's median over the runs of a side,\n"
	      "the ratio B/A, and whether the difference is significant at 95 %\n"
	      "(Mann-Whitney rank test over the runs: 4 or more per side; with fewer it\n"
	      "says it cannot tell); and which anatomy component moved the p50 and p99.\n\n"
	      "  -o, --output FILE            the comparison as JSON\n"
	      "      --export-markdown FILE   the comparison as a Markdown table\n"
	      "      --fail-if-slower PCT     exit 1 when B's req/s is significantly lower by more than PCT %\n"
	      "      --fail-if-p99-above PCT  exit 1 when B's p99 is significantly higher by more than PCT %\n"
	      "  -h, --help                   this text\n", out);
}

static int parse_pct(const char *s, const char *opt, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0) {
		fprintf(stderr, "bench-ebpf compare: %s expects a percentage (e.g. 10), not '%s'\n", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* 0 ready, 1 --help printed, -1 bad options (said). */
static int parse(int argc, char **argv, struct compare_opts *o)
{
	enum { O_MD = 256, O_SLOWER, O_P99 };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "export-markdown", required_argument, NULL, O_MD },
		{ "fail-if-slower", required_argument, NULL, O_SLOWER },
		{ "fail-if-p99-above", required_argument, NULL, O_P99 },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	*o = (struct compare_opts){ .fail_slower = NAN, .fail_p99 = NAN };
	optind = 0;	/* a fresh scan (GNU getopt) */
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->json_out = optarg; break;
		case O_MD: o->markdown_out = optarg; break;
		case O_SLOWER: if (parse_pct(optarg, "--fail-if-slower", &o->fail_slower)) return -1; break;
		case O_P99: if (parse_pct(optarg, "--fail-if-p99-above", &o->fail_p99)) return -1; break;
		case 'h': compare_usage(stdout); return 1;
		default:
			fprintf(stderr, "bench-ebpf compare: see bench-ebpf compare --help\n");
			return -1;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "bench-ebpf compare: name two saved reports, A (the baseline) and B\n");
		return -1;
	}
	o->files[0] = argv[optind];
	o->files[1] = argv[optind + 1];
	return 0;
}

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

static int write_outputs(const struct compare_opts *o, json_t *doc, struct errbuf *err)
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

static int run_gates(const struct compare_opts *o, json_t *doc)
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
	struct compare_opts o;
	int p = parse(argc, argv, &o);
	if (p)
		return p > 0 ? EXIT_OK : EXIT_USAGE;
	struct saved_set *s = calloc(2, sizeof(*s));
	struct errbuf err = { "" };
	if (!s || saved_set_load(&s[0], &o.files[0], 1, &err) || saved_set_load(&s[1], &o.files[1], 1, &err)) {
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
