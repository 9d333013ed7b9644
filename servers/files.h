/* The few file-system chores the server's cgroup, temp dir and process tree
 * share: reading a small file whole, and sweeping what dead runs left. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

/* The name every run's cgroup and temp dir start with: PREFIX PID "-" ... */
#define RUN_DIR_PREFIX "bench-ebpf-"

/* Up to len - 1 bytes of PATH into BUF, NUL-terminated; the bytes read, or
 * -errno. Allocates nothing (the keeper uses it after fork). */
ssize_t read_small_file(const char *path, char *buf, size_t len);

/* Calls REMOVE on every entry of PARENT named RUN_DIR_PREFIX PID "-..."
 * whose bench-ebpf PID is gone (SIGKILL, a crash); never on this process's. */
void sweep_dead_runs(const char *parent, void (*remove)(const char *path));
