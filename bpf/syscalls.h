/* Syscall group: shared layouts. */
#pragma once
#include "common.h"

/* Traced syscalls, in report order. The loader maps the host's syscall
 * numbers onto these slots (rodata sc_slot_of), so the BPF side needs no
 * per-architecture table. */
enum sc_slot {
	SC_ACCEPT = 0,
	SC_ACCEPT4,
	SC_READ,
	SC_READV,
	SC_RECVFROM,
	SC_RECVMSG,
	SC_RECVMMSG,
	SC_WRITE,		/* first of the sending syscalls */
	SC_WRITEV,
	SC_SENDTO,
	SC_SENDMSG,
	SC_SENDMMSG,
	SC_SENDFILE,		/* last of the sending syscalls */
	SC_EPOLL_WAIT,		/* first of the waiting ("event loop idle") syscalls */
	SC_EPOLL_PWAIT,
	SC_EPOLL_PWAIT2,
	SC_POLL,
	SC_PPOLL,
	SC_SELECT,
	SC_PSELECT6,		/* last of the waiting syscalls */
	SC_CLOSE,
	SC_IO_URING_ENTER,
	SC_NR,
};
#define SC_FIRST_WAIT SC_EPOLL_WAIT
#define SC_LAST_WAIT SC_PSELECT6

/* Size of the syscall-number -> slot table (x86_64 and arm64 numbers of the
 * traced syscalls are all below this). */
#define SC_ID_MAX 512

/* Per-CPU, one per slot. */
struct sc_stat {
	__u64 errors;		/* returned a negative errno other than EAGAIN */
	__u64 eagain;		/* returned -EAGAIN (a read before the data was there) */
	struct dist lat;	/* time in the kernel of the calls that entered and
				 * returned inside the window (lat.count: how many) */
};

/* A traced syscall in progress, per thread: a direct-mapped table indexed
 * by tid & (INFLIGHT_SLOTS - 1) and tagged with the full pid_tgid (an
 * array slot is a load; a hash would be a call, jhash and a delete per
 * syscall). Two threads of the server in a syscall at once on one slot
 * cost the older one its sample, counted in drops. */
#define INFLIGHT_SLOTS 16384
struct sc_inflight {
	__u64 pid_tgid;		/* 0: free */
	__u64 ts;
	__u32 slot;
	__u32 send_port;	/* the anatomy's: this call sent on the server socket of
				 * that client port (its end is this call's return); 0: none */
};

/* Per thread (key: tid) that waited in epoll_wait/poll/select. */
struct loop_thread {
	__u64 blocked_ns;	/* time inside waiting syscalls, clipped to the window */
	__u64 waits;		/* waiting syscalls that overlapped the window */
	__u64 first_ns;		/* entry of the first waiting syscall seen (any time) */
	__u64 last_ns;		/* return of the last one */
	__u32 tgid;
	__u32 pad;
	char comm[16];
};

/* Per-CPU, one entry (map accept_stats, a struct dist): accept-queue wait
 * of accepted connections. */
