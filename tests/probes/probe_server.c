/* A tiny server whose syscalls are known exactly, for the probe tests.
 *
 *   probe-server --listen-fd FD [--workers K] [--ready-fd FD]
 *
 * Serves the listening socket it inherits. Each of K processes (itself plus
 * K-1 forked workers) runs an epoll loop: a readable connection gets exactly
 * one read() and one write(); a request byte 'Q' (last request) makes it
 * close the connection right after the reply, without another read. So a
 * client that sends R requests causes exactly R reads and R writes. When
 * every worker is forked and waiting, one byte goes to --ready-fd. Runs
 * until killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void serve(int lfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }, evs[64];

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		_exit(2);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char c;

			if (fd == lfd) {
				/* Non-blocking listener: workers share it, and
				 * the ones that lose the race get EAGAIN. */
				int cfd = accept(lfd, NULL, NULL);

				if (cfd < 0)
					continue;
				ev.events = EPOLLIN;
				ev.data.fd = cfd;
				epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				continue;
			}
			if (read(fd, &c, 1) != 1) {
				close(fd);
				continue;
			}
			if (write(fd, "r", 1) != 1 || c == 'Q')
				close(fd);	/* also leaves the epoll set */
		}
	}
}

int main(int argc, char **argv)
{
	int lfd = -1, ready = -1, workers = 1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--listen-fd"))
			lfd = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--workers"))
			workers = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--ready-fd"))
			ready = atoi(argv[i + 1]);
	}
	if (lfd < 0 || workers < 1) {
		fprintf(stderr, "usage: probe-server --listen-fd FD [--workers K] [--ready-fd FD]\n");
		return 2;
	}
	/* The test kills the whole process group; workers also die with the
	 * parent in case it is killed alone. */
	for (int w = 1; w < workers; w++) {
		pid_t parent = getpid(), pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			if (ready >= 0)
				close(ready);
			serve(lfd);
		}
	}
	if (ready >= 0) {
		if (write(ready, "R", 1) != 1)
			return 1;
		close(ready);
	}
	serve(lfd);
	return 0;
}
