/* Whose events: the server's tgid and what it forks go into `tracked` (and
 * its direct-mapped filter); for a server that already runs, what it forked
 * before the probes came, and the waits its threads are already in. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/probes_internal.h"
#include "bpf/probes.skel.h"

static int tracked_map_fd(struct probes *p)
{
	return p->skel ? bpf_map__fd(p->skel->maps.tracked) : -1;
}

static int tgid_tbl_fd(struct probes *p)
{
	return p->skel ? bpf_map__fd(p->skel->maps.tgid_tbl) : -1;
}

/* Add to the tracked hash and its direct-mapped filter (same rule as the
 * fork handler in bpf/track.bpf.h). */
int probes_track_tgid(struct probes *p, uint32_t tgid)
{
	uint32_t one = 1, idx = tgid & (TGID_TBL_SIZE - 1), cur = 0, val;
	int tracked_fd = tracked_map_fd(p), tbl_fd = tgid_tbl_fd(p);

	if (tracked_fd < 0 || tbl_fd < 0)
		return -EBADF;
	if (bpf_map_update_elem(tracked_fd, &tgid, &one, BPF_NOEXIST))
		return -errno;
	p->seeded++;
	bpf_map_lookup_elem(tbl_fd, &idx, &cur);
	val = !cur || cur == tgid ? tgid : TGID_TBL_COLLIDE;
	if (bpf_map_update_elem(tbl_fd, &idx, &val, BPF_ANY))
		return -errno;
	return 0;
}

static uint32_t ppid_of(uint32_t pid)
{
	char path[64], buf[512], *rp;
	FILE *f;
	unsigned int ppid = 0;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	rp = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	if (!rp || sscanf(rp + 1, " %*c %u", &ppid) != 1)
		return 0;
	return ppid;
}

/* A server that already runs: add the processes it forked before we came.
 * Runs after the fork probe is attached, so none is missed in between. */
void probes_track_descendants(struct probes *p, uint32_t root)
{
	uint32_t *set = NULL;
	size_t n = 0, cap = 0;
	bool grew = true;

	if (!root)
		return;
	while (grew) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		if (!d)
			break;
		grew = false;
		while ((de = readdir(d))) {
			char *end;
			unsigned long pid = strtoul(de->d_name, &end, 10);
			uint32_t pp;
			bool in = false;

			if (*end || !pid || pid == root)
				continue;
			for (size_t k = 0; k < n && !in; k++)
				in = set[k] == pid;
			if (in)
				continue;
			pp = ppid_of((uint32_t)pid);
			in = pp == root;
			for (size_t k = 0; k < n && !in; k++)
				in = set[k] == pp;
			if (!in)
				continue;
			if (n == cap) {
				uint32_t *ns = realloc(set, (cap ? cap * 2 : 16) * sizeof(*set));

				if (!ns)
					break;
				set = ns;
				cap = cap ? cap * 2 : 16;
			}
			set[n++] = (uint32_t)pid;
			probes_track_tgid(p, (uint32_t)pid);
			grew = true;
		}
		closedir(d);
	}
	free(set);
}

/* Threads of an already running server that sit in epoll_wait/poll/select
 * since before the probes came: their sys_enter was never seen, so put the
 * wait in progress into `inflight` by hand (from /proc/.../syscall), dated
 * now. Without this an idle worker of an external server would be invisible
 * to the event-loop figures until its wait returns. (A thread that returns
 * between our read of /proc and the write leaves an entry that its next
 * traced syscall overwrites.) */
void probes_seed_waits(struct probes *p)
{
	struct sc_inflight *inflight = probes_inflight(p);
	uint32_t key, next, *kp = NULL;
	struct timespec ts;

	if (!inflight || tracked_map_fd(p) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	while (bpf_map_get_next_key(tracked_map_fd(p), kp, &next) == 0) {
		char path[64];
		DIR *d;
		struct dirent *de;

		key = next;
		kp = &key;
		snprintf(path, sizeof(path), "/proc/%u/task", key);
		d = opendir(path);
		while (d && (de = readdir(d))) {
			char sp[96];
			long nr = -1;
			unsigned long tid = strtoul(de->d_name, NULL, 10);
			uint64_t pid_tgid = (uint64_t)key << 32 | (uint32_t)tid;
			struct sc_inflight *e = &inflight[tid & (INFLIGHT_SLOTS - 1)];
			FILE *f;

			if (!tid || e->pid_tgid)
				continue;	/* a slot in use is the kernel's, and exact */
			snprintf(sp, sizeof(sp), "/proc/%u/task/%lu/syscall", key, tid);
			f = fopen(sp, "re");
			if (!f)
				continue;
			if (fscanf(f, "%ld", &nr) != 1)
				nr = -1;
			fclose(f);
			for (size_t i = 0; i < probes_sc_nnumbers; i++) {
				if (probes_sc_numbers[i].nr != nr || probes_sc_numbers[i].slot < SC_FIRST_WAIT ||
				    probes_sc_numbers[i].slot > SC_LAST_WAIT)
					continue;
				e->ts = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
				e->slot = (uint32_t)probes_sc_numbers[i].slot;
				__atomic_store_n(&e->pid_tgid, pid_tgid, __ATOMIC_RELEASE);
			}
		}
		if (d)
			closedir(d);
	}
}

