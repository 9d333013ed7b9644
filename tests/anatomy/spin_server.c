/* A server whose work per request is known: single-threaded, one epoll
 * loop, HTTP/1.1 keep-alive; for every complete request (headers ending in
 * an empty line) it spins on the CPU for exactly --work-us microseconds of
 * CLOCK_MONOTONIC time, then answers with a fixed 200 response in one
 * write. Connections are served in turn, so with c connections in a closed
 * loop each request waits for the c - 1 others: app = W, wait = (c - 1) x W.
 *
 *   spin_server --port N [--work-us W] [--close]
 *
 * --close answers with "Connection: close" and closes after each response
 * (a connection per request, like Flask's development server). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY "{\"message\":\"Hello, World!\"}"
#define MAX_FD 65536
#define BUF 8192

struct conn {
	char buf[BUF];
	size_t len;
};

static struct conn *conns[MAX_FD];
static char resp[256];
static size_t resp_len;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void spin(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

static void drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	free(conns[fd]);
	conns[fd] = NULL;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct timespec ts = { 0, 100000 };	/* a full socket: tiny response, rare */
			nanosleep(&ts, NULL);
			continue;
		}
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

int main(int argc, char **argv)
{
	int port = 0, one = 1, ls, ep;
	uint64_t work_ns = 2000 * 1000ull;
	bool close_each = false;
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct epoll_event ev, evs[1];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--work-us") && i + 1 < argc)
			work_ns = strtoull(argv[++i], NULL, 10) * 1000ull;
		else if (!strcmp(argv[i], "--close"))
			close_each = true;
		else {
			fprintf(stderr, "usage: spin_server --port N [--work-us W] [--close]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "spin_server: --port is required\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	resp_len = (size_t)snprintf(resp, sizeof(resp),
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		"Connection: %s\r\n\r\n" BODY, strlen(BODY), close_each ? "close" : "keep-alive");

	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1024)) {
		perror("spin_server: listen");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);

	for (;;) {
		/* One event per wait: a level-triggered fd that was reported goes
		 * back to the tail of the ready list, so connections are served
		 * strictly in turn and every request waits for the same c - 1
		 * others (with a batch, one reported late waits a batch longer). */
		int n = epoll_wait(ep, evs, 1, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			struct conn *c;

			if (fd == ls) {
				int cfd;

				while ((cfd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					if (cfd >= MAX_FD || !(conns[cfd] = calloc(1, sizeof(struct conn)))) {
						close(cfd);
						continue;
					}
					setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.fd = cfd;
					epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				}
				continue;
			}
			c = conns[fd];
			if (!c)
				continue;
			ssize_t r = read(fd, c->buf + c->len, BUF - 1 - c->len);

			if (r <= 0) {
				if (r < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
				drop(ep, fd);
				continue;
			}
			c->len += (size_t)r;
			c->buf[c->len] = 0;
			/* One answer per complete request in the buffer. */
			char *end;
			bool closed = false;

			while (!closed && (end = strstr(c->buf, "\r\n\r\n"))) {
				size_t used = (size_t)(end + 4 - c->buf);

				spin(work_ns);
				if (!write_all(fd, resp, resp_len) || close_each) {
					drop(ep, fd);
					closed = true;
					break;
				}
				memmove(c->buf, c->buf + used, c->len - used + 1);
				c->len -= used;
			}
			if (!closed && c->len >= BUF - 1)
				drop(ep, fd);	/* a request that does not fit */
		}
	}
}
