/* Scheduler group: shared layouts. */
#pragma once
#include "common.h"

/* Per-CPU, one entry. */
struct sched_stat {
	__u64 oncpu_ns;		/* server threads on a CPU, clipped to the window */
	__u64 voluntary;	/* switched out blocking (nvcsw) */
	__u64 involuntary;	/* switched out still runnable (nivcsw) */
	struct dist runq;	/* run-queue waits that ended inside the window */
};

/* Per server thread (key: tid). */
struct sched_thread {
	__u64 wake_ts;		/* became runnable, not yet on a CPU; 0 = none */
	__u64 in_ts;		/* switched in, still on the CPU; 0 = off CPU */
	__u64 oncpu_ns;		/* clipped to the window */
	__u64 runq_ns;		/* run-queue waits, clipped to the window */
	__u32 tgid;
	__u32 pad;
};
