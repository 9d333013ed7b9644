/* Anatomy group: the kernel's marks S1..S3 and C4 of every request
 * on every connection to the server, one record per request through a ring
 * buffer (layouts and the meaning of each mark: anatomy.h).
 *
 * Whose events. Socket events are filtered by port, never by the current
 * task (on loopback a socket's receive path runs in the sender's context):
 * a server socket has local port == server_port (and a remote port: the
 * listener has none), a client socket has remote port == server_port. Both
 * ends of one connection share the client port, which indexes `conns`.
 * Scheduler events and accept() are the server's threads' (tracked tgids).
 *
 * Per connection, the server's side holds the request being served and the
 * one before it: the server's send can still be returning when the client
 * has already read the response and sent the next request, so a request is
 * emitted only when the server reads the next one (or the connection
 * closes, or its port starts a new connection).
 *
 *   S1  server socket sk_data_ready: logged in the connection's arrival
 *       line (on loopback in the client's context; nothing else is touched
 *       there, so the marks cross between the CPUs once per request).
 *   S2  sock_recv_length > 0 on the server socket when no request is being
 *       served or it is already answered (S3 or C4 seen): the next request
 *       opens, its S1 is the first arrival the server had not read. The
 *       run-queue delay of the reading thread inside [S1, S2] comes from
 *       its recent wakeup -> on-CPU intervals and their running total
 *       (sched_*).
 *   S3  the first tcp_sendmsg_locked on the server socket after S2: the
 *       response's first send has entered TCP. Before delivery, so S3 <= C4.
 *   C4  the last client socket sk_data_ready before the record is emitted.
 * Connection marks (first request): client SYN_SENT -> ESTABLISHED, server
 * SYN_RECV -> ESTABLISHED, accept() return (the fd is followed to its
 * socket).
 *
 * Cost. The socket tracepoints fire for every socket of the machine: each
 * hook first compares ports read straight from the socket (tp_btf), and
 * the syscall-exit hook first the syscall number. Tables are arrays
 * (inlined lookups), no hash, no lock, no per-syscall work: the send's
 * start and end come from TCP's own tracepoints (the end, when the
 * syscalls group runs anyway, from the sending syscall's return:
 * send_end_at_exit). Records are gathered per CPU and handed to the ring buffer 8 at a time, without a wakeup (user
 * space polls, and flushes what a CPU still holds at the end); a batch or
 * record the ring cannot take is counted (ANAT_ST_LOST), never silent. */
#pragma once
#include "anatomy.h"

const volatile __u32 arrival_mode = ANAT_ARRIVAL_DATA_READY;
const volatile bool have_sendmsg_tp = true;	/* tcp_sendmsg_locked attached: S3 */
/* The send's end is the return of the server's sending syscall (sys_exit,
 * which the syscalls group runs anyway), not sock_send_length: one hook
 * less on every send of the machine. */
const volatile bool send_end_at_exit = false;
/* Cleared by the loader once accept() returns are known not to matter
 * (probes_trim): the sys_exit hook then skips the anatomy's part. */
__u32 anat_accept_live = 1;

#define MSG_PEEK_FLAG 2
#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))
#define barrier() asm volatile("" ::: "memory")

/* Mmapable only for the alignment it brings (see anatomy.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ANAT_PORTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct anat_conn);
} conns SEC(".maps");

BPF_MAP(thr, BPF_MAP_TYPE_ARRAY, ANAT_THREADS, __u32, struct anat_thread);

BPF_MAP(anat_stats, BPF_MAP_TYPE_PERCPU_ARRAY, ANAT_ST_NR, __u32, __u64);

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ANAT_RING_BYTES);	/* a page when the anatomy is off */
} records SEC(".maps");

static __always_inline void stat_add(__u32 k, __u64 v)
{
	PERCPU_ADD(anat_stats, k, v);
}

static __always_inline void stat(__u32 k)
{
	stat_add(k, 1);
}

static __always_inline struct anat_conn *conn_of(__u16 port)
{
	__u32 k = port;

	return bpf_map_lookup_elem(&conns, &k);
}

/* ---- records ------------------------------------------------------------- */

/* Records are gathered per CPU, ANAT_BATCH at a time, and handed to the
 * ring buffer together (one reservation, one copy): the reservation's lock
 * and the ring's header writes are paid once per batch. `busy` guards the
 * CPU's batch against a program that interrupts another one filling it
 * (a softirq's state change inside a read): the interrupting one writes
 * its record straight to the ring. What is left in a batch at the end is
 * handed over by anat_flush, run on each CPU by the loader. */
BPF_MAP(batch, BPF_MAP_TYPE_PERCPU_ARRAY, 1, __u32, struct anat_batch);

static __always_inline void fill(struct anat_rec *e, struct anat_conn *c, struct anat_req *r,
				 __u16 port, __u16 why)
{
	bool first = r->seq == 0;	/* the connection's marks go with it */

	*e = (struct anat_rec){
		.s1 = r->s1, .s2 = r->s2, .s3 = r->s3, .c4 = r->c4,
		.ce = first ? c->ce : 0, .se = first ? c->se : 0, .acc = first ? c->acc : 0,
		.runq_ns = r->runq_ns, .send_ns = r->send_ns,
		.bytes_in = r->bytes_in, .bytes_out = r->bytes_out,
		.seq = r->seq, .tid = r->tid, .port = port,
		.sends = r->sends, .recvs = r->recvs, .flags = r->flags | why,
	};
}

/* Hand the CPU's batch (n records) to the ring buffer; a batch the ring
 * cannot take is counted, never silent. No wakeup: the consumer polls, and
 * a wakeup per record would cost an irq_work each. */
static __always_inline void batch_out(struct anat_batch *b)
{
	__u32 n = b->n;

	if (!n || n > ANAT_BATCH)
		return;
	if (bpf_ringbuf_output(&records, b->rec, n * sizeof(struct anat_rec), BPF_RB_NO_WAKEUP))
		stat_add(ANAT_ST_LOST, n);
	else
		stat_add(ANAT_ST_EMITTED, n);
	b->n = 0;
}

static __always_inline void emit(struct anat_conn *c, struct anat_req *r, __u16 port, __u16 why)
{
	struct anat_batch *b;
	struct anat_rec *e;
	__u32 zero = 0, n;

	r->active = 0;
	b = bpf_map_lookup_elem(&batch, &zero);
	if (b && !READ_ONCE(b->busy)) {
		/* Only a program interrupting this one runs on this CPU
		 * meanwhile (no preemption in a tracepoint): it either sees
		 * busy, or runs to its end before n is read here. */
		WRITE_ONCE(b->busy, 1);
		barrier();
		n = READ_ONCE(b->n);
		if (n < ANAT_BATCH) {
			fill(&b->rec[n], c, r, port, why);
			b->n = n + 1;
			if (n + 1 == ANAT_BATCH)
				batch_out(b);
		}
		barrier();
		WRITE_ONCE(b->busy, 0);
		if (n < ANAT_BATCH)
			return;
	}
	e = bpf_ringbuf_reserve(&records, sizeof(*e), 0);
	if (!e) {
		stat(ANAT_ST_LOST);
		return;
	}
	fill(e, c, r, port, why);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	stat(ANAT_ST_EMITTED);
}

/* The request being served (the last one opened), NULL if none. */
static __always_inline struct anat_req *cur_of(struct anat_conn *c)
{
	struct anat_req *r;

	if (!c->nreq)
		return NULL;
	r = &c->req[(c->nreq - 1) & 1];
	return r->active ? r : NULL;
}

/* The one before it, still waiting to be emitted, or NULL. */
static __always_inline struct anat_req *prev_of(struct anat_conn *c)
{
	struct anat_req *r;

	if (c->nreq < 2)
		return NULL;
	r = &c->req[c->nreq & 1];	/* (nreq - 2) & 1 */
	return r->active ? r : NULL;
}

/* Emit what the connection still holds, the older first. */
static __always_inline void flush(struct anat_conn *c, __u16 port, __u16 why)
{
	struct anat_req *r = prev_of(c);

	if (r)
		emit(c, r, port, why);
	r = cur_of(c);
	if (r)
		emit(c, r, port, why);
}

/* Answered: the server has begun to respond. */
static __always_inline bool answered(const struct anat_req *r)
{
	return r->s3 || r->c4;
}

/* ---- run-queue history of server threads --------------------------------- */

static __always_inline struct anat_thread *thread_of(__u32 tid, __u32 tgid)
{
	__u32 k = tid & (ANAT_THREADS - 1);
	__u64 tag = (__u64)tgid << 32 | tid;
	struct anat_thread *t = bpf_map_lookup_elem(&thr, &k);

	if (!t)
		return NULL;
	if (t->tag == tag)
		return t;
	t->tag = tag;	/* a new thread, or a newer one on this slot: it takes it */
	t->wake_ts = 0;
	t->oncpu = 0;
	t->n = 0;
	return t;
}

/* Run-queue time of the current thread since lo (it is on its CPU now, so
 * every interval of its history is over): its run-queue total now, minus
 * the total before the first kept interval that ends after lo, minus that
 * interval's part before lo. The interval is found by bisection (the
 * history is in time order), so the cost does not grow with the number of
 * preemptions. *trunc when the history does not reach back to lo. */
static __always_inline __u64 runq_since(__u64 pid_tgid, __u64 lo, bool *trunc)
{
	__u32 k = (__u32)pid_tgid & (ANAT_THREADS - 1), n, m, base, l, h, mid, j;
	struct anat_thread *t;
	__u64 before, pre;

	if (!lo)
		return 0;
	t = bpf_map_lookup_elem(&thr, &k);
	if (!t || t->tag != pid_tgid)	/* same layout: tgid << 32 | tid */
		return 0;
	n = t->n;
	m = n < ANAT_RQ_HIST ? n : ANAT_RQ_HIST;
	if (!m)
		return 0;
	base = n - m;
	/* The newest intervals first: a busy thread's last wait ended before
	 * lo (nothing to count) or is the wakeup that brought it to this read. */
	j = (n - 1) & (ANAT_RQ_HIST - 1);
	if (t->hi[j] <= lo)
		return 0;	/* nothing ended after lo */
	l = 0;
	h = m;
	if (m == 1 || t->hi[(n - 2) & (ANAT_RQ_HIST - 1)] <= lo)
		l = h = m - 1;	/* only the newest ended after lo */
	for (int it = 0; it < 8 && l < h; it++) {	/* 2^7 > ANAT_RQ_HIST */
		mid = (l + h) / 2;
		if (t->hi[(base + mid) & (ANAT_RQ_HIST - 1)] > lo)
			h = mid;
		else
			l = mid + 1;
	}
	if (l >= m)
		return 0;	/* nothing ended after lo */
	j = (base + l) & (ANAT_RQ_HIST - 1);
	before = t->cum_end[j] - (t->hi[j] - t->lo[j]);
	pre = lo > t->lo[j] ? lo - t->lo[j] : 0;
	if (l == 0 && n > m && lo < t->lo[j])
		*trunc = true;	/* older intervals, dropped, may end after lo */
	return t->cum - before - pre;
}

/* The hook has checked the tgid. */
static __always_inline void anat_wake(__u32 pid, __u32 tgid, __u64 now)
{
	struct anat_thread *t = thread_of(pid, tgid);

	/* A wakeup of a task still on its CPU puts nothing on a run queue. */
	if (t && !t->oncpu)
		t->wake_ts = now;
}

static __always_inline void anat_out(__u32 pid, __u32 tgid, bool runnable, __u64 now)
{
	struct anat_thread *t = thread_of(pid, tgid);

	if (t) {
		t->oncpu = 0;
		/* Still runnable (preempted): its run-queue wait starts now. */
		t->wake_ts = runnable ? now : 0;
	}
}

static __always_inline void anat_in(__u32 pid, __u32 tgid, __u64 now)
{
	struct anat_thread *t = thread_of(pid, tgid);
	__u32 i;

	if (!t)
		return;
	t->oncpu = 1;
	if (!t->wake_ts)
		return;
	i = t->n & (ANAT_RQ_HIST - 1);
	t->lo[i] = t->wake_ts;
	t->hi[i] = now;
	if (now > t->wake_ts)
		t->cum += now - t->wake_ts;
	t->cum_end[i] = t->cum;
	t->n++;
	t->wake_ts = 0;
}

/* ---- the marks ------------------------------------------------------------ */

/* sk_data_ready also announces a FIN: tcp_data_queue calls it for a segment
 * without payload once the socket is done. While ESTABLISHED (no FIN yet)
 * every call is bytes; after the FIN, it is bytes only if some are unread
 * besides the FIN's sequence number (the read side is rarely that far
 * behind, and then the bytes were there). sk NULL: the caller checked the
 * payload (tcp_probe). */
static __always_inline bool bytes_arrived(const struct sock *sk, __u8 state)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	if (!sk || state == BENCH_TCP_ESTABLISHED)
		return true;
	return BPF_CORE_READ(tp, rcv_nxt) - BPF_CORE_READ(tp, copied_seq) > 1;
}

/* S1 candidate: request bytes queued on the server socket of connection
 * `port`. Only logged here (in the client's context, on loopback): the
 * server's read decides which request they belong to. */
static __always_inline void server_arrival(const struct sock *sk, __u8 state, __u16 port)
{
	struct anat_conn *c = conn_of(port);
	__u32 n;

	if (!c || !bytes_arrived(sk, state))
		return;
	n = c->arr_n;
	c->arr_ts[n & (ANAT_ARR - 1)] = bpf_ktime_get_ns();
	/* Arrivals on one socket are serialised by the socket's lock. */
	WRITE_ONCE(c->arr_n, n + 1);
}

/* S2: the server's read returned `ret` bytes of connection `port`. A read
 * when no request is being served, or the one served is already answered,
 * opens the next request; its S1 is the first arrival the server had not
 * read yet. Arrivals up to now are then this request's bytes. */
static __always_inline void server_read(__u16 port, int ret)
{
	struct anat_conn *c = conn_of(port);
	struct anat_req *r, *p;
	__u64 pid_tgid, now, lo, s1 = 0;
	__u32 n, seq;
	bool trunc = false;
	__u16 flags = 0;

	if (!c)
		return;
	n = READ_ONCE(c->arr_n);
	r = cur_of(c);
	if (!r || answered(r)) {
		pid_tgid = bpf_get_current_pid_tgid();
		now = bpf_ktime_get_ns();
		if (arrival_mode == ANAT_ARRIVAL_NONE) {
			s1 = now;
		} else if (n == c->consumed) {
			flags |= ANAT_F_NO_ARRIVAL;	/* bytes whose arrival was not seen */
			stat(ANAT_ST_READ_NO_ARRIVAL);
		} else {
			if (n - c->consumed > ANAT_ARR) {
				flags |= ANAT_F_NO_ARRIVAL;	/* the first was overwritten */
				stat(ANAT_ST_ARRIVALS_LOST);
			} else {
				s1 = c->arr_ts[c->consumed & (ANAT_ARR - 1)];
			}
		}
		seq = c->nreq;
		r = &c->req[seq & 1];
		if (r->active)
			emit(c, r, port, 0);	/* two before: normally gone already */
		lo = s1;
		if (seq == 0 && c->acc > lo)
			lo = c->acc;	/* before accept() the wait is accept_wait's */
		r->s1 = s1;
		r->s2 = now;
		r->s3 = r->c4 = 0;
		r->runq_ns = runq_since(pid_tgid, lo, &trunc);
		r->send_t0 = r->send_ns = 0;
		r->seq = seq;
		r->tid = (__u32)pid_tgid;
		r->bytes_in = r->bytes_out = 0;
		r->sends = r->recvs = 0;
		if (trunc) {
			flags |= ANAT_F_RUNQ_TRUNC;
			stat(ANAT_ST_RUNQ_TRUNC);
		}
		r->flags = flags;
		r->active = 1;
		c->nreq = seq + 1;
		/* The server reads the next request: the previous one's send is over. */
		p = prev_of(c);
		if (p)
			emit(c, p, port, 0);
	}
	c->consumed = n;
	r->bytes_in += ret;
	r->recvs++;
}

/* C4: response bytes queued on the client socket `port`. */
static __always_inline void client_arrival(const struct sock *sk, __u8 state, __u16 port)
{
	struct anat_conn *c = conn_of(port);
	struct anat_req *r;
	__u64 now;

	if (!c || !bytes_arrived(sk, state))
		return;
	r = cur_of(c);
	if (!r) {
		stat(ANAT_ST_DATA_NO_REQ);
		return;
	}
	now = bpf_ktime_get_ns();
	r->c4 = now;
	if (!have_sendmsg_tp && !r->s3) {
		r->s3 = now;	/* no better: the first delivery */
		r->flags |= ANAT_F_S3_APPROX;
	}
}

/* S3: a server send call on connection `port` entered TCP (this fires once
 * per segment the call builds: the first one counts). With send_end_at_exit
 * the call's end is its syscall's return: a send outside a sending syscall
 * of the server's (e.g. from io_uring) gives S3 but not its time. */
static __always_inline void server_send_begin(__u16 port)
{
	struct anat_conn *c = conn_of(port);
	struct sc_inflight *e = NULL;
	struct anat_req *r;
	__u64 now;

	if (!c)
		return;
	if (send_end_at_exit) {
		e = sc_current();
		if (e)
			e->send_port = port;
	}
	/* The request it answers: the latest one read (the one before only
	 * when the next is already queued but unread). */
	r = cur_of(c);
	if (!r)
		r = prev_of(c);
	if (!r) {
		stat(ANAT_ST_SEND_NO_REQ);
		return;
	}
	if (r->send_t0)
		return;		/* the same call, its next segment */
	now = bpf_ktime_get_ns();
	if (!r->s3)
		r->s3 = now;
	if (send_end_at_exit && !e) {
		stat(ANAT_ST_SEND_UNTIMED);	/* no end will close it */
		return;
	}
	r->send_t0 = now;
}

/* The send call returned `ret` at `now` (sock_send_length, end of the
 * protocol's sendmsg; or the return of its syscall). */
static __always_inline void server_send_end(__u16 port, long ret, __u64 now)
{
	struct anat_conn *c = conn_of(port);
	struct anat_req *r;
	__u64 d;

	if (!c)
		return;
	r = &c->req[0];
	if (!r->send_t0 || !r->active) {
		r = &c->req[1];
		if (!r->send_t0 || !r->active)
			return;
	}
	d = now - r->send_t0;
	r->send_ns += d;
	if (ret > 0) {
		r->bytes_out += ret;
		r->sends++;
	}
	r->send_t0 = 0;
}

/* ---- connection marks ------------------------------------------------------ */

static __always_inline void conn_reset(struct anat_conn *c, __u16 port)
{
	flush(c, port, ANAT_F_REUSED);
	c->ssk = c->csk = 0;
	c->ce = c->se = c->acc = 0;
	c->nreq = 0;
	c->arr_n = c->consumed = 0;
	c->req[0].active = c->req[1].active = 0;
	c->open = 1;
}

static __always_inline void anat_set_state(const struct sock *sk, __u16 lport, __u16 dport,
					   int oldstate, int newstate)
{
	struct anat_conn *c;
	__u64 key = (__u64)sk;

	if (lport == server_port) {
		if (!dport)
			return;		/* the listener */
		c = conn_of(dport);
		if (!c)
			return;
		if (newstate == BENCH_TCP_ESTABLISHED && oldstate == BENCH_TCP_SYN_RECV) {
			/* Not announced by a client we saw connect: start afresh. */
			if (!c->open || (c->ssk && c->ssk != key))
				conn_reset(c, dport);
			c->ssk = key;
			c->se = bpf_ktime_get_ns();
		} else if (newstate == BENCH_TCP_CLOSE && c->ssk == key) {
			flush(c, dport, ANAT_F_CLOSED);
			c->open = 0;
			c->ssk = 0;
		}
		return;
	}
	if (dport != server_port)
		return;
	c = conn_of(lport);
	if (!c)
		return;
	/* (At SYN_SENT the client socket has no local port yet: it is bound
	 * right after, so a connection is known from here.) */
	if (oldstate == ANAT_TCP_SYN_SENT && newstate == BENCH_TCP_ESTABLISHED) {
		conn_reset(c, lport);
		c->csk = key;
		c->ce = bpf_ktime_get_ns();
		return;
	}
	if (c->csk != key)
		return;
	if (newstate == ANAT_TCP_FIN_WAIT1 || newstate == ANAT_TCP_LAST_ACK ||
	    newstate == BENCH_TCP_CLOSE) {
		/* The client closes: it has read every response it will read,
		 * so every C4 is in (a FIN seen by the client, CLOSE_WAIT, is
		 * not enough: tcp_fin runs before the data in its segment is
		 * announced). */
		flush(c, lport, ANAT_F_CLOSED);
		c->open = 0;
		c->csk = 0;
	}
}

/* ---- accept() of server threads ------------------------------------------ */

/* A server thread's accept() returned the connection of socket sk. */
static __always_inline void anat_accept(const struct sock *sk, __u64 now)
{
	struct anat_conn *c;
	__u16 lport, dport;

	if (!sk)
		return;
	lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (lport != server_port || !dport)
		return;
	c = conn_of(dport);
	if (c && !c->acc)
		c->acc = now;
}

/* ---- socket event dispatch ------------------------------------------------- */

/* Arrival of bytes on a socket of a connection to the server. sk is NULL
 * when the caller knows there is payload (tcp_probe). */
static __always_inline void on_arrival(const struct sock *sk, __u8 state, __u16 lport, __u16 dport)
{
	if (lport == server_port) {
		if (dport)
			server_arrival(sk, state, dport);
	} else if (dport == server_port) {
		client_arrival(sk, state, lport);
	}
}

/* Fallback arrival: a segment with payload entering an established socket. */
static __always_inline void anat_tcp_probe(__u16 lport, __u16 dport, const struct sk_buff *skb)
{
	unsigned char *data;
	__u8 doff = 0;
	__u32 len;

	if (lport != server_port && dport != server_port)
		return;
	data = BPF_CORE_READ(skb, data);
	len = BPF_CORE_READ(skb, len);
	if (bpf_probe_read_kernel(&doff, 1, data + 12))
		return;
	if (len <= (__u32)(doff >> 4) * 4)
		return;		/* no payload: an ACK, a FIN */
	on_arrival(NULL, BENCH_TCP_ESTABLISHED, lport, dport);
}
