/* The server's whole process tree: its process group, every descendant of
 * its first process, and what was orphaned into this process (a child
 * subreaper, so a daemon that double-forks, even into a session of its own
 * with setsid, stays findable). */
#pragma once
#include <sys/types.h>
#include "servers/server.h"

/* Makes this process the subreaper of everything it starts. */
void tree_adopt_orphans(void);
/* Sends SIG (0: none) to every live process of S's tree outside its process
 * group (the caller signals the group: no process gets it twice), except
 * EXCLUDE; reaps
 * the tree's zombies that are this process's children (not S's first one,
 * which the caller reaps), and returns how many live ones there are. */
int tree_signal(const struct server *s, pid_t exclude, int sig);
