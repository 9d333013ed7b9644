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

struct conn {
	struct lg_conn b;
	int fd;
	int old_fd;		/* closed by the server's choice: waiting for its FIN */
	uint32_t sent;		/* request bytes sent */
	char *buf;
	struct http_parser hp;
};

struct worker {
	struct lg_worker b;
	int epfd;
	struct conn *conns;
	char *bufs;
	struct epoll_event *events;
};

/* ---- the engine's I/O (struct lg_conn_ops) ----------------------------------- */

static void close_fd(struct conn *c)
{
	if (c->fd >= 0) {
		close(c->fd);	/* also removes it from the epoll set */
		c->fd = -1;
		c->b.gen++;
	}
}

static void drop(struct lg_worker *w, struct lg_conn *lc)
{
	struct conn *c = (struct conn *)lc;
	(void)w;
	close_fd(c);
	hp_reset(&c->hp);
}

#define OLD_FD_TAG 1ul	/* epoll data of an old_fd: the conn pointer | 1 */

/* The server said it closes the connection. Closing before its FIN is in
 * would leave this side in TIME_WAIT, and a client opening a connection per
 * request then runs out of ports against a remote server. So unless the FIN
 * is already here, keep the socket until it comes (one per conn). */
static void retire(struct lg_worker *bw, struct lg_conn *lc, bool fin_seen)
{
	struct worker *w = (struct worker *)bw;
	struct conn *c = (struct conn *)lc;
	int fd = c->fd;
	char b[64];

	c->fd = -1;
	c->b.gen++;
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

/* Sends (the rest of) the request. */
static void send_request(struct worker *w, struct conn *c)
{
	const struct lg_run *r = w->b.run;
	for (;;) {
		ssize_t n = raw_send(c->fd, r->req + c->sent, r->req_len - c->sent);
		if (n >= 0) {
			if (c->b.state == LG_C_CONNECTING && c->b.measured)
				w->b.connects++;
			c->sent += (uint32_t)n;
			c->b.state = c->sent == r->req_len ? LG_C_READING : LG_C_SENDING;
			if (c->b.state == LG_C_READING)
				return;
			continue;
		}
		int e = errno;
		if (e == EAGAIN || e == EWOULDBLOCK)
			return;		/* EPOLLOUT will call again */
		if (e == EINTR)
			continue;
		if (c->b.state == LG_C_CONNECTING)
			lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, e);
		else if (c->b.served && !c->sent && (e == EPIPE || e == ECONNRESET))
			lg_conn_closed(&w->b, &c->b, &c->hp, e);	/* a kept-alive socket the server had closed */
		else
			lg_conn_fail(&w->b, &c->b, LG_ERR_WRITE, e);
		return;
	}
}

static void start_connect(struct worker *w, struct conn *c)
{
	const struct lg_target *t = &w->b.run->target;
	int one = 1;

	c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, errno);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->b.served = 0;
	c->b.state = LG_C_CONNECTING;
	if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addrlen) && errno != EINPROGRESS) {
		lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, errno);
		return;
	}
	if (w->b.run->opts.record_requests)
		c->b.lport = lg_local_port(c->fd);	/* connect() has bound it, even in progress */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				  .data.ptr = c };
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev)) {
		lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, errno);
		return;
	}
	/* On loopback the handshake is usually over already: try at once.
	 * If not, send() says EAGAIN and EPOLLOUT brings us back. */
	send_request(w, c);
}

static void start(struct lg_worker *bw, struct lg_conn *lc)
{
	struct worker *w = (struct worker *)bw;
	struct conn *c = (struct conn *)lc;
	c->sent = 0;
	if (c->fd < 0)
		start_connect(w, c);
	else
		send_request(w, c);
}

static const struct lg_conn_ops epoll_conn_ops = {
	.start = start,
	.drop = drop,
	.retire = retire,
};

/* ---- the worker's loop ------------------------------------------------------- */

/* ev: the epoll events. A short read means the socket is drained, unless
 * the peer also closed: that was reported in this same event, and no new
 * edge will come for it, so then read on to the end. */
static void read_responses(struct worker *w, struct conn *c, uint32_t ev)
{
	bool to_eof = ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);

	for (;;) {
		ssize_t n = raw_recv(c->fd, c->buf, RECV_BUF);
		if (n > 0) {
			if (!lg_conn_feed(&w->b, &c->b, &c->hp, c->buf, (size_t)n, to_eof))
				return;
			if (n < RECV_BUF && !to_eof)
				return;		/* drained; edge-triggered epoll will say when more comes */
			continue;
		}
		int e = n == 0 ? 0 : errno;
		if (e == EAGAIN || e == EWOULDBLOCK)
			return;
		if (e == EINTR)
			continue;
		lg_conn_closed(&w->b, &c->b, &c->hp, e);
		return;
	}
}

static void on_event(struct worker *w, struct conn *c, uint32_t ev)
{
	switch (c->b.state) {
	case LG_C_CONNECTING:
		if (ev & EPOLLERR) {
			int e = 0;
			socklen_t l = sizeof(e);
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
			lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, e ? e : ECONNREFUSED);
			return;
		}
		if (ev & (EPOLLOUT | EPOLLHUP))
			send_request(w, c);
		break;
	case LG_C_SENDING:
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			send_request(w, c);
		if (c->b.state == LG_C_READING && (ev & (EPOLLIN | EPOLLRDHUP)))
			read_responses(w, c, ev);
		break;
	case LG_C_READING:
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			read_responses(w, c, ev);
		break;
	case LG_C_FREE:
		/* an idle kept-alive socket: the server closed it (or sent
		 * bytes nobody asked for); the next request opens a new one */
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			close_fd(c);
		break;
	default:
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t now, wake;
	bool precise;

	lg_worker_begin(&w->b);
	lg_core_begin(&w->b);
	while (lg_core_turn(&w->b, &now, &wake, &precise)) {
		int n = lg_epoll_wait(&w->b, w->epfd, w->events, w->b.nconns + 1, now, wake, precise);
		for (int i = 0; i < n; i++) {
			uint64_t tag = w->events[i].data.u64;
			if (tag & OLD_FD_TAG)
				old_fd_event((struct conn *)(uintptr_t)(tag & ~OLD_FD_TAG));
			else if (tag)
				on_event(w, (struct conn *)(uintptr_t)tag, w->events[i].events);
		}
	}
	lg_core_finish(&w->b);
	for (int i = 0; i < w->b.nconns; i++)
		if (w->conns[i].old_fd >= 0)
			close(w->conns[i].old_fd);
	lg_worker_end(&w->b);
	return NULL;
}

/* ---- setup ----------------------------------------------------------------- */

static void free_worker(struct lg_worker *bw)
{
	struct worker *w = (struct worker *)bw;
	if (w->epfd >= 0)
		close(w->epfd);
	lg_worker_delete(&w->b, (void *[]){ w->conns, w->bufs, w->events }, 3);
}

static struct lg_worker *new_worker(struct lg_run *r, int idx, int nconns, struct errbuf *err)
{
	struct worker *w = lg_worker_new(sizeof(*w), r, idx, nconns, &epoll_conn_ops, err);
	if (!w)
		return NULL;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->conns = calloc((size_t)nconns, sizeof(*w->conns));
	w->bufs = aligned_alloc(64, (size_t)nconns * RECV_BUF);
	w->events = calloc((size_t)nconns + 1, sizeof(*w->events));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (w->epfd < 0 || !w->conns || !w->bufs || !w->events ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, r->evfd, &ev)) {
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
		lg_worker_set_conn(&w->b, i, &c->b);
	}
	return &w->b;
}

const struct lg_engine_ops lg_epoll_ops = {
	.new_worker = new_worker,
	.free_worker = free_worker,
	.main = worker_main,
};
