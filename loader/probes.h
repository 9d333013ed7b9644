/* Kernel side: opens, feature-probes, loads and attaches the BPF programs for
 * one server under test, and reads what they gathered into plain structs
 * (loader/kernel_results.h); analysis/ turns those into JSON and text. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "common/errbuf.h"
#include "loader/kernel_results.h"

struct probes_opts {
	pid_t server_tgid;	/* traced together with every process it forks */
	pid_t client_tgid;	/* the load generator (this process); for client-side marks */
	int server_port;	/* socket events are filtered by this port */
	const char *groups;	/* comma list of probe groups; NULL = all */
	const char *disable;	/* comma list of probe names switched off on purpose; NULL = none */
	bool verbose;		/* let libbpf's debug output through */
	bool no_cost;		/* no BPF run-time statistics (kernel.probes.cost): they add
				 * two clock reads to every program run */
};

struct probes;
struct anatomy;

/* The lifecycle, each phase entered once per run, for every group:
 *   probes_open          options, feature probing, load (nothing runs yet)
 *   probes_attach        whose events (the server, what it forked), attach
 *   probes_window_open   from here events count
 *   probes_poll          while the load runs: drain the anatomy's records
 *   probes_window_close  the load is over: nothing counts any more
 *   probes_collect       read what was gathered, for the exact window
 *   probes_close         detach and free
 * then probes_results / probes_anatomy hand over the results. */

/* 0 when this process may load and attach BPF programs, else -EPERM and a
 * one-line reason naming what is missing and that --no-ebpf runs without. */
int probes_check_privileges(struct errbuf *err);
/* Parse the options, probe the kernel's features, load. A missing probe
 * or a group the verifier rejects never fails this: it is recorded and
 * reported under kernel.probes.missing. Fails for bad options (-EINVAL),
 * no BTF, or lack of memory. */
int probes_open(const struct probes_opts *o, struct probes **out, struct errbuf *err);
/* Track the server (and what it already forked), attach every loaded hook. */
int probes_attach(struct probes *p, struct errbuf *err);
/* Events from start_ns (CLOCK_MONOTONIC; may be in the future) count. */
void probes_window_open(struct probes *p, uint64_t start_ns);
/* Drains the anatomy's ring buffer now; records drained, or < 0. Stops
 * nothing: see probes_trim. */
int probes_poll(struct probes *p);
/* Drops what proved not needed while the load runs: the anatomy's use of
 * sys_exit (accept() returns) once its connections are known to be kept
 * alive; sys_exit is detached when no other group uses it. Reported in
 * kernel.probes.attached (detached_after_records). */
void probes_trim(struct probes *p);
/* Nothing counts from now on. */
void probes_window_close(struct probes *p);
/* After the load generator has closed its sockets (the last anatomy
 * records are emitted when a connection closes): the last drain and
 * probes_trim's decision on every record, then the maps read for the exact
 * window [start_ns, end_ns] (on-CPU and wait times are clipped to it;
 * 0, 0: the window as opened and closed). */
int probes_collect(struct probes *p, uint64_t start_ns, uint64_t end_ns);
/* Figures per interval for the timeline: from start_ns (the measuring
 * window's start) every interval_ns, at most n intervals, read at each
 * boundary by probes_poll and the last by probes_collect. 0 (also when
 * nothing is loaded) or -ENOMEM. */
int probes_timeline_start(struct probes *p, uint64_t start_ns, uint64_t interval_ns, uint32_t n);
/* Milliseconds until the next boundary is due (0: now), -1: none; so the
 * caller's wait can end there. */
int probes_timeline_due_ms(const struct probes *p);
/* After probes_collect: exactly n entries (the load generator's intervals;
 * what was read past the last goes into it); NULL without a timeline. */
const struct kernel_timeline *probes_timeline(struct probes *p, size_t n);
/* What probes_collect read: the probes' own (valid until the next
 * probes_collect or probes_close); NULL only without memory. */
const struct kernel_results *probes_results(struct probes *p);
/* The anatomy group's records (loader/anatomy.h), NULL when the group is
 * off; owned by p. */
struct anatomy *probes_anatomy(struct probes *p);
void probes_close(struct probes *p);	/* detaches everything; NULL is fine */
