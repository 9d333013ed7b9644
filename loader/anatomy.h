/* Anatomy probes (group "anatomy"): the kernel's marks of every request on
 * every connection to the server (bpf/anatomy.bpf.c), drained from a ring
 * buffer into memory while the load runs. The join with the load
 * generator's records and the statistics are in analysis/anatomy.h.
 *
 * Lifecycle: anatomy_open (after probes_open, which provides the tracked
 * tgids), anatomy_poll every few ms while the load runs, anatomy_finish
 * after the load generator has closed its sockets (the last records are
 * emitted when a connection closes), then anatomy_records and
 * anatomy_report_kernel, and anatomy_close. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <linux/types.h>
#include "bpf/anatomy.h"
#include "common/errbuf.h"

struct anatomy_opts {
	pid_t server_tgid;	/* seeded only when no tracked map is shared */
	pid_t client_tgid;	/* the load generator: never a server thread */
	int server_port;
	int tracked_fd;		/* the `tracked` and `tgid_tbl` maps of the probes; -1: none */
	int tgid_tbl_fd;
	const char *disable;	/* --disable-probe list; names of this group start "anatomy/" */
	size_t ring_bytes;	/* ring buffer size; 0: 32 MiB */
	bool verbose;
};

struct anatomy;

/* Whether --probes LIST (NULL, "" or "all": every group) asks for the group. */
bool anatomy_wanted(const char *groups);
/* Whether NAME (from --disable-probe, twin suffix allowed) is one of ours. */
bool anatomy_probe_name(const char *name);
/* Opens, loads and attaches what this kernel has. A missing tracepoint or
 * an object the verifier rejects never fails this: it is reported under
 * kernel.probes.missing and the breakdown says what it lacks. Fails only
 * for a bad disable list (-EINVAL) or lack of memory. */
int anatomy_open(const struct anatomy_opts *o, struct anatomy **out, struct errbuf *err);
/* Drains the ring buffer into memory now; records drained, or < 0. */
int anatomy_poll(struct anatomy *a);
/* Last drain, after the load: reads the counters too. */
void anatomy_finish(struct anatomy *a);
/* All records drained so far, as pointers into the anatomy's own storage
 * (valid until anatomy_close); the array is the caller's to free. */
const struct anat_rec **anatomy_records(struct anatomy *a, size_t *n);
/* Empty "" when every mark has a probe, else why the anatomy cannot be
 * taken (e.g. "no probe for S2: sock_recv_length missing"). */
const char *anatomy_unusable(const struct anatomy *a);
/* The arrival probe in use: "sk_data_ready", "tcp_probe" or "none". */
const char *anatomy_arrival(const struct anatomy *a);
uint64_t anatomy_lost(const struct anatomy *a);
/* Adds the group to the report's kernel object: its probes to
 * probes.attached/missing, "anatomy" to probes.groups, its lost records to
 * records_lost (reason "anatomy_ring_full"), and kernel.anatomy. */
int anatomy_report_kernel(struct anatomy *a, json_t *kernel);
void anatomy_close(struct anatomy *a);	/* NULL is fine */
/* Whether accept() returns are seen (anatomy/sys_exit attached): without
 * them accept_wait cannot be told from wait. */
bool anatomy_have_accept(const struct anatomy *a);
