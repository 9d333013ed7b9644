/* Processes for the launcher: who to run as, where executables are, running a
 * short command and capturing what it says. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "servers/proc.h"

extern char **environ;

static bool parse_id(const char *s, unsigned long *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > 0x7fffffffUL)
		return false;
	*out = v;
	return true;
}

void creds_from_env(struct creds *c)
{
	unsigned long uid, gid;

	memset(c, 0, sizeof(*c));
	if (geteuid() != 0)
		return;
	if (!parse_id(getenv("SUDO_UID"), &uid) || uid == 0)
		return;
	if (!parse_id(getenv("SUDO_GID"), &gid))
		return;
	c->drop = true;
	c->uid = (uid_t)uid;
	c->gid = (gid_t)gid;
	c->groups[0] = c->gid;
	c->ngroups = 1;

	struct passwd *pw = getpwuid(c->uid);
	if (pw) {
		snprintf(c->user, sizeof(c->user), "%s", pw->pw_name);
		snprintf(c->home, sizeof(c->home), "%s", pw->pw_dir);
		int n = (int)(sizeof(c->groups) / sizeof(c->groups[0]));
		if (getgrouplist(pw->pw_name, c->gid, c->groups, &n) >= 0 && n > 0)
			c->ngroups = n;
		else {
			c->groups[0] = c->gid;
			c->ngroups = 1;
		}
	}
}

int creds_apply(const struct creds *c)
{
	if (!c || !c->drop)
		return 0;
	if (setgroups((size_t)c->ngroups, c->groups) < 0)
		return -errno;
	if (setgid(c->gid) < 0)
		return -errno;
	if (setuid(c->uid) < 0)
		return -errno;
	/* Must not be able to get root back. */
	if (c->uid != 0 && setuid(0) == 0)
		return -EPERM;
	return 0;
}

int resolve_exe(const char *name, char *out, size_t len)
{
	if (!name || !*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return -errno;
		struct stat st;
		if (stat(name, &st) < 0)
			return -errno;
		if (!S_ISREG(st.st_mode))
			return -EACCES;
		if ((size_t)snprintf(out, len, "%s", name) >= len)
			return -ENAMETOOLONG;
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	const char *p = path;
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char cand[PATH_MAX];
		if (n > 0 && n < sizeof(cand) - 2 - strlen(name)) {
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, p, name);
			struct stat st;
			if (access(cand, X_OK) == 0 && stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
				if ((size_t)snprintf(out, len, "%s", cand) >= len)
					return -ENAMETOOLONG;
				return 0;
			}
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	return -ENOENT;
}

static bool env_is(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

char **env_build(const struct creds *c, const char *const *set)
{
	size_t nenv = 0, nset = 0;
	while (environ && environ[nenv])
		nenv++;
	while (set && set[nset])
		nset += 2;

	const char *extra[8];
	size_t nextra = 0;
	if (c && c->drop && c->home[0]) {
		extra[nextra++] = "HOME";
		extra[nextra++] = c->home;
	}
	if (c && c->drop && c->user[0]) {
		extra[nextra++] = "USER";
		extra[nextra++] = c->user;
		extra[nextra++] = "LOGNAME";
		extra[nextra++] = c->user;
	}

	char **env = calloc(nenv + nset / 2 + nextra / 2 + 1, sizeof(char *));
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++) {
		bool replaced = false;
		for (size_t j = 0; j < nset && !replaced; j += 2)
			replaced = env_is(environ[i], set[j]);
		for (size_t j = 0; j < nextra && !replaced; j += 2)
			replaced = env_is(environ[i], extra[j]);
		if (replaced)
			continue;
		if (!(env[k++] = strdup(environ[i])))
			goto fail;
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *const *list = pass ? extra : set;
		size_t n = pass ? nextra : nset;
		for (size_t j = 0; j < n; j += 2) {
			if (!list[j + 1])
				continue;
			size_t len = strlen(list[j]) + strlen(list[j + 1]) + 2;
			if (!(env[k] = malloc(len)))
				goto fail;
			snprintf(env[k++], len, "%s=%s", list[j], list[j + 1]);
		}
	}
	env[k] = NULL;
	return env;
fail:
	env[k] = NULL;
	env_free(env);
	return NULL;
}

void env_free(char **env)
{
	if (!env)
		return;
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

/* ---- async-signal-safe output for forked children ---- */
static void put(int fd, const char *s)
{
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

void child_fail(const char *what, const char *arg, int err)
{
	char num[16];
	int i = (int)sizeof(num) - 1;
	unsigned v = err < 0 ? (unsigned)-err : (unsigned)err;
	num[i] = 0;
	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	const char *name = strerrorname_np(err < 0 ? -err : err);

	put(2, "bench-ebpf: ");
	put(2, what);
	if (arg) {
		put(2, " ");
		put(2, arg);
	}
	put(2, ": ");
	put(2, name ? name : "error");
	put(2, " (errno ");
	put(2, num + i);
	put(2, ")\n");
}

void describe_status(int status, char *out, size_t len)
{
	if (WIFEXITED(status))
		snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		const char *n = sigabbrev_np(WTERMSIG(status));
		snprintf(out, len, "was killed by signal %d (SIG%s)", WTERMSIG(status), n ? n : "?");
	} else
		snprintf(out, len, "stopped (wait status 0x%x)", status);
}

/* The forked child of run_capture(): never returns. */
static void __attribute__((noreturn))
capture_child(char *const argv[], char *const envp[], const struct creds *c, int devnull, int sink)
{
	dup2(devnull, 0);
	dup2(sink, 1);
	dup2(sink, 2);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	int r = creds_apply(c);
	if (r < 0) {
		child_fail("cannot drop privileges for", argv[0], r);
		_exit(126);
	}
	execve(argv[0], argv, envp ? envp : environ);
	child_fail("cannot run", argv[0], errno);
	_exit(127);
}

/* Reads FD into OUT (truncated, NUL-terminated) until EOF or DEADLINE;
 * false when the deadline came first. */
static bool capture_output(int fd, char *out, size_t outlen, double deadline)
{
	size_t got = 0;
	for (;;) {
		int left = (int)((deadline - mono_seconds()) * 1000.0);
		if (left <= 0)
			return false;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int pr = poll(&pfd, 1, left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pr != 0;
		char buf[512];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (outlen > 1 && got < outlen - 1) {
			size_t take = (size_t)n;
			if (take > outlen - 1 - got)
				take = outlen - 1 - got;
			memcpy(out + got, buf, take);
			got += take;
			out[got] = 0;
		}
	}
}

int run_capture(char *const argv[], char *const envp[], const struct creds *c,
		int timeout_ms, char *out, size_t outlen)
{
	int fds[2] = { -1, -1 };
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return -errno;
	if (out && pipe2(fds, O_CLOEXEC) < 0) {
		int e = -errno;
		close(devnull);
		return e;
	}
	if (out && outlen)
		out[0] = 0;

	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(devnull);
		if (out) {
			close(fds[0]);
			close(fds[1]);
		}
		return e;
	}
	if (pid == 0)
		capture_child(argv, envp, c, devnull, out ? fds[1] : devnull);
	close(devnull);

	double deadline = mono_seconds() + timeout_ms / 1000.0;
	bool timed_out = false;
	if (out) {
		close(fds[1]);
		timed_out = !capture_output(fds[0], out, outlen, deadline);
		close(fds[0]);
	}

	int status = 0;
	if (timed_out)
		kill(pid, SIGKILL);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!timed_out && mono_seconds() >= deadline) {
			timed_out = true;
			kill(pid, SIGKILL);
		}
		sleep_ms(5);
	}
	return timed_out ? -ETIMEDOUT : status;
}
