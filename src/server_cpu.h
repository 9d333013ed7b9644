/* The server's CPU time over the measuring window, from its own cgroup's
 * cpu.stat read when the window opens and when it closes: everything the
 * server started counts, whatever it forked, including what ended. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "analysis/report.h"
#include "servers/cgroup.h"

struct server_cpu {
	char cgroup[1024];	/* "" : the server has no cgroup of its own */
	uint64_t open_due_ns;	/* the window's start */
	uint64_t open_ns, close_ns;	/* when cpu.stat was read; 0: not yet */
	struct cgroup_cpu at_open, at_close;
};

/* For a window that starts at WINDOW_START (CLOCK_MONOTONIC; already begun:
 * read at once). */
void server_cpu_start(struct server_cpu *c, const char *cgroup, uint64_t window_start);
/* In the load's loop: the opening figures, once the window has begun. */
void server_cpu_poll(struct server_cpu *c);
/* When the window closes. */
void server_cpu_close(struct server_cpu *c);
/* The window's figures into OUT; false when there are none (no cgroup, or
 * cpu.stat could not be read at both ends). */
bool server_cpu_result(const struct server_cpu *c, struct report_cgroup_cpu *out);
