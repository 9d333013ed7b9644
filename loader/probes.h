/* Kernel side: opens, feature-probes, loads and attaches the BPF programs for
 * one server under test, and turns what they gathered into the report's
 * "kernel" object. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>
#include "common/errbuf.h"

struct probes_opts {
	pid_t server_tgid;	/* traced together with every process it forks */
	pid_t client_tgid;	/* the load generator (this process); for client-side marks */
	int server_port;	/* socket events are filtered by this port */
	const char *groups;	/* comma list of probe groups; NULL = all */
	const char *disable;	/* comma list of probe names switched off on purpose; NULL = none */
	bool verbose;		/* let libbpf's debug output through */
};

struct probes;

/* 0 when this process may load and attach BPF programs, else -EPERM and a
 * one-line reason naming what is missing and that --no-ebpf runs without. */
int probes_check_privileges(struct errbuf *err);
/* Open, probe features, load and attach. A missing probe never fails this:
 * it is recorded and reported under kernel.probes.missing. */
int probes_open(const struct probes_opts *o, struct probes **out, struct errbuf *err);
/* Only events inside [start_ns, end_ns] (CLOCK_MONOTONIC) are counted. */
void probes_set_window(struct probes *p, uint64_t start_ns, uint64_t end_ns);
/* Fill the report's "kernel" object (probes, syscalls, records_lost, ...). */
int probes_report(struct probes *p, json_t *kernel, struct errbuf *err);
/* A few human lines that explain the run, to stderr-like stream. */
void probes_summary(struct probes *p, FILE *out);
void probes_close(struct probes *p);	/* detaches everything; NULL is fine */
/* The maps that say whose events are the server's (`tracked` and its
 * direct-mapped filter), for the anatomy group (loader/anatomy.h) to share;
 * -ENOENT (fds -1) when the track object did not load. */
int probes_tracked_maps(struct probes *p, int *tracked_fd, int *tgid_tbl_fd);
