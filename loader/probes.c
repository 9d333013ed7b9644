/* Probe lifecycle: privileges, feature probing against the kernel's BTF,
 * open -> rodata/map set-up -> autoload -> load -> attach, the measurement
 * window, the anatomy's records while the load runs, and detach. The table
 * of probes is in probe_table.c, whose events in probes_track.c, reading
 * what the programs gathered in probes_collect.c.
 *
 * Rule: one missing or failing probe never fails the run. It is recorded in
 * kernel.probes.missing with its reason, and the rest goes on. */
#define _GNU_SOURCE
#include <errno.h>
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
#include "loader/probe_spec.h"
#include "loader/kernel_features.h"
#include "common/clock.h"
#include "bpf/probes.skel.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* The anatomy's accept mark is dropped once this many records show that
 * fewer than 1 in 20 opened a connection (probes_trim). */
#define ANAT_ACCEPT_PROOF 2000

/* ---- libbpf messages ------------------------------------------------------ */

/* Silent unless verbose (then everything, the verifier's log of a rejected
 * program included). The warning kept for kernel.probes.missing is the one
 * that names the rejected program ("prog 'x': BPF program load failed:
 * ..."), else the last one. */
static bool g_verbose;
static char g_last_warn[160];

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[sizeof(g_last_warn)];
	bool names_prog;
	va_list copy;
	size_t n;

	if (g_verbose) {
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = 0;
	names_prog = strstr(line, "prog '") && strstr(line, "load failed");
	if (names_prog || !strstr(g_last_warn, "load failed"))
		memcpy(g_last_warn, line, sizeof(line));
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

/* ---- results ------------------------------------------------------------------------ */

struct anatomy *probes_anatomy(struct probes *p)
{
	return p ? p->anat : NULL;
}

/* ---- what is wanted ---------------------------------------------------------------- */

static bool wanted(const struct probes *p, int u, const bool on[GROUP_NR])
{
	return p->ps[u].status == PROBE_WANTED && on[probes_defs[u].group];
}

/* A hook whose tracepoint is missing here (or whose twins are both
 * switched off) runs on the first link of its chain that loads and
 * attaches here (a trial on the function); each link that cannot says why. */
static void choose_fallbacks(struct probes *p, const struct btf *btf)
{
	for (int h = 0; h < H_NR; h++) {
		struct hook_state *hs = &p->hs[h];
		size_t n = 0;

		if (!probes_hook_fallbacks[h][0].prog ||
		    (probe_tp_nargs(btf, probes_hook_names[h]) >= 0 &&
		     !(hs->no_btf_twin && hs->no_raw_twin)))
			continue;
		for (int k = 0; k < FALLBACK_LINKS && !hs->fallback; k++) {
			const struct hook_fallback *f = &probes_hook_fallbacks[h][k];
			int err = 0;

			if (!f->prog)
				break;
			if (!(hs->no_fallback & (1u << k)) && !(err = kernel_fallback_probe(f->func, f->mechanism))) {
				hs->fallback = f;
				break;
			}
			if (n < sizeof(hs->fallback_why))
				n += (size_t)snprintf(hs->fallback_why + n, sizeof(hs->fallback_why) - n,
						      "%s%s on %s: %s", n ? "; " : "", f->mechanism, f->func,
						      err ? strerror(-err) : "disabled by user");
		}
	}
}

/* Group selection, the server port, and the kernel's tracepoints. */
static void decide_wanted(struct probes *p, const struct btf *btf)
{
	choose_fallbacks(p, btf);
	for (int u = 0; u < U_NR; u++) {
		const struct probe_def *d = &probes_defs[u];
		struct probe_state *s = &p->ps[u];
		bool by_port = d->group == GROUP_TCP || d->group == GROUP_ANATOMY;

		if (s->status != PROBE_WANTED)
			continue;
		if (!p->group_on[d->group]) {
			s->status = PROBE_OFF;	/* not asked for: neither attached nor missing */
		} else if (by_port && p->opts.server_port <= 0) {
			s->status = PROBE_MISSING;
			snprintf(s->reason, sizeof(s->reason),
				 "server port unknown: socket events are filtered by port");
		} else if (probe_tp_nargs(btf, probes_hook_names[d->hook]) < 0 &&
			   !p->hs[d->hook].fallback) {
			const char *why = p->hs[d->hook].fallback_why;

			s->status = PROBE_MISSING;
			snprintf(s->reason, sizeof(s->reason),
				 "tracepoint not in this kernel (no btf_trace_%s in its BTF)%s%s",
				 probes_hook_names[d->hook], why[0] ? "; " : "", why);
		}
	}
	/* Arrival: sk_data_ready, else tcp_probe, else none (s1 = s2). */
	if (p->ps[U_ANAT_DATA_READY].status == PROBE_WANTED && p->ps[U_ANAT_TCP_PROBE].status == PROBE_WANTED)
		p->ps[U_ANAT_TCP_PROBE].status = PROBE_OFF;	/* not needed */
}

static uint32_t arrival_of(const struct probes *p)
{
	if (p->ps[U_ANAT_DATA_READY].status == PROBE_WANTED ||
	    p->ps[U_ANAT_DATA_READY].status == PROBE_ATTACHED)
		return ANAT_ARRIVAL_DATA_READY;
	if (p->ps[U_ANAT_TCP_PROBE].status == PROBE_WANTED ||
	    p->ps[U_ANAT_TCP_PROBE].status == PROBE_ATTACHED)
		return ANAT_ARRIVAL_TCP_PROBE;
	return ANAT_ARRIVAL_NONE;
}

/* ---- load ----------------------------------------------------------------------------- */

/* The anatomy's send end at the sending syscall's return (sys_exit, kept
 * by the syscalls group) instead of on sock_send_length: one program run
 * less per send of every process. Not when the user chose the hook's
 * twins or links: then it runs where asked. */
static bool send_end_at_exit(const struct probes *p, const bool on[GROUP_NR])
{
	const struct hook_state *h = &p->hs[H_SEND];

	return wanted(p, U_ANAT_SEND, on) && wanted(p, U_SYS_ENTER, on) && wanted(p, U_SYS_EXIT, on) &&
	       !h->no_btf_twin && !h->no_raw_twin && !h->no_fallback;
}

/* Whether use u runs on its own hook in object s (NULL: none loaded). */
static bool on_own_hook(const struct probes_bpf *s, int u)
{
	return u != U_ANAT_SEND || !s || !s->rodata->send_end_at_exit;
}

/* Autoload the programs of the wanted hooks of groups `on`. twins: 0 both
 * (attach picks), 1 tp_btf only, 2 raw_tp only. */
static void set_autoload(struct probes *p, struct probes_bpf *s, const bool on[GROUP_NR], int twins)
{
	struct bpf_program *prog;
	char raw[64];

	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, false);
	bpf_program__set_autoload(s->progs.anat_flush, on[GROUP_ANATOMY]);	/* run, never attached */
	for (int u = 0; u < U_NR; u++) {
		const struct hook_state *h = &p->hs[probes_defs[u].hook];
		const char *name = probes_hook_names[probes_defs[u].hook];

		if (!wanted(p, u, on) || !on_own_hook(s, u))
			continue;
		if (h->fallback) {
			if ((prog = bpf_object__find_program_by_name(s->obj, h->fallback->prog)))
				bpf_program__set_autoload(prog, true);
			if (h->fallback->entry_prog &&
			    (prog = bpf_object__find_program_by_name(s->obj, h->fallback->entry_prog)))
				bpf_program__set_autoload(prog, true);
			continue;
		}
		snprintf(raw, sizeof(raw), "%s_raw", name);
		if (twins != 2 && !h->no_btf_twin &&
		    (prog = bpf_object__find_program_by_name(s->obj, name)))
			bpf_program__set_autoload(prog, true);
		if (twins != 1 && !h->no_raw_twin &&
		    (prog = bpf_object__find_program_by_name(s->obj, raw)))
			bpf_program__set_autoload(prog, true);
	}
}

/* Shrinks the big maps of groups that are off (they are created anyway). */
static int size_maps(struct probes_bpf *s, const bool on[GROUP_NR], bool accept_wait)
{
	int err = 0;

	err = err ?: bpf_map__set_max_entries(s->maps.records,
					      on[GROUP_ANATOMY] ? ANAT_RING_BYTES : (uint32_t)getpagesize());
	if (!on[GROUP_ANATOMY]) {
		err = err ?: bpf_map__set_max_entries(s->maps.conns, 1);
		err = err ?: bpf_map__set_max_entries(s->maps.thr, 1);
	}
	if (!on[GROUP_SYSCALLS])
		err = err ?: bpf_map__set_max_entries(s->maps.loop_threads, 64);
	if (!on[GROUP_SCHED])
		err = err ?: bpf_map__set_max_entries(s->maps.threads, 64);
	if (!accept_wait)
		err = err ?: bpf_map__set_max_entries(s->maps.estab, 1);
	return err;
}

/* The knobs, written after open and before load. */
static int configure(struct probes *p, struct probes_bpf *s, const bool on[GROUP_NR], int twins,
		     const struct btf *btf)
{
	struct probes_bpf__rodata *ro = s->rodata;
	uint64_t uses = 0;

	for (int u = 0; u < U_NR; u++)
		if (wanted(p, u, on))
			uses |= 1ull << u;
	ro->uses_on = uses;
	ro->client_tgid = (uint32_t)p->opts.client_tgid;
	ro->server_port = (uint16_t)p->opts.server_port;
	ro->exit_has_group_dead = probe_tp_nargs(btf, "sched_process_exit") >= 2;
	ro->switch_has_state = probe_tp_nargs(btf, "sched_switch") >= 4;
	ro->tcp_recvmsg_flags_5th = func_nargs(btf, "tcp_recvmsg") >= 6;
	for (size_t i = 0; i < probes_sc_nnumbers; i++)
		if (probes_sc_numbers[i].nr >= 0 && probes_sc_numbers[i].nr < SC_ID_MAX)
			ro->sc_slot_of[probes_sc_numbers[i].nr] = (uint8_t)(probes_sc_numbers[i].slot + 1);
	/* Pays for the fd walk at accept() exit only when both halves run. */
	ro->accept_wait_on = wanted(p, U_SYS_EXIT, on) && wanted(p, U_TCP_SET_STATE, on);
	ro->arrival_mode = arrival_of(p);
	ro->have_sendmsg_tp = wanted(p, U_ANAT_SENDMSG, on);
	ro->send_end_at_exit = send_end_at_exit(p, on);
	set_autoload(p, s, on, twins);
	return size_maps(s, on, ro->accept_wait_on);
}

/* Open and load the object for groups `on`: first with both twins of every
 * wanted hook (attach then prefers tp_btf), then tp_btf only, then raw_tp
 * only, so a verifier that rejects one flavour costs only that flavour. */
static int load_set(struct probes *p, const bool on[GROUP_NR], const struct btf *btf,
		    char *msg, size_t len)
{
	int err = -ENOENT;

	for (int twins = 0; twins < 3; twins++) {
		struct probes_bpf *s = probes_bpf__open();

		if (!s) {
			err = -errno;
			snprintf(msg, len, "failed to open the BPF object: %s", strerror(-err));
			return err;
		}
		g_last_warn[0] = 0;
		err = configure(p, s, on, twins, btf);
		if (!err)
			err = probes_bpf__load(s);
		if (!err) {
			p->skel = s;
			return 0;
		}
		snprintf(msg, len, "failed to load the BPF probes: %s%s%s", strerror(-err),
			 g_last_warn[0] ? ": " : "", g_last_warn);
		probes_bpf__destroy(s);
	}
	return err;
}

/* Every group asked for; when the verifier rejects that, each group alone
 * (its code pruned from the others'), then together the ones that load. */
static void load_groups(struct probes *p, const struct btf *btf)
{
	bool ok[GROUP_NR] = { false }, any = false;
	char msg[200];

	if (!load_set(p, p->group_on, btf, msg, sizeof(msg))) {
		memcpy(p->group_loaded, p->group_on, sizeof(p->group_loaded));
		return;
	}
	for (int g = 0; g < GROUP_NR; g++) {
		bool one[GROUP_NR] = { false };

		if (!p->group_on[g])
			continue;
		one[g] = true;
		if (load_set(p, one, btf, p->group_err[g], sizeof(p->group_err[g])))
			continue;
		ok[g] = any = true;
		probes_bpf__destroy(p->skel);
		p->skel = NULL;
	}
	if (any && !load_set(p, ok, btf, msg, sizeof(msg))) {
		memcpy(p->group_loaded, ok, sizeof(p->group_loaded));
		return;
	}
	for (int g = 0; g < GROUP_NR; g++)
		if (ok[g])
			snprintf(p->group_err[g], sizeof(p->group_err[g]), "%s", msg);
}

/* ---- attach ----------------------------------------------------------------------------- */

/* A kretprobe's entry kprobe, attached before the return probe so the
 * first return finds its arguments. */
static int attach_entry(struct probes *p, struct hook_state *hs, int *err)
{
	struct bpf_program *prog;

	if (!hs->fallback->entry_prog)
		return 0;
	prog = bpf_object__find_program_by_name(p->skel->obj, hs->fallback->entry_prog);
	hs->entry_link = prog ? bpf_program__attach(prog) : NULL;
	if (hs->entry_link)
		return 0;
	*err = prog ? -errno : -ENOENT;
	return -1;
}

/* Attach one hook if a loaded group wants it: its tp_btf program if
 * loaded, else the raw_tp twin. */
static void attach_hook(struct probes *p, enum hook_id h)
{
	struct hook_state *hs = &p->hs[h];
	const char *modes[2] = { "tp_btf", "raw_tp" };
	char names[2][64], why[sizeof(hs->fallback_why)];
	bool want = false;
	int err = 0;

	for (int u = 0; u < U_NR; u++)
		want |= probes_defs[u].hook == h && wanted(p, u, p->group_loaded) && on_own_hook(p->skel, u);
	if (!want || hs->link)
		return;
	if (hs->fallback) {
		if (attach_entry(p, hs, &err))
			goto failed;
		modes[0] = hs->fallback->mechanism;
		snprintf(names[0], sizeof(names[0]), "%s", hs->fallback->prog);
		names[1][0] = 0;
	} else {
		snprintf(names[0], sizeof(names[0]), "%s", probes_hook_names[h]);
		snprintf(names[1], sizeof(names[1]), "%s_raw", probes_hook_names[h]);
	}
	for (int k = 0; k < 2; k++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(p->skel->obj, names[k]);

		if (!prog || !bpf_program__autoload(prog))
			continue;
		hs->link = bpf_program__attach(prog);
		if (hs->link) {
			hs->mode = modes[k];
			return;
		}
		err = -errno;
	}
failed:
	bpf_link__destroy(hs->entry_link);
	hs->entry_link = NULL;
	snprintf(why, sizeof(why), "%s", hs->fallback_why);
	snprintf(hs->reason, sizeof(hs->reason), "failed to attach: %s%s%s",
		 err ? strerror(-err) : hs->no_btf_twin && hs->no_raw_twin ?
		 "tp_btf and raw_tp disabled by user" : "no program loaded", why[0] ? "; " : "", why);
}

/* The send's end on sys_exit: there when both syscall hooks are (the
 * entry keeps which connection the call sends on). */
static void settle_send_at_exit(struct probes *p, struct probe_state *s)
{
	const struct hook_state *in = &p->hs[H_SYS_ENTER], *out = &p->hs[H_SYS_EXIT];

	if (in->link && out->link) {
		s->status = PROBE_ATTACHED;
		s->mode = out->mode;
		s->on_hook = probes_hook_names[H_SYS_EXIT];
		return;
	}
	s->status = PROBE_MISSING;
	snprintf(s->reason, sizeof(s->reason), "runs on sys_enter and sys_exit (the sending "
		 "syscall's return), and %s did not attach", in->link ? "sys_exit" : "sys_enter");
}

/* Each wanted use is now attached (its hook is) or missing, with why. */
static void settle_uses(struct probes *p)
{
	for (int u = 0; u < U_NR; u++) {
		struct probe_state *s = &p->ps[u];
		const struct hook_state *hs = &p->hs[probes_defs[u].hook];
		enum group_id g = probes_defs[u].group;

		if (s->status != PROBE_WANTED)
			continue;
		if (!p->group_loaded[g]) {
			s->status = PROBE_MISSING;
			snprintf(s->reason, sizeof(s->reason), "%s",
				 p->group_err[g][0] ? p->group_err[g] : "not loaded");
		} else if (!on_own_hook(p->skel, u)) {
			settle_send_at_exit(p, s);
		} else if (hs->link) {
			s->status = PROBE_ATTACHED;
			s->mode = hs->mode;
		} else {
			s->status = PROBE_MISSING;
			snprintf(s->reason, sizeof(s->reason), "%s", hs->reason);
		}
	}
}

static bool attached(const struct probes *p, int u)
{
	return p->ps[u].status == PROBE_ATTACHED;
}

/* What the breakdown can be built from: "" or why not. */
static void anatomy_unusable_why(const struct probes *p, char *why, size_t len)
{
	static const int need[] = { U_ANAT_RECV, U_ANAT_SET_STATE };

	why[0] = 0;
	if (!p->group_loaded[GROUP_ANATOMY]) {
		snprintf(why, len, "%s", p->group_err[GROUP_ANATOMY][0] ? p->group_err[GROUP_ANATOMY]
					: "server port unknown: socket events are filtered by port");
		return;
	}
	if (!attached(p, U_ANAT_DATA_READY) && !attached(p, U_ANAT_TCP_PROBE)) {
		snprintf(why, len, "no probe for C4 (anatomy/sk_data_ready and anatomy/tcp_probe missing)");
		return;
	}
	for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++) {
		const struct probe_state *s = &p->ps[need[k]];

		if (s->status != PROBE_ATTACHED) {
			snprintf(why, len, "no probe for %s: %s %s", probes_defs[need[k]].mark,
				 probes_defs[need[k]].name, s->reason[0] ? s->reason : "missing");
			return;
		}
	}
}

static int anatomy_start(struct probes *p, struct errbuf *err)
{
	bool loaded = p->skel && p->group_loaded[GROUP_ANATOMY];
	char why[200];
	struct anatomy_src src = {
		.ring_fd = loaded ? bpf_map__fd(p->skel->maps.records) : -1,
		.ring_bytes = loaded ? bpf_map__max_entries(p->skel->maps.records) : 0,
		.batch_fd = loaded ? bpf_map__fd(p->skel->maps.batch) : -1,
		.stats_fd = loaded ? bpf_map__fd(p->skel->maps.anat_stats) : -1,
		.flush_prog_fd = loaded ? bpf_program__fd(p->skel->progs.anat_flush) : -1,
		.arrival = arrival_of(p),
		.have_accept = attached(p, U_ANAT_SYS_EXIT),
		.unusable = why,
	};

	anatomy_unusable_why(p, why, sizeof(why));
	if (p->opts.verbose && why[0])
		fprintf(stderr, "bench-ebpf: anatomy: %s\n", why);
	if (anatomy_new(&src, &p->anat)) {
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int probes_attach(struct probes *p, struct errbuf *err)
{
	int rc;

	/* Whose events: the server first, then fork tracking, then what the
	 * server already forked, then everything else. */
	if (p->skel) {
		rc = probes_track_tgid(p, (uint32_t)p->opts.server_tgid);
		if (rc && rc != -EEXIST) {
			errbuf_set(err, "failed to track the server's pid: %s", strerror(-rc));
			return rc;
		}
		attach_hook(p, H_FORK);
		attach_hook(p, H_EXIT);
		probes_track_descendants(p, (uint32_t)p->opts.server_tgid);
		for (int h = 0; h < H_NR; h++)
			attach_hook(p, h);
	}
	settle_uses(p);
	probes_seed_waits(p);
	if (p->skel && !p->opts.no_cost)
		probes_cost_enable(p);
	else if (p->skel)
		snprintf(p->stats_err, sizeof(p->stats_err), "BPF run-time statistics off for this load");
	p->accept_wait = p->skel && p->skel->rodata->accept_wait_on &&
			 attached(p, U_TCP_SET_STATE) && attached(p, U_SYS_EXIT);
	return p->group_on[GROUP_ANATOMY] ? anatomy_start(p, err) : 0;
}

/* ---- host-wide listen queue counters --------------------------------------- */

/* ---- open ---------------------------------------------------------------------------- */

static int new_probes(const struct probes_opts *o, struct probes **out, struct errbuf *err)
{
	struct probes *p = calloc(1, sizeof(*p));

	if (!p)
		goto oom;
	p->opts = *o;
	p->opts.groups = p->opts.disable = NULL;
	p->groups_s = o->groups ? strdup(o->groups) : NULL;
	if (o->groups && !p->groups_s)	/* never read as "no list: all groups" */
		goto oom;
	for (int u = 0; u < U_NR; u++)
		p->ps[u].status = PROBE_WANTED;
	p->stats_fd = p->stats_sysctl_prev = -1;
	*out = p;
	return 0;
oom:
	free(p);
	errbuf_set(err, "out of memory");
	return -ENOMEM;
}

int probes_open(const struct probes_opts *o, struct probes **out, struct errbuf *err)
{
	struct probes *p;
	struct btf *btf;
	int rc;

	*out = NULL;
	if (!o || o->server_tgid <= 0) {
		errbuf_set(err, "probes need the server's pid");
		return -EINVAL;
	}
	g_verbose = o->verbose;
	libbpf_set_print(print_fn);
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	rc = new_probes(o, &p, err);
	if (rc)
		return rc;
	rc = probes_parse_groups(p->group_on, p->groups_s, err);
	if (!rc)
		rc = probes_parse_disable(p, o->disable, err);
	if (rc) {
		probes_close(p);
		return rc;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		rc = errno ? -errno : -ENOENT;
		errbuf_set(err, "no kernel BTF (/sys/kernel/btf/vmlinux): the eBPF probes need a "
			   "kernel built with CONFIG_DEBUG_INFO_BTF; use --no-ebpf to run without");
		probes_close(p);
		return rc;
	}
	decide_wanted(p, btf);
	load_groups(p, btf);
	btf__free(btf);
	*out = p;
	return 0;
}

/* ---- window, poll, collect, close ------------------------------------------------------ */

void probes_window_open(struct probes *p, uint64_t start_ns)
{
	if (!p)
		return;
	p->win_start = start_ns;
	p->win_end = UINT64_MAX;
	p->have_res = false;
	probes_read_netstat(&p->ns_start);	/* the listen counters' baseline */
	if (!p->skel)
		return;
	for (int h = 0; h < H_NR; h++) {
		p->cost_seen[h] = p->hs[h].link != NULL;
		p->cost_mode[h] = p->hs[h].mode;
	}
	probes_cost_read(p, p->cost_start);
	/* Start before end: while start is new and end still 0, nothing is
	 * counted, never something from before the window. */
	__atomic_store_n(&p->skel->bss->win_start, start_ns, __ATOMIC_SEQ_CST);
	__atomic_store_n(&p->skel->bss->win_end, UINT64_MAX, __ATOMIC_SEQ_CST);
}

int probes_poll(struct probes *p)
{
	probes_timeline_poll(p);
	return p ? anatomy_poll(p->anat) : 0;
}

void probes_trim(struct probes *p)
{
	size_t n, first;
	bool shared = false;

	if (!p || !p->anat || !attached(p, U_ANAT_SYS_EXIT) || p->accept_mark_retired_at)
		return;
	anatomy_seen(p->anat, &n, &first);
	if (n < ANAT_ACCEPT_PROOF || first * 20 >= n)
		return;
	/* The few connections opened later keep their accept_wait inside
	 * wait, and the breakdown counts them (accept_unseen). */
	__atomic_store_n(&p->skel->data->anat_accept_live, 0, __ATOMIC_RELAXED);
	p->accept_mark_retired_at = n;
	for (int u = 0; u < U_NR; u++)
		shared |= u != U_ANAT_SYS_EXIT && probes_defs[u].hook == H_SYS_EXIT && attached(p, u);
	if (!shared) {	/* sys_exit runs for every syscall of the machine */
		bpf_link__destroy(p->hs[H_SYS_EXIT].link);
		p->hs[H_SYS_EXIT].link = NULL;
	}
}

void probes_window_close(struct probes *p)
{
	if (!p)
		return;
	p->win_end = mono_ns();
	probes_read_netstat(&p->ns_end);
	probes_cost_read(p, p->cost_end);
	if (p->skel)
		__atomic_store_n(&p->skel->bss->win_end, p->win_end, __ATOMIC_SEQ_CST);
}

int probes_collect(struct probes *p, uint64_t start_ns, uint64_t end_ns)
{
	if (!p)
		return -EINVAL;
	anatomy_finish(p->anat);
	probes_trim(p);		/* decided on every record, as while polling */
	if (end_ns > start_ns) {	/* the exact window, inside the one that counted */
		p->win_start = start_ns;
		p->win_end = end_ns;
	}
	p->have_res = false;
	int e = probes_read_results(p);
	probes_timeline_finish(p);
	return e;
}

void probes_close(struct probes *p)
{
	if (!p)
		return;
	for (int h = 0; h < H_NR; h++) {
		bpf_link__destroy(p->hs[h].link);
		bpf_link__destroy(p->hs[h].entry_link);
	}
	anatomy_free(p->anat);
	probes_timeline_free(p);
	probes_bpf__destroy(p->skel);
	probes_cost_restore(p);
	probes_results_free(&p->res);
	free(p->groups_s);
	free(p);
}
