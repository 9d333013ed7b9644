/* Probe lifecycle: privileges, feature probing against the kernel's BTF,
 * open -> rodata/map set-up -> autoload -> load -> attach each program on
 * its own, the measurement window, and detach. Reading what the programs
 * gathered is in probes_report.c.
 *
 * Rule: one missing or failing probe never fails the run. It is recorded in
 * kernel.probes.missing with its reason, and the rest goes on. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "loader/probes_internal.h"
#include "loader/anatomy.h"
#include "loader/probe_spec.h"
#include "bpf/track.skel.h"
#include "bpf/syscalls.skel.h"
#include "bpf/sched.skel.h"
#include "bpf/tcp.skel.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

const struct probe_def probes_defs[] = {
	{ "sched_process_fork", OBJ_TRACK, "sched_process_fork", "sched_process_fork_raw" },
	{ "sched_process_exit", OBJ_TRACK, "sched_process_exit", "sched_process_exit_raw" },
	{ "sys_enter", OBJ_SYSCALLS, "sys_enter", "sys_enter_raw" },
	{ "sys_exit", OBJ_SYSCALLS, "sys_exit", "sys_exit_raw" },
	{ "sched_switch", OBJ_SCHED, "sched_switch", "sched_switch_raw" },
	{ "sched_wakeup", OBJ_SCHED, "sched_wakeup", "sched_wakeup_raw" },
	{ "sched_wakeup_new", OBJ_SCHED, "sched_wakeup_new", "sched_wakeup_new_raw" },
	{ "inet_sock_set_state", OBJ_TCP, "inet_sock_set_state", "inet_sock_set_state_raw" },
	{ "tcp_retransmit_skb", OBJ_TCP, "tcp_retransmit_skb", "tcp_retransmit_skb_raw" },
	{ "tcp_retransmit_synack", OBJ_TCP, "tcp_retransmit_synack", "tcp_retransmit_synack_raw" },
	{ "tcp_send_reset", OBJ_TCP, "tcp_send_reset", "tcp_send_reset_raw" },
	{ "tcp_receive_reset", OBJ_TCP, "tcp_receive_reset", "tcp_receive_reset_raw" },
};
const size_t probes_ndefs = sizeof(probes_defs) / sizeof(probes_defs[0]);

static const char *const group_names[GROUP_NR] = { "syscalls", "sched", "tcp" };
static const char *const obj_names[OBJ_NR] = { "track", "syscalls", "sched", "tcp" };

const char *const probes_sc_names[SC_NR] = {
	[SC_ACCEPT] = "accept", [SC_ACCEPT4] = "accept4",
	[SC_READ] = "read", [SC_READV] = "readv", [SC_RECVFROM] = "recvfrom",
	[SC_RECVMSG] = "recvmsg", [SC_RECVMMSG] = "recvmmsg",
	[SC_WRITE] = "write", [SC_WRITEV] = "writev", [SC_SENDTO] = "sendto",
	[SC_SENDMSG] = "sendmsg", [SC_SENDMMSG] = "sendmmsg", [SC_SENDFILE] = "sendfile",
	[SC_EPOLL_WAIT] = "epoll_wait", [SC_EPOLL_PWAIT] = "epoll_pwait",
	[SC_EPOLL_PWAIT2] = "epoll_pwait2", [SC_POLL] = "poll", [SC_PPOLL] = "ppoll",
	[SC_SELECT] = "select", [SC_PSELECT6] = "pselect6", [SC_CLOSE] = "close",
	[SC_IO_URING_ENTER] = "io_uring_enter",
};

/* This host's syscall numbers for the slots (some do not exist on every
 * architecture: arm64 has no poll, select, epoll_wait or accept). 32-bit
 * compat syscalls of a 64-bit kernel are not traced. */
static const struct { int slot; long nr; } sc_numbers[] = {
#ifdef SYS_accept
	{ SC_ACCEPT, SYS_accept },
#endif
	{ SC_ACCEPT4, SYS_accept4 },
	{ SC_READ, SYS_read },
	{ SC_READV, SYS_readv },
	{ SC_RECVFROM, SYS_recvfrom },
	{ SC_RECVMSG, SYS_recvmsg },
	{ SC_RECVMMSG, SYS_recvmmsg },
	{ SC_WRITE, SYS_write },
	{ SC_WRITEV, SYS_writev },
	{ SC_SENDTO, SYS_sendto },
	{ SC_SENDMSG, SYS_sendmsg },
	{ SC_SENDMMSG, SYS_sendmmsg },
#ifdef SYS_sendfile
	{ SC_SENDFILE, SYS_sendfile },
#endif
#ifdef SYS_epoll_wait
	{ SC_EPOLL_WAIT, SYS_epoll_wait },
#endif
	{ SC_EPOLL_PWAIT, SYS_epoll_pwait },
#ifdef SYS_epoll_pwait2
	{ SC_EPOLL_PWAIT2, SYS_epoll_pwait2 },
#else
	{ SC_EPOLL_PWAIT2, 441 },	/* same number on every architecture */
#endif
#ifdef SYS_poll
	{ SC_POLL, SYS_poll },
#endif
	{ SC_PPOLL, SYS_ppoll },
#ifdef SYS_select
	{ SC_SELECT, SYS_select },
#endif
	{ SC_PSELECT6, SYS_pselect6 },
	{ SC_CLOSE, SYS_close },
#ifdef SYS_io_uring_enter
	{ SC_IO_URING_ENTER, SYS_io_uring_enter },
#endif
};

/* ---- libbpf messages ------------------------------------------------------ */

/* Silent unless verbose; the last warning is kept so a load failure can say
 * more than an errno in kernel.probes.missing. */
static bool g_verbose;
static char g_last_warn[160];

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (g_verbose)
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_WARN) {
		size_t n;

		vsnprintf(g_last_warn, sizeof(g_last_warn), fmt, ap);
		n = strlen(g_last_warn);
		while (n && (g_last_warn[n - 1] == '\n' || g_last_warn[n - 1] == ' '))
			g_last_warn[--n] = 0;
	}
	return 0;
}

/* ---- privileges ----------------------------------------------------------- */

int probes_check_privileges(struct errbuf *err)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	bool admin, bpf, perfmon;

	/* A no-op since libbpf 1.0 (its behaviour is the default), kept so an
	 * older libbpf 0.x build behaves the same; it also bumps
	 * RLIMIT_MEMLOCK on kernels without memcg accounting of BPF memory
	 * (before 5.11), which needs CAP_SYS_RESOURCE there. */
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0) {
		errbuf_set(err, "failed to read capabilities: %s", strerror(errno));
		return -errno;
	}
#define HAS(cap) ((data[(cap) / 32].effective >> ((cap) % 32)) & 1u)
	admin = HAS(CAP_SYS_ADMIN);
	bpf = HAS(CAP_BPF);
	perfmon = HAS(CAP_PERFMON);
#undef HAS
	/* CAP_SYS_ADMIN covers both before 5.8, where CAP_BPF and CAP_PERFMON
	 * do not exist yet. */
	if (admin || (bpf && perfmon))
		return 0;
	errbuf_set(err, "bench-ebpf needs root (or CAP_BPF and CAP_PERFMON) to load eBPF "
		   "probes; run with sudo, or use --no-ebpf to run without probes");
	return -EPERM;
}

/* ---- option lists ----------------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int parse_groups(struct probes *p, struct errbuf *err)
{
	char *save = NULL, *tok;
	int g;

	if (!p->groups_s || !*trim(p->groups_s) || !strcmp(trim(p->groups_s), "all")) {
		for (g = 0; g < GROUP_NR; g++)
			p->group_on[g] = true;
		return 0;
	}
	for (tok = strtok_r(p->groups_s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (!*tok || !strcmp(tok, "anatomy"))
			continue;	/* anatomy: loader/anatomy.c, opened by the caller */
		for (g = 0; g < GROUP_NR; g++)
			if (!strcmp(tok, group_names[g]))
				break;
		if (g == GROUP_NR) {
			errbuf_set(err, "unknown probe group '%s' (known: syscalls, sched, tcp, anatomy)", tok);
			return -EINVAL;
		}
		p->group_on[g] = true;
	}
	return 0;
}

static int find_probe(const char *name)
{
	for (size_t i = 0; i < probes_ndefs; i++)
		if (!strcmp(probes_defs[i].name, name))
			return (int)i;
	return -1;
}

static int disable_one(const struct probe_spec *sp, void *arg)
{
	struct probes *p = ((void **)arg)[0];
	struct errbuf *err = ((void **)arg)[1];
	int i;

	if (anatomy_probe_name(sp->name))
		return 0;	/* "anatomy/...": checked by loader/anatomy.c */
	i = find_probe(sp->name);
	if (i < 0) {
		errbuf_set(err, "unknown probe '%s' in the disable list (known: "
			   "sched_process_fork, sched_process_exit, sys_enter, sys_exit, "
			   "sched_switch, sched_wakeup, sched_wakeup_new, inet_sock_set_state, "
			   "tcp_retransmit_skb, tcp_retransmit_synack, tcp_send_reset, "
			   "tcp_receive_reset)", sp->name);
		return -EINVAL;
	}
	if (sp->what == PROBE_SPEC_OFF) {
		p->ps[i].status = PROBE_MISSING;
		snprintf(p->ps[i].reason, sizeof(p->ps[i].reason), "disabled by user");
	}
	p->ps[i].no_btf_twin |= sp->what == PROBE_SPEC_NO_BTF;
	p->ps[i].no_raw_twin |= sp->what == PROBE_SPEC_NO_RAW;
	return 0;
}

/* "name" switches a probe off; "name:tp_btf" or "name:raw_tp" only that
 * twin (the other one then attaches, which is how tests prove fallbacks). */
static int parse_disable(struct probes *p, const char *list, struct errbuf *err)
{
	void *arg[2] = { p, err };
	return probe_spec_each(list, disable_one, arg, err);
}

/* ---- objects ----------------------------------------------------------------- */

struct obj_ops {
	void *(*open)(void);
	int (*load)(void *);
	void (*destroy)(void *);
	struct bpf_object *(*obj)(void *);
};

#define SKEL_OPS(n)                                                                    \
	static void *n##_open(void) { return n##_bpf__open(); }                        \
	static int n##_load(void *s) { return n##_bpf__load(s); }                      \
	static void n##_destroy(void *s) { n##_bpf__destroy(s); }                      \
	static struct bpf_object *n##_obj(void *s) { return ((struct n##_bpf *)s)->obj; }
SKEL_OPS(track)
SKEL_OPS(syscalls)
SKEL_OPS(sched)
SKEL_OPS(tcp)

static const struct obj_ops obj_ops[OBJ_NR] = {
	[OBJ_TRACK] = { track_open, track_load, track_destroy, track_obj },
	[OBJ_SYSCALLS] = { syscalls_open, syscalls_load, syscalls_destroy, syscalls_obj },
	[OBJ_SCHED] = { sched_open, sched_load, sched_destroy, sched_obj },
	[OBJ_TCP] = { tcp_open, tcp_load, tcp_destroy, tcp_obj },
};

struct bpf_map *probes_map(struct probes *p, enum obj_id obj, const char *name)
{
	if (!p || !p->skel[obj])
		return NULL;
	return bpf_object__find_map_by_name(obj_ops[obj].obj(p->skel[obj]), name);
}

struct sc_inflight *probes_inflight(struct probes *p)
{
	struct syscalls_bpf *s = p ? p->skel[OBJ_SYSCALLS] : NULL;

	return s ? s->bss->inflight : NULL;
}

uint64_t probes_tracked_added(struct probes *p)
{
	struct track_bpf *t = p->skel[OBJ_TRACK];

	return t ? __atomic_load_n(&t->bss->tracked_added, __ATOMIC_RELAXED) : 0;
}

static bool obj_wanted(struct probes *p, enum obj_id obj)
{
	for (size_t i = 0; i < probes_ndefs; i++)
		if (probes_defs[i].obj == obj && p->ps[i].status == PROBE_WANTED)
			return true;
	return false;
}

static bool probe_wanted(struct probes *p, const char *name)
{
	int i = find_probe(name);

	return i >= 0 && p->ps[i].status == PROBE_WANTED;
}

/* Per-object knobs, written after open and before load. */
static int configure(struct probes *p, enum obj_id obj, void *skel, const struct btf *btf)
{
	struct bpf_map *m;
	int err = 0;

	switch (obj) {
	case OBJ_TRACK: {
		struct track_bpf *s = skel;

		s->rodata->client_tgid = (uint32_t)p->opts.client_tgid;
		s->rodata->exit_has_group_dead = probe_tp_nargs(btf, "sched_process_exit") >= 2;
		m = s->maps.tracked;
		break;
	}
	case OBJ_SYSCALLS: {
		struct syscalls_bpf *s = skel;

		s->rodata->client_tgid = (uint32_t)p->opts.client_tgid;
		for (size_t i = 0; i < sizeof(sc_numbers) / sizeof(sc_numbers[0]); i++)
			if (sc_numbers[i].nr >= 0 && sc_numbers[i].nr < SC_ID_MAX)
				s->rodata->sc_slot_of[sc_numbers[i].nr] = (uint8_t)(sc_numbers[i].slot + 1);
		/* Pays for the fd walk at accept() exit only when the tcp
		 * object will fill `estab`. */
		s->rodata->accept_wait_on = p->group_on[GROUP_TCP] && p->opts.server_port > 0 &&
					    probe_wanted(p, "inet_sock_set_state");
		m = s->maps.tracked;
		break;
	}
	case OBJ_SCHED: {
		struct sched_bpf *s = skel;

		s->rodata->client_tgid = (uint32_t)p->opts.client_tgid;
		s->rodata->switch_has_state = probe_tp_nargs(btf, "sched_switch") >= 4;
		m = s->maps.tracked;
		break;
	}
	case OBJ_TCP: {
		struct tcp_bpf *s = skel;

		s->rodata->client_tgid = (uint32_t)p->opts.client_tgid;
		s->rodata->server_port = (uint16_t)p->opts.server_port;
		s->rodata->accept_wait_on = p->estab_fd >= 0;
		if (p->estab_fd >= 0)
			err = bpf_map__reuse_fd(s->maps.estab, p->estab_fd);
		return err;
	}
	default:
		return -EINVAL;
	}
	if (p->tracked_fd >= 0)
		err = bpf_map__reuse_fd(m, p->tracked_fd);
	if (!err && p->tgid_tbl_fd >= 0)
		err = bpf_map__reuse_fd(bpf_object__find_map_by_name(obj_ops[obj].obj(skel),
								     "tgid_tbl"), p->tgid_tbl_fd);
	return err;
}

/* Autoload the wanted programs of `obj`. twins: 0 both (attach picks), 1
 * tp_btf only, 2 raw_tp only. */
static void set_autoload(struct probes *p, enum obj_id obj, struct bpf_object *bo, int twins)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, bo)
		bpf_program__set_autoload(prog, false);
	for (size_t i = 0; i < probes_ndefs; i++) {
		const struct probe_def *d = &probes_defs[i];
		struct probe_state *s = &p->ps[i];

		if (d->obj != obj || s->status != PROBE_WANTED)
			continue;
		if (twins != 2 && !s->no_btf_twin) {
			prog = bpf_object__find_program_by_name(bo, d->btf_prog);
			if (prog)
				bpf_program__set_autoload(prog, true);
		}
		if (twins != 1 && !s->no_raw_twin) {
			prog = bpf_object__find_program_by_name(bo, d->raw_prog);
			if (prog)
				bpf_program__set_autoload(prog, true);
		}
	}
}

/* Open and load one object: first with both twins of every wanted probe
 * (attach then prefers tp_btf), then tp_btf only, then raw_tp only, so a
 * verifier that rejects one flavour costs only that flavour. */
static int load_obj(struct probes *p, enum obj_id obj, const struct btf *btf)
{
	int err = -ENOENT;

	for (int twins = 0; twins < 3; twins++) {
		void *skel = obj_ops[obj].open();

		if (!skel) {
			err = -errno;
			snprintf(p->obj_err[obj], sizeof(p->obj_err[obj]),
				 "failed to open the %s BPF object: %s", obj_names[obj], strerror(-err));
			return err;
		}
		set_autoload(p, obj, obj_ops[obj].obj(skel), twins);
		err = configure(p, obj, skel, btf);
		g_last_warn[0] = 0;
		if (!err)
			err = obj_ops[obj].load(skel);
		if (!err) {
			p->skel[obj] = skel;
			return 0;
		}
		snprintf(p->obj_err[obj], sizeof(p->obj_err[obj]),
			 "failed to load the %s BPF object: %s%s%s", obj_names[obj], strerror(-err),
			 g_last_warn[0] ? ": " : "", g_last_warn);
		obj_ops[obj].destroy(skel);
	}
	return err;
}

/* Attach one probe: its tp_btf program if loaded, else the raw_tp twin. */
static void attach_probe(struct probes *p, size_t i)
{
	const struct probe_def *d = &probes_defs[i];
	struct probe_state *s = &p->ps[i];
	struct bpf_object *bo;
	const char *names[2] = { d->btf_prog, d->raw_prog };
	const char *modes[2] = { "tp_btf", "raw_tp" };
	int err = 0;

	if (s->status != PROBE_WANTED)
		return;
	if (!p->skel[d->obj]) {
		s->status = PROBE_MISSING;
		snprintf(s->reason, sizeof(s->reason), "%s", p->obj_err[d->obj]);
		return;
	}
	bo = obj_ops[d->obj].obj(p->skel[d->obj]);
	for (int k = 0; k < 2; k++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(bo, names[k]);

		if (!prog || !bpf_program__autoload(prog))
			continue;
		s->link = bpf_program__attach(prog);
		if (s->link) {
			s->status = PROBE_ATTACHED;
			s->mode = modes[k];
			return;
		}
		err = -errno;
	}
	s->status = PROBE_MISSING;
	snprintf(s->reason, sizeof(s->reason), "failed to attach: %s",
		 err ? strerror(-err) : "no program loaded");
}

/* ---- whose events ------------------------------------------------------------ */

/* Add to the tracked hash and its direct-mapped filter (same rule as the
 * fork program in track.bpf.c). */
static int track_tgid(struct probes *p, uint32_t tgid)
{
	uint32_t one = 1, idx = tgid & (TGID_TBL_SIZE - 1), cur = 0, val;

	if (p->tracked_fd < 0 || p->tgid_tbl_fd < 0)
		return -EBADF;
	if (bpf_map_update_elem(p->tracked_fd, &tgid, &one, BPF_NOEXIST))
		return -errno;
	p->seeded++;
	bpf_map_lookup_elem(p->tgid_tbl_fd, &idx, &cur);
	val = !cur || cur == tgid ? tgid : TGID_TBL_COLLIDE;
	if (bpf_map_update_elem(p->tgid_tbl_fd, &idx, &val, BPF_ANY))
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
static void track_descendants(struct probes *p, uint32_t root)
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
			track_tgid(p, (uint32_t)pid);
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
static void seed_waits(struct probes *p)
{
	struct sc_inflight *inflight = probes_inflight(p);
	uint32_t key, next, *kp = NULL;
	struct timespec ts;

	if (!inflight || p->tracked_fd < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	while (bpf_map_get_next_key(p->tracked_fd, kp, &next) == 0) {
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
			for (size_t i = 0; i < sizeof(sc_numbers) / sizeof(sc_numbers[0]); i++) {
				if (sc_numbers[i].nr != nr || sc_numbers[i].slot < SC_FIRST_WAIT ||
				    sc_numbers[i].slot > SC_LAST_WAIT)
					continue;
				e->ts = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
				e->slot = (uint32_t)sc_numbers[i].slot;
				__atomic_store_n(&e->pid_tgid, pid_tgid, __ATOMIC_RELEASE);
			}
		}
		if (d)
			closedir(d);
	}
}

/* ---- host-wide listen queue counters --------------------------------------- */

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

/* ---- open / window / close --------------------------------------------------- */

int probes_open(const struct probes_opts *o, struct probes **out, struct errbuf *err)
{
	struct probes *p;
	struct btf *btf = NULL;
	int rc;

	*out = NULL;
	if (!o || o->server_tgid <= 0) {
		errbuf_set(err, "probes need the server's pid");
		return -EINVAL;
	}
	g_verbose = o->verbose;
	libbpf_set_print(print_fn);
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);

	p = calloc(1, sizeof(*p));
	if (!p || !(p->ps = calloc(probes_ndefs, sizeof(*p->ps)))) {
		free(p);
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	p->opts = *o;
	p->groups_s = o->groups ? strdup(o->groups) : NULL;
	p->opts.groups = p->opts.disable = NULL;
	if (o->groups && !p->groups_s) {	/* never read as "no list: all groups" */
		free(p->ps);
		free(p);
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	p->tracked_fd = p->tgid_tbl_fd = p->estab_fd = -1;
	for (size_t i = 0; i < probes_ndefs; i++)
		p->ps[i].status = PROBE_WANTED;

	rc = parse_groups(p, err);
	if (!rc)
		rc = parse_disable(p, o->disable, err);
	if (rc)
		goto fail;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		rc = errno ? -errno : -ENOENT;
		errbuf_set(err, "no kernel BTF (/sys/kernel/btf/vmlinux): the eBPF probes need a "
			   "kernel built with CONFIG_DEBUG_INFO_BTF; use --no-ebpf to run without");
		goto fail;
	}

	/* Decide what is wanted: group selection, the server port, and the
	 * kernel's tracepoints. */
	for (size_t i = 0; i < probes_ndefs; i++) {
		const struct probe_def *d = &probes_defs[i];
		struct probe_state *s = &p->ps[i];
		bool group;

		if (s->status != PROBE_WANTED)
			continue;
		switch (d->obj) {
		case OBJ_TRACK:	/* the anatomy group reads `tracked` too */
			group = p->group_on[GROUP_SYSCALLS] || p->group_on[GROUP_SCHED] ||
				anatomy_wanted(o->groups);
			break;
		case OBJ_SYSCALLS:
			group = p->group_on[GROUP_SYSCALLS];
			break;
		case OBJ_SCHED:
			group = p->group_on[GROUP_SCHED];
			break;
		default:
			group = p->group_on[GROUP_TCP];
			break;
		}
		if (!group) {
			s->status = PROBE_OFF;	/* not asked for: neither attached nor missing */
		} else if (d->obj == OBJ_TCP && o->server_port <= 0) {
			s->status = PROBE_MISSING;
			snprintf(s->reason, sizeof(s->reason),
				 "server port unknown: socket events are filtered by port");
		} else if (probe_tp_nargs(btf, d->name) < 0) {
			s->status = PROBE_MISSING;
			snprintf(s->reason, sizeof(s->reason),
				 "tracepoint not in this kernel (no btf_trace_%s in its BTF)", d->name);
		}
	}

	/* Load in order; maps flow from earlier objects to later ones. */
	for (int obj = 0; obj < OBJ_NR; obj++) {
		struct bpf_map *m;

		if (!obj_wanted(p, obj))
			continue;
		if (load_obj(p, obj, btf))
			continue;	/* its probes become missing at attach */
		m = probes_map(p, obj, "tracked");
		if (m && p->tracked_fd < 0)
			p->tracked_fd = bpf_map__fd(m);
		m = probes_map(p, obj, "tgid_tbl");
		if (m && p->tgid_tbl_fd < 0)
			p->tgid_tbl_fd = bpf_map__fd(m);
		m = probes_map(p, obj, "estab");
		if (m && p->estab_fd < 0 && obj == OBJ_SYSCALLS &&
		    ((struct syscalls_bpf *)p->skel[obj])->rodata->accept_wait_on)
			p->estab_fd = bpf_map__fd(m);
	}
	btf__free(btf);
	btf = NULL;

	/* Whose events: the server first, then fork tracking, then what the
	 * server already forked, then everything else. */
	if (p->tracked_fd >= 0) {
		rc = track_tgid(p, (uint32_t)o->server_tgid);
		if (rc && rc != -EEXIST) {
			errbuf_set(err, "failed to track the server's pid: %s", strerror(-rc));
			goto fail;
		}
	}
	for (size_t i = 0; i < probes_ndefs; i++)
		if (probes_defs[i].obj == OBJ_TRACK)
			attach_probe(p, i);
	track_descendants(p, (uint32_t)o->server_tgid);
	for (size_t i = 0; i < probes_ndefs; i++)
		attach_probe(p, i);
	seed_waits(p);

	p->accept_wait = p->estab_fd >= 0 && p->skel[OBJ_TCP] &&
			 p->ps[find_probe("inet_sock_set_state")].status == PROBE_ATTACHED &&
			 p->ps[find_probe("sys_exit")].status == PROBE_ATTACHED;
	*out = p;
	return 0;

fail:
	btf__free(btf);
	probes_close(p);
	return rc;
}

void probes_set_window(struct probes *p, uint64_t start_ns, uint64_t end_ns)
{
	if (!p)
		return;
	p->win_start = start_ns;
	p->win_end = end_ns;
	p->have_res = false;
	/* Listen counters: a baseline when the window opens, the final value
	 * when it closes. */
	if (end_ns == UINT64_MAX)
		probes_read_netstat(&p->ns_start);
	else
		probes_read_netstat(&p->ns_end);

	/* Start before end: while start is new and end still old (0 at first)
	 * nothing is counted, never something from before the window. */
#define SET_WINDOW(type, obj)                                                         \
	do {                                                                           \
		struct type *s = p->skel[obj];                                         \
		if (s) {                                                               \
			__atomic_store_n(&s->bss->win_start, start_ns, __ATOMIC_SEQ_CST); \
			__atomic_store_n(&s->bss->win_end, end_ns, __ATOMIC_SEQ_CST);     \
		}                                                                      \
	} while (0)
	SET_WINDOW(syscalls_bpf, OBJ_SYSCALLS);
	SET_WINDOW(sched_bpf, OBJ_SCHED);
	SET_WINDOW(tcp_bpf, OBJ_TCP);
#undef SET_WINDOW
}

void probes_close(struct probes *p)
{
	if (!p)
		return;
	if (p->ps)
		for (size_t i = 0; i < probes_ndefs; i++)
			bpf_link__destroy(p->ps[i].link);
	for (int obj = OBJ_NR - 1; obj >= 0; obj--)
		if (p->skel[obj])
			obj_ops[obj].destroy(p->skel[obj]);
	probes_results_free(&p->res);
	free(p->ps);
	free(p->groups_s);
	free(p);
}

int probes_tracked_maps(struct probes *p, int *tracked_fd, int *tgid_tbl_fd)
{
	*tracked_fd = p ? p->tracked_fd : -1;
	*tgid_tbl_fd = p ? p->tgid_tbl_fd : -1;
	return *tracked_fd >= 0 && *tgid_tbl_fd >= 0 ? 0 : -ENOENT;
}
