/* One measured load and the probes around it (src/measure.c). */
#pragma once
#include "src/run_internal.h"

/* Attach probes to the server (gated or running); with --no-ebpf, or no
 * process to trace, records why in r->kernel_off and attaches nothing. */
enum run_status run_attach_probes(struct run *r, struct errbuf *err);
void run_detach_probes(struct run *r);
/* One measured load (warmup, then -n/-d) into r->res; the probes, if
 * attached, count only inside its window. */
enum run_status run_drive_load(struct run *r, struct errbuf *err);
