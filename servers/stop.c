/* Stopping the server under test: its process group asked, then told, and
 * nothing left behind: no process, no listening port, no directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "servers/ports.h"
#include "servers/server.h"
#include "servers/cgroup.h"
#include "servers/keeper.h"
#include "servers/live.h"
#include "servers/tmpdir.h"
#include "servers/tree.h"

#define STOP_GRACE_S 3.0
#define KILL_WAIT_S 2.0
#define PORT_FREE_WAIT_S 2.0

static bool reap(struct server *s, bool block)
{
	if (s->reaped)
		return true;
	int st;
	pid_t w;
	do
		w = waitpid(s->pid, &st, block ? 0 : WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w == s->pid || (w < 0 && errno == ECHILD)) {
		s->reaped = true;
		s->wait_status = w == s->pid ? st : 0;
	}
	return s->reaped;
}

/* SIG to the process group and to the rest of the tree. */
static void signal_tree(struct server *s, int sig)
{
	if (kill(-s->pid, sig) < 0 && !s->reaped)
		kill(s->pid, sig);
	tree_signal(s, sig);
}

/* Waits until the leader is reaped and the tree is empty, or until DEADLINE. */
static bool wait_gone(struct server *s, double deadline)
{
	for (;;) {
		reap(s, false);
		if (s->reaped && !tree_signal(s, 0) &&
		    !(s->cgroup[0] && cgroup_populated(s->cgroup)))
			return true;
		if (mono_seconds() >= deadline)
			return false;
		sleep_ms(10);
	}
}

void server_stop(struct server *s)
{
	if (s->stopped)
		return;
	s->stopped = true;

	if (s->gate_open) {	/* a child still at the gate leaves without exec */
		close(s->release_fd);
		s->release_fd = -1;
		s->gate_open = false;
	}
	if (s->external)
		return;

	if (s->pid > 0) {
		if (!s->reaped || tree_signal(s, 0) ||
		    (s->cgroup[0] && cgroup_populated(s->cgroup))) {
			signal_tree(s, SIGTERM);
			if (!wait_gone(s, mono_seconds() + STOP_GRACE_S)) {
				signal_tree(s, SIGKILL);
				wait_gone(s, mono_seconds() + KILL_WAIT_S);
			}
		}
		if (s->cgroup[0]) {	/* whatever is left in it, and the cgroup itself */
			cgroup_kill_and_remove(s->cgroup);
			s->cgroup[0] = 0;
			tree_signal(s, 0);	/* reaps what it killed */
		}
		if (s->port > 0) {
			double deadline = mono_seconds() + PORT_FREE_WAIT_S;
			while (port_accepts(s->port) && mono_seconds() < deadline)
				sleep_ms(20);
			if (port_accepts(s->port))
				fprintf(stderr, "bench-ebpf: warning: something still listens on 127.0.0.1:%d "
					"after %s was stopped, outside its process tree\n", s->port, s->name);
		}
	}
	if (s->cgroup[0])	/* made, but no server ever ran in it */
		rmdir(s->cgroup);
	keeper_dismiss(s->keeper_pid, s->keeper_fd);
	s->keeper_fd = -1;
	live_remove(s->pid);
	if (s->tmpdir[0])
		tmpdir_remove(s->tmpdir);
}
