/* Small file reads and the sweep of dead runs' leftovers (servers/files.h). */
#include "servers/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t read_small_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int e = n < 0 ? -errno : 0;
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return e ? e : n;
}

/* The pid in NAME ("bench-ebpf-PID-..."), or 0 when NAME is not a run's. */
static pid_t run_pid(const char *name)
{
	char *end;
	if (strncmp(name, RUN_DIR_PREFIX, strlen(RUN_DIR_PREFIX)))
		return 0;
	long pid = strtol(name + strlen(RUN_DIR_PREFIX), &end, 10);
	return end != name + strlen(RUN_DIR_PREFIX) && *end == '-' && pid > 0 ? (pid_t)pid : 0;
}

void sweep_dead_runs(const char *parent, void (*remove)(const char *path))
{
	DIR *d = opendir(parent);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[4096];
		pid_t pid = run_pid(e->d_name);
		if (!pid || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
			continue;	/* not a run's, ours, alive, or not ours to tell */
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent, e->d_name) < sizeof(path))
			remove(path);
	}
	closedir(d);
}
