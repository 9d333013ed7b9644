/* The one BPF object's table of probe uses, shared by bpf/probes.bpf.c and
 * the loader (loader/probes.c names them). A hook (one kernel tracepoint,
 * one program with a tp_btf and a raw_tp twin) serves every group that
 * wants it; a use is one group's part of one hook, switched on by the
 * loader in the read-only mask `uses_on`, so the verifier drops the code of
 * the uses that are off. */
#pragma once

enum probe_use {
	U_FORK = 0,		/* track: sched_process_fork */
	U_EXIT,			/* track: sched_process_exit */
	U_SYS_ENTER,		/* syscalls */
	U_SYS_EXIT,
	U_SCHED_SWITCH,		/* sched */
	U_SCHED_WAKEUP,
	U_SCHED_WAKEUP_NEW,
	U_TCP_SET_STATE,	/* tcp */
	U_TCP_RETRANSMIT,
	U_TCP_SYNACK,
	U_TCP_SEND_RESET,
	U_TCP_RECV_RESET,
	U_ANAT_DATA_READY,	/* anatomy */
	U_ANAT_TCP_PROBE,
	U_ANAT_RECV,
	U_ANAT_SENDMSG,
	U_ANAT_SEND,
	U_ANAT_SET_STATE,
	U_ANAT_SYS_EXIT,
	U_ANAT_SWITCH,
	U_ANAT_WAKEUP,
	U_ANAT_WAKEUP_NEW,
	U_NR,
};
