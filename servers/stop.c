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
#include "servers/tmpdir.h"

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

/* Does process group PGID still hold a live (non-zombie) process? Zombies
 * whose parent does not reap them (an init that never waits) do not count. */
static bool group_alive(pid_t pgid)
{
	if (kill(-pgid, 0) < 0)
		return errno != ESRCH;
	DIR *d = opendir("/proc");
	if (!d)
		return true;
	bool alive = false;
	struct dirent *e;
	while (!alive && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		/* "pid (comm) state ppid pgrp ..."; comm may hold spaces and parens */
		char *rp = strrchr(buf, ')');
		char state;
		int ppid, pgrp;
		if (rp && sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			alive = true;
	}
	closedir(d);
	return alive;
}

/* Waits until the leader is reaped and the group is empty, or until DEADLINE. */
static bool wait_gone(struct server *s, double deadline)
{
	for (;;) {
		reap(s, false);
		if (s->reaped && !group_alive(s->pid))
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
		if (!s->reaped || group_alive(s->pid)) {
			if (kill(-s->pid, SIGTERM) < 0 && !s->reaped)
				kill(s->pid, SIGTERM);
			if (!wait_gone(s, mono_seconds() + STOP_GRACE_S)) {
				kill(-s->pid, SIGKILL);
				if (!s->reaped)
					kill(s->pid, SIGKILL);
				wait_gone(s, mono_seconds() + KILL_WAIT_S);
			}
		}
		if (s->port > 0) {
			double deadline = mono_seconds() + PORT_FREE_WAIT_S;
			while (port_accepts(s->port) && mono_seconds() < deadline)
				sleep_ms(20);
		}
	}
	if (s->tmpdir[0])
		tmpdir_remove(s->tmpdir);
}
