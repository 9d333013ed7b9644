/* The epoll engine: HTTP/1.1 over plain TCP (see loadgen.h, run.c).
 *
 * Habits kept from kernel-bypass stacks, inside the kernel's TCP stack:
 *  - T share-nothing pthreads, each pinned, each with its own epoll loop,
 *    connections, counters and histograms; merged after join.
 *  - Everything is allocated (and touched) before the clock starts: the
 *    connection table, one receive buffer per connection, the epoll events
 *    array, the histograms. The request is serialized once and shared.
 *  - A socket is registered in epoll once, edge-triggered for IN|OUT|RDHUP,
 *    when it is opened: no epoll_ctl per request (wrk does two). The next
 *    request is sent straight from the read path, so a request costs one
 *    send() and usually one recv(); a recv() that returns less than the
 *    buffer means the socket is drained, which saves the EAGAIN read.
 *  - No malloc, lock or stdio per request; the progress counter is a
 *    relaxed store to the worker's own cache line.
 *
 * Closed loop: a request's latency runs from when it became due (its
 * connection became free) to when its response was parsed, so reconnects,
 * connect time and server-side queueing are all inside it.
 *
 * Open loop: each thread follows its schedule (lg_sched). A due request
 * goes out on any free connection of the thread (the most recently freed
 * first, so only as many connections open as the rate needs); when none is
 * free it waits for the next response, and that wait is in its latency,
 * which runs from the intended send time. The loop sleeps with ns
 * resolution until the next send (epoll_pwait2, 1 ns timer slack) and polls
 * when it is a few us away. */
#define _GNU_SOURCE
#define LG_WANT_EPOLL_WAIT
#include "loadgen/lg_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "loadgen/http_parse.h"

#define RECV_BUF 8192

/* send()/recv() through syscall(): the libc wrappers are cancellation
 * points and switch async cancellation on and off around every call
 * (about 2 % of the load generator's CPU time here); nothing here is ever
 * cancelled. */
static inline ssize_t raw_send(int fd, const void *buf, size_t len)
{
	return syscall(SYS_sendto, fd, buf, len, MSG_NOSIGNAL, NULL, 0);
}

static inline ssize_t raw_recv(int fd, void *buf, size_t len)
{
	return syscall(SYS_recvfrom, fd, buf, len, 0, NULL, NULL);
}

enum conn_state {
	C_IDLE,		/* no more requests to issue; no socket */
	C_FREE,		/* open loop: waiting for a due request (socket or not) */
	C_CONNECTING,	/* socket opened, request not yet accepted by send() */
	C_SENDING,	/* part of the request sent */
	C_READING,	/* request sent, waiting for / parsing the response */
	C_BACKOFF,	/* connect failed; no socket until deadline_ns */
};

struct conn {
	int fd;
	uint16_t lport;		/* local port, known when records are kept */
	int old_fd;		/* closed by the server's choice: waiting for its FIN */
	uint8_t state;
	bool measured;		/* the request in flight counts */
	uint32_t sent;		/* request bytes sent */
	uint32_t gen;		/* bumped whenever the socket is closed */
	uint64_t served;	/* responses on this socket */
	uint64_t due_ns;	/* when the request in flight became due (open: intended) */
	uint64_t sent_ns;	/* when it was handed to this connection */
	uint64_t deadline_ns;	/* in flight: send + timeout; backoff: retry time */
	char *buf;
	struct http_parser hp;
};

struct worker {
	struct lg_worker b;
	int epfd;
	int active;		/* connections with a request in flight or backing off */
	int nfree;		/* open loop: free[0..nfree) are C_FREE, the last freed on top */
	struct conn **free;
	struct conn *conns;
	char *bufs;
	struct epoll_event *events;
	uint64_t next_timer;	/* earliest deadline (may be stale-early) */
};

/* ---- the worker's hot path --------------------------------------------------- */

static inline void arm_timer(struct worker *w, uint64_t t)
{
	if (t < w->next_timer)
		w->next_timer = t;
}

static void close_fd(struct conn *c)
{
	if (c->fd >= 0) {
		close(c->fd);	/* also removes it from the epoll set */
		c->fd = -1;
		c->gen++;
	}
}

#define OLD_FD_TAG 1ul	/* epoll data of an old_fd: the conn pointer | 1 */

/* The server said it closes the connection. Closing before its FIN is in
 * would leave this side in TIME_WAIT, and a client opening a connection per
 * request then runs out of ports against a remote server. So unless the FIN
 * is already here, keep the socket until it comes (one per conn). */
static void retire_fd(struct worker *w, struct conn *c, bool fin_seen)
{
	int fd = c->fd;
	char b[64];

	c->fd = -1;
	c->gen++;
	if (c->old_fd >= 0) {
		close(c->old_fd);
		c->old_fd = -1;
	}
	if (!fin_seen) {
		ssize_t n = recv(fd, b, sizeof(b), 0);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET,
					  .data.u64 = (uint64_t)(uintptr_t)c | OLD_FD_TAG };
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    !epoll_ctl(w->epfd, EPOLL_CTL_MOD, fd, &ev)) {
			c->old_fd = fd;
			return;
		}
	}
	close(fd);
}

static void old_fd_event(struct conn *c)
{
	if (c->old_fd < 0)
		return;
	for (;;) {
		ssize_t n = recv(c->old_fd, c->buf, RECV_BUF, 0);
		if (n > 0)
			continue;	/* bytes after the last response: ignore */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		close(c->old_fd);
		c->old_fd = -1;
		return;
	}
}

static inline bool is_active(uint8_t state)
{
	return state != C_IDLE && state != C_FREE;
}

/* No request for c any more (closed loop, or the end of the run). */
static void set_idle(struct worker *w, struct conn *c)
{
	close_fd(c);
	if (is_active(c->state))
		w->active--;
	c->state = C_IDLE;
}

/* Open loop: c waits (socket kept) for the next due request. */
static void park(struct worker *w, struct conn *c)
{
	if (is_active(c->state))
		w->active--;
	c->state = C_FREE;
	w->free[w->nfree++] = c;
}

static void issue(struct worker *w, struct conn *c, uint64_t due, uint64_t now, bool measured);
static void start_connect(struct worker *w, struct conn *c);

/* c has no request in flight: give it the next one if one is due, else
 * idle it (closed loop) or park it (open loop). */
static void next_request(struct worker *w, struct conn *c, uint64_t now)
{
	bool m;
	if (!w->b.open) {
		if (lg_admit(&w->b, now, &m))
			issue(w, c, now, now, m);
		else
			set_idle(w, c);
		return;
	}
	uint64_t due;
	if (lg_take_due(&w->b, now, &due, &m)) {
		if (!w->nfree && m)
			w->b.conn_waits++;	/* it was due while every connection was busy */
		issue(w, c, due, now, m);
	} else {
		park(w, c);
	}
}

/* Sends the request in flight again on a new socket: the server closed a
 * kept-alive socket before answering. Its latency keeps running. */
static void resend(struct conn *c, struct worker *w)
{
	close_fd(c);
	hp_reset(&c->hp);
	c->sent = 0;
	start_connect(w, c);
}

static void backoff(struct worker *w, struct conn *c, uint64_t now)
{
	close_fd(c);
	hp_reset(&c->hp);
	c->state = C_BACKOFF;
	c->deadline_ns = now + LG_CONNECT_BACKOFF_NS;
	arm_timer(w, c->deadline_ns);
}

/* The request in flight failed: count it, drop the socket, and either back
 * off (connect errors) or go on with the next request on a new socket. */
static void fail_request(struct worker *w, struct conn *c, enum lg_error_class cls, int e)
{
	uint64_t now = mono_ns();
	lg_on_error(&w->b, c->measured, cls, e);
	if (cls == LG_ERR_CONNECT) {
		backoff(w, c, now);
		return;
	}
	close_fd(c);
	hp_reset(&c->hp);
	next_request(w, c, now);
}

/* Sends (the rest of) the request. */
static void send_request(struct worker *w, struct conn *c)
{
	const struct lg_run *r = w->b.run;
	for (;;) {
		ssize_t n = raw_send(c->fd, r->req + c->sent, r->req_len - c->sent);
		if (n >= 0) {
			if (c->state == C_CONNECTING && c->measured)
				w->b.connects++;
			c->sent += (uint32_t)n;
			c->state = c->sent == r->req_len ? C_READING : C_SENDING;
			if (c->state == C_READING)
				return;
			continue;
		}
		int e = errno;
		if (e == EAGAIN || e == EWOULDBLOCK)
			return;		/* EPOLLOUT will call again */
		if (e == EINTR)
			continue;
		if (c->state == C_CONNECTING) {
			fail_request(w, c, LG_ERR_CONNECT, e);
		} else if (c->served && !c->sent && (e == EPIPE || e == ECONNRESET)) {
			resend(c, w);	/* a kept-alive socket the server had closed */
		} else {
			fail_request(w, c, LG_ERR_WRITE, e);
		}
		return;
	}
}

static void start_connect(struct worker *w, struct conn *c)
{
	const struct lg_target *t = &w->b.run->target;
	int one = 1, e;

	c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fail_request(w, c, LG_ERR_CONNECT, errno);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->served = 0;
	c->state = C_CONNECTING;
	if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addrlen) && errno != EINPROGRESS) {
		fail_request(w, c, LG_ERR_CONNECT, errno);
		return;
	}
	if (w->b.run->opts.record_requests) {
		/* connect() has bound the ephemeral port, even while in progress */
		struct sockaddr_storage a;
		socklen_t al = sizeof(a);
		c->lport = 0;
		if (!getsockname(c->fd, (struct sockaddr *)&a, &al))
			c->lport = ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port
							       : ((struct sockaddr_in *)&a)->sin_port);
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				  .data.ptr = c };
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev)) {
		e = errno;
		fail_request(w, c, LG_ERR_CONNECT, e);
		return;
	}
	/* On loopback the handshake is usually over already: try at once.
	 * If not, send() says EAGAIN and EPOLLOUT brings us back. */
	send_request(w, c);
}

/* Puts a request (intended for `due`, handed over `now`) on c. */
static void issue(struct worker *w, struct conn *c, uint64_t due, uint64_t now, bool measured)
{
	if (!is_active(c->state))
		w->active++;
	c->state = C_SENDING;		/* start_connect() makes it C_CONNECTING */
	c->measured = measured;
	c->due_ns = due;
	c->sent_ns = now;
	c->deadline_ns = now + w->b.run->timeout_ns;
	arm_timer(w, c->deadline_ns);
	c->sent = 0;
	lg_on_send(&w->b, due, now, measured);
	if (c->fd < 0)
		start_connect(w, c);
	else
		send_request(w, c);
}

/* A complete response on c. Returns whether c goes on reading the same
 * socket (the next request was sent on it). */
static bool response_done(struct worker *w, struct conn *c, bool fin_seen)
{
	uint64_t now = mono_ns();
	const struct http_parser *p = &c->hp;

	lg_on_response(&w->b, c->measured, p->status, !p->body_mismatch, c->due_ns, c->sent_ns, now,
		       (uint32_t)c->served, c->lport, c->served == 0);
	c->served++;
	uint32_t gen = c->gen;
	if (p->must_close)
		retire_fd(w, c, fin_seen);
	next_request(w, c, now);
	return c->gen == gen && (c->state == C_READING || c->state == C_SENDING);
}

/* The server closed the socket (e == 0) or reset it (e = errno). */
static void peer_closed(struct worker *w, struct conn *c, int e)
{
	if (!e) {
		enum hp_result r = hp_finish(&c->hp);
		if (r == HP_DONE && c->hp.status >= 200) {
			response_done(w, c, true);
			return;
		}
		if (r == HP_AGAIN && c->served) {
			resend(c, w);	/* an idle kept-alive socket closed by the server */
			return;
		}
		fail_request(w, c, LG_ERR_READ, 0);
		return;
	}
	if (c->served && !hp_in_progress(&c->hp) && (e == ECONNRESET || e == EPIPE)) {
		resend(c, w);
		return;
	}
	fail_request(w, c, LG_ERR_READ, e);
}

/* ev: the epoll events. A short read means the socket is drained, unless
 * the peer also closed: that was reported in this same event, and no new
 * edge will come for it, so then read on to the end. */
static void read_responses(struct worker *w, struct conn *c, uint32_t ev)
{
	bool to_eof = ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);

	for (;;) {
		ssize_t n = raw_recv(c->fd, c->buf, RECV_BUF);
		if (n > 0) {
			if (c->measured)
				w->b.bytes += (uint64_t)n;
			size_t off = 0;
			while (off < (size_t)n) {
				size_t used;
				enum hp_result r = hp_feed(&c->hp, c->buf + off, (size_t)n - off, &used);
				off += used;
				if (r == HP_AGAIN)
					break;
				if (r == HP_ERROR) {
					fail_request(w, c, LG_ERR_PARSE, 0);
					return;
				}
				if (c->hp.status < 200)
					continue;	/* interim response: the real one follows */
				if (!response_done(w, c, to_eof))
					return;
			}
			if (n < RECV_BUF && !to_eof)
				return;		/* drained; edge-triggered epoll will say when more comes */
			continue;
		}
		if (n == 0) {
			peer_closed(w, c, 0);
			return;
		}
		int e = errno;
		if (e == EAGAIN || e == EWOULDBLOCK)
			return;
		if (e == EINTR)
			continue;
		peer_closed(w, c, e);
		return;
	}
}

static void on_event(struct worker *w, struct conn *c, uint32_t ev)
{
	switch (c->state) {
	case C_CONNECTING:
		if (ev & EPOLLERR) {
			int e = 0;
			socklen_t l = sizeof(e);
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
			fail_request(w, c, LG_ERR_CONNECT, e ? e : ECONNREFUSED);
			return;
		}
		if (ev & (EPOLLOUT | EPOLLHUP))
			send_request(w, c);
		break;
	case C_SENDING:
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			send_request(w, c);
		if (c->state == C_READING && (ev & (EPOLLIN | EPOLLRDHUP)))
			read_responses(w, c, ev);
		break;
	case C_READING:
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			read_responses(w, c, ev);
		break;
	case C_FREE:
		/* an idle kept-alive socket: the server closed it (or sent
		 * bytes nobody asked for); the next request opens a new one */
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			close_fd(c);
		break;
	default:
		break;
	}
}

/* Deadlines: expired requests time out, backed-off connections retry. */
static void scan_timers(struct worker *w, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (int i = 0; i < w->b.nconns; i++) {
		struct conn *c = &w->conns[i];
		if (!is_active(c->state))
			continue;
		if (now >= c->deadline_ns) {
			if (c->state == C_BACKOFF)
				next_request(w, c, now);
			else
				fail_request(w, c, LG_ERR_TIMEOUT, 0);
		}
		if (is_active(c->state) && c->deadline_ns < next)
			next = c->deadline_ns;
	}
	w->next_timer = next;
}

static void stop_issuing(struct worker *w, uint64_t now)
{
	for (int i = 0; i < w->b.nconns; i++)
		if (w->conns[i].state == C_BACKOFF)
			set_idle(w, &w->conns[i]);
	(void)now;
}

/* Open loop: due requests go out on free connections. */
static void dispatch(struct worker *w, uint64_t now)
{
	uint64_t due;
	bool m;
	while (w->nfree && lg_take_due(&w->b, now, &due, &m)) {
		struct conn *c = w->free[--w->nfree];
		issue(w, c, due, now, m);
		now = mono_ns();
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct lg_run *r = w->b.run;
	bool open = w->b.open;

	lg_worker_begin(&w->b);
	w->next_timer = UINT64_MAX;
	if (open) {
		/* all free, connection 0 on top */
		for (int i = w->b.nconns - 1; i >= 0; i--) {
			w->conns[i].state = C_FREE;
			w->free[w->nfree++] = &w->conns[i];
		}
	} else {
		for (int i = 0; i < w->b.nconns; i++) {
			struct conn *c = &w->conns[i];
			c->state = C_CONNECTING;	/* counted active until next_request decides */
			w->active++;
			next_request(w, c, r->start_ns);
		}
	}
	for (;;) {
		if (lg_stopped(r))
			break;
		uint64_t now = mono_ns();
		bool was_stopping = w->b.stopping;
		uint64_t wake = lg_check_end(&w->b, now);
		if (w->b.stopping && !was_stopping)
			stop_issuing(w, now);
		if (now >= w->next_timer)
			scan_timers(w, now);
		bool precise = false;
		if (open) {
			dispatch(w, now);
			if (w->nfree && w->b.sched.next < wake) {
				wake = w->b.sched.next;
				precise = true;
			}
		}
		if (w->active <= 0 && (!open || w->b.sched.next == UINT64_MAX))
			break;
		if (w->next_timer < wake) {
			wake = w->next_timer;
			precise = false;
		}

		int n = lg_epoll_wait(&w->b, w->epfd, w->events, w->b.nconns + 1, now, wake, precise);
		for (int i = 0; i < n; i++) {
			uint64_t tag = w->events[i].data.u64;
			if (tag & OLD_FD_TAG)
				old_fd_event((struct conn *)(uintptr_t)(tag & ~OLD_FD_TAG));
			else if (tag)
				on_event(w, (struct conn *)(uintptr_t)tag, w->events[i].events);
		}
	}
	for (int i = 0; i < w->b.nconns; i++) {
		close_fd(&w->conns[i]);
		if (w->conns[i].old_fd >= 0)
			close(w->conns[i].old_fd);
	}
	lg_worker_end(&w->b);
	return NULL;
}

/* ---- setup ----------------------------------------------------------------- */

static void free_worker(struct lg_worker *bw)
{
	struct worker *w = (struct worker *)bw;
	if (w->epfd >= 0)
		close(w->epfd);
	lg_worker_fini(&w->b);
	free(w->conns);
	free(w->free);
	free(w->bufs);
	free(w->events);
	free(w);
}

static struct lg_worker *new_worker(struct lg_run *r, int idx, int nconns, struct errbuf *err)
{
	struct worker *w = aligned_alloc(64, (sizeof(struct worker) + 63) & ~(size_t)63);
	if (!w) {
		errbuf_set(err, "out of memory");
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->conns = calloc((size_t)nconns, sizeof(*w->conns));
	w->free = calloc((size_t)nconns, sizeof(*w->free));
	w->bufs = aligned_alloc(64, (size_t)nconns * RECV_BUF);
	w->events = calloc((size_t)nconns + 1, sizeof(*w->events));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (lg_worker_init(&w->b, r, idx, nconns) || w->epfd < 0 || !w->conns || !w->free ||
	    !w->bufs || !w->events || epoll_ctl(w->epfd, EPOLL_CTL_ADD, r->evfd, &ev)) {
		errbuf_set(err, "failed to set up load generator thread %d: %s", idx,
			   w->epfd < 0 ? "epoll failed" : "out of memory");
		free_worker(&w->b);
		return NULL;
	}
	memset(w->bufs, 0, (size_t)nconns * RECV_BUF);	/* fault the pages in now */
	for (int i = 0; i < nconns; i++) {
		struct conn *c = &w->conns[i];
		c->fd = c->old_fd = -1;
		c->buf = w->bufs + (size_t)i * RECV_BUF;
		hp_init(&c->hp, r->target.expect_body, r->target.expect_body_len);
	}
	return &w->b;
}

const struct lg_engine_ops lg_epoll_ops = {
	.new_worker = new_worker,
	.free_worker = free_worker,
	.main = worker_main,
};
