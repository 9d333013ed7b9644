/* Loader internals shared by probes.c (lifecycle), probes_maps.c (map
 * access, host counters), probes_collect.c (reading the maps into
 * kernel_results) and probes_track.c (whose tgids are the server's). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>	/* __u32/__u64 of the shared BPF headers */
#include "loader/kernel_results.h"
#include "loader/probes.h"
#include "bpf/common.h"
#include "bpf/syscalls.h"
#include "bpf/sched.h"
#include "bpf/tcp.h"
#include "bpf/probes.h"
#include "loader/anatomy.h"
#include "loadgen/hist.h"

/* Probe groups. A user selects the first GROUP_USER_NR (--probes); track
 * (whose events) comes with any of syscalls, sched and anatomy. */
enum group_id { GROUP_SYSCALLS, GROUP_SCHED, GROUP_TCP, GROUP_ANATOMY, GROUP_TRACK, GROUP_NR };
#define GROUP_USER_NR GROUP_TRACK
extern const char *const probes_group_names[GROUP_NR];

/* Kernel hooks: one tracepoint, one program (`name`, tp_btf) and its raw_tp
 * twin (`name`_raw) in bpf/probes.bpf.c, shared by every use below. */
enum hook_id {
	H_FORK, H_EXIT, H_SYS_ENTER, H_SYS_EXIT, H_SWITCH, H_WAKEUP, H_WAKEUP_NEW,
	H_SET_STATE, H_RETRANSMIT, H_SYNACK, H_SEND_RESET, H_RECV_RESET,
	H_DATA_READY, H_TCP_PROBE, H_RECV, H_SENDMSG, H_SEND, H_NR,
};

/* One group's use of one hook (enum probe_use, bpf/probes.h): what users
 * name (--disable-probe) and the report lists. */
struct probe_def {
	const char *name;	/* the tracepoint, "anatomy/" before it for that group */
	enum hook_id hook;
	enum group_id group;
	const char *mark;	/* what is lost without it (anatomy) */
};

enum probe_status { PROBE_OFF, PROBE_WANTED, PROBE_ATTACHED, PROBE_MISSING };

struct probe_state {
	enum probe_status status;
	const char *mode;	/* "tp_btf" or "raw_tp" once attached */
	const char *on_hook;	/* attached on another hook than its own (its name), or NULL */
	char reason[320];	/* why missing */
};

/* Where a hook's tracepoint is missing: the kernel function the
 * tracepoint sits in, on a BPF trampoline, else on a kprobe. */
#define FALLBACK_LINKS 2

struct hook_fallback {
	const char *mechanism;	/* "fentry", "fexit", "kprobe" or "kretprobe" */
	const char *func;	/* the kernel function */
	const char *prog;	/* its program in bpf/probes.bpf.c */
	const char *entry_prog;	/* a kretprobe's kprobe that keeps the arguments */
};

struct hook_state {
	bool no_btf_twin;	/* "name:tp_btf" in the disable list */
	bool no_raw_twin;	/* "name:raw_tp" */
	unsigned no_fallback;	/* bit k: "name:<mechanism of link k>" */
	const struct hook_fallback *fallback;	/* the link it runs on, or NULL */
	char fallback_why[200];	/* why each link cannot run, when one was needed */
	const char *mode;
	char reason[300];	/* why it did not attach */
	struct bpf_link *link;
	struct bpf_link *entry_link;	/* a kretprobe's entry kprobe */
};

/* /proc/net/netstat TcpExt counters (host-wide, this network namespace). */
struct netstat_snap {
	bool ok;
	uint64_t listen_overflows;
	uint64_t listen_drops;
};


struct probes {
	struct probes_opts opts;
	char *groups_s;		/* owned copy of the groups option (split in place) */
	bool group_on[GROUP_NR];	/* asked for */
	bool group_loaded[GROUP_NR];	/* and its code loaded */
	char group_err[GROUP_NR][200];	/* why not loaded */
	struct probes_bpf *skel;	/* NULL: nothing loaded */
	struct probe_state ps[U_NR];	/* one per probes_defs entry */
	struct hook_state hs[H_NR];
	uint32_t seeded;		/* tgids put into `tracked` by the loader */
	uint64_t win_start, win_end;
	struct netstat_snap ns_start, ns_end;
	bool accept_wait;		/* both halves of accept-queue wait attached */
	size_t accept_mark_retired_at;	/* anatomy records when it stopped using sys_exit; 0: never */
	struct anatomy *anat;		/* the anatomy group's records; NULL when off */
	int stats_fd;			/* bpf_enable_stats, -1: none */
	int stats_sysctl_prev;		/* kernel.bpf_stats_enabled before us; -1: untouched */
	const char *stats_how;		/* how the statistics were switched on; NULL: not */
	char stats_err[160];
	bool cost_seen[H_NR];		/* attached when the window opened */
	const char *cost_mode[H_NR];
	uint64_t cost_start[H_NR][2], cost_end[H_NR][2];	/* run_cnt, run_time_ns */
	struct kernel_results res;
	bool have_res;
	struct probes_intervals *intervals;	/* the timeline's reads; NULL: none */
};

/* probe_table.c */
extern const struct probe_def probes_defs[U_NR];
extern const size_t probes_ndefs;
extern const char *const probes_hook_names[H_NR];
extern const struct hook_fallback probes_hook_fallbacks[H_NR][FALLBACK_LINKS];	/* .prog NULL: none */
extern const char *const probes_sc_names[SC_NR];
/* This host's syscall numbers of the slots. */
struct sc_number {
	int slot;
	long nr;
};
extern const struct sc_number probes_sc_numbers[];
extern const size_t probes_sc_nnumbers;
int probes_parse_groups(bool on[GROUP_NR], char *groups, struct errbuf *err);
int probes_parse_disable(struct probes *p, const char *list, struct errbuf *err);

/* probes_track.c: whose events. */
int probes_track_tgid(struct probes *p, uint32_t tgid);
void probes_track_descendants(struct probes *p, uint32_t root);
void probes_seed_waits(struct probes *p);

/* A map of the loaded object, NULL when nothing is loaded. */
struct bpf_map *probes_map(struct probes *p, const char *name);

/* A per-CPU map's values of one key: one per possible CPU, each rounded up
 * to 8 bytes as the kernel lays them out. */
#define PERCPU_STRIDE(vsz) (((size_t)(vsz) + 7) & ~(size_t)7)
#define PERCPU_AT(buf, vsz, cpu) ((char *)(buf) + (size_t)(cpu) * PERCPU_STRIDE(vsz))
uint64_t probes_tracked_added(struct probes *p);
/* The syscalls group's table of syscalls in progress (mmaped .bss), NULL
 * when not loaded. */
struct sc_inflight *probes_inflight(struct probes *p);
int probes_read_netstat(struct netstat_snap *s);

/* probes_cost.c */
void probes_cost_enable(struct probes *p);
void probes_cost_restore(struct probes *p);
void probes_cost_read(const struct probes *p, uint64_t v[][2]);

/* probes_interval.c: the timeline's reads while polling, the last after
 * probes_read_results. */
void probes_timeline_poll(struct probes *p);
void probes_timeline_finish(struct probes *p);
void probes_timeline_free(struct probes *p);

/* probes_collect.c */
int probes_read_results(struct probes *p);
void probes_results_free(struct kernel_results *r);

/* event_loops.c: the server's threads in the window [ws, we]: the event
 * loops (threads that wait in epoll_wait/poll/select) and, with the sched
 * group, every process's threads added up. */
struct loop_maps {
	struct bpf_map *loop_threads;	/* the syscalls group's waits per thread */
	const struct sc_inflight *inflight;	/* its syscalls in progress */
	struct bpf_map *threads;	/* the sched group's threads; NULL when off */
};
void probes_collect_loops(const struct loop_maps *m, struct kernel_results *r, uint64_t ws,
			  uint64_t we);

/* kernel_dist.c: one CPU's BPF distribution added into h (allocated on the
 * first samples); 0 or -ENOMEM. */
int probes_dist_add(struct hist *h, const struct dist *d);
