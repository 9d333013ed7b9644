#define _GNU_SOURCE
#include "tests/lib/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"

#define MAX_FD 65536
#define REQ_BUF 8192
#define BIG_DEFAULT 300000
#define WRITE_WAIT_MS 10000	/* a client that reads nothing for this long is dropped */

struct http_conn {
	size_t len;
	char buf[REQ_BUF];
};

static const char *const answer_names[HTTP_ANSWER_NR] = {
	[KEEPALIVE] = "keepalive", [CLOSE] = "close", [HTTP10] = "http10",
	[SILENT_CLOSE] = "silent-close", [CHUNKED] = "chunked", [ERROR500] = "500",
	[BLACKHOLE] = "blackhole", [BIG] = "big", [STALL] = "stall", [SLOW] = "slow",
	[GARBAGE] = "garbage", [LENGTH_LONG] = "length-long", [LENGTH_SHORT] = "length-short",
	[HANG_ON_ACCEPT] = "hang-on-accept", [CLOSE_ON_ACCEPT] = "close-on-accept",
};

const char *http_answer_name(enum http_answer a)
{
	return a < HTTP_ANSWER_NR ? answer_names[a] : "?";
}

int http_answer_from_name(const char *name)
{
	for (int a = 0; a < HTTP_ANSWER_NR; a++)
		if (!strcmp(name, answer_names[a]))
			return a;
	return -1;
}

/* The fixed bytes of one answer (empty for the answers that write none). */
static const char *fixed_answer(enum http_answer a)
{
	static const char *const r[HTTP_ANSWER_NR] = {
		[KEEPALIVE] = "HTTP/1.1 200 OK\r\nServer: test\r\nContent-Type: application/json\r\n"
			      "Content-Length: 27\r\n\r\n" HELLO_BODY,
		[CLOSE] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n"
			  "Connection: close\r\n\r\n" HELLO_BODY,
		[HTTP10] = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" HELLO_BODY,
		[SILENT_CLOSE] = "HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n" HELLO_BODY,
		[CHUNKED] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			    "b\r\n{\"message\":\r\n10\r\n\"Hello, World!\"}\r\n0\r\n\r\n",
		[ERROR500] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!",
		[GARBAGE] = "SSH-2.0-not-http\r\n\x01\x02\x03 garbage\r\n\r\n",
		[LENGTH_LONG] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" HELLO_BODY,
		[LENGTH_SHORT] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" HELLO_BODY,
	};
	enum http_answer same = a == STALL || a == SLOW ? KEEPALIVE : a;

	return r[same] ? r[same] : "";
}

static int build_answer(struct http_server *s)
{
	if (s->cfg.answer != BIG) {
		s->resp = strdup(fixed_answer(s->cfg.answer));
		s->resp_len = s->resp ? strlen(s->resp) : 0;
		return s->resp ? 0 : -1;
	}
	uint64_t n = s->cfg.body_bytes ? s->cfg.body_bytes : BIG_DEFAULT;
	char head[96];
	int h = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %llu\r\n\r\n",
			 (unsigned long long)n);

	s->resp = malloc((size_t)h + n);
	if (!s->resp)
		return -1;
	memcpy(s->resp, head, (size_t)h);
	memset(s->resp + h, 'x', n);
	s->resp_len = (size_t)h + n;
	return 0;
}

int http_listen(uint16_t port, uint16_t *bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1024) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	if (bound)
		*bound = ntohs(a.sin_port);
	return fd;
}

static void watch(struct http_server *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
}

int http_server_init(struct http_server *s, const struct http_server_cfg *cfg, int lfd)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->lfd = lfd;
	s->stop_fd = -1;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->conns = calloc(MAX_FD, sizeof(*s->conns));
	if (s->ep < 0 || !s->conns || build_answer(s))
		return -1;
	watch(s, lfd);
	return 0;
}

static void drop(struct http_server *s, int fd)
{
	epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(s->conns[fd]);
	s->conns[fd] = NULL;
}

static void accept_all(struct http_server *s)
{
	int one = 1, fd;

	while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (s->cfg.answer == CLOSE_ON_ACCEPT || fd >= MAX_FD ||
		    !(s->conns[fd] = calloc(1, sizeof(struct http_conn)))) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (s->cfg.answer != HANG_ON_ACCEPT)
			watch(s, fd);
	}
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (poll(&pfd, 1, WRITE_WAIT_MS) != 1)
				return false;
			continue;
		}
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void spin_us(unsigned us)
{
	uint64_t end = mono_ns() + us * NS_PER_US;

	while (mono_ns() < end)
		;
}

/* Does the request head (up to its empty line) ask to close? */
static bool asks_close(const char *head, size_t len)
{
	static const char opt[] = "connection: close";

	for (size_t i = 0; i + sizeof(opt) <= len; i++)
		if (head[i] == '\n' && !strncasecmp(head + i + 1, opt, sizeof(opt) - 1))
			return true;
	return false;
}

static bool write_good(struct http_server *s, int fd, bool close_asked)
{
	const char *ok = fixed_answer(KEEPALIVE);

	if (!write_all(fd, ok, strlen(ok)))
		return false;
	__atomic_add_fetch(&s->served, 1, __ATOMIC_RELAXED);
	return !close_asked;
}

/* One answer; false when the connection is to be closed after it. */
static bool answer(struct http_server *s, int fd, bool close_asked)
{
	enum http_answer a = s->cfg.answer;

	if (s->served < s->cfg.good_first)
		return write_good(s, fd, close_asked);
	if (a == BLACKHOLE)
		return true;
	if (s->cfg.work_us)
		spin_us(s->cfg.work_us);
	if (a == SLOW)
		usleep(s->cfg.delay_us);
	if (a == STALL && s->served == s->cfg.stall_after && !s->stall_start_ns) {
		s->stall_start_ns = mono_ns();
		usleep(s->cfg.stall_us);
		s->stall_end_ns = mono_ns();
	}
	if (!write_all(fd, s->resp, s->resp_len))
		return false;
	__atomic_add_fetch(&s->served, 1, __ATOMIC_RELAXED);
	return !close_asked && a != CLOSE && a != HTTP10 && a != SILENT_CLOSE;
}

/* Exactly one read, then an answer to every complete request read. */
static void on_readable(struct http_server *s, int fd)
{
	struct http_conn *c = s->conns[fd];
	ssize_t r = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
	char *end;

	if (r <= 0) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		drop(s, fd);
		return;
	}
	c->len += (size_t)r;
	while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
		size_t used = (size_t)(end + 4 - c->buf);

		if (!answer(s, fd, asks_close(c->buf, used))) {
			drop(s, fd);
			return;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	if (c->len == sizeof(c->buf))
		drop(s, fd);	/* a request head that does not fit */
}

void http_server_serve(struct http_server *s)
{
	struct epoll_event ev;

	/* One event per wait: a level-triggered fd that was reported goes to
	 * the tail of the ready list, so connections are served in turn. */
	while (!s->cfg.exit_after || s->served < s->cfg.exit_after) {
		int n = epoll_wait(s->ep, &ev, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (ev.data.fd == s->stop_fd)
			return;
		if (ev.data.fd == s->lfd)
			accept_all(s);
		else if (s->conns[ev.data.fd])
			on_readable(s, ev.data.fd);
	}
}

void http_server_free(struct http_server *s)
{
	for (int fd = 0; s->conns && fd < MAX_FD; fd++)
		if (s->conns[fd])
			drop(s, fd);
	free(s->conns);
	free(s->resp);
	s->conns = NULL;
	s->resp = NULL;
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->ep >= 0)
		close(s->ep);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	s->lfd = s->ep = s->stop_fd = -1;
}

static void *serve_thread(void *arg)
{
	http_server_serve(arg);
	return NULL;
}

void http_server_start_with(struct http_server *s, const struct http_server_cfg *cfg)
{
	uint16_t port;
	int lfd = http_listen(0, &port);

	if (lfd < 0 || http_server_init(s, cfg, lfd)) {
		perror("test server");
		exit(1);
	}
	s->port = port;
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0 || (watch(s, s->stop_fd), pthread_create(&s->tid, NULL, serve_thread, s))) {
		perror("test server");
		exit(1);
	}
}

void http_server_start(struct http_server *s, enum http_answer answer)
{
	http_server_start_with(s, &(struct http_server_cfg){ .answer = answer });
}

void http_server_stop(struct http_server *s)
{
	uint64_t one = 1;

	if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
		perror("test server: stop");
	pthread_join(s->tid, NULL);
	http_server_free(s);
}
