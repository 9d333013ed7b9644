/* The anatomy group's records: the kernel's marks of every request on every
 * connection to the server (bpf/anatomy.bpf.h), drained from a ring buffer
 * into memory while the load runs. Its probes are the anatomy group of the
 * one probe table (loader/probes.c), which owns this; the join with the
 * load generator's records and the statistics are in analysis/anatomy.h.
 *
 * Reading, after probes_collect: anatomy_records, anatomy_results. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/anatomy.h"
#include "loader/kernel_results.h"

struct anatomy;

/* All records drained so far, as pointers into the anatomy's own storage
 * (valid until probes_close); the array is the caller's to free. */
const struct anat_rec **anatomy_records(struct anatomy *a, size_t *n);
/* Empty "" when every mark has a probe, else why the anatomy cannot be
 * taken (e.g. "no probe for S2: sock_recv_length missing"). */
const char *anatomy_unusable(const struct anatomy *a);
/* The arrival probe in use: "sk_data_ready", "tcp_probe" or "none". */
const char *anatomy_arrival(const struct anatomy *a);
uint64_t anatomy_lost(const struct anatomy *a);
/* The group's counters and lost records, as plain data for the report
 * (analysis/report_kernel.c); zeros for NULL. */
void anatomy_results(const struct anatomy *a, struct anatomy_results *out);
/* Whether accept() returns are seen (anatomy/sys_exit attached): without
 * them accept_wait cannot be told from wait. */
bool anatomy_have_accept(const struct anatomy *a);

/* ---- for loader/probes.c ---- */

/* What the loaded object gives the consumer. */
struct anatomy_src {
	int ring_fd;		/* the ring buffer `records` */
	uint64_t ring_bytes;	/* its size */
	int batch_fd;		/* the per-CPU batches */
	int stats_fd;		/* the per-CPU counters (enum anat_stat) */
	int flush_prog_fd;	/* anat_flush, run on each CPU at the end */
	uint32_t arrival;	/* enum anat_arrival */
	bool have_accept;
	const char *unusable;	/* "" or why the breakdown cannot be built */
};

/* -ENOMEM, or 0 and *out; a ring buffer that cannot be opened makes the
 * anatomy unusable (said so), not an error. */
int anatomy_new(const struct anatomy_src *src, struct anatomy **out);
int anatomy_poll(struct anatomy *a);
/* The last drain: every CPU's batch handed over, the counters read. */
void anatomy_finish(struct anatomy *a);
/* Records drained, and of them first requests of their connection. */
/* From now on each drained record goes to fn instead of being kept for
 * anatomy_records (constant memory: the caller joins them as they come). */
typedef void (*anatomy_sink_fn)(const struct anat_rec *rec, void *arg);
void anatomy_set_sink(struct anatomy *a, anatomy_sink_fn fn, void *arg);
void anatomy_seen(const struct anatomy *a, size_t *records, size_t *first);
void anatomy_free(struct anatomy *a);	/* NULL is fine */
