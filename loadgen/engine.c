/* Closed-loop load generator on epoll (see loadgen.h).
 *
 * Habits kept from kernel-bypass stacks, inside the kernel's TCP stack:
 *  - T share-nothing pthreads, each pinned, each with its own epoll loop,
 *    connections, counters and histogram; merged after join.
 *  - Everything is allocated (and touched) before the clock starts: the
 *    connection table, one receive buffer per connection, the epoll events
 *    array, the histogram. The request is serialized once and shared.
 *  - A socket is registered in epoll once, edge-triggered for IN|OUT|RDHUP,
 *    when it is opened: no epoll_ctl per request (wrk does two). The next
 *    request is sent straight from the read path, so a request costs one
 *    send() and usually one recv(); a recv() that returns less than the
 *    buffer means the socket is drained, which saves the EAGAIN read.
 *  - No malloc, lock or stdio per request; the progress counter is a
 *    relaxed store to the worker's own cache line.
 *
 * A request's latency runs from when it became due (its connection became
 * free) to when its response was parsed, so reconnects, connect time and
 * server-side queueing are all inside it. */
#define _GNU_SOURCE
#include "loadgen/loadgen.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/clock.h"
#include "loadgen/http_parse.h"

#define RECV_BUF 8192
#define CONNECT_BACKOFF_NS (10 * NS_PER_MS)	/* after a failed connect */
#define DEFAULT_TIMEOUT_NS (10 * NS_PER_SEC)
#define MAX_WAIT_MS 1000

const char *const lg_error_names[LG_ERR__COUNT] = {
	[LG_ERR_CONNECT] = "connect",
	[LG_ERR_READ] = "read",
	[LG_ERR_WRITE] = "write",
	[LG_ERR_TIMEOUT] = "timeout",
	[LG_ERR_STATUS] = "status",
	[LG_ERR_PARSE] = "parse",
	[LG_ERR_BODY] = "body",
};

enum conn_state {
	C_IDLE,		/* no more requests to issue; no socket */
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
	uint64_t due_ns;	/* when the request in flight became due */
	uint64_t deadline_ns;	/* in flight: due + timeout; backoff: retry time */
	char *buf;
	struct http_parser hp;
};

/* Per-request records, in chunks so recording never copies or reallocates:
 * one malloc per RECS_PER_CHUNK requests. */
#define RECS_PER_CHUNK 65536
struct rec_chunk {
	struct rec_chunk *next;
	size_t n;
	struct lg_record v[RECS_PER_CHUNK];
};

struct worker {
	struct lg_run *run;
	struct rec_chunk *recs;	/* newest first; NULL unless record_requests */
	bool rec_oom;		/* a chunk could not be allocated: records stop */
	int idx;
	int epfd;
	int cpu;		/* -1: not pinned */
	int nconns;
	int active;		/* connections not idle */
	struct conn *conns;
	char *bufs;
	struct epoll_event *events;
	bool limited;		/* a request budget applies */
	bool stopping;		/* issue nothing more */
	bool started;
	uint64_t budget;	/* measured requests this worker may still issue */
	uint64_t next_timer;	/* earliest deadline (may be stale-early) */
	uint64_t last_progress;	/* last complete response (or start) */
	uint64_t fails;		/* failed requests since last_progress */
	uint64_t connect_fails;	/* of which connect errors */

	uint64_t completed, ok, bytes, connects;
	uint64_t errors[LG_ERR__COUNT];
	uint64_t errnos[LG_ERR__COUNT][LG_ERRNO_SLOTS];
	uint64_t status_classes[6];
	uint64_t last_resp_ns, end_ns;
	double cpu_user_s, cpu_sys_s;
	struct hist lat;
	pthread_t tid;

	/* read by lg_progress() from another thread */
	uint64_t progress __attribute__((aligned(64)));
	char pad[56];
};

struct lg_run {
	struct lg_target target;
	struct lg_options opts;
	char req[1400];
	uint32_t req_len;
	uint64_t start_ns, measure_ns, issue_end_ns, timeout_ns;
	int evfd;		/* lg_stop() makes it readable: wakes every worker */
	int stop;		/* atomic */
	int finished;		/* atomic: workers done */
	int nworkers;
	struct worker **workers;
};

/* ---- URL ------------------------------------------------------------------ */

int lg_target_from_url(struct lg_target *t, const char *url, struct errbuf *err)
{
	char host[256], port[8] = "80";
	const char *p = url, *auth, *auth_end, *h, *h_end;

	memset(t, 0, sizeof(*t));
	if (!url || !*url) {
		errbuf_set(err, "empty URL");
		return -EINVAL;
	}
	if (!strncasecmp(p, "https://", 8)) {
		errbuf_set(err, "%s: https is not supported by the load generator yet; use http://", url);
		return -ENOTSUP;
	}
	if (!strncasecmp(p, "http://", 7))
		p += 7;
	else if (strstr(p, "://")) {
		errbuf_set(err, "%s: unsupported scheme (expected http://host[:port][/path])", url);
		return -EINVAL;
	}
	auth = p;
	auth_end = auth + strcspn(auth, "/?#");
	if (auth_end == auth) {
		errbuf_set(err, "%s: no host (expected http://host[:port][/path])", url);
		return -EINVAL;
	}
	if (memchr(auth, '@', (size_t)(auth_end - auth))) {
		errbuf_set(err, "%s: user information in URLs is not supported", url);
		return -EINVAL;
	}
	if (*auth == '[') {
		h = auth + 1;
		h_end = memchr(h, ']', (size_t)(auth_end - h));
		if (!h_end) {
			errbuf_set(err, "%s: unterminated IPv6 address", url);
			return -EINVAL;
		}
		p = h_end + 1;
	} else {
		h = auth;
		h_end = memchr(auth, ':', (size_t)(auth_end - auth));
		if (!h_end)
			h_end = auth_end;
		p = h_end;
	}
	if (p < auth_end) {
		if (*p != ':') {
			errbuf_set(err, "%s: bad host", url);
			return -EINVAL;
		}
		p++;
		size_t n = (size_t)(auth_end - p);
		unsigned long v = 0;
		if (!n || n > 5) {
			errbuf_set(err, "%s: bad port", url);
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9') {
				errbuf_set(err, "%s: bad port", url);
				return -EINVAL;
			}
			v = v * 10 + (unsigned long)(p[i] - '0');
		}
		if (!v || v > 65535) {
			errbuf_set(err, "%s: port out of range", url);
			return -EINVAL;
		}
		snprintf(port, sizeof(port), "%lu", v);
	}
	if (h_end == h || (size_t)(h_end - h) >= sizeof(host) ||
	    (size_t)(auth_end - auth) >= sizeof(t->host)) {
		errbuf_set(err, "%s: bad or too long host", url);
		return -EINVAL;
	}
	memcpy(host, h, (size_t)(h_end - h));
	host[h_end - h] = 0;
	memcpy(t->host, auth, (size_t)(auth_end - auth));
	t->host[auth_end - auth] = 0;

	const char *path = auth_end;
	size_t plen = strcspn(path, "#");
	if (plen + 2 > sizeof(t->path)) {
		errbuf_set(err, "%s: path longer than %zu bytes", url, sizeof(t->path) - 2);
		return -EINVAL;
	}
	for (size_t i = 0; i < plen; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c <= ' ' || c == 0x7f) {
			errbuf_set(err, "%s: the path has a space or control character", url);
			return -EINVAL;
		}
	}
	if (*path != '/')
		snprintf(t->path, sizeof(t->path), "/%.*s", (int)plen, path);
	else
		snprintf(t->path, sizeof(t->path), "%.*s", (int)plen, path);

	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV }, *res, *ai, *pick = NULL;
	int e = getaddrinfo(host, port, &hints, &res);
	if (e) {
		errbuf_set(err, "cannot resolve %s: %s", host,
			   e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e));
		return -EHOSTUNREACH;
	}
	/* Prefer IPv4: "localhost" resolves to ::1 first, yet servers under
	 * test often listen on 0.0.0.0 only. */
	for (ai = res; ai && !pick; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			pick = ai;
	if (!pick)
		pick = res;
	memcpy(&t->addr, pick->ai_addr, pick->ai_addrlen);
	t->addrlen = pick->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* ---- the worker's hot path --------------------------------------------------- */

static void count_error(struct worker *w, struct conn *c, enum lg_error_class cls, int e)
{
	w->fails++;
	if (cls == LG_ERR_CONNECT)
		w->connect_fails++;
	if (!c->measured)
		return;
	w->errors[cls]++;
	w->errnos[cls][e > 0 && e < LG_ERRNO_SLOTS ? e : 0]++;
}

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

static void set_idle(struct worker *w, struct conn *c)
{
	close_fd(c);
	if (c->state != C_IDLE) {
		c->state = C_IDLE;
		w->active--;
	}
}

static void issue(struct worker *w, struct conn *c, uint64_t due);
static void start_connect(struct worker *w, struct conn *c);

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
	c->deadline_ns = now + CONNECT_BACKOFF_NS;
	arm_timer(w, c->deadline_ns);
}

/* The request in flight failed: count it, drop the socket, and either back
 * off (connect errors) or start the next request on a new socket. */
static void fail_request(struct worker *w, struct conn *c, enum lg_error_class cls, int e)
{
	uint64_t now = mono_ns();
	count_error(w, c, cls, e);
	if (cls == LG_ERR_CONNECT) {
		backoff(w, c, now);
		return;
	}
	close_fd(c);
	hp_reset(&c->hp);
	issue(w, c, now);
}

/* Sends (the rest of) the request. */
static void send_request(struct worker *w, struct conn *c)
{
	const struct lg_run *r = w->run;
	for (;;) {
		ssize_t n = send(c->fd, r->req + c->sent, r->req_len - c->sent, MSG_NOSIGNAL);
		if (n >= 0) {
			if (c->state == C_CONNECTING && c->measured)
				w->connects++;
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
	const struct lg_target *t = &w->run->target;
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
	if (w->run->opts.record_requests) {
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

/* Makes a request due now on c, if the limits allow one. */
static void issue(struct worker *w, struct conn *c, uint64_t due)
{
	const struct lg_run *r = w->run;

	if (w->stopping || due >= r->issue_end_ns) {
		set_idle(w, c);
		return;
	}
	bool measured = due >= r->measure_ns;
	if (measured && w->limited) {
		if (!w->budget) {
			set_idle(w, c);
			return;
		}
		w->budget--;
	}
	c->measured = measured;
	c->due_ns = due;
	c->deadline_ns = due + r->timeout_ns;
	arm_timer(w, c->deadline_ns);
	c->sent = 0;
	if (c->fd < 0)
		start_connect(w, c);
	else
		send_request(w, c);
}

static inline bool r_records(const struct worker *w)
{
	return w->run->opts.record_requests && !w->rec_oom;
}

static void keep_record(struct worker *w, const struct conn *c, uint64_t now, bool ok)
{
	struct rec_chunk *k = w->recs;
	if (!k || k->n == RECS_PER_CHUNK) {
		k = malloc(sizeof(*k));
		if (!k) {
			w->rec_oom = true;
			return;
		}
		k->n = 0;
		k->next = w->recs;
		w->recs = k;
	}
	k->v[k->n++] = (struct lg_record){
		.c0 = c->due_ns, .c5 = now, .seq = (uint32_t)c->served,
		.lport = c->lport, .ok = ok, .new_conn = c->served == 0,
	};
}

/* A complete response on c. Returns whether c goes on reading the same
 * socket (the next request was sent on it). */
static bool response_done(struct worker *w, struct conn *c, bool fin_seen)
{
	uint64_t now = mono_ns();
	const struct http_parser *p = &c->hp;

	if (c->measured) {
		int cls = p->status / 100;
		if (cls > 5)
			cls = 0;
		w->completed++;
		w->status_classes[cls]++;
		if (cls != 2) {
			w->errors[LG_ERR_STATUS]++;
			w->errnos[LG_ERR_STATUS][0]++;
		} else if (p->body_mismatch) {
			w->errors[LG_ERR_BODY]++;
			w->errnos[LG_ERR_BODY][0]++;
		} else {
			w->ok++;
			hist_record(&w->lat, now - c->due_ns);
		}
		if (r_records(w))
			keep_record(w, c, now, cls == 2 && !p->body_mismatch);
		w->last_resp_ns = now;
		__atomic_store_n(&w->progress, w->completed, __ATOMIC_RELAXED);
	}
	w->last_progress = now;
	w->fails = w->connect_fails = 0;
	c->served++;
	uint32_t gen = c->gen;
	if (p->must_close)
		retire_fd(w, c, fin_seen);
	issue(w, c, now);
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
		ssize_t n = recv(c->fd, c->buf, RECV_BUF, 0);
		if (n > 0) {
			if (c->measured)
				w->bytes += (uint64_t)n;
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
	default:
		break;
	}
}

/* Deadlines: expired requests time out, backed-off connections retry. */
static void scan_timers(struct worker *w, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (int i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];
		if (c->state == C_IDLE)
			continue;
		if (now >= c->deadline_ns) {
			if (c->state == C_BACKOFF) {
				issue(w, c, now);
			} else {
				fail_request(w, c, LG_ERR_TIMEOUT, 0);
			}
		}
		if (c->state != C_IDLE && c->deadline_ns < next)
			next = c->deadline_ns;
	}
	w->next_timer = next;
}

static void stop_issuing(struct worker *w)
{
	w->stopping = true;
	for (int i = 0; i < w->nconns; i++)
		if (w->conns[i].state == C_BACKOFF)
			set_idle(w, &w->conns[i]);
}

/* Whether to give up once no response came for a whole timeout: with a
 * request count, when requests keep failing (or it might never end); with a
 * duration, only when connections fail too, i.e. the server is gone (a
 * stalled server that times out may come back, and the run is bounded). */
static inline bool server_gone(const struct worker *w, bool requests_mode)
{
	return requests_mode ? w->fails != 0 : w->connect_fails != 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct lg_run *r = w->run;
	bool requests_mode = !r->opts.duration_ns;

	w->last_progress = r->start_ns;
	w->next_timer = UINT64_MAX;
	for (int i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];
		c->state = C_CONNECTING;	/* counted active until issue() decides */
		w->active++;
		issue(w, c, r->start_ns);
	}
	while (w->active > 0) {
		if (__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
			break;
		uint64_t now = mono_ns();
		if (!w->stopping) {
			if (now >= r->issue_end_ns)
				stop_issuing(w);
			else if (server_gone(w, requests_mode) && now - w->last_progress > r->timeout_ns)
				stop_issuing(w);
		}
		if (now >= w->next_timer)
			scan_timers(w, now);
		if (w->active <= 0)
			break;

		uint64_t wake = w->next_timer;
		if (!w->stopping) {
			if (r->issue_end_ns < wake)
				wake = r->issue_end_ns;
			if (server_gone(w, requests_mode) && w->last_progress + r->timeout_ns < wake)
				wake = w->last_progress + r->timeout_ns + 1;
		}
		int ms = MAX_WAIT_MS;
		if (wake <= now)
			ms = 0;
		else if (wake - now < (uint64_t)MAX_WAIT_MS * NS_PER_MS)
			ms = (int)((wake - now + NS_PER_MS - 1) / NS_PER_MS);

		int n = epoll_wait(w->epfd, w->events, w->nconns + 1, ms);
		for (int i = 0; i < n; i++) {
			uint64_t tag = w->events[i].data.u64;
			if (tag & OLD_FD_TAG)
				old_fd_event((struct conn *)(uintptr_t)(tag & ~OLD_FD_TAG));
			else if (tag)
				on_event(w, (struct conn *)(uintptr_t)tag, w->events[i].events);
		}
	}
	for (int i = 0; i < w->nconns; i++) {
		close_fd(&w->conns[i]);
		if (w->conns[i].old_fd >= 0)
			close(w->conns[i].old_fd);
	}

	struct rusage ru;
	if (!getrusage(RUSAGE_THREAD, &ru)) {
		w->cpu_user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
		w->cpu_sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	}
	w->end_ns = mono_ns();
	__atomic_add_fetch(&r->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---- lifecycle ------------------------------------------------------------- */

static void free_run(struct lg_run *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nworkers; i++) {
		struct worker *w = r->workers[i];
		if (!w)
			continue;
		if (w->epfd >= 0)
			close(w->epfd);
		hist_free(&w->lat);
		while (w->recs) {	/* left only when lg_join did not collect them */
			struct rec_chunk *k = w->recs;
			w->recs = k->next;
			free(k);
		}
		free(w->conns);
		free(w->bufs);
		free(w->events);
		free(w);
	}
	free(r->workers);
	if (r->evfd >= 0)
		close(r->evfd);
	free(r);
}

static struct worker *new_worker(struct lg_run *r, int idx, int nconns, int cpu)
{
	struct worker *w = aligned_alloc(64, (sizeof(struct worker) + 63) & ~(size_t)63);
	if (!w)
		return NULL;
	memset(w, 0, sizeof(*w));
	w->run = r;
	w->idx = idx;
	w->cpu = cpu;
	w->nconns = nconns;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->conns = calloc((size_t)nconns, sizeof(*w->conns));
	w->bufs = aligned_alloc(64, (size_t)nconns * RECV_BUF);
	w->events = calloc((size_t)nconns + 1, sizeof(*w->events));
	if (w->epfd < 0 || !w->conns || !w->bufs || !w->events || hist_init(&w->lat))
		return w;	/* caller sees the missing parts and frees */
	memset(w->bufs, 0, (size_t)nconns * RECV_BUF);	/* fault the pages in now */
	for (int i = 0; i < nconns; i++) {
		struct conn *c = &w->conns[i];
		c->fd = c->old_fd = -1;
		c->buf = w->bufs + (size_t)i * RECV_BUF;
		hp_init(&c->hp, r->target.expect_body, r->target.expect_body_len);
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, r->evfd, &ev)) {
		close(w->epfd);
		w->epfd = -1;
	}
	return w;
}

int lg_start(const struct lg_target *t, const struct lg_options *o,
	     struct lg_run **out, uint64_t *measure_start_ns, struct errbuf *err)
{
	int cpus[CPU_SETSIZE], ncpus = 0, e;

	*out = NULL;
	if (o->threads < 1 || o->connections < o->threads) {
		errbuf_set(err, "need at least one thread and one connection per thread (threads %d, connections %d)",
			   o->threads, o->connections);
		return -EINVAL;
	}
	if (!o->requests && !o->duration_ns) {
		errbuf_set(err, "neither a request count nor a duration was given");
		return -EINVAL;
	}
	if (o->pin) {
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &o->cpus))
				cpus[ncpus++] = c;
		if (!ncpus) {
			errbuf_set(err, "pinning asked for, but the CPU set is empty");
			return -EINVAL;
		}
	}

	/* One socket per connection (two for a moment when the server closes
	 * connections): raise the soft descriptor limit if that needs it. */
	struct rlimit rl;
	rlim_t need = (rlim_t)o->connections * 2 + 64;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	struct lg_run *r = calloc(1, sizeof(*r));
	if (!r) {
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	r->target = *t;
	r->opts = *o;
	r->timeout_ns = o->timeout_ns ? o->timeout_ns : DEFAULT_TIMEOUT_NS;
	int len = snprintf(r->req, sizeof(r->req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n",
			   t->path[0] ? t->path : "/", t->host);
	if (len < 0 || (size_t)len >= sizeof(r->req)) {
		free(r);
		errbuf_set(err, "request line too long");
		return -EINVAL;
	}
	r->req_len = (uint32_t)len;
	r->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->workers = calloc((size_t)o->threads, sizeof(*r->workers));
	if (r->evfd < 0 || !r->workers) {
		e = r->evfd < 0 ? -errno : -ENOMEM;
		errbuf_set(err, "failed to set up the load generator: %s", strerror(-e));
		r->nworkers = 0;
		free_run(r);
		return e;
	}
	r->nworkers = o->threads;
	for (int i = 0; i < o->threads; i++) {
		int nconns = o->connections / o->threads + (i < o->connections % o->threads);
		struct worker *w = new_worker(r, i, nconns, o->pin ? cpus[i % ncpus] : -1);
		r->workers[i] = w;
		if (!w || w->epfd < 0 || !w->conns || !w->bufs || !w->events || !w->lat.counts) {
			errbuf_set(err, "failed to set up load generator thread %d: %s", i,
				   w && w->epfd < 0 ? "epoll failed" : "out of memory");
			free_run(r);
			return -ENOMEM;
		}
		if (o->requests) {
			w->limited = true;
			w->budget = o->requests / (uint64_t)o->threads +
				    ((uint64_t)i < o->requests % (uint64_t)o->threads);
		}
	}

	r->start_ns = mono_ns();
	r->measure_ns = r->start_ns + o->warmup_ns;
	r->issue_end_ns = o->duration_ns ? r->measure_ns + o->duration_ns : UINT64_MAX;
	for (int i = 0; i < r->nworkers; i++) {
		struct worker *w = r->workers[i];
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		if (w->cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(w->cpu, &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		}
		e = pthread_create(&w->tid, &attr, worker_main, w);
		pthread_attr_destroy(&attr);
		if (e) {
			errbuf_set(err, "failed to start load generator thread %d: %s", i, strerror(e));
			lg_stop(r);
			for (int j = 0; j < i; j++)
				pthread_join(r->workers[j]->tid, NULL);
			free_run(r);
			return -e;
		}
		w->started = true;
	}
	if (measure_start_ns)
		*measure_start_ns = r->measure_ns;
	*out = r;
	return 0;
}

uint64_t lg_progress(struct lg_run *r)
{
	uint64_t n = 0;
	for (int i = 0; i < r->nworkers; i++)
		n += __atomic_load_n(&r->workers[i]->progress, __ATOMIC_RELAXED);
	return n;
}

bool lg_done(struct lg_run *r)
{
	return __atomic_load_n(&r->finished, __ATOMIC_ACQUIRE) >= r->nworkers;
}

void lg_stop(struct lg_run *r)
{
	uint64_t one = 1;
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	if (write(r->evfd, &one, sizeof(one)) < 0) {
		/* the counter is already set: workers are awake anyway */
	}
}

/* All workers' records into one array; the chunks are freed. */
static int collect_records(struct lg_run *r, struct lg_result *res)
{
	size_t n = 0;
	for (int i = 0; i < r->nworkers; i++)
		for (struct rec_chunk *k = r->workers[i]->recs; k; k = k->next)
			n += k->n;
	res->records = n ? malloc(n * sizeof(*res->records)) : NULL;
	for (int i = 0; i < r->nworkers; i++) {
		struct worker *w = r->workers[i];
		while (w->recs) {
			struct rec_chunk *k = w->recs;
			if (res->records)
				memcpy(res->records + res->n_records, k->v, k->n * sizeof(*k->v));
			res->n_records += res->records ? k->n : 0;
			w->recs = k->next;
			free(k);
		}
		if (w->rec_oom)
			return -ENOMEM;
	}
	return n && !res->records ? -ENOMEM : 0;
}

int lg_join(struct lg_run *r, struct lg_result *res)
{
	int ret = 0;
	uint64_t last_end = 0;

	for (int i = 0; i < r->nworkers; i++)
		if (r->workers[i]->started)
			pthread_join(r->workers[i]->tid, NULL);
	memset(res, 0, sizeof(*res));
	if (hist_init(&res->latency))
		ret = -ENOMEM;
	res->start_ns = r->measure_ns;
	for (int i = 0; i < r->nworkers; i++) {
		const struct worker *w = r->workers[i];
		res->requests_completed += w->completed;
		res->requests_ok += w->ok;
		res->bytes_read += w->bytes;
		res->connects += w->connects;
		for (int c = 0; c < LG_ERR__COUNT; c++) {
			res->errors[c] += w->errors[c];
			res->errors_total += w->errors[c];
			for (int e = 0; e < LG_ERRNO_SLOTS; e++)
				res->errnos[c][e] += w->errnos[c][e];
		}
		for (int s = 0; s < 6; s++)
			res->status_classes[s] += w->status_classes[s];
		if (w->last_resp_ns > res->end_ns)
			res->end_ns = w->last_resp_ns;
		if (w->end_ns > last_end)
			last_end = w->end_ns;
		res->cpu_user_s += w->cpu_user_s;
		res->cpu_sys_s += w->cpu_sys_s;
		if (!ret && hist_merge(&res->latency, &w->lat))
			ret = -EINVAL;
	}
	if (r->opts.record_requests && collect_records(r, res))
		ret = -ENOMEM;
	if (!res->end_ns)	/* no response while measuring */
		res->end_ns = last_end > res->start_ns ? last_end : res->start_ns;
	res->interrupted = __atomic_load_n(&r->stop, __ATOMIC_RELAXED) != 0;
	free_run(r);
	return ret;
}

void lg_result_free(struct lg_result *res)
{
	hist_free(&res->latency);
	free(res->records);
	res->records = NULL;
	res->n_records = 0;
}
