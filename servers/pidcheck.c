/* --pid: the process named must be the server behind --url: alive, not
 * an ancestor of bench-ebpf, and it or a process it started listening on
 * the URL's port. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "servers/ports.h"
#include "servers/server.h"
#include "servers/tree.h"

#define MAX_LISTENERS 64
#define MAX_TREE 4096

/* Inodes of sockets listening on PORT (any address, IPv4 and IPv6). */
static int listening_inodes(int port, unsigned long *out, int max)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	int k = 0;
	for (size_t t = 0; t < 2; t++) {
		FILE *f = fopen(tables[t], "re");
		char line[512];
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f) && k < max) {
			char local[128];
			unsigned st;
			unsigned long inode;
			/* sl local rem st tx:rx tr:tm retrnsmt uid timeout inode */
			if (sscanf(line, " %*s %127s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
				continue;
			char *colon = strrchr(local, ':');
			if (st == 0x0A && colon && strtol(colon + 1, NULL, 16) == port)
				out[k++] = inode;
		}
		fclose(f);
	}
	return k;
}

/* 1: PID holds one of the INODES; 0: it does not; -errno: cannot tell. */
static int holds_socket(pid_t pid, const unsigned long *inodes, int n)
{
	char path[64], link[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;
	if (!d)
		return -errno;
	while (!found && (e = readdir(d))) {
		char fd_path[320];
		snprintf(fd_path, sizeof(fd_path), "%s/%s", path, e->d_name);
		ssize_t len = readlink(fd_path, link, sizeof(link) - 1);
		unsigned long inode;
		if (len <= 0)
			continue;
		link[len] = 0;
		if (sscanf(link, "socket:[%lu]", &inode) == 1)
			for (int i = 0; i < n && !found; i++)
				found = inode == inodes[i];
	}
	closedir(d);
	return found;
}

int server_pid_check(pid_t pid, const char *url, struct errbuf *err)
{
	int port = url_port(url);
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		errbuf_set(err, "--pid %d: no such process", (int)pid);
		return -ESRCH;
	}
	if (pid == getpid() ? false : tree_is_ancestor(pid, getpid())) {
		errbuf_set(err, "--pid %d is an ancestor of bench-ebpf itself, not the server behind %s",
			   (int)pid, url);
		return -EINVAL;
	}
	unsigned long inodes[MAX_LISTENERS];
	int n = port > 0 ? listening_inodes(port, inodes, MAX_LISTENERS) : 0;
	pid_t *tree = malloc(MAX_TREE * sizeof(*tree));
	int k = tree ? tree_of(pid, tree, MAX_TREE) : 0, unknown = 0;
	for (int i = 0; i < k; i++) {
		int r = holds_socket(tree[i], inodes, n);
		if (r > 0) {
			free(tree);
			return 0;
		}
		unknown |= r < 0 && r != -ENOENT;
	}
	free(tree);
	if (unknown && n)
		return 0;	/* not allowed to look (not root): the probes will tell */
	errbuf_set(err, "--pid %d: neither it nor a process it started listens on port %d (the port of --url)",
		   (int)pid, port);
	return -EINVAL;
}
