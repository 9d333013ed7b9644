/* What the probes could use here (kernel features, found by trying each) and
 * the probe names users type. */
#pragma once
#include <stdbool.h>
#include "common/errbuf.h"

enum kernel_feature {
	KFEAT_TP_BTF,		/* BTF-typed tracepoints (tp_btf/) */
	KFEAT_FENTRY,		/* fentry/fexit on kernel functions */
	KFEAT_KPROBES,		/* kprobes through perf events */
	KFEAT_RINGBUF,		/* BPF ring buffer maps */
	KFEAT_BPF_STATS,	/* run-time statistics of BPF programs */
	KFEAT__COUNT,
};
extern const char *const kernel_feature_names[KFEAT__COUNT];	/* "tp_btf", ... */

/* 0 when feature F loads and attaches here, else -errno of the first step
 * that failed (-EPERM without privileges, -ENOENT when the kernel lacks it). */
int kernel_feature_probe(enum kernel_feature f);
/* The same for a fallback on kernel function FUNC by MECHANISM ("fentry",
 * "fexit": a trampoline program loaded and attached; "kprobe",
 * "kretprobe": the function in BTF and a perf event opened on it). */
int kernel_fallback_probe(const char *func, const char *mechanism);

/* The I-th name --disable-probe accepts (a tracepoint of the syscalls,
 * sched or tcp group), NULL past the last: for the shell completion. */
const char *probes_name(unsigned i);

/* 0 when GROUPS (--probes) and DISABLE (--disable-probe) name only groups
 * and probes this build has (NULL: none given), else -EINVAL and the
 * loader's own one-line reason, so bad names fail before anything starts. */
int probes_check_names(const char *groups, const char *disable, struct errbuf *err);
