/* The keeper of a server, for when bench-ebpf dies without stopping it. */
#include "servers/keeper.h"
#include "servers/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEEPER_GRACE_MS 1000	/* between SIGTERM and SIGKILL */

/* In the forked keeper: only async-signal-safe calls. */
static void __attribute__((noreturn)) keeper_main(int fd, pid_t pgid, const char *cgroup)
{
	setpgid(0, 0);	/* Ctrl-C at the terminal is bench-ebpf's, not ours */
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGTERM, &ign, NULL);
	sigaction(SIGHUP, &ign, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	if (dup2(fd, 3) < 0)
		_exit(1);
	close_range(4, ~0U, 0);	/* the gate, sockets, probes: none of them held here */
	char b;
	ssize_t n;
	do
		n = read(3, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);	/* dismissed: the server was stopped */
	kill(-pgid, SIGTERM);
	struct timespec grace = { KEEPER_GRACE_MS / 1000, (KEEPER_GRACE_MS % 1000) * 1000000L };
	while (nanosleep(&grace, &grace) < 0 && errno == EINTR)
		;
	kill(-pgid, SIGKILL);
	if (cgroup[0])
		cgroup_kill_and_remove(cgroup);
	_exit(0);
}

pid_t keeper_start(pid_t pgid, const char *cgroup, int *fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(p[0]);
		close(p[1]);
		return e;
	}
	if (pid == 0)
		keeper_main(p[0], pgid, cgroup);
	close(p[0]);
	*fd = p[1];
	return pid;
}

void keeper_dismiss(pid_t keeper, int fd)
{
	if (keeper <= 0 || fd < 0)
		return;
	ssize_t n;
	do
		n = write(fd, "x", 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	while (waitpid(keeper, NULL, 0) < 0 && errno == EINTR)
		;
}
