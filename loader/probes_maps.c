/* What the loader reads besides its own lifecycle: the BPF maps and
 * variables of the one object, and the host's TCP counters. probes.c,
 * probes_collect.c and probes_track.c all read through here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "loader/probes_internal.h"
#include "bpf/probes.skel.h"

struct bpf_map *probes_map(struct probes *p, const char *name)
{
	if (!p || !p->skel)
		return NULL;
	return bpf_object__find_map_by_name(p->skel->obj, name);
}

struct sc_inflight *probes_inflight(struct probes *p)
{
	return p && p->skel && p->group_loaded[GROUP_SYSCALLS] ? p->skel->bss->inflight : NULL;
}

uint64_t probes_tracked_added(struct probes *p)
{
	return p->skel ? __atomic_load_n(&p->skel->bss->tracked_added, __ATOMIC_RELAXED) : 0;
}

/* No tracepoint sees a listen-queue overflow without kprobes (the SYN-time
 * drop is a plain counter bump), so kernel.tcp.listen_overflows comes from
 * the TcpExt ListenOverflows/ListenDrops counters, before and after the
 * window, for the whole host (network namespace); the JSON says so. */
int probes_read_netstat(struct netstat_snap *s)
{
	char hdr[4096], val[4096];
	FILE *f = fopen("/proc/net/netstat", "re");

	memset(s, 0, sizeof(*s));
	if (!f)
		return -errno;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		char *hs = NULL, *vs = NULL, *h, *v;

		if (strncmp(hdr, "TcpExt:", 7))
			continue;
		h = strtok_r(hdr, " \n", &hs);
		v = strtok_r(val, " \n", &vs);
		while ((h = strtok_r(NULL, " \n", &hs)) && (v = strtok_r(NULL, " \n", &vs))) {
			if (!strcmp(h, "ListenOverflows"))
				s->listen_overflows = strtoull(v, NULL, 10);
			else if (!strcmp(h, "ListenDrops"))
				s->listen_drops = strtoull(v, NULL, 10);
		}
		s->ok = true;
	}
	fclose(f);
	return s->ok ? 0 : -ENOENT;
}

