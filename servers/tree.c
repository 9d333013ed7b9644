/* The server's whole process tree, found in /proc. */
#include "servers/tree.h"
#include "servers/cgroup.h"
#include "servers/files.h"
#include "servers/live.h"

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_DEPTH 64	/* a bound on ancestor walks; trees are shallow */

struct proc {
	pid_t pid, ppid, pgrp;
	char state;
};

void tree_adopt_orphans(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static bool read_proc(const char *name, struct proc *p)
{
	char path[300], buf[512];
	snprintf(path, sizeof(path), "/proc/%s/stat", name);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return false;
	/* "pid (comm) state ppid pgrp ..."; comm may hold spaces and parens */
	char *rp = strrchr(buf, ')');
	int ppid, pgrp;
	if (!rp || sscanf(rp + 1, " %c %d %d", &p->state, &ppid, &pgrp) != 3)
		return false;
	p->pid = (pid_t)atoi(name);
	p->ppid = ppid;
	p->pgrp = pgrp;
	return true;
}

/* Every process on the machine; *n of them, NULL when /proc cannot be read. */
static struct proc *snapshot(size_t *n)
{
	DIR *d = opendir("/proc");
	struct proc *all = NULL;
	size_t cap = 0;
	struct dirent *e;
	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (*n == cap) {
			struct proc *more = realloc(all, (cap = cap ? 2 * cap : 512) * sizeof(*all));
			if (!more)
				break;
			all = more;
		}
		if (read_proc(e->d_name, &all[*n]))
			(*n)++;
	}
	closedir(d);
	return all;
}

static const struct proc *find(const struct proc *all, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (all[i].pid == pid)
			return &all[i];
	return NULL;
}

/* An orphan this process adopted (or a process below one) is S's when it
 * is in S's cgroup; without a cgroup to tell, only when S is the last live
 * server: the orphans are then no one else's. */
static bool adopted_by(const struct proc *orphan, const struct server *s)
{
	if (live_count() <= 1)
		return true;
	return s->cgroup[0] && cgroup_holds(s->cgroup, orphan->pid);
}

/* In S's process group, or below its first process, or below an orphan we
 * adopted from S; never a keeper (S's own or another's), another live
 * server's processes, or us. */
static bool member(const struct proc *all, size_t n, const struct proc *p, const struct server *s)
{
	pid_t exclude = s->keeper_pid > 0 ? s->keeper_pid : -1;
	pid_t self = getpid();
	if (p->pid == self || p->pid == exclude || live_is_keeper(p->pid))
		return false;
	if (p->pgrp == s->pid)
		return true;
	for (int depth = 0; p && depth < MAX_DEPTH; depth++) {
		if (p->pid == s->pid)
			return true;
		if (p->pid == exclude || live_is_other(p->pid, s->pid))
			return false;
		if (p->ppid == self)
			return adopted_by(p, s);
		if (p->ppid <= 1)
			return false;
		p = find(all, n, p->ppid);
	}
	return false;
}

int tree_signal(const struct server *s, int sig)
{
	size_t n;
	struct proc *all = snapshot(&n);
	int live = 0;
	if (!all)
		return kill(-s->pid, 0) == 0;	/* no /proc: the process group only */
	for (size_t i = 0; i < n; i++) {
		const struct proc *p = &all[i];
		if (!member(all, n, p, s))
			continue;
		if (p->state == 'Z' || p->state == 'X') {
			if (p->ppid == getpid() && p->pid != s->pid)
				waitpid(p->pid, NULL, WNOHANG);	/* an adopted orphan, ended */
			continue;
		}
		live++;
		if (sig && p->pgrp != s->pid)	/* the group had it from kill(-pgid) */
			kill(p->pid, sig);
	}
	free(all);
	return live;
}

bool tree_is_ancestor(pid_t pid, pid_t of)
{
	size_t n;
	struct proc *all = snapshot(&n);
	const struct proc *p = all ? find(all, n, of) : NULL;
	bool found = false;
	for (int depth = 0; p && !found && depth < MAX_DEPTH; depth++) {
		found = p->ppid == pid;
		p = p->ppid > 0 ? find(all, n, p->ppid) : NULL;
	}
	free(all);
	return found;
}

int tree_of(pid_t root, pid_t *out, int max)
{
	size_t n;
	struct proc *all = snapshot(&n);
	int k = 0;
	if (max > 0)
		out[k++] = root;
	for (size_t i = 0; all && i < n && k < max; i++) {
		const struct proc *p = &all[i];
		for (int depth = 0; p && depth < MAX_DEPTH && p->ppid > 1; depth++) {
			if (p->ppid == root) {
				out[k++] = all[i].pid;
				break;
			}
			p = find(all, n, p->ppid);
		}
	}
	free(all);
	return k;
}
