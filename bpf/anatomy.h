/* Anatomy group: per-request records (the kernel's marks of one request on
 * one connection), shared by bpf/anatomy.bpf.h and loader/anatomy.c.
 * Constants and __u16/__u32/__u64 layouts only.
 *
 * Marks (DESIGN.md, "Anatomy of one request"), all bpf_ktime_get_ns(), i.e.
 * CLOCK_MONOTONIC, 0 when not seen:
 *   s1  first request bytes queued on the server socket (sk_data_ready)
 *   s2  the server's first read returning them returns (sock_recv_length)
 *   s3  the server's first send of the response begins (tcp_sendmsg_locked:
 *       the send has entered TCP, with the socket locked)
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

/* The records' ring buffer: about 43,000 records, 16x the most seen held
 * between two polls at nginx's top rate (user space maps its data twice:
 * it counts double in RSS). */
#define ANAT_RING_BYTES (4u << 20)

/* The run-queue history is direct-mapped by tid & (ANAT_THREADS - 1) and
 * tagged with the full tgid << 32 | tid. */
#define ANAT_THREADS 4096

/* Recent wakeup -> on-CPU intervals kept per server thread. */
#define ANAT_RQ_HIST 64	/* a power of 2 */

/* anat_rec.flags */
#define ANAT_F_S3_APPROX	0x0001	/* no tcp_sendmsg_locked: s3 is the first delivery to the client */
#define ANAT_F_NO_ARRIVAL	0x0004	/* a read returned bytes no arrival was seen for: s1 missing */
#define ANAT_F_RUNQ_TRUNC	0x0008	/* more run-queue intervals in [s1, s2] than kept: runq_ns is a lower bound */
#define ANAT_F_CLOSED	0x0010	/* emitted at connection close (not at the next request) */
#define ANAT_F_REUSED	0x0020	/* emitted because its port began a new connection */

struct anat_rec {
	__u64 s1, s2, s3, c4;
	__u64 ce, se, acc;	/* seq == 0 only */
	__u64 runq_ns;		/* run-queue delay of the reading thread inside [max(s1, acc), s2] */
	__u64 send_ns;		/* the server's send calls of this response, from entering TCP to their return */
	__u32 bytes_in;		/* returned by the server's reads of this request */
	__u32 bytes_out;	/* accepted by the server's sends of the response */
	__u32 seq;		/* request ordinal on its connection, from 0 */
	__u32 tid;		/* server thread that read it */
	__u16 port;		/* client port */
	__u16 sends;		/* send calls that carried the response */
	__u16 recvs;		/* reads that returned request bytes */
	__u16 flags;		/* ANAT_F_* */
};

/* Records gathered per CPU before they go to the ring buffer together
 * (one ring record of up to ANAT_BATCH anat_rec). */
#define ANAT_BATCH 8

struct anat_batch {
	__u32 n;		/* records held */
	__u32 busy;		/* being filled on this CPU */
	struct anat_rec rec[ANAT_BATCH];
};

/* Arrivals kept per connection until the server reads them. */
#define ANAT_ARR 4	/* a power of 2 */

/* One request being served (kernel side only). Only the server's side
 * writes it: its read opens it, its sends, and the delivery of the response
 * to the client (which on loopback runs inside the server's send). */
struct anat_req {
	__u64 s1, s2, s3, c4;
	__u64 runq_ns;
	__u64 send_t0;		/* a send call for it in progress entered TCP then; 0: none */
	__u64 send_ns;		/* its send calls, entering TCP to return */
	__u32 seq, tid;
	__u32 bytes_in, bytes_out;
	__u16 sends, recvs, flags, active;
	__u64 pad[6];
};
_Static_assert(sizeof(struct anat_req) == 128, "anat_req: two cache lines");

/* One connection, indexed by client port, in cache lines by who writes
 * them, so that a request's marks cross between CPUs as few times as they
 * must (on loopback S1 is taken in the client's context, the rest in the
 * server's): the connection (set at connect, accept and close), the
 * arrivals (written only where request bytes are queued), the server's
 * side, and the request being served and the one before it (emitted only
 * when the server reads the next one: its send may still be returning when
 * the client has already sent the next request). The array is mmapable,
 * which puts its values on a page boundary: with sizes that are multiples
 * of 64 every part starts a cache line. */
struct anat_conn {
	/* the connection */
	__u64 ssk, csk;		/* server / client struct sock addresses (identity at state changes) */
	__u64 ce, se, acc;
	__u32 open;		/* a connection lives on this port */
	__u32 pad0;
	__u64 pad1[2];
	/* arrivals: S1 candidates */
	__u64 arr_ts[ANAT_ARR];
	__u32 arr_n;		/* arrivals ever (arr_ts[i & (ANAT_ARR - 1)]) */
	__u32 pad2;
	__u64 pad3[3];
	/* the server's side */
	__u32 nreq;		/* requests opened: request seq is req[seq & 1] */
	__u32 consumed;		/* arrivals the server has read */
	__u64 pad4[7];
	struct anat_req req[2];
};
_Static_assert(sizeof(struct anat_conn) == 448, "anat_conn: whole cache lines");

/* Run-queue history of one server thread. */
struct anat_thread {
	__u64 tag;		/* tgid << 32 | tid; 0: free */
	__u64 wake_ts;		/* runnable since, not yet on a CPU; 0 = none */
	__u64 cum;		/* run-queue time ever completed */
	__u32 oncpu;
	__u32 n;		/* intervals ever pushed */
	__u64 lo[ANAT_RQ_HIST], hi[ANAT_RQ_HIST];
	__u64 cum_end[ANAT_RQ_HIST];	/* cum once that interval was over */
};

/* Per-CPU counters (map anat_stats). */
enum anat_stat {
	ANAT_ST_EMITTED = 0,	/* records handed to the ring buffer (a batch: when it is) */
	ANAT_ST_LOST,		/* records the ring buffer could not take */
	ANAT_ST_READ_NO_ARRIVAL,	/* server read without a seen arrival */
	ANAT_ST_ARRIVALS_LOST,	/* more arrivals than kept before the server read them */
	ANAT_ST_DATA_NO_REQ,	/* bytes to a client with no request read by the server */
	ANAT_ST_SEND_NO_REQ,	/* server send with no request it could answer */
	ANAT_ST_RUNQ_TRUNC,	/* run-queue history too short for a wait */
	ANAT_ST_SEND_UNTIMED,	/* server send outside a sending syscall: S3 kept, its time and bytes not */
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
