/* Kernel features, found by trying each: a two-instruction program loaded
 * and attached, a map created, a perf event opened; all closed again. */
#include "loader/kernel_features.h"
#include "loader/probes_internal.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const kernel_feature_names[KFEAT__COUNT] = {
	"tp_btf", "fentry", "kprobes", "ring buffer", "BPF stats",
};

/* Loads "return 0" as a tracing program on BTF type NAME and attaches it. */
static int try_tracing(const char *name, int kind, enum bpf_attach_type type)
{
	static const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct btf *btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno ? -errno : -ENOENT;
	int id = btf__find_by_name_kind(btf, name, kind);
	btf__free(btf);
	if (id < 0)
		return -ENOENT;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type, .attach_btf_id = id);
	int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", ret0, 2, &opts);
	if (prog < 0)
		return -errno;
	int link = bpf_raw_tracepoint_open(NULL, prog);
	int e = link < 0 ? -errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	return e;
}

/* Opens a kprobe (or kretprobe) perf event on kernel function FUNC. */
static int try_kprobe(const char *func, bool ret)
{
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "re");
	int type = -1;
	if (!f)
		return -EOPNOTSUPP;	/* no kprobe event source: a kernel without kprobes */
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	if (type < 0)
		return -ENOENT;
	/* The retprobe flag is bit 0 of config on every kernel
	 * (/sys/bus/event_source/devices/kprobe/format/retprobe: "config:0"). */
	struct perf_event_attr a = { .size = sizeof(a), .type = (unsigned)type, .config = ret };
	a.config1 = (unsigned long)func;	/* kprobe_func */
	int fd = (int)syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int kernel_feature_probe(enum kernel_feature f)
{
	int fd;
	switch (f) {
	case KFEAT_TP_BTF:
		return try_tracing("btf_trace_sched_switch", BTF_KIND_TYPEDEF, BPF_TRACE_RAW_TP);
	case KFEAT_FENTRY:
		return try_tracing("do_sys_openat2", BTF_KIND_FUNC, BPF_TRACE_FENTRY);
	case KFEAT_KPROBES:
		return try_kprobe("do_sys_openat2", false);
	case KFEAT_RINGBUF:
		fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 4096, NULL);
		break;
	case KFEAT_BPF_STATS:
		fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		break;
	default:
		return -EINVAL;
	}
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int kernel_fallback_probe(const char *func, const char *mechanism)
{
	struct btf *btf;
	int id;

	if (!strcmp(mechanism, "fentry"))
		return try_tracing(func, BTF_KIND_FUNC, BPF_TRACE_FENTRY);
	if (!strcmp(mechanism, "fexit"))
		return try_tracing(func, BTF_KIND_FUNC, BPF_TRACE_FEXIT);
	/* kprobes: the function must be one the kernel has out of line */
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno ? -errno : -ENOENT;
	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0)
		return -ENOENT;
	return try_kprobe(func, !strcmp(mechanism, "kretprobe"));
}

const char *probes_name(unsigned i)
{
	return i < probes_ndefs ? probes_defs[i].name : NULL;
}

int probes_check_names(const char *groups, const char *disable, struct errbuf *err)
{
	bool on[GROUP_NR] = { false };
	char *copy = groups ? strdup(groups) : NULL;
	struct probes *scratch = calloc(1, sizeof(*scratch));	/* what the parsers write into */
	int rc = -ENOMEM;

	if ((groups && !copy) || !scratch)
		errbuf_set(err, "out of memory");
	else if (!(rc = probes_parse_groups(on, copy, err)) && disable)
		rc = probes_parse_disable(scratch, disable, err);
	free(copy);
	free(scratch);
	return rc;
}
