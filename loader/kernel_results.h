/* What the probes gathered, as plain C structs: read from the BPF maps by
 * the loader (loader/probes_collect.c, loader/anatomy.c), turned into JSON
 * and text by analysis/ alone (analysis/report_kernel.c,
 * analysis/summary_kernel.c). No jansson and no libbpf here. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>	/* __u32/__u64 of the shared BPF headers */
#include "bpf/common.h"
#include "bpf/syscalls.h"
#include "bpf/tcp.h"
#include "bpf/anatomy.h"
#include "loadgen/hist.h"

/* One probe: attached (and how) or missing (and why). */
struct probe_outcome {
	char name[64];
	bool attached;
	const char *mode;	/* attached: "tp_btf", "raw_tp", "procfs" */
	const char *on_hook;	/* attached on this hook, not the one its name says; NULL: its own */
	char reason[320];	/* missing: why */
	uint64_t detached_after_records;	/* detached once no longer needed; 0: never */
};

/* The event loop of one server thread: the share of its time in the window
 * it was not waiting for events. */
struct loop_sum {
	uint32_t tid, tgid;
	char comm[16];
	uint64_t waits, blocked_ns, span_ns, oncpu_ns, runq_ns;
	bool have_oncpu;	/* oncpu_ns and runq_ns known (the sched group ran) */
	bool event_loop;	/* it sleeps mostly in those waits, or hardly sleeps */
	double busy;		/* NAN when the thread had no time in the window */
};

/* One server process, its threads' scheduler figures added up. */
struct proc_sum {
	uint32_t tgid, threads;
	char comm[16];
	uint64_t oncpu_ns, runq_ns;	/* clipped to the window */
};

/* Which TCP figures had their probe attached (the others are unknown). */
struct tcp_seen {
	bool retransmits, synack_retransmits, resets_sent, resets_received, established;
};

/* Everything the syscalls, sched and tcp groups measured in one window. */
struct kernel_results {
	uint64_t window_ns;
	bool group_syscalls, group_sched, group_tcp, group_anatomy;	/* selected with --probes */
	struct probe_outcome *probes;	/* in report order */
	size_t nprobes;
	bool syscalls_ran, sched_ran;	/* their tracepoints attached */
	const char *const *sc_names;	/* SC_NR names, index = enum sc_id */
	struct sc_sum {
		uint64_t count, errors, eagain;
		struct hist h;		/* time in the kernel */
	} sc[SC_NR];
	struct hist runq;
	uint64_t oncpu_ns, voluntary, involuntary;
	bool accept_ran;	/* both halves of the accept-queue wait attached */
	struct hist accept;
	struct tcp_seen tcp_seen;
	struct tcp_stat tcp;
	int port;		/* the server's port the tcp figures are for */
	bool have_listen;	/* /proc/net/netstat was readable */
	uint64_t listen_overflows, listen_drops;
	struct loop_sum *loops;	/* sorted, busiest first */
	size_t nloops;
	int busiest;		/* index into loops of the headline event loop; -1: none */
	struct proc_sum *procs;	/* the sched group's, most on-CPU time first */
	size_t nprocs;
	uint64_t nthreads;	/* server threads the sched group saw */
	uint64_t drops[DROP_KINDS];	/* by enum drop_kind */
	uint64_t records_lost;	/* sum of drops */
	uint64_t tracked;	/* processes traced: the server and what it forked */
};

/* The kernel's figures of one timeline interval: what the cumulative maps
 * gained between the reads at its two ends (loader/probes_interval.c). */
struct kernel_interval {
	uint64_t read_ns;	/* when the maps were read at its end, from the window's start */
	uint64_t sc[SC_NR];	/* syscalls of the server that returned in it */
	struct hist_summary runq;	/* run-queue waits that ended in it */
	uint64_t runq_total_ns;
	uint64_t oncpu_ns;	/* server threads on a CPU, counted as they leave it */
	uint64_t retransmits;	/* TCP retransmits on the server's port */
};

/* One entry per interval of the load generator's timeline; the entries add
 * up exactly to the run's kernel_results. */
struct kernel_timeline {
	const struct kernel_interval *iv;
	size_t n;
	bool syscalls, sched, tcp;	/* which figures were measured */
	const char *const *sc_names;	/* SC_NR names, index = enum sc_id */
};

/* The anatomy group's own figures (loader/anatomy.h); its probes are in
 * kernel_results.probes with every group's. */
struct anatomy_results {
	bool usable;
	const char *reason;	/* why not usable; "" when usable */
	const char *arrival;	/* "sk_data_ready", "tcp_probe" or "none" */
	uint64_t stats[ANAT_ST_NR];	/* by enum anat_stat (bpf/anatomy.h) */
	uint64_t drained;	/* records read from the ring buffer */
	uint64_t ring_lost;	/* records the ring buffer could not take */
	uint64_t oom_lost;	/* drained but not kept: no memory */
	uint64_t ring_bytes;	/* the ring buffer's size */
	uint64_t ring_peak;	/* the most it held at a poll (bytes, record headers included) */
	bool ring_peak_known;	/* false: the ring's positions could not be mapped */
};
