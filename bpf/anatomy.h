/* Anatomy group: per-request records (the kernel's marks of one request on
 * one connection), shared by bpf/anatomy.bpf.c and loader/anatomy.c.
 * Constants and __u16/__u32/__u64 layouts only.
 *
 * Marks (DESIGN.md, "Anatomy of one request"), all bpf_ktime_get_ns(), i.e.
 * CLOCK_MONOTONIC, 0 when not seen:
 *   s1  first request bytes queued on the server socket (sk_data_ready)
 *   s2  the server's first read returning them returns (sock_recv_length)
 *   s3  the server's first send of the response begins (sys_enter of it)
 *   c4  the response's last bytes queued on the client socket (sk_data_ready)
 * and, on the first request of a connection only (seq == 0):
 *   ce  the client socket went SYN_SENT -> ESTABLISHED
 *   se  the server socket went SYN_RECV -> ESTABLISHED (into the accept queue)
 *   acc the server's accept() that returned it returned */
#pragma once
#include "common.h"

/* Connection state is an array indexed by the client's port: every server
 * socket shares the server's port, and the client port is unique among the
 * live connections to it (one client address), so one slot describes one
 * connection, seen from both ends. */
#define ANAT_PORTS 65536

/* Per-thread tables (syscall in progress, run-queue history) are
 * direct-mapped by tid & (ANAT_THREADS - 1) and tagged with the full id. */
#define ANAT_THREADS 16384

/* Recent wakeup -> on-CPU intervals kept per server thread. */
#define ANAT_RQ_HIST 16

/* What a traced syscall is, per syscall number (rodata sc_kind). */
enum anat_sc_kind {
	ANAT_SC_NONE = 0,
	ANAT_SC_SEND,		/* may call sock_sendmsg in the caller's context */
	ANAT_SC_ACCEPT,
};
#define ANAT_SC_ID_MAX 512

/* anat_rec.flags */
#define ANAT_F_S3_APPROX	0x0001	/* no send syscall entry seen: s3 is the first delivery (or the send's end) */
#define ANAT_F_S3_CLAMPED	0x0002	/* the send's entry was before s2 (a stale entry): s3 = s2 */
#define ANAT_F_NO_ARRIVAL	0x0004	/* a read returned bytes no arrival was seen for: s1 missing */
#define ANAT_F_RUNQ_TRUNC	0x0008	/* more run-queue intervals in [s1, s2] than kept: runq_ns is a lower bound */
#define ANAT_F_CLOSED	0x0010	/* emitted at connection close (not at the next request) */
#define ANAT_F_REUSED	0x0020	/* emitted because its port began a new connection */
#define ANAT_F_S3_DELIVERY	0x0040	/* s3 taken at delivery to the client (inside the server's send) */

struct anat_rec {
	__u64 s1, s2, s3, c4;
	__u64 ce, se, acc;	/* seq == 0 only */
	__u64 runq_ns;		/* run-queue delay of the reading thread inside [max(s1, acc), s2] */
	__u64 send_ns;		/* the server's send syscalls of this response, entry to exit */
	__u32 bytes_in;		/* returned by the server's reads of this request */
	__u32 bytes_out;	/* accepted by the server's sends of the response */
	__u32 seq;		/* request ordinal on its connection, from 0 */
	__u32 tid;		/* server thread that read it */
	__u16 port;		/* client port */
	__u16 sends;		/* send calls that carried the response */
	__u16 recvs;		/* reads that returned request bytes */
	__u16 flags;		/* ANAT_F_* */
};

/* One request in progress (kernel side only, but sized here so the loader
 * can check the map layout). */
struct anat_req {
	__u64 s1, s2, s3, c4, c4_first;
	__u64 runq_ns, send_ns;
	__u64 reader;		/* pid_tgid expected to read it (the last reader on the connection) */
	__u64 cum0;		/* that thread's run-queue total at S1 */
	__u32 bytes_in, bytes_out;
	__u32 seq, tid;
	__u16 sends, recvs, flags, active;
};

/* One connection, indexed by client port. */
struct anat_conn {
	__u64 ssk, csk;		/* server / client struct sock addresses (identity at state changes) */
	__u64 ce, se, acc;
	struct anat_req cur;	/* the request being served */
	struct anat_req prev;	/* the one before, until its send is surely over */
	__u64 reader;		/* pid_tgid of the thread that read the last request */
	__u32 srcv, crcv;	/* rcv_nxt of the server / client socket at its last arrival */
	__u32 nreq;		/* requests seen on this connection */
	__u16 open;		/* a connection lives on this port */
	__u16 prev_pending;
};

/* A traced syscall in progress, per server thread. */
struct anat_sc {
	__u64 pid_tgid;		/* 0: free */
	__u64 ts;		/* entry */
	__u32 kind;		/* enum anat_sc_kind */
	__u32 seq;		/* request its send carried (when port != 0) */
	__u16 port;		/* connection its send carried; 0: none yet */
	__u16 pad[3];
};

/* Run-queue history of one server thread. */
struct anat_thread {
	__u64 tag;		/* tgid << 32 | tid; 0: free */
	__u64 wake_ts;		/* runnable since, not yet on a CPU; 0 = none */
	__u64 cum;		/* run-queue time ever completed */
	__u32 oncpu;
	__u32 n;		/* intervals ever pushed */
	__u64 lo[ANAT_RQ_HIST], hi[ANAT_RQ_HIST];
};

/* Per-CPU counters (map anat_stats). */
enum anat_stat {
	ANAT_ST_EMITTED = 0,	/* records handed to the ring buffer */
	ANAT_ST_LOST,		/* records the ring buffer could not take */
	ANAT_ST_READ_NO_ARRIVAL,	/* server read without a seen arrival */
	ANAT_ST_DATA_NO_REQ,	/* bytes to a client with no request read by the server */
	ANAT_ST_SEND_NO_REQ,	/* server send with no request it could answer */
	ANAT_ST_S3_APPROX,	/* s3 without the send's entry */
	ANAT_ST_RUNQ_TRUNC,	/* run-queue history too short for a wait */
	ANAT_ST_THREAD_COLLIDE,	/* two server threads on one direct-mapped slot */
	ANAT_ST_NR,
};

/* TCP states used here (include/net/tcp_states.h); common.h has the rest. */
#define ANAT_TCP_SYN_SENT 2
#define ANAT_TCP_FIN_WAIT1 4
#define ANAT_TCP_LAST_ACK 9

/* Where S1 (request arrival) comes from, rodata arrival_mode. */
enum anat_arrival {
	ANAT_ARRIVAL_DATA_READY = 0,	/* sock:sk_data_ready: the bytes are queued */
	ANAT_ARRIVAL_TCP_PROBE,		/* tcp:tcp_probe: the segment entered TCP (fallback) */
	ANAT_ARRIVAL_NONE,		/* neither: s1 = s2, wait is not measured */
};
