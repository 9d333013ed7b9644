/* A cgroup v2 of the server's own, where the machine allows one: everything
 * the server starts stays in it whatever it does (setsid, double fork), and
 * cgroup.kill ends all of it at once, even after bench-ebpf is gone. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A new cgroup below this process's own, into DIR (removing those dead
 * bench-ebpf runs left); -errno when there is no writable cgroup v2 here. */
int cgroup_create(char *dir, size_t len);
/* Moves PID into DIR. */
int cgroup_enter(const char *dir, pid_t pid);
/* Whether process PID is in DIR or below it. */
bool cgroup_holds(const char *dir, pid_t pid);
/* Whether a live process is still in DIR. */
bool cgroup_populated(const char *dir);
/* Kills everything in DIR (cgroup.kill), waits a little for it to empty,
 * and removes it. Allocates nothing (the keeper calls it after fork). */
void cgroup_kill_and_remove(const char *dir);

/* The CPU time of everything that ran in a cgroup (its cpu.stat), in µs as
 * the kernel keeps it; processes that left or ended count too. */
struct cgroup_cpu {
	uint64_t usage_usec, user_usec, system_usec;
	int64_t nr_throttled, throttled_usec;	/* -1: not kept here (no cpu controller) */
};
/* Reads DIR's cpu.stat into OUT; -errno when it cannot (no cgroup, no file). */
int cgroup_cpu_read(const char *dir, struct cgroup_cpu *out);
