/* The forked server process from fork to exec: only async-signal-safe calls. */
#include "servers/child.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

/* Signals as a fresh process has them: none blocked, all default. */
static void reset_signals(void)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
}

/* Blocks until server_release() writes its byte; false if it never will. */
static bool wait_at_gate(int gate)
{
	char b;
	ssize_t n;
	do
		n = read(gate, &b, 1);
	while (n < 0 && errno == EINTR);
	return n == 1;
}

/* Many connections: lift the soft descriptor limit to the hard one. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

void child_run_at_gate(int gate, int log_fd, const char *dir, const struct server_opts *o,
		       const struct creds *c, const char *path, char *const argv[], char *const envp[])
{
	pid_t parent = getppid();
	setpgid(0, 0);
	reset_signals();
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(126);
	if (o->pin && sched_setaffinity(0, sizeof(o->cpus), &o->cpus) < 0) {
		child_fail("cannot pin the server to the requested CPUs", NULL, errno);
		_exit(126);
	}
	if (!wait_at_gate(gate))
		_exit(0);	/* never released: leave without running anything */
	raise_nofile();
	if (chdir(dir) < 0) {
		child_fail("cannot enter", dir, errno);
		_exit(126);
	}
	int r = creds_apply(c);
	if (r < 0) {
		child_fail("cannot drop privileges to SUDO_UID/SUDO_GID for", path, r);
		_exit(126);
	}
	/* If bench-ebpf dies without stopping us (SIGKILL, a crash), the server
	 * goes too. Set after the credential change, which clears it. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(0);
	/* Nothing of ours (probes, sockets, the gate) leaks into the server. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(path, argv, envp);
	child_fail("cannot run", path, errno);
	_exit(127);
}
