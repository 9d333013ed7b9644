/* The server's private directory, made for one run and removed whole. */
#include "servers/tmpdir.h"
#include "servers/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 32	/* deeper than any server writes; a bound on the recursion */

int tmpdir_create(char *out, size_t len, struct errbuf *err)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || tmp[0] != '/' || strlen(tmp) + 48 > len)
		tmp = "/tmp";
	sweep_dead_runs(tmp, tmpdir_remove);	/* what a dead bench-ebpf left in TMP */
	snprintf(out, len, "%s/" RUN_DIR_PREFIX "%d-XXXXXX", tmp, (int)getpid());
	if (!mkdtemp(out)) {
		int e = -errno;
		errbuf_set(err, "cannot create a temporary directory in %s: %s", tmp, strerror(-e));
		out[0] = 0;
		return e;
	}
	return 0;
}

/* Empties the directory open at FD (which it closes). */
static void remove_contents(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno != EISDIR)
			continue;
		int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0 && depth < MAX_DEPTH)
			remove_contents(sub, depth + 1);
		else if (sub >= 0)
			close(sub);
		unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

void tmpdir_remove(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		remove_contents(fd, 0);
	rmdir(dir);
}
