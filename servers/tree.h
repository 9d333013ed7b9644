/* The server's whole process tree: its process group, every descendant of
 * its first process, and what was orphaned into this process (a child
 * subreaper, so a daemon that double-forks, even into a session of its own
 * with setsid, stays findable). */
#pragma once
#include <stdbool.h>
#include <sys/types.h>
#include "servers/server.h"

/* Makes this process the subreaper of everything it starts. */
void tree_adopt_orphans(void);
/* Sends SIG (0: none) to every live process of S's tree outside its process
 * group (the caller signals the group: no process gets it twice), its
 * keeper spared; reaps the tree's zombies that are this process's children
 * (not S's first one, which the caller reaps), and returns how many live
 * ones there are. */
int tree_signal(const struct server *s, int sig);
/* PID is a parent, grandparent, ... of process OF. */
bool tree_is_ancestor(pid_t pid, pid_t of);
/* ROOT and its descendants, at most MAX of them, into OUT; how many. */
int tree_of(pid_t root, pid_t *out, int max);
