/* A cgroup v2 of the server's own, where the machine allows one: everything
 * the server starts stays in it whatever it does (setsid, double fork), and
 * cgroup.kill ends all of it at once, even after bench-ebpf is gone. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A new cgroup below this process's own, into DIR (removing those dead
 * bench-ebpf runs left); -errno when there is no writable cgroup v2 here. */
int cgroup_create(char *dir, size_t len);
/* Moves PID into DIR. */
int cgroup_enter(const char *dir, pid_t pid);
/* Whether a live process is still in DIR. */
bool cgroup_populated(const char *dir);
/* Kills everything in DIR (cgroup.kill), waits a little for it to empty,
 * and removes it. Allocates nothing (the keeper calls it after fork). */
void cgroup_kill_and_remove(const char *dir);
