/* Anatomy probes: lifecycle of bpf/anatomy.bpf.c and the ring buffer
 * consumer (see anatomy.h). Same rules as probes.c: every tracepoint is
 * looked up in the kernel's BTF first, a missing one is switched off and
 * reported with its reason, each probe has a tp_btf program and a raw_tp
 * twin, and the object is retried with one flavour only if the verifier
 * rejects the other. Nothing here fails a run. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "loader/anatomy.h"
#include "loader/probe_spec.h"
#include "bpf/anatomy.skel.h"

#define ANAT_PREFIX "anatomy/"

/* The probes, in report order. `mark` says what is lost without it. */
enum anat_probe_id {
	AP_SK_DATA_READY, AP_TCP_PROBE, AP_RECV, AP_SENDMSG, AP_SEND, AP_SET_STATE,
	AP_SYS_EXIT, AP_SWITCH, AP_WAKEUP, AP_WAKEUP_NEW, AP_NR,
};

static const struct {
	const char *tp, *btf_prog, *raw_prog, *mark;
} defs[AP_NR] = {
	[AP_SK_DATA_READY] = { "sk_data_ready", "sk_data_ready", "sk_data_ready_raw",
			       "S1 and C4 (bytes queued on a socket)" },
	[AP_TCP_PROBE] = { "tcp_probe", "tcp_probe", "tcp_probe_raw",
			   "fallback for S1 and C4" },
	[AP_RECV] = { "sock_recv_length", "sock_recv_length", "sock_recv_length_raw",
		      "S2 (the server's read returns)" },
	[AP_SENDMSG] = { "tcp_sendmsg_locked", "tcp_sendmsg_locked", "tcp_sendmsg_locked_raw",
			 "S3 (the server's send begins)" },
	[AP_SEND] = { "sock_send_length", "sock_send_length", "sock_send_length_raw",
		      "send time and bytes out" },
	[AP_SET_STATE] = { "inet_sock_set_state", "inet_sock_set_state",
			   "inet_sock_set_state_raw", "connect, accept_wait and record emission at close" },
	[AP_SYS_EXIT] = { "sys_exit", "sys_exit", "sys_exit_raw", "accept() return (accept_wait)" },
	[AP_SWITCH] = { "sched_switch", "anat_sched_switch", "anat_sched_switch_raw",
			"run-queue part of wait" },
	[AP_WAKEUP] = { "sched_wakeup", "anat_sched_wakeup", "anat_sched_wakeup_raw",
			"run-queue part of wait" },
	[AP_WAKEUP_NEW] = { "sched_wakeup_new", "anat_sched_wakeup_new",
			    "anat_sched_wakeup_new_raw", "run-queue part of wait (new threads)" },
};

enum ap_status { AP_OFF, AP_WANTED, AP_ATTACHED, AP_MISSING };

struct ap_state {
	enum ap_status status;
	bool no_btf, no_raw;	/* twin switched off by the user */
	const char *mode;
	char reason[200];
	struct bpf_link *link;
};

/* Drained records: chunks that never move, so pointers into them stay valid. */
#define CHUNK_RECS 4096
struct chunk {
	struct chunk *next;
	size_t n;
	struct anat_rec v[CHUNK_RECS];
};

struct anatomy {
	struct anatomy_opts o;
	struct ap_state ps[AP_NR];
	struct anatomy_bpf *skel;
	char obj_err[200];
	struct ring_buffer *rb;
	struct chunk *head, *tail;	/* oldest first */
	size_t n;
	size_t n_first;			/* of them, first requests of their connection */
	uint64_t flushed_direct;	/* records taken from the batches by user space (counted as emitted) */
	size_t exit_detached_at;	/* records drained when sys_exit was detached; 0: never */
	uint64_t oom;			/* records drained but not kept (no memory) */
	uint64_t stats[ANAT_ST_NR];
	uint32_t arrival;		/* enum anat_arrival */
	char unusable[200];
};

/* ---- names ------------------------------------------------------------------- */

bool anatomy_wanted(const char *groups)
{
	const char *p = groups;
	bool any = false;

	while (p && *p) {
		size_t n;

		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (!n)
			break;
		any = true;
		if ((n == 7 && !strncmp(p, "anatomy", 7)) || (n == 3 && !strncmp(p, "all", 3)))
			return true;
		p += n;
	}
	return !any;	/* no list: every group */
}

/* Index of "anatomy/<tp>" (twin suffix ignored), or -1. */
static int probe_index(const char *name, size_t len)
{
	size_t pl = strlen(ANAT_PREFIX);

	if (len <= pl || strncmp(name, ANAT_PREFIX, pl))
		return -1;
	for (int i = 0; i < AP_NR; i++)
		if (strlen(defs[i].tp) == len - pl && !strncmp(name + pl, defs[i].tp, len - pl))
			return i;
	return -1;
}

bool anatomy_probe_name(const char *name)
{
	return name && !strncmp(name, ANAT_PREFIX, strlen(ANAT_PREFIX));
}

static int disable_one(const struct probe_spec *sp, void *arg)
{
	struct anatomy *a = ((void **)arg)[0];
	struct errbuf *err = ((void **)arg)[1];
	int i;

	if (!anatomy_probe_name(sp->name))
		return 0;	/* the other groups' probes: loader/probes.c */
	i = probe_index(sp->name, strlen(sp->name));
	if (i < 0) {
		errbuf_set(err, "unknown probe '%s' in the disable list (anatomy "
			   "probes: anatomy/sk_data_ready, anatomy/tcp_probe, "
			   "anatomy/sock_recv_length, anatomy/tcp_sendmsg_locked, "
			   "anatomy/sock_send_length, anatomy/inet_sock_set_state, "
			   "anatomy/sys_exit, anatomy/sched_switch, "
			   "anatomy/sched_wakeup, anatomy/sched_wakeup_new)", sp->name);
		return -EINVAL;
	}
	if (sp->what == PROBE_SPEC_OFF) {
		a->ps[i].status = AP_MISSING;
		snprintf(a->ps[i].reason, sizeof(a->ps[i].reason), "disabled by user");
	}
	a->ps[i].no_btf |= sp->what == PROBE_SPEC_NO_BTF;
	a->ps[i].no_raw |= sp->what == PROBE_SPEC_NO_RAW;
	return 0;
}

static int parse_disable(struct anatomy *a, struct errbuf *err)
{
	void *arg[2] = { a, err };
	return probe_spec_each(a->o.disable, disable_one, arg, err);
}

/* ---- BTF: probe_tp_nargs() in loader/probe_spec.c ------------------------------ */

/* ---- syscalls ------------------------------------------------------------------ */

/* accept() and accept4(): their return is the end of accept_wait. */
static const long accept_nrs[] = {
#ifdef SYS_accept
	SYS_accept,
#endif
	SYS_accept4,
};

/* ---- load and attach ----------------------------------------------------------- */

static void set_autoload(struct anatomy *a, int twins)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, a->skel->obj)
		bpf_program__set_autoload(prog, false);
	bpf_program__set_autoload(a->skel->progs.anat_flush, true);	/* run, never attached */
	for (int i = 0; i < AP_NR; i++) {
		if (a->ps[i].status != AP_WANTED)
			continue;
		if (twins != 2 && !a->ps[i].no_btf &&
		    (prog = bpf_object__find_program_by_name(a->skel->obj, defs[i].btf_prog)))
			bpf_program__set_autoload(prog, true);
		if (twins != 1 && !a->ps[i].no_raw &&
		    (prog = bpf_object__find_program_by_name(a->skel->obj, defs[i].raw_prog)))
			bpf_program__set_autoload(prog, true);
	}
}

static int configure(struct anatomy *a, const struct btf *btf)
{
	struct anatomy_bpf *s = a->skel;
	int err;

	s->rodata->server_port = (uint16_t)a->o.server_port;
	s->rodata->client_tgid = (uint32_t)a->o.client_tgid;
	s->rodata->arrival_mode = a->arrival;
	s->rodata->switch_has_state = probe_tp_nargs(btf, "sched_switch") >= 4;
	s->rodata->have_sendmsg_tp = a->ps[AP_SENDMSG].status == AP_WANTED;
	for (size_t i = 0; i < sizeof(accept_nrs) / sizeof(accept_nrs[0]); i++)
		if (accept_nrs[i] >= 0 && accept_nrs[i] < ANAT_SC_ID_MAX)
			s->rodata->is_accept[accept_nrs[i]] = 1;
	err = bpf_map__set_max_entries(s->maps.records, (uint32_t)a->o.ring_bytes);
	if (!err && a->o.tracked_fd >= 0)
		err = bpf_map__reuse_fd(s->maps.tracked, a->o.tracked_fd);
	if (!err && a->o.tgid_tbl_fd >= 0)
		err = bpf_map__reuse_fd(s->maps.tgid_tbl, a->o.tgid_tbl_fd);
	return err;
}

static int load(struct anatomy *a, const struct btf *btf)
{
	int err = -ENOENT;

	for (int twins = 0; twins < 3; twins++) {
		a->skel = anatomy_bpf__open();
		if (!a->skel) {
			err = -errno;
			snprintf(a->obj_err, sizeof(a->obj_err),
				 "failed to open the anatomy BPF object: %s", strerror(-err));
			return err;
		}
		set_autoload(a, twins);
		err = configure(a, btf);
		if (!err)
			err = anatomy_bpf__load(a->skel);
		if (!err)
			return 0;
		snprintf(a->obj_err, sizeof(a->obj_err), "failed to load the anatomy BPF object: %s",
			 strerror(-err));
		anatomy_bpf__destroy(a->skel);
		a->skel = NULL;
	}
	return err;
}

static void attach(struct anatomy *a, int i)
{
	struct ap_state *s = &a->ps[i];
	const char *names[2] = { defs[i].btf_prog, defs[i].raw_prog };
	const char *modes[2] = { "tp_btf", "raw_tp" };
	int err = 0;

	if (s->status != AP_WANTED)
		return;
	if (!a->skel) {
		s->status = AP_MISSING;
		snprintf(s->reason, sizeof(s->reason), "%s", a->obj_err);
		return;
	}
	for (int k = 0; k < 2; k++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(a->skel->obj, names[k]);

		if (!prog || !bpf_program__autoload(prog))
			continue;
		s->link = bpf_program__attach(prog);
		if (s->link) {
			s->status = AP_ATTACHED;
			s->mode = modes[k];
			return;
		}
		err = -errno;
	}
	s->status = AP_MISSING;
	snprintf(s->reason, sizeof(s->reason), "failed to attach: %s",
		 err ? strerror(-err) : "no program loaded");
}

/* Without a shared `tracked` map (the track object did not load) the
 * server's own tgid is the whole set: its threads are followed, processes
 * it forks are not. */
static void seed_tracked(struct anatomy *a)
{
	uint32_t tgid = (uint32_t)a->o.server_tgid, one = 1, idx;

	if (!a->skel || a->o.tracked_fd >= 0 || !tgid)
		return;
	idx = tgid & (TGID_TBL_SIZE - 1);
	bpf_map__update_elem(a->skel->maps.tracked, &tgid, sizeof(tgid), &one, sizeof(one), BPF_ANY);
	bpf_map__update_elem(a->skel->maps.tgid_tbl, &idx, sizeof(idx), &tgid, sizeof(tgid), BPF_ANY);
}

/* ---- the consumer -------------------------------------------------------------- */

static int on_one(struct anatomy *a, const struct anat_rec *r)
{
	struct chunk *c = a->tail;

	if (!c || c->n == CHUNK_RECS) {
		c = malloc(sizeof(*c));
		if (!c) {
			a->oom++;
			return 0;
		}
		c->next = NULL;
		c->n = 0;
		if (a->tail)
			a->tail->next = c;
		else
			a->head = c;
		a->tail = c;
	}
	memcpy(&c->v[c->n++], r, sizeof(*r));
	a->n++;
	a->n_first += r->seq == 0;
	return 0;
}

/* A ring record holds one anat_rec, or a CPU's batch of them (anat_batch). */
static int on_record(void *ctx, void *data, size_t size)
{
	struct anatomy *a = ctx;
	const struct anat_rec *r = data;

	for (size_t i = 0; i < size / sizeof(*r); i++)
		on_one(a, &r[i]);
	return 0;
}

/* Hand over what each CPU's batch still holds: anat_flush run on that CPU
 * (it answers 1 while a program there is filling the batch: try again).
 * Where it cannot run (no BPF_F_TEST_RUN_ON_CPU), the batch is read from
 * the map instead (the load is over: nothing fills it any more). */
static void flush_batches(struct anatomy *a)
{
	int fd, err, ncpu = libbpf_num_possible_cpus();
	bool direct = false, *failed;
	struct anat_batch *v;
	uint32_t zero = 0;

	if (!a->skel || ncpu <= 0 || (fd = bpf_program__fd(a->skel->progs.anat_flush)) < 0)
		return;
	failed = calloc((size_t)ncpu, sizeof(*failed));
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!failed || !v) {
		/* Nothing can be read back: what the batches hold is lost, and said so. */
		a->oom += ANAT_BATCH * (uint64_t)ncpu;
		goto out;
	}
	for (int cpu = 0; cpu < ncpu; cpu++) {
		for (int tries = 0; tries < 1000; tries++) {
			LIBBPF_OPTS(bpf_test_run_opts, t, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (uint32_t)cpu);

			err = bpf_prog_test_run_opts(fd, &t);
			if (err && errno != ENXIO)	/* ENXIO: an offline CPU, nothing there */
				failed[cpu] = direct = true;
			if (err || t.retval != 1)
				break;
		}
	}
	if (direct && !bpf_map__lookup_elem(a->skel->maps.batch, &zero, sizeof(zero), v,
					    sizeof(*v) * (size_t)ncpu, 0)) {
		for (int cpu = 0; cpu < ncpu; cpu++) {
			if (!failed[cpu])
				continue;
			for (uint32_t i = 0; i < v[cpu].n && i < ANAT_BATCH; i++, a->flushed_direct++)
				on_one(a, &v[cpu].rec[i]);
			v[cpu].n = 0;
		}
		bpf_map__update_elem(a->skel->maps.batch, &zero, sizeof(zero), v,
				     sizeof(*v) * (size_t)ncpu, BPF_ANY);
	}
out:
	free(failed);
	free(v);
}

/* sys_exit runs for every syscall of the machine, only to see accept()
 * return. Once the connections have proved kept alive (at least
 * ANAT_EXIT_PROOF records, fewer than 1 in 20 opened a connection) it is
 * detached: the few connections opened later keep their accept_wait inside
 * wait, and the breakdown counts them (accept_unseen). */
#define ANAT_EXIT_PROOF 2000
static void maybe_detach_exit(struct anatomy *a)
{
	struct ap_state *s = &a->ps[AP_SYS_EXIT];

	if (s->status != AP_ATTACHED || !s->link || a->n < ANAT_EXIT_PROOF ||
	    a->n_first * 20 >= a->n)
		return;
	bpf_link__destroy(s->link);
	s->link = NULL;
	a->exit_detached_at = a->n;
}

int anatomy_poll(struct anatomy *a)
{
	int n;

	if (!a || !a->rb)
		return 0;
	n = ring_buffer__consume(a->rb);
	maybe_detach_exit(a);
	return n;
}

static void read_stats(struct anatomy *a)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;

	if (!a->skel || ncpu <= 0)
		return;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return;
	for (uint32_t k = 0; k < ANAT_ST_NR; k++) {
		a->stats[k] = 0;
		if (bpf_map__lookup_elem(a->skel->maps.anat_stats, &k, sizeof(k), v,
					 sizeof(*v) * (size_t)ncpu, 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			a->stats[k] += v[c];
	}
	a->stats[ANAT_ST_EMITTED] += a->flushed_direct;
	free(v);
}

void anatomy_finish(struct anatomy *a)
{
	if (!a)
		return;
	flush_batches(a);
	anatomy_poll(a);
	read_stats(a);
}

const struct anat_rec **anatomy_records(struct anatomy *a, size_t *n)
{
	const struct anat_rec **v;
	size_t k = 0;

	*n = 0;
	if (!a || !a->n)
		return NULL;
	v = malloc(a->n * sizeof(*v));
	if (!v)
		return NULL;
	for (struct chunk *c = a->head; c; c = c->next)
		for (size_t i = 0; i < c->n; i++)
			v[k++] = &c->v[i];
	*n = k;
	return v;
}

uint64_t anatomy_lost(const struct anatomy *a)
{
	return a ? a->stats[ANAT_ST_LOST] + a->oom : 0;
}

const char *anatomy_unusable(const struct anatomy *a)
{
	return a ? a->unusable : "not run";
}

const char *anatomy_arrival(const struct anatomy *a)
{
	static const char *const names[] = { "sk_data_ready", "tcp_probe", "none" };

	return a && a->arrival < 3 ? names[a->arrival] : "none";
}

/* ---- open / close -------------------------------------------------------------- */

int anatomy_open(const struct anatomy_opts *o, struct anatomy **out, struct errbuf *err)
{
	struct anatomy *a;
	struct btf *btf;
	int rc;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	a->o = *o;
	if (!a->o.ring_bytes)
		a->o.ring_bytes = 32u << 20;
	for (int i = 0; i < AP_NR; i++)
		a->ps[i].status = AP_WANTED;
	rc = parse_disable(a, err);
	if (rc) {
		free(a);
		return rc;
	}

	btf = btf__load_vmlinux_btf();
	for (int i = 0; i < AP_NR; i++) {
		struct ap_state *s = &a->ps[i];

		if (s->status != AP_WANTED)
			continue;
		if (o->server_port <= 0) {
			s->status = AP_MISSING;
			snprintf(s->reason, sizeof(s->reason),
				 "server port unknown: socket events are filtered by port");
		} else if (!btf) {
			s->status = AP_MISSING;
			snprintf(s->reason, sizeof(s->reason), "no kernel BTF");
		} else if (probe_tp_nargs(btf, defs[i].tp) < 0) {
			s->status = AP_MISSING;
			snprintf(s->reason, sizeof(s->reason),
				 "tracepoint not in this kernel (no btf_trace_%s in its BTF)", defs[i].tp);
		}
	}
	/* Arrival: sk_data_ready, else tcp_probe, else none (s1 = s2). */
	if (a->ps[AP_SK_DATA_READY].status == AP_WANTED) {
		a->arrival = ANAT_ARRIVAL_DATA_READY;
		a->ps[AP_TCP_PROBE].status = AP_OFF;	/* not needed: neither attached nor missing */
	} else {
		a->arrival = a->ps[AP_TCP_PROBE].status == AP_WANTED ? ANAT_ARRIVAL_TCP_PROBE
								     : ANAT_ARRIVAL_NONE;
	}

	if (btf && o->server_port > 0)
		load(a, btf);
	btf__free(btf);
	seed_tracked(a);
	for (int i = 0; i < AP_NR; i++)
		attach(a, i);
	if (a->skel) {
		a->rb = ring_buffer__new(bpf_map__fd(a->skel->maps.records), on_record, a, NULL);
		if (!a->rb)
			snprintf(a->unusable, sizeof(a->unusable),
				 "failed to open the anatomy ring buffer: %s", strerror(errno));
	}

	/* What the breakdown can be built from. */
	if (!a->unusable[0]) {
		static const int need[] = { AP_RECV, AP_SET_STATE };

		if (!a->skel)
			snprintf(a->unusable, sizeof(a->unusable), "%s", a->obj_err);
		else if (a->ps[AP_SK_DATA_READY].status != AP_ATTACHED &&
			 a->ps[AP_TCP_PROBE].status != AP_ATTACHED)
			snprintf(a->unusable, sizeof(a->unusable),
				 "no probe for C4 (anatomy/sk_data_ready and anatomy/tcp_probe missing)");
		for (size_t k = 0; !a->unusable[0] && k < sizeof(need) / sizeof(need[0]); k++)
			if (a->ps[need[k]].status != AP_ATTACHED)
				snprintf(a->unusable, sizeof(a->unusable), "no probe for %s: anatomy/%s %s",
					 defs[need[k]].mark, defs[need[k]].tp,
					 a->ps[need[k]].reason[0] ? a->ps[need[k]].reason : "missing");
	}
	if (o->verbose && a->unusable[0])
		fprintf(stderr, "bench-ebpf: anatomy: %s\n", a->unusable);
	*out = a;
	return 0;
}

void anatomy_close(struct anatomy *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	ring_buffer__free(a->rb);
	for (int i = 0; i < AP_NR; i++)
		bpf_link__destroy(a->ps[i].link);
	anatomy_bpf__destroy(a->skel);
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

/* ---- report -------------------------------------------------------------------- */

static json_t *ensure(json_t *parent, const char *key, json_t *(*make)(void))
{
	json_t *v = json_object_get(parent, key);

	if (!v) {
		v = make();
		json_object_set_new(parent, key, v);
	}
	return v;
}

int anatomy_report_kernel(struct anatomy *a, json_t *kernel)
{
	static const char *const stat_names[ANAT_ST_NR] = {
		[ANAT_ST_EMITTED] = "records",
		[ANAT_ST_LOST] = "ring_full",
		[ANAT_ST_READ_NO_ARRIVAL] = "read_without_arrival",
		[ANAT_ST_ARRIVALS_LOST] = "arrivals_overwritten",
		[ANAT_ST_DATA_NO_REQ] = "response_bytes_without_request",
		[ANAT_ST_SEND_NO_REQ] = "send_without_request",
		[ANAT_ST_RUNQ_TRUNC] = "runq_history_short",
	};
	json_t *probes, *att, *mis, *groups, *lost, *anat, *anom;
	char name[64];
	uint64_t dropped;
	json_int_t prev;

	if (!a || !json_is_object(kernel))
		return -EINVAL;
	probes = ensure(kernel, "probes", json_object);
	att = ensure(probes, "attached", json_array);
	mis = ensure(probes, "missing", json_array);
	groups = ensure(probes, "groups", json_array);
	json_array_append_new(groups, json_string("anatomy"));
	for (int i = 0; i < AP_NR; i++) {
		snprintf(name, sizeof(name), ANAT_PREFIX "%s", defs[i].tp);
		if (a->ps[i].status == AP_ATTACHED && i == AP_SYS_EXIT && a->exit_detached_at)
			json_array_append_new(att, json_pack("{s:s,s:s,s:I}", "name", name,
				"mode", a->ps[i].mode,
				"detached_after_records", (json_int_t)a->exit_detached_at));
		else if (a->ps[i].status == AP_ATTACHED)
			json_array_append_new(att, json_pack("{s:s,s:s}", "name", name,
							     "mode", a->ps[i].mode));
		else if (a->ps[i].status == AP_MISSING)
			json_array_append_new(mis, json_pack("{s:s,s:s}", "name", name,
							     "reason", a->ps[i].reason));
	}

	dropped = anatomy_lost(a);
	prev = json_integer_value(json_object_get(kernel, "records_lost"));
	json_object_set_new(kernel, "records_lost", json_integer(prev + (json_int_t)dropped));
	lost = ensure(kernel, "records_lost_by_reason", json_object);
	if (a->stats[ANAT_ST_LOST])
		json_object_set_new(lost, "anatomy_ring_full", json_integer((json_int_t)a->stats[ANAT_ST_LOST]));
	if (a->oom)
		json_object_set_new(lost, "anatomy_out_of_memory", json_integer((json_int_t)a->oom));

	anom = json_object();
	for (int k = ANAT_ST_READ_NO_ARRIVAL; k < ANAT_ST_NR; k++)
		json_object_set_new(anom, stat_names[k], json_integer((json_int_t)a->stats[k]));
	anat = json_pack("{s:b,s:s,s:I,s:I,s:I,s:o}",
		"available", !a->unusable[0],
		"arrival", anatomy_arrival(a),
		"records", (json_int_t)a->stats[ANAT_ST_EMITTED],
		"drained", (json_int_t)a->n,
		"records_lost", (json_int_t)dropped,
		"anomalies", anom);
	if (!anat)
		return -ENOMEM;
	if (a->unusable[0])
		json_object_set_new(anat, "reason", json_string(a->unusable));
	json_object_set_new(kernel, "anatomy", anat);
	return 0;
}

bool anatomy_have_accept(const struct anatomy *a)
{
	return a && a->ps[AP_SYS_EXIT].status == AP_ATTACHED;
}
