/* A cgroup v2 of the server's own, where the machine allows one. */
#include "servers/cgroup.h"
#include "servers/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Where cgroup2 is mounted (/sys/fs/cgroup, or .../unified on a hybrid host). */
static int v2_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], mnt[512], fstype[64];
	int rc = -ENOENT;
	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");
		if (dash && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    sscanf(dash + 3, "%63s", fstype) == 1 && !strcmp(fstype, "cgroup2"))
			rc = (size_t)snprintf(out, len, "%s", mnt) < len ? 0 : -ENAMETOOLONG;
	}
	fclose(f);
	return rc;
}

/* The cgroup v2 directory of the process whose /proc entry is PROC ("self"
 * or a pid). */
static int cgroup_of(const char *proc, char *out, size_t len)
{
	char mnt[512], line[1024], path[768] = "", file[64];
	int rc = v2_mount(mnt, sizeof(mnt));
	FILE *f;
	if (rc)
		return rc;
	snprintf(file, sizeof(file), "/proc/%s/cgroup", proc);
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3))
			sscanf(line + 3, "%767s", path);
	fclose(f);
	if (!path[0])
		return -ENOENT;
	return (size_t)snprintf(out, len, "%s%s", mnt, strcmp(path, "/") ? path : "") < len ? 0 : -ENAMETOOLONG;
}

bool cgroup_holds(const char *dir, pid_t pid)
{
	char proc[16], at[1024];
	size_t n = strlen(dir);
	snprintf(proc, sizeof(proc), "%d", (int)pid);
	if (cgroup_of(proc, at, sizeof(at)))
		return false;
	return !strncmp(at, dir, n) && (at[n] == 0 || at[n] == '/');
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int e = n < 0 ? -errno : 0;
	close(fd);
	return e;
}

bool cgroup_populated(const char *dir)
{
	char path[1024], buf[256];
	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	return read_small_file(path, buf, sizeof(buf)) > 0 && strstr(buf, "populated 1") != NULL;
}

void cgroup_kill_and_remove(const char *dir)
{
	write_file(dir, "cgroup.kill", "1");
	for (int i = 0; i < 200 && cgroup_populated(dir); i++) {
		struct timespec ms10 = { 0, 10000000L };
		nanosleep(&ms10, NULL);
	}
	rmdir(dir);
}

int cgroup_create(char *dir, size_t len)
{
	static unsigned serial;
	char parent[800];
	int rc = cgroup_of("self", parent, sizeof(parent));
	if (rc)
		return rc;
	sweep_dead_runs(parent, cgroup_kill_and_remove);	/* those of runs that died */
	if ((size_t)snprintf(dir, len, "%s/" RUN_DIR_PREFIX "%d-%u", parent, (int)getpid(), serial++) >= len)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) < 0) {
		rc = -errno;
		dir[0] = 0;
		return rc;
	}
	return 0;
}

int cgroup_enter(const char *dir, pid_t pid)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", (int)pid);
	return write_file(dir, "cgroup.procs", num);
}

int cgroup_cpu_read(const char *dir, struct cgroup_cpu *out)
{
	char path[1100], buf[1024], key[32];
	unsigned long long v;
	int at;
	snprintf(path, sizeof(path), "%s/cpu.stat", dir);
	ssize_t n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	*out = (struct cgroup_cpu){ .usage_usec = UINT64_MAX, .nr_throttled = -1, .throttled_usec = -1 };
	/* the signed fields take the same bits: -1 stays where a key is absent */
	const struct { const char *key; uint64_t *to; } keys[] = {
		{ "usage_usec", &out->usage_usec }, { "user_usec", &out->user_usec },
		{ "system_usec", &out->system_usec }, { "nr_throttled", (uint64_t *)&out->nr_throttled },
		{ "throttled_usec", (uint64_t *)&out->throttled_usec },
	};
	for (const char *p = buf; sscanf(p, "%31s %llu%n", key, &v, &at) == 2; p += at)
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(key, keys[i].key))
				*keys[i].to = v;
	if (out->usage_usec == UINT64_MAX)
		return -ENODATA;	/* not a cpu.stat */
	return 0;
}
