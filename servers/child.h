/* The forked server process from fork to exec. */
#pragma once
#include "servers/proc.h"
#include "servers/server.h"

/* In the forked child, never returns: its own process group, stdout and
 * stderr to LOG_FD, pinned as O says, then it waits at GATE until
 * server_release(), enters DIR, becomes C's user and runs PATH. Only
 * async-signal-safe calls. */
void __attribute__((noreturn))
child_run_at_gate(int gate, int log_fd, const char *dir, const struct server_opts *o,
		  const struct creds *c, const char *path, char *const argv[], char *const envp[]);
