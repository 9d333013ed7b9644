/* The test HTTP server as its own process, for the probe, anatomy and
 * fault tests (how it answers: http_server.h):
 *
 *   http-server (--port N | --listen-fd FD) [--answer NAME] [--work-us W]
 *               [--delay-us D] [--body-bytes N] [--exit-after N]
 *               [--good-first N] [--workers K] [--ready-fd FD]
 *               [--ignore-sigterm] [--double-fork] [--never-listen] [--tag T]
 *
 * --port 0 picks a free port. --exit-after N exits with status 3 after N
 * answers (a server that dies mid-run). --workers K forks K - 1 workers
 * that share the listener. --ready-fd gets one byte once every worker is
 * forked. --double-fork serves from a grandchild in a session of its own
 * while the started process only waits (a worker that escapes the process
 * group it was started in). --never-listen sleeps without ever listening. --good-first N
 * gives the first N requests a good answer (so a readiness check passes
 * before the faults begin). --tag is ignored: it marks the process for a
 * test that looks for what was left behind. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/http_server.h"

#define EXIT_AFTER_STATUS 3

struct opts {
	struct http_server_cfg cfg;
	int port, lfd, workers, ready_fd;
	bool ignore_sigterm, double_fork, never_listen;
};

static void usage(void)
{
	fprintf(stderr, "usage: http-server (--port N | --listen-fd FD) [--answer NAME] [--work-us W]\n"
			"                   [--delay-us D] [--body-bytes N] [--exit-after N] [--good-first N]\n"
			"                   [--workers K] [--ready-fd FD] [--ignore-sigterm] [--double-fork]\n"
			"                   [--never-listen] [--tag T]\n");
	exit(2);
}

static unsigned long long number(const char *opt, const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (!*s || *end) {
		fprintf(stderr, "http-server: %s wants a number, not '%s'\n", opt, s);
		exit(2);
	}
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .port = -1, .lfd = -1, .workers = 1, .ready_fd = -1 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool flag = true;

		if (!strcmp(a, "--ignore-sigterm"))
			o->ignore_sigterm = true;
		else if (!strcmp(a, "--double-fork"))
			o->double_fork = true;
		else if (!strcmp(a, "--never-listen"))
			o->never_listen = true;
		else
			flag = false;
		if (flag)
			continue;
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--port"))
			o->port = (int)number(a, v);
		else if (!strcmp(a, "--listen-fd"))
			o->lfd = (int)number(a, v);
		else if (!strcmp(a, "--answer") && http_answer_from_name(v) >= 0)
			o->cfg.answer = (enum http_answer)http_answer_from_name(v);
		else if (!strcmp(a, "--work-us"))
			o->cfg.work_us = (unsigned)number(a, v);
		else if (!strcmp(a, "--delay-us"))
			o->cfg.delay_us = (unsigned)number(a, v);
		else if (!strcmp(a, "--body-bytes"))
			o->cfg.body_bytes = number(a, v);
		else if (!strcmp(a, "--exit-after"))
			o->cfg.exit_after = number(a, v);
		else if (!strcmp(a, "--good-first"))
			o->cfg.good_first = number(a, v);
		else if (!strcmp(a, "--tag"))
			continue;
		else if (!strcmp(a, "--workers"))
			o->workers = (int)number(a, v);
		else if (!strcmp(a, "--ready-fd"))
			o->ready_fd = (int)number(a, v);
		else
			usage();
	}
	if ((o->port < 0) == (o->lfd < 0) || o->port > 65535 || o->workers < 1)
		usage();
}

static void serve(const struct opts *o)
{
	struct http_server s;

	if (http_server_init(&s, &o->cfg, o->lfd)) {
		perror("http-server");
		exit(1);
	}
	http_server_serve(&s);
	http_server_free(&s);
	exit(o->cfg.exit_after ? EXIT_AFTER_STATUS : 0);
}

/* A grandchild in its own session serves; the started process waits. */
static void double_fork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		exit(1);
	if (pid > 0) {
		waitpid(pid, NULL, 0);
		for (;;)
			pause();
	}
	setsid();
	pid = fork();
	if (pid < 0)
		exit(1);
	if (pid > 0)
		_exit(0);
}

static void fork_workers(const struct opts *o)
{
	for (int w = 1; w < o->workers; w++) {
		pid_t parent = getpid(), pid = fork();

		if (pid < 0) {
			perror("http-server: fork");
			exit(1);
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);	/* workers die with the parent */
			if (getppid() != parent)
				_exit(0);
			if (o->ready_fd >= 0)
				close(o->ready_fd);
			serve(o);
		}
	}
}

int main(int argc, char **argv)
{
	struct opts o;

	parse(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	if (o.ignore_sigterm)
		signal(SIGTERM, SIG_IGN);
	if (o.never_listen)
		for (;;)
			pause();
	if (o.lfd < 0) {
		uint16_t port;

		o.lfd = http_listen((uint16_t)o.port, &port);
		if (o.lfd < 0) {
			perror("http-server: listen");
			return 1;
		}
		if (o.port == 0)
			printf("%u\n", port), fflush(stdout);
	}
	if (o.double_fork)
		double_fork();
	fork_workers(&o);
	if (o.ready_fd >= 0) {
		if (write(o.ready_fd, "R", 1) != 1)
			return 1;
		close(o.ready_fd);
	}
	serve(&o);
}
