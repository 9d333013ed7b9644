/* The keeper: a small process that outlives bench-ebpf, so that a server
 * does not. If bench-ebpf dies without stopping the server (SIGKILL, a
 * crash), the keeper gives the server's process group SIGTERM, then SIGKILL,
 * and kills what is left in its cgroup. */
#pragma once
#include <sys/types.h>

/* Forks the keeper of process group PGID and cgroup CGROUP ("" for none:
 * then what left the group escapes it); its pid, and in *fd the end that
 * keeps it waiting. -errno when it cannot be started. */
pid_t keeper_start(pid_t pgid, const char *cgroup, int *fd);
/* The server was stopped: the keeper leaves without touching anything. */
void keeper_dismiss(pid_t keeper, int fd);
