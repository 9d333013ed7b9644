/* The servers this process started and has not stopped yet: which of its
 * children is whose. A server's leader and keeper are known by pid; what a
 * daemon double-forked into this process (the subreaper) is known by its
 * cgroup, so stopping one server never touches another's processes. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>
#include "servers/server.h"

/* S is running: its leader, keeper and cgroup are known from now on. */
void live_add(const struct server *s);
/* The server led by LEADER was stopped. */
void live_remove(pid_t leader);
/* PID is the leader or the keeper of a live server other than the one led
 * by LEADER. */
bool live_is_other(pid_t pid, pid_t leader);
/* PID is a keeper of a live server. */
bool live_is_keeper(pid_t pid);
/* How many servers are live. */
int live_count(void);
