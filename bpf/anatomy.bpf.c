/* Anatomy of each request: the kernel's marks S1..S3 and C4 of every request
 * on every connection to the server, one record per request through a ring
 * buffer (layouts and the meaning of each mark: anatomy.h).
 *
 * Whose events. Socket events are filtered by port, never by the current
 * task (on loopback a socket's receive path runs in the sender's context):
 * a server socket has local port == server_port (and a remote port: the
 * listener has none), a client socket has remote port == server_port. Both
 * ends of one connection share the client port, which indexes `conns`.
 * Syscall and scheduler events are the server's threads' (tracked tgids).
 *
 * Per connection, one request is "cur" (being served) and the one before
 * may wait in "prev": its server-side send can still be returning when the
 * client has already read the response and sent the next request, so prev
 * is emitted only when the server reads the next request (or the
 * connection closes, or its port starts a new connection).
 *
 *   S1  server socket sk_data_ready, when cur is empty or already answered
 *       (s3 or c4 seen): a new request opens.
 *   S2  first sock_recv_length > 0 on the server socket for cur. The
 *       run-queue delay of the reading thread inside [S1, S2] is summed
 *       from its recent wakeup -> on-CPU intervals (sched_*).
 *   S3  entry of the server's send syscall that delivers the first response
 *       bytes: taken at the client socket's sk_data_ready when it runs
 *       inside that send (the usual loopback path), else at the
 *       sock_send_length of the send (same entry time).
 *   C4  the last client socket sk_data_ready before the record is emitted.
 * Connection marks (first request): client SYN_SENT -> ESTABLISHED, server
 * SYN_RECV -> ESTABLISHED, accept() return (the fd is followed to its
 * socket).
 *
 * Cost. The socket tracepoints fire for every socket of the machine: the
 * first thing each does is one or two compares of ports read straight from
 * the socket. Tables are arrays (inlined lookups), no hash, no lock. A
 * record is reserved, filled and submitted without a wakeup: user space
 * polls. A failed reserve is counted (ANAT_ST_LOST), never silent. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "common.bpf.h"
#include "anatomy.h"

const volatile __u16 server_port = 0;	/* host order */
const volatile __u8 sc_kind[ANAT_SC_ID_MAX] = {};	/* enum anat_sc_kind per syscall number */
const volatile __u32 arrival_mode = ANAT_ARRIVAL_DATA_READY;
const volatile bool switch_has_state = true;

#define MSG_PEEK_FLAG 2

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ANAT_PORTS);
	__type(key, __u32);
	__type(value, struct anat_conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ANAT_THREADS);
	__type(key, __u32);
	__type(value, struct anat_sc);
} scs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ANAT_THREADS);
	__type(key, __u32);
	__type(value, struct anat_thread);
} thr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ANAT_ST_NR);
	__type(key, __u32);
	__type(value, __u64);
} anat_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 25);	/* the loader may change it */
} records SEC(".maps");

static __always_inline void stat(__u32 k)
{
	__u64 *c = bpf_map_lookup_elem(&anat_stats, &k);

	if (c)
		(*c)++;
}

static __always_inline struct anat_conn *conn_of(__u16 port)
{
	__u32 k = port;

	return bpf_map_lookup_elem(&conns, &k);
}

static __always_inline struct anat_sc *sc_of(__u64 pid_tgid)
{
	__u32 k = (__u32)pid_tgid & (ANAT_THREADS - 1);

	return bpf_map_lookup_elem(&scs, &k);
}

/* ---- records ------------------------------------------------------------- */

static __always_inline void emit(struct anat_conn *c, struct anat_req *r, __u16 port, __u16 why)
{
	struct anat_rec *e = bpf_ringbuf_reserve(&records, sizeof(*e), 0);

	if (!e) {
		stat(ANAT_ST_LOST);
		return;
	}
	e->s1 = r->s1;
	e->s2 = r->s2;
	e->s3 = r->s3;
	e->c4 = r->c4;
	if (r->seq == 0) {
		e->ce = c->ce;
		e->se = c->se;
		e->acc = c->acc;
	} else {
		e->ce = e->se = e->acc = 0;
	}
	e->runq_ns = r->runq_ns;
	e->send_ns = r->send_ns;
	e->bytes_in = r->bytes_in;
	e->bytes_out = r->bytes_out;
	e->seq = r->seq;
	e->tid = r->tid;
	e->port = port;
	e->sends = r->sends;
	e->recvs = r->recvs;
	e->flags = r->flags | why;
	/* No wakeup: the consumer polls, and a wakeup per record would cost an
	 * irq_work each. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	stat(ANAT_ST_EMITTED);
}

/* Emit what the connection still holds: prev first (it is older). */
static __always_inline void flush(struct anat_conn *c, __u16 port, __u16 why)
{
	if (c->prev_pending) {
		emit(c, &c->prev, port, why);
		c->prev_pending = 0;
	}
	if (c->cur.active) {
		emit(c, &c->cur, port, why);
		c->cur.active = 0;
	}
}

static __always_inline void open_req(struct anat_conn *c, __u64 s1)
{
	struct anat_req *r = &c->cur;

	__builtin_memset(r, 0, sizeof(*r));
	r->s1 = s1;
	r->seq = c->nreq++;
	r->active = 1;
}

/* cur is answered: it waits in prev (emitting an older prev first). */
static __always_inline void retire_cur(struct anat_conn *c, __u16 port)
{
	if (c->prev_pending)
		emit(c, &c->prev, port, 0);
	__builtin_memcpy(&c->prev, &c->cur, sizeof(c->cur));
	c->prev_pending = 1;
	c->cur.active = 0;
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
	if (t->tag)
		stat(ANAT_ST_THREAD_COLLIDE);	/* the newer thread takes the slot */
	__builtin_memset(t, 0, sizeof(*t));
	t->tag = tag;
	return t;
}

/* Run-queue time of the current thread inside [lo, hi]; *trunc when older
 * intervals than those kept may have fallen inside. */
static __always_inline __u64 runq_in(__u64 pid_tgid, __u64 lo, __u64 hi, bool *trunc)
{
	__u32 k = (__u32)pid_tgid & (ANAT_THREADS - 1);
	struct anat_thread *t;
	__u64 sum = 0, a, b;

	if (!lo || hi <= lo)
		return 0;
	t = bpf_map_lookup_elem(&thr, &k);
	if (!t || t->tag != pid_tgid)	/* same layout: tgid << 32 | tid */
		return 0;
#pragma unroll
	for (int i = 0; i < ANAT_RQ_HIST; i++) {
		a = t->lo[i] > lo ? t->lo[i] : lo;
		b = t->hi[i] < hi ? t->hi[i] : hi;
		if (b > a)
			sum += b - a;
	}
	if (t->n >= ANAT_RQ_HIST && t->hi[t->n & (ANAT_RQ_HIST - 1)] > lo)
		*trunc = true;
	return sum;
}

static __always_inline void on_wakeup(__u32 pid, __u32 tgid)
{
	struct anat_thread *t;

	if (!is_tracked(tgid))
		return;
	t = thread_of(pid, tgid);
	/* A wakeup of a task still on its CPU puts nothing on a run queue. */
	if (t && !t->oncpu)
		t->wake_ts = bpf_ktime_get_ns();
}

static __always_inline void on_switch(bool preempt, long prev_state, __u32 prev_pid,
				      __u32 prev_tgid, __u32 next_pid, __u32 next_tgid)
{
	struct anat_thread *t;
	__u64 now = 0;

	if (is_tracked(prev_tgid)) {
		now = bpf_ktime_get_ns();
		t = thread_of(prev_pid, prev_tgid);
		if (t) {
			t->oncpu = 0;
			/* Still runnable (preempted): its run-queue wait starts now. */
			t->wake_ts = (preempt || !prev_state) ? now : 0;
		}
	}
	if (is_tracked(next_tgid)) {
		t = thread_of(next_pid, next_tgid);
		if (!t)
			return;
		t->oncpu = 1;
		if (!t->wake_ts)
			return;
		if (!now)
			now = bpf_ktime_get_ns();
		__u32 i = t->n & (ANAT_RQ_HIST - 1);
		t->lo[i] = t->wake_ts;
		t->hi[i] = now;
		t->n++;
		if (now > t->wake_ts)
			t->cum += now - t->wake_ts;
		t->wake_ts = 0;
	}
}

/* ---- the marks ------------------------------------------------------------ */

/* rcv_nxt of a TCP socket. */
static __always_inline __u32 rcv_nxt(const struct sock *sk)
{
	return BPF_CORE_READ((struct tcp_sock *)sk, rcv_nxt);
}

/* sk_data_ready also announces a FIN (tcp_data_queue calls it for a
 * segment without payload once the socket is done): when the socket has
 * left ESTABLISHED, it is an arrival of bytes only if rcv_nxt moved by more
 * than the FIN's 1. *last keeps rcv_nxt at the previous arrival. */
static __always_inline bool bytes_arrived(const struct sock *sk, __u8 state, __u32 *last)
{
	__u32 rcv;

	if (!sk)
		return true;	/* tcp_probe: the payload was checked */
	rcv = rcv_nxt(sk);
	if (state != BENCH_TCP_ESTABLISHED && *last && rcv - *last <= 1) {
		*last = rcv;
		return false;
	}
	*last = rcv;
	return true;
}

/* S1: request bytes queued on the server socket of connection `port`. */
static __always_inline void server_arrival(const struct sock *sk, __u8 state, __u16 port)
{
	struct anat_conn *c = conn_of(port);
	struct anat_thread *t;
	struct anat_req *r;
	__u64 now;
	__u32 k;

	if (!c || !bytes_arrived(sk, state, &c->srcv))
		return;
	r = &c->cur;
	if (r->active && !r->s3 && !r->c4)
		return;		/* more bytes of the request not yet answered */
	if (r->active)
		retire_cur(c, port);
	now = bpf_ktime_get_ns();
	open_req(c, now);
	/* The thread that read the last request will most likely read this
	 * one: note its run-queue total now, so S2 gets the exact run-queue
	 * time in between (the part of a wait in progress before S1 is not
	 * this request's). */
	if (!c->reader)
		return;
	k = (__u32)c->reader & (ANAT_THREADS - 1);
	t = bpf_map_lookup_elem(&thr, &k);
	if (!t || t->tag != c->reader)
		return;
	r->reader = c->reader;
	r->cum0 = t->cum;
	if (t->wake_ts && t->wake_ts < now)
		r->cum0 += now - t->wake_ts;
}

/* S2: the server's read returned `ret` bytes of connection `port`. */
static __always_inline void server_read(__u16 port, int ret)
{
	struct anat_conn *c = conn_of(port);
	__u64 pid_tgid, now, lo;
	struct anat_req *r;
	bool trunc = false;

	if (!c)
		return;
	r = &c->cur;
	if (!r->active || r->s3 || r->c4) {
		/* Bytes whose arrival was not seen: without an arrival probe
		 * that is the rule (s1 = s2 below), else an anomaly. */
		if (r->active)
			retire_cur(c, port);
		open_req(c, 0);
		if (arrival_mode != ANAT_ARRIVAL_NONE) {
			r->flags |= ANAT_F_NO_ARRIVAL;
			stat(ANAT_ST_READ_NO_ARRIVAL);
		}
	}
	if (!r->s2) {
		pid_tgid = bpf_get_current_pid_tgid();
		now = bpf_ktime_get_ns();
		r->s2 = now;
		r->tid = (__u32)pid_tgid;
		if (arrival_mode == ANAT_ARRIVAL_NONE && !r->s1)
			r->s1 = now;
		lo = r->s1;
		if (r->seq == 0 && c->acc > lo)
			lo = c->acc;	/* before accept() the wait is accept_wait's */
		if (r->reader == pid_tgid && lo == r->s1) {
			__u32 k = (__u32)pid_tgid & (ANAT_THREADS - 1);
			struct anat_thread *t = bpf_map_lookup_elem(&thr, &k);

			if (t && t->tag == pid_tgid && t->cum > r->cum0)
				r->runq_ns = t->cum - r->cum0;
		} else {
			r->runq_ns = runq_in(pid_tgid, lo, now, &trunc);
			if (trunc) {
				r->flags |= ANAT_F_RUNQ_TRUNC;
				stat(ANAT_ST_RUNQ_TRUNC);
			}
		}
		c->reader = pid_tgid;
		/* The server reads the next request: the previous one's send is over. */
		if (c->prev_pending) {
			emit(c, &c->prev, port, 0);
			c->prev_pending = 0;
		}
	}
	r->bytes_in += ret;
	r->recvs++;
}

/* C4 (and usually S3): response bytes queued on the client socket `port`. */
static __always_inline void client_arrival(const struct sock *sk, __u8 state, __u16 port)
{
	struct anat_conn *c = conn_of(port);
	struct anat_req *r;
	struct anat_sc *s;
	__u64 now, pid_tgid, ts;

	if (!c || !bytes_arrived(sk, state, &c->crcv))
		return;
	r = &c->cur;
	if (!r->active || !r->s2) {
		stat(ANAT_ST_DATA_NO_REQ);
		return;
	}
	now = bpf_ktime_get_ns();
	if (!r->c4_first)
		r->c4_first = now;
	r->c4 = now;
	if (r->s3)
		return;
	/* Delivery runs inside the sender's send(): if this thread is a server
	 * thread in a send syscall, its entry is S3. (Only tracked threads
	 * have entries.) */
	pid_tgid = bpf_get_current_pid_tgid();
	s = sc_of(pid_tgid);
	if (!s || s->pid_tgid != pid_tgid || s->kind != ANAT_SC_SEND)
		return;		/* delivered elsewhere (softirq thread): sock_send_length decides */
	ts = s->ts;
	if (ts < r->s2) {
		ts = r->s2;
		r->flags |= ANAT_F_S3_CLAMPED;
	}
	r->s3 = ts;
	r->flags |= ANAT_F_S3_DELIVERY;
}

/* The server's send on connection `port` accepted `ret` bytes. */
static __always_inline void server_send(__u16 port, int ret)
{
	struct anat_conn *c = conn_of(port);
	__u64 pid_tgid = bpf_get_current_pid_tgid(), ts = 0;
	struct anat_sc *s = sc_of(pid_tgid);
	struct anat_req *r = NULL;
	bool valid;

	if (!c)
		return;
	valid = s && s->pid_tgid == pid_tgid && s->kind == ANAT_SC_SEND;
	if (valid)
		ts = s->ts;
	/* The request this send answers: the latest one read before the send
	 * began. */
	if (c->cur.active && c->cur.s2 && (!valid || ts >= c->cur.s2))
		r = &c->cur;
	else if (c->prev_pending && c->prev.s2 && (!valid || ts >= c->prev.s2))
		r = &c->prev;
	if (!r) {
		stat(ANAT_ST_SEND_NO_REQ);
		return;
	}
	if (!r->s3) {
		if (valid) {
			r->s3 = ts;
		} else {
			/* Not from a syscall we saw begin (an io_uring worker, say):
			 * the first delivery, else now, keeps S3 <= C4. */
			r->s3 = r->c4_first ? r->c4_first : bpf_ktime_get_ns();
			r->flags |= ANAT_F_S3_APPROX;
			stat(ANAT_ST_S3_APPROX);
		}
	}
	r->bytes_out += ret;
	r->sends++;
	if (valid && s) {
		s->port = port;	/* sys_exit adds the syscall's duration to r */
		s->seq = r->seq;
	}
}

/* ---- connection marks ------------------------------------------------------ */

static __always_inline void conn_reset(struct anat_conn *c, __u16 port)
{
	flush(c, port, ANAT_F_REUSED);
	__builtin_memset(c, 0, sizeof(*c));
	c->open = 1;
}

static __always_inline void on_set_state(const struct sock *sk, __u16 lport, __u16 dport,
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
			c->srcv = rcv_nxt(sk);
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
		c->crcv = rcv_nxt(sk);
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

/* ---- syscalls of server threads ------------------------------------------- */

static __always_inline int on_sys_enter(long id)
{
	struct anat_sc *s;
	__u64 pid_tgid;
	__u8 kind;

	if ((unsigned long)id >= ANAT_SC_ID_MAX)
		return 0;
	kind = sc_kind[id];
	if (!kind)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if (!is_tracked(pid_tgid >> 32))
		return 0;
	s = sc_of(pid_tgid);
	if (!s)
		return 0;
	s->ts = bpf_ktime_get_ns();
	s->kind = kind;
	s->port = 0;
	s->seq = 0;
	s->pid_tgid = pid_tgid;
	return 0;
}

/* accept() returned fd: fd -> file -> socket -> sock of the caller. */
static __always_inline void accept_done(long fd, __u64 now)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;
	struct socket *so;
	struct sock *sk;
	struct anat_conn *c;
	__u16 lport, dport;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return;
	so = BPF_CORE_READ(f, private_data);
	if (!so)
		return;
	sk = BPF_CORE_READ(so, sk);
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

static __always_inline int on_sys_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now;
	struct anat_sc *s = sc_of(pid_tgid);
	struct anat_conn *c;
	struct anat_req *r = NULL;

	if (!s || s->pid_tgid != pid_tgid || !pid_tgid)
		return 0;
	s->pid_tgid = 0;
	if (s->kind == ANAT_SC_ACCEPT) {
		if (ret >= 0)
			accept_done(ret, bpf_ktime_get_ns());
		return 0;
	}
	if (!s->port)
		return 0;
	c = conn_of(s->port);
	if (!c)
		return 0;
	if (c->cur.active && c->cur.seq == s->seq)
		r = &c->cur;
	else if (c->prev_pending && c->prev.seq == s->seq)
		r = &c->prev;
	if (!r)
		return 0;
	now = bpf_ktime_get_ns();
	if (now > s->ts)
		r->send_ns += now - s->ts;
	return 0;
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

#define SK_LPORT(btf, sk) ((__u16)RD(btf, sk, __sk_common.skc_num))
#define SK_DPORT(btf, sk) bpf_ntohs(RD(btf, sk, __sk_common.skc_dport))
#define SK_STATE(btf, sk) ((__u8)RD(btf, sk, __sk_common.skc_state))

static __always_inline void on_data_ready(const struct sock *sk, __u16 lport, __u16 dport,
					  bool btf)
{
	if (lport != server_port && dport != server_port)
		return;		/* every other socket of the machine stops here */
	on_arrival(sk, btf ? SK_STATE(1, sk) : SK_STATE(0, sk), lport, dport);
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(sk_data_ready, const struct sock *sk)
{
	on_data_ready(sk, SK_LPORT(1, sk), SK_DPORT(1, sk), true);
	return 0;
}

SEC("raw_tp/sk_data_ready")
int BPF_PROG(sk_data_ready_raw, const struct sock *sk)
{
	on_data_ready(sk, SK_LPORT(0, sk), SK_DPORT(0, sk), false);
	return 0;
}

/* Fallback arrival: a segment with payload entering an established socket. */
static __always_inline void on_tcp_probe(__u16 lport, __u16 dport, const struct sk_buff *skb)
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

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_probe, struct sock *sk, const struct sk_buff *skb)
{
	on_tcp_probe(SK_LPORT(1, sk), SK_DPORT(1, sk), skb);
	return 0;
}

SEC("raw_tp/tcp_probe")
int BPF_PROG(tcp_probe_raw, struct sock *sk, const struct sk_buff *skb)
{
	on_tcp_probe(SK_LPORT(0, sk), SK_DPORT(0, sk), skb);
	return 0;
}

static __always_inline void on_recv_length(__u16 lport, __u16 dport, int ret, int flags)
{
	if (lport != server_port || !dport || ret <= 0 || (flags & MSG_PEEK_FLAG))
		return;
	server_read(dport, ret);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_length, struct sock *sk, int ret, int flags)
{
	on_recv_length(SK_LPORT(1, sk), SK_DPORT(1, sk), ret, flags);
	return 0;
}

SEC("raw_tp/sock_recv_length")
int BPF_PROG(sock_recv_length_raw, struct sock *sk, int ret, int flags)
{
	on_recv_length(SK_LPORT(0, sk), SK_DPORT(0, sk), ret, flags);
	return 0;
}

static __always_inline void on_send_length(__u16 lport, __u16 dport, int ret)
{
	if (lport != server_port || !dport || ret <= 0)
		return;
	server_send(dport, ret);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_length, struct sock *sk, int ret, int flags)
{
	on_send_length(SK_LPORT(1, sk), SK_DPORT(1, sk), ret);
	return 0;
}

SEC("raw_tp/sock_send_length")
int BPF_PROG(sock_send_length_raw, struct sock *sk, int ret, int flags)
{
	on_send_length(SK_LPORT(0, sk), SK_DPORT(0, sk), ret);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, int oldstate, int newstate)
{
	on_set_state(sk, SK_LPORT(1, sk), SK_DPORT(1, sk), oldstate, newstate);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state_raw, const struct sock *sk, int oldstate, int newstate)
{
	on_set_state(sk, SK_LPORT(0, sk), SK_DPORT(0, sk), oldstate, newstate);
	return 0;
}

/* Syscall number at exit, read from the saved registers. */
#if defined(__TARGET_ARCH_x86)
#define REGS_SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define REGS_SYSCALL_NR(regs) ((regs)->syscallno)
#endif

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	return on_sys_enter(id);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return on_sys_enter(id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
#ifdef REGS_SYSCALL_NR
	/* A direct load: most syscalls stop here, before any helper call. */
	unsigned long id = REGS_SYSCALL_NR(regs);

	if (id >= ANAT_SC_ID_MAX || !sc_kind[id])
		return 0;
#endif
	return on_sys_exit(ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_sys_exit(ret);
}

/* Before 5.18 prev_state is not an argument; before 5.14 the field is
 * `state`. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

SEC("tp_btf/sched_switch")
int anat_sched_switch(__u64 *ctx)
{
	struct task_struct *prev = (void *)ctx[1], *next = (void *)ctx[2];
	long state = switch_has_state ? (long)(unsigned int)ctx[3] : task_state(prev);

	on_switch((bool)ctx[0], state, prev->pid, prev->tgid, next->pid, next->tgid);
	return 0;
}

SEC("raw_tp/sched_switch")
int anat_sched_switch_raw(__u64 *ctx)
{
	struct task_struct *prev = (void *)ctx[1], *next = (void *)ctx[2];
	long state = switch_has_state ? (long)(unsigned int)ctx[3] : task_state(prev);

	on_switch((bool)ctx[0], state, BPF_CORE_READ(prev, pid), BPF_CORE_READ(prev, tgid),
		  BPF_CORE_READ(next, pid), BPF_CORE_READ(next, tgid));
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(anat_sched_wakeup, struct task_struct *p)
{
	on_wakeup(p->pid, p->tgid);
	return 0;
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(anat_sched_wakeup_raw, struct task_struct *p)
{
	on_wakeup(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(anat_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p->pid, p->tgid);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(anat_sched_wakeup_new_raw, struct task_struct *p)
{
	on_wakeup(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid));
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
