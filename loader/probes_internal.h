/* Loader internals shared by probes.c (lifecycle) and probes_report.c
 * (reading the maps, JSON and the human summary). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>	/* __u32/__u64 of the shared BPF headers */
#include "loader/probes.h"
#include "bpf/common.h"
#include "bpf/syscalls.h"
#include "bpf/sched.h"
#include "bpf/tcp.h"

/* BPF objects, in load order: each later one may reuse maps of an earlier
 * one (tracked: track -> syscalls -> sched; estab: syscalls -> tcp). */
enum obj_id { OBJ_TRACK, OBJ_SYSCALLS, OBJ_SCHED, OBJ_TCP, OBJ_NR };

/* Probe groups a user selects (--probes); track serves syscalls and sched. */
enum group_id { GROUP_SYSCALLS, GROUP_SCHED, GROUP_TCP, GROUP_NR };

struct probe_def {
	const char *name;	/* the tracepoint; also the name users disable */
	enum obj_id obj;
	const char *btf_prog;	/* tp_btf program in the object */
	const char *raw_prog;	/* raw_tp twin */
};

enum probe_status { PROBE_OFF, PROBE_WANTED, PROBE_ATTACHED, PROBE_MISSING };

struct probe_state {
	enum probe_status status;
	bool no_btf_twin;	/* "name:tp_btf" in the disable list */
	bool no_raw_twin;	/* "name:raw_tp" */
	const char *mode;	/* "tp_btf" or "raw_tp" once attached */
	char reason[200];	/* why missing */
	struct bpf_link *link;
};

/* /proc/net/netstat TcpExt counters (host-wide, this network namespace). */
struct netstat_snap {
	bool ok;
	uint64_t listen_overflows;
	uint64_t listen_drops;
};

struct hist_sum {
	uint64_t count, total, max;
	uint64_t slots[HIST_SLOTS];
};

struct loop_sum {
	uint32_t tid, tgid;
	char comm[16];
	uint64_t waits, blocked_ns, span_ns, oncpu_ns;
	bool have_oncpu;
	double busy;
};

/* Everything probes_report and probes_summary show, read from the maps. */
struct results {
	uint64_t window_ns;
	struct sc_sum {
		uint64_t count, errors, eagain;
		struct hist_sum h;
	} sc[SC_NR];
	struct hist_sum runq;
	uint64_t oncpu_ns, voluntary, involuntary;
	struct hist_sum accept;
	struct tcp_stat tcp;
	uint64_t listen_overflows, listen_drops;
	bool have_listen;
	struct loop_sum *loops;	/* sorted, busiest first */
	size_t nloops;
	int busiest;		/* index into loops of the headline thread; -1: none */
	uint64_t drops[DROP_KINDS];
	uint64_t records_lost;
	uint64_t tracked;
};

struct probes {
	struct probes_opts opts;
	char *groups_s;		/* owned copy of the groups option (split in place) */
	bool group_on[GROUP_NR];
	void *skel[OBJ_NR];		/* NULL: not loaded */
	char obj_err[OBJ_NR][200];
	struct probe_state *ps;		/* one per probes_defs entry */
	int tracked_fd;			/* the one `tracked` map, -1 before load */
	int tgid_tbl_fd;		/* and its direct-mapped filter */
	int estab_fd;
	uint32_t seeded;		/* tgids put into `tracked` by the loader */
	uint64_t win_start, win_end;
	struct netstat_snap ns_start, ns_end;
	bool accept_wait;		/* both halves of accept-queue wait attached */
	struct results res;
	bool have_res;
};

extern const struct probe_def probes_defs[];
extern const size_t probes_ndefs;
extern const char *const probes_sc_names[SC_NR];

/* Map handles of the loaded objects, NULL when that object is not loaded. */
struct bpf_map *probes_map(struct probes *p, enum obj_id obj, const char *name);
uint64_t probes_tracked_added(struct probes *p);
/* The syscalls object's table of syscalls in progress (mmaped .bss), NULL
 * when not loaded. */
struct sc_inflight *probes_inflight(struct probes *p);
int probes_read_netstat(struct netstat_snap *s);

/* probes_report.c */
int probes_collect(struct probes *p);
void probes_results_free(struct results *r);
double probes_hist_percentile(const struct hist_sum *h, double q);
