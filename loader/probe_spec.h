/* What every probe object's loader shares: the --disable-probe list syntax
 * and the BTF look-up of a tracepoint. */
#pragma once
#include <bpf/btf.h>
#include "common/errbuf.h"

enum probe_spec_what {
	PROBE_SPEC_OFF,		/* "name": the probe is switched off */
	PROBE_SPEC_NO_BTF,	/* "name:tp_btf": only the tp_btf twin is */
	PROBE_SPEC_NO_RAW,	/* "name:raw_tp": only the raw_tp twin is */
	PROBE_SPEC_NO_FALLBACK,	/* "name:fentry|fexit|kprobe|kretprobe": that fallback */
};

struct probe_spec {
	char name[64];
	enum probe_spec_what what;
	char mech[16];		/* PROBE_SPEC_NO_FALLBACK: its mechanism */
};

/* Calls fn for each entry of a comma list of
 * "name[:tp_btf|:raw_tp|:fentry|:fexit|:kprobe|:kretprobe]"
 * (blanks around entries ignored). Stops at fn's first non-zero return and
 * returns it; an unknown attach mode is -EINVAL with one line in err. */
int probe_spec_each(const char *list, int (*fn)(const struct probe_spec *s, void *arg),
		    void *arg, struct errbuf *err);

/* Arguments of tracepoint `name` (without the leading void *), or -1 when
 * the kernel has no such tracepoint (no btf_trace_<name> in its BTF). */
int probe_tp_nargs(const struct btf *btf, const char *name);
/* How many parameters kernel function NAME takes (its BTF), -1 if unknown. */
int func_nargs(const struct btf *btf, const char *name);
