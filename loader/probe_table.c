/* The one probe table: every group's use of every kernel hook (the names
 * users switch off and the report lists), the hooks themselves, and the
 * option lists that select groups (--probes) and switch probes off
 * (--disable-probe). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include "loader/probes_internal.h"
#include "loader/probe_spec.h"

const char *const probes_group_names[GROUP_NR] = {
	[GROUP_SYSCALLS] = "syscalls", [GROUP_SCHED] = "sched", [GROUP_TCP] = "tcp",
	[GROUP_ANATOMY] = "anatomy", [GROUP_TRACK] = "track",
};

/* Tracepoint = tp_btf program name; the raw_tp twin adds "_raw". */
const char *const probes_hook_names[H_NR] = {
	[H_FORK] = "sched_process_fork", [H_EXIT] = "sched_process_exit",
	[H_SYS_ENTER] = "sys_enter", [H_SYS_EXIT] = "sys_exit",
	[H_SWITCH] = "sched_switch", [H_WAKEUP] = "sched_wakeup",
	[H_WAKEUP_NEW] = "sched_wakeup_new", [H_SET_STATE] = "inet_sock_set_state",
	[H_RETRANSMIT] = "tcp_retransmit_skb", [H_SYNACK] = "tcp_retransmit_synack",
	[H_SEND_RESET] = "tcp_send_reset", [H_RECV_RESET] = "tcp_receive_reset",
	[H_DATA_READY] = "sk_data_ready", [H_TCP_PROBE] = "tcp_probe",
	[H_RECV] = "sock_recv_length", [H_SENDMSG] = "tcp_sendmsg_locked",
	[H_SEND] = "sock_send_length",
};

/* Before 6.3 the socket length tracepoints are missing (and, on 6.1,
 * tcp_sendmsg_locked; sk_data_ready before 6.5): the function each sits in
 * stands in, first on a BPF trampoline, else on a kprobe. */
const struct hook_fallback probes_hook_fallbacks[H_NR][FALLBACK_LINKS] = {
	[H_DATA_READY] = { { "fentry", "sock_def_readable", "sk_data_ready_fentry", NULL },
			   { "kprobe", "sock_def_readable", "sk_data_ready_kprobe", NULL } },
	[H_RECV] = { { "fexit", "sock_recvmsg", "sock_recv_length_fexit", NULL },
		     { "kretprobe", "tcp_recvmsg", "sock_recv_length_kretprobe",
		       "sock_recv_length_kprobe" } },
	[H_SEND] = { { "fexit", "tcp_sendmsg", "sock_send_length_fexit", NULL },
		     { "kretprobe", "tcp_sendmsg", "sock_send_length_kretprobe",
		       "sock_send_length_kprobe" } },
	[H_SENDMSG] = { { "fentry", "tcp_sendmsg_locked", "tcp_sendmsg_locked_fentry", NULL },
			{ "kprobe", "tcp_sendmsg_locked", "tcp_sendmsg_locked_kprobe", NULL } },
};

/* An anatomy mark's use of a hook: "anatomy/HOOK", and what it gives. */
#define ANATOMY(hook_name, hook, what) { "anatomy/" hook_name, hook, GROUP_ANATOMY, what }

/* Indexed by enum probe_use (bpf/probes.h), in report order. */
const struct probe_def probes_defs[U_NR] = {
	[U_FORK] = { "sched_process_fork", H_FORK, GROUP_TRACK, NULL },
	[U_EXIT] = { "sched_process_exit", H_EXIT, GROUP_TRACK, NULL },
	[U_SYS_ENTER] = { "sys_enter", H_SYS_ENTER, GROUP_SYSCALLS, NULL },
	[U_SYS_EXIT] = { "sys_exit", H_SYS_EXIT, GROUP_SYSCALLS, NULL },
	[U_SCHED_SWITCH] = { "sched_switch", H_SWITCH, GROUP_SCHED, NULL },
	[U_SCHED_WAKEUP] = { "sched_wakeup", H_WAKEUP, GROUP_SCHED, NULL },
	[U_SCHED_WAKEUP_NEW] = { "sched_wakeup_new", H_WAKEUP_NEW, GROUP_SCHED, NULL },
	[U_TCP_SET_STATE] = { "inet_sock_set_state", H_SET_STATE, GROUP_TCP, NULL },
	[U_TCP_RETRANSMIT] = { "tcp_retransmit_skb", H_RETRANSMIT, GROUP_TCP, NULL },
	[U_TCP_SYNACK] = { "tcp_retransmit_synack", H_SYNACK, GROUP_TCP, NULL },
	[U_TCP_SEND_RESET] = { "tcp_send_reset", H_SEND_RESET, GROUP_TCP, NULL },
	[U_TCP_RECV_RESET] = { "tcp_receive_reset", H_RECV_RESET, GROUP_TCP, NULL },
	[U_ANAT_DATA_READY] = ANATOMY("sk_data_ready", H_DATA_READY, "S1 and C4 (bytes queued on a socket)"),
	[U_ANAT_TCP_PROBE] = ANATOMY("tcp_probe", H_TCP_PROBE, "fallback for S1 and C4"),
	[U_ANAT_RECV] = ANATOMY("sock_recv_length", H_RECV, "S2 (the server's read returns)"),
	[U_ANAT_SENDMSG] = ANATOMY("tcp_sendmsg_locked", H_SENDMSG, "S3 (the server's send begins)"),
	[U_ANAT_SEND] = ANATOMY("sock_send_length", H_SEND, "send time and bytes out"),
	[U_ANAT_SET_STATE] = ANATOMY("inet_sock_set_state", H_SET_STATE, "connect, accept_wait and record emission at close"),
	[U_ANAT_SYS_EXIT] = ANATOMY("sys_exit", H_SYS_EXIT, "accept() return (accept_wait)"),
	[U_ANAT_SWITCH] = ANATOMY("sched_switch", H_SWITCH, "run-queue part of wait"),
	[U_ANAT_WAKEUP] = ANATOMY("sched_wakeup", H_WAKEUP, "run-queue part of wait"),
	[U_ANAT_WAKEUP_NEW] = ANATOMY("sched_wakeup_new", H_WAKEUP_NEW, "run-queue part of wait (new threads)"),
};
const size_t probes_ndefs = U_NR;

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
const struct sc_number probes_sc_numbers[] = {
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

const size_t probes_sc_nnumbers = sizeof(probes_sc_numbers) / sizeof(probes_sc_numbers[0]);

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

/* groups: a comma list split in place; NULL, "" or "all": every group. */
int probes_parse_groups(bool on[GROUP_NR], char *groups, struct errbuf *err)
{
	char *save = NULL, *tok;
	int g;

	if (!groups || !*trim(groups) || !strcmp(trim(groups), "all")) {
		for (g = 0; g < GROUP_USER_NR; g++)
			on[g] = true;
	} else {
		for (tok = strtok_r(groups, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			tok = trim(tok);
			if (!*tok)
				continue;
			for (g = 0; g < GROUP_USER_NR; g++)
				if (!strcmp(tok, probes_group_names[g]))
					break;
			if (g == GROUP_USER_NR) {
				errbuf_set(err, "unknown probe group '%s' (known: syscalls, sched, "
					   "tcp, anatomy)", tok);
				return -EINVAL;
			}
			on[g] = true;
		}
	}
	on[GROUP_TRACK] = on[GROUP_SYSCALLS] || on[GROUP_SCHED] || on[GROUP_ANATOMY];
	return 0;
}

static int find_probe(const char *name)
{
	for (int i = 0; i < U_NR; i++)
		if (!strcmp(probes_defs[i].name, name))
			return i;
	return -1;
}

/* "name:fentry|fexit|kprobe|kretprobe": that link of the hook's chain. */
static int disable_fallback(struct hook_state *hs, int h, const struct probe_spec *sp,
			    struct errbuf *err)
{
	for (int k = 0; k < FALLBACK_LINKS; k++) {
		const struct hook_fallback *f = &probes_hook_fallbacks[h][k];

		if (f->prog && !strcmp(f->mechanism, sp->mech)) {
			hs->no_fallback |= 1u << k;
			return 0;
		}
	}
	errbuf_set(err, "probe %s has no %s fallback", sp->name, sp->mech);
	return -EINVAL;
}

static int disable_one(const struct probe_spec *sp, void *arg)
{
	struct probes *p = ((void **)arg)[0];
	struct errbuf *err = ((void **)arg)[1];
	char known[1024];
	size_t n = 0;
	int i = find_probe(sp->name);

	if (i < 0) {
		for (int k = 0; k < U_NR && n < sizeof(known); k++)
			n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", k ? ", " : "",
					      probes_defs[k].name);
		errbuf_set(err, "unknown probe '%s' in the disable list (known: %s)", sp->name, known);
		return -EINVAL;
	}
	if (sp->what == PROBE_SPEC_OFF) {
		p->ps[i].status = PROBE_MISSING;
		snprintf(p->ps[i].reason, sizeof(p->ps[i].reason), "disabled by user");
	}
	/* A twin is the hook's: every group on that hook runs the other one. */
	p->hs[probes_defs[i].hook].no_btf_twin |= sp->what == PROBE_SPEC_NO_BTF;
	p->hs[probes_defs[i].hook].no_raw_twin |= sp->what == PROBE_SPEC_NO_RAW;
	if (sp->what == PROBE_SPEC_NO_FALLBACK)
		return disable_fallback(&p->hs[probes_defs[i].hook], probes_defs[i].hook, sp, err);
	return 0;
}

/* "name" switches a probe off; "name:tp_btf" or "name:raw_tp" only that
 * twin (the other one then attaches, which is how tests prove fallbacks). */
int probes_parse_disable(struct probes *p, const char *list, struct errbuf *err)
{
	void *arg[2] = { p, err };

	return probe_spec_each(list, disable_one, arg, err);
}
