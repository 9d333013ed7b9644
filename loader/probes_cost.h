/* What each probe cost, measured by the kernel: BPF run-time statistics
 * (run_cnt, run_time_ns per program) across the measurement window. It
 * does not include the tracepoint's own dispatch before the program runs,
 * nor the syscall tracepoints' slow path every syscall of the machine pays
 * while one is attached (loader/README.md, "Cost"). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probe_cost {
	const char *hook;	/* the tracepoint */
	const char *mode;	/* "tp_btf" or "raw_tp" */
	uint64_t events;	/* program runs inside the window */
	uint64_t run_time_ns;	/* their time in the program */
};

struct probes_cost {
	bool available;		/* the statistics could be switched on */
	char reason[160];	/* why not */
	const char *how;	/* "bpf_enable_stats" or "sysctl kernel.bpf_stats_enabled" */
	struct probe_cost hooks[32];	/* attached hooks, in table order */
	size_t nhooks;
	uint64_t events, run_time_ns;	/* sums */
	bool have_server_cpu;	/* the sched group measured the server's on-CPU time */
	uint64_t server_cpu_ns;	/* the server's threads on a CPU inside the window */
};

struct probes;
/* The cost of the probes across the window (after probes_collect). */
void probes_cost(const struct probes *p, struct probes_cost *out);
