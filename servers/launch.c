/* Starting and stopping the server under test: a private temp dir, a child
 * held at a gate until the probes are attached, and a stop that leaves no
 * process, port or directory behind. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "servers/internal.h"

#define STOP_GRACE_S 3.0
#define KILL_WAIT_S 2.0
#define PORT_FREE_WAIT_S 2.0

extern char **environ;

double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

bool port_accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in a = loopback(port);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* Could a server bind 127.0.0.1:PORT now? (SO_REUSEADDR, as servers set it,
 * so connections in TIME_WAIT do not count.) */
static bool port_bindable(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = loopback(port);
	bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int pick_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	close(fd);
	return ntohs(a.sin_port);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	rmdir(dir);
}

/* Port from "scheme://host[:port][/...]"; -EINVAL when it cannot be told. */
static int url_port(const char *url)
{
	const char *p = strstr(url, "://");
	int def = 80;
	if (p) {
		if ((size_t)(p - url) == 5 && strncasecmp(url, "https", 5) == 0)
			def = 443;
		p += 3;
	} else
		p = url;
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return -EINVAL;
		p = rb + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		p = colon ? colon : end;
	}
	if (p >= end || *p != ':')
		return def;
	char *e;
	long v = strtol(p + 1, &e, 10);
	if (e == p + 1 || e != end || v < 1 || v > 65535)
		return -EINVAL;
	return (int)v;
}

/* Shell-safe rendering of one argument, appended to OUT. */
static void append_arg(char *out, size_t len, const char *arg)
{
	size_t n = strlen(out);
	bool plain = *arg != 0;
	for (const char *c = arg; *c && plain; c++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *c);
	if (n && n < len - 1)
		out[n++] = ' ', out[n] = 0;
	if (plain) {
		snprintf(out + n, len - n, "%s", arg);
		return;
	}
	if (n < len - 1)
		out[n++] = '\'', out[n] = 0;
	for (const char *c = arg; *c && n < len - 5; c++) {
		if (*c == '\'')
			n += (size_t)snprintf(out + n, len - n, "'\\''");
		else
			out[n++] = *c, out[n] = 0;
	}
	if (n < len - 1)
		out[n++] = '\'', out[n] = 0;
}

/* COMMAND with every {port} replaced; -ENAMETOOLONG if it does not fit. */
static int substitute_port(const char *command, int port, char *out, size_t len)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", port);
	size_t n = 0;
	for (const char *c = command; *c;) {
		const char *piece = c;
		size_t plen = 1;
		if (strncmp(c, "{port}", 6) == 0) {
			piece = num;
			plen = strlen(num);
			c += 6;
		} else
			c++;
		if (n + plen >= len)
			return -ENAMETOOLONG;
		memcpy(out + n, piece, plen);
		n += plen;
	}
	out[n] = 0;
	return 0;
}

/* In the forked child: never returns. Only async-signal-safe calls. */
static void __attribute__((noreturn))
child_main(int gate, int log_fd, const char *dir, const struct server_opts *o,
	   const struct creds *c, const char *path, char *const argv[], char *const envp[])
{
	pid_t parent = getppid();
	setpgid(0, 0);

	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);

	int devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(126);

	if (o->pin && sched_setaffinity(0, sizeof(o->cpus), &o->cpus) < 0) {
		child_fail("cannot pin the server to the requested CPUs", NULL, errno);
		_exit(126);
	}

	/* The gate: exec only once server_release() writes its byte. */
	char b;
	ssize_t n;
	do
		n = read(gate, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(0);	/* never released: leave without running anything */

	/* Many connections: lift the soft descriptor limit to the hard one. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
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

static int spawn_external(const struct server_opts *o, struct server *s, struct errbuf *err)
{
	s->external = true;
	s->stopped = false;
	s->pid = o->pid > 0 ? o->pid : 0;
	int port = url_port(o->url);
	if (port < 0) {
		errbuf_set(err, "cannot tell the port of URL '%s'", o->url);
		return -EINVAL;
	}
	s->port = port;
	if ((size_t)snprintf(s->url, sizeof(s->url), "%s", o->url) >= sizeof(s->url)) {
		errbuf_set(err, "URL too long: %s", o->url);
		return -ENAMETOOLONG;
	}
	snprintf(s->command, sizeof(s->command), "(already running at %s)", o->url);
	return 0;
}

int server_spawn(const struct server_opts *o, struct server *s, struct errbuf *err)
{
	char exe[4096], app[4096], conf[1024], portstr[16], line[4096];
	char *argv[16];
	int argc = 0, r, log_fd = -1, gate[2] = { -1, -1 };
	char **env = NULL;

	memset(s, 0, sizeof(*s));
	s->release_fd = -1;
	snprintf(s->name, sizeof(s->name), "%s",
		 o->name && *o->name ? o->name : o->url ? "external" : o->command ? "custom" : "?");

	if (o->url)
		return spawn_external(o, s, err);

	const struct builtin *b = o->command ? NULL : builtin_find(o->name);
	if (!o->command && !b && o->name && strcmp(o->name, "custom") == 0) {
		errbuf_set(err, "a custom server needs a command");
		return -EINVAL;
	}
	if (!o->command && !b) {
		errbuf_set(err, "unknown server '%s' (built-in: flask, aiohttp, fastapi, pymongoose, nginx)",
			   o->name ? o->name : "");
		return -ENOENT;
	}
	s->builtin = b != NULL;

	/* What to run. */
	if (b && !b->app) {
		if (find_nginx(exe, sizeof(exe)) < 0) {
			errbuf_set(err, "nginx: not found in /usr/sbin, /usr/local/sbin or PATH; %s", b->hint);
			return -ENOENT;
		}
	} else if (b) {
		const char *python = o->python && *o->python ? o->python : SERVER_DEFAULT_PYTHON;
		r = resolve_exe(python, exe, sizeof(exe));
		if (r < 0) {
			errbuf_set(err, "%s: cannot run Python interpreter '%s': %s", b->name, python,
				   strerror(-r));
			return -ENOENT;
		}
		snprintf(app, sizeof(app), "%s/%s", servers_dir(), b->app);
		if (access(app, R_OK) < 0) {
			errbuf_set(err, "%s: demo app %s not found (set BENCH_EBPF_SERVERS_DIR to the servers/ directory)",
				   b->name, app);
			return -ENOENT;
		}
	}

	/* Where. */
	if (o->port) {
		if (o->port < 1 || o->port > 65535) {
			errbuf_set(err, "port %d is out of range", o->port);
			return -EINVAL;
		}
		if (port_accepts(o->port) || !port_bindable(o->port)) {
			errbuf_set(err, "port %d is in use on 127.0.0.1 (pick another or let bench-ebpf choose)",
				   o->port);
			return -EADDRINUSE;
		}
		s->port = o->port;
	} else {
		r = pick_free_port();
		if (r < 0) {
			errbuf_set(err, "cannot find a free port: %s", strerror(-r));
			return r;
		}
		s->port = r;
	}
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/", s->port);
	snprintf(portstr, sizeof(portstr), "%d", s->port);

	/* The private directory and the log. */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || tmp[0] != '/' || strlen(tmp) > sizeof(s->tmpdir) - 32)
		tmp = "/tmp";
	snprintf(s->tmpdir, sizeof(s->tmpdir), "%s/bench-ebpf-XXXXXX", tmp);
	if (!mkdtemp(s->tmpdir)) {
		r = -errno;
		errbuf_set(err, "cannot create a temporary directory in %s: %s", tmp, strerror(-r));
		s->tmpdir[0] = 0;
		return r;
	}
	if ((size_t)snprintf(s->log_path, sizeof(s->log_path), "%s/" SERVER_LOG_NAME, s->tmpdir) >=
	    sizeof(s->log_path)) {
		errbuf_set(err, "temporary directory name too long");
		r = -ENAMETOOLONG;
		goto fail;
	}
	log_fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		r = -errno;
		errbuf_set(err, "cannot create %s: %s", s->log_path, strerror(-r));
		goto fail;
	}
	/* Traversable by nginx workers that run as another user than the master. */
	chmod(s->tmpdir, 0711);

	/* The command line. */
	if (o->command) {
		if (strlen(o->command) + 16 > sizeof(line) ||
		    substitute_port(o->command, s->port, line + 5, sizeof(line) - 5) < 0) {
			errbuf_set(err, "custom command too long");
			r = -ENAMETOOLONG;
			goto fail;
		}
		memcpy(line, "exec ", 5);
		if ((size_t)snprintf(s->command, sizeof(s->command), "%s", line + 5) >= sizeof(s->command))
			memcpy(s->command + sizeof(s->command) - 4, "...", 4);	/* display only */
		snprintf(exe, sizeof(exe), "/bin/sh");
		argv[argc++] = "/bin/sh";
		argv[argc++] = "-c";
		argv[argc++] = line;
	} else if (!b->app) {
		r = nginx_write_conf(s->tmpdir, s->port, conf, sizeof(conf));
		if (r < 0) {
			errbuf_set(err, "cannot write %s/nginx.conf: %s", s->tmpdir, strerror(-r));
			goto fail;
		}
		snprintf(line, sizeof(line), "%s/", s->tmpdir);
		argv[argc++] = exe;
		argv[argc++] = "-p";
		argv[argc++] = line;
		argv[argc++] = "-e";
		argv[argc++] = s->log_path;
		argv[argc++] = "-c";
		argv[argc++] = conf;
	} else {
		argv[argc++] = exe;
		argv[argc++] = app;
		argv[argc++] = "--host";
		argv[argc++] = "127.0.0.1";
		argv[argc++] = "--port";
		argv[argc++] = portstr;
	}
	argv[argc] = NULL;
	if (!o->command)
		for (int i = 0; i < argc; i++)
			append_arg(s->command, sizeof(s->command), argv[i]);

	/* Who runs it. */
	struct creds c;
	creds_from_env(&c);
	if (c.drop) {
		if (chown(s->tmpdir, c.uid, c.gid) < 0 || chown(s->log_path, c.uid, c.gid) < 0 ||
		    (b && !b->app && chown(conf, c.uid, c.gid) < 0)) {
			r = -errno;
			errbuf_set(err, "cannot hand %s to uid %u: %s", s->tmpdir, (unsigned)c.uid,
				   strerror(-r));
			goto fail;
		}
	}
	const char *set[] = { "PORT", portstr, "PYTHONUNBUFFERED", "1", NULL };
	env = env_build(&c, set);
	if (!env) {
		r = -ENOMEM;
		errbuf_set(err, "out of memory");
		goto fail;
	}

	/* The gate: a socket pair, so release() never raises SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate) < 0) {
		r = -errno;
		errbuf_set(err, "socketpair: %s", strerror(-r));
		goto fail;
	}

	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		errbuf_set(err, "fork: %s", strerror(-r));
		goto fail;
	}
	if (pid == 0) {
		close(gate[0]);
		child_main(gate[1], log_fd, s->tmpdir, o, &c, exe, argv, env);
	}
	setpgid(pid, pid);	/* also done by the child: no window where it is in ours */
	s->pid = pid;
	close(gate[1]);
	s->release_fd = gate[0];
	s->gate_open = true;
	close(log_fd);
	env_free(env);
	return 0;

fail:
	if (gate[0] >= 0)
		close(gate[0]);
	if (gate[1] >= 0)
		close(gate[1]);
	if (log_fd >= 0)
		close(log_fd);
	env_free(env);
	server_stop(s);
	return r;
}

int server_release(struct server *s, struct errbuf *err)
{
	if (s->external)
		return 0;
	if (!s->gate_open) {
		errbuf_set(err, "%s was not spawned or was already released", s->name);
		return -EINVAL;
	}
	ssize_t n;
	do
		n = send(s->release_fd, "g", 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	int e = n == 1 ? 0 : -errno;
	close(s->release_fd);
	s->release_fd = -1;
	s->gate_open = false;
	if (e < 0) {
		char why[128];
		snprintf(why, sizeof(why), "%s exited before it was released (%s)", s->name, strerror(-e));
		set_err_with_tail(err, s, why);
		return e;
	}
	return 0;
}

static bool reap(struct server *s, bool block)
{
	if (s->reaped)
		return true;
	int st;
	pid_t w;
	do
		w = waitpid(s->pid, &st, block ? 0 : WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w == s->pid || (w < 0 && errno == ECHILD)) {
		s->reaped = true;
		s->wait_status = w == s->pid ? st : 0;
	}
	return s->reaped;
}

/* Does process group PGID still hold a live (non-zombie) process? Zombies
 * whose parent does not reap them (an init that never waits) do not count. */
static bool group_alive(pid_t pgid)
{
	if (kill(-pgid, 0) < 0)
		return errno != ESRCH;
	DIR *d = opendir("/proc");
	if (!d)
		return true;
	bool alive = false;
	struct dirent *e;
	while (!alive && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		/* "pid (comm) state ppid pgrp ..."; comm may hold spaces and parens */
		char *rp = strrchr(buf, ')');
		char state;
		int ppid, pgrp;
		if (rp && sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			alive = true;
	}
	closedir(d);
	return alive;
}

/* Waits until the leader is reaped and the group is empty, or until DEADLINE. */
static bool wait_gone(struct server *s, double deadline)
{
	for (;;) {
		reap(s, false);
		if (s->reaped && !group_alive(s->pid))
			return true;
		if (mono_now() >= deadline)
			return false;
		sleep_ms(10);
	}
}

void server_stop(struct server *s)
{
	if (s->stopped)
		return;
	s->stopped = true;

	if (s->gate_open) {	/* a child still at the gate leaves without exec */
		close(s->release_fd);
		s->release_fd = -1;
		s->gate_open = false;
	}
	if (s->external)
		return;

	if (s->pid > 0) {
		if (!s->reaped || group_alive(s->pid)) {
			if (kill(-s->pid, SIGTERM) < 0 && !s->reaped)
				kill(s->pid, SIGTERM);
			if (!wait_gone(s, mono_now() + STOP_GRACE_S)) {
				kill(-s->pid, SIGKILL);
				if (!s->reaped)
					kill(s->pid, SIGKILL);
				wait_gone(s, mono_now() + KILL_WAIT_S);
			}
		}
		if (s->port > 0) {
			double deadline = mono_now() + PORT_FREE_WAIT_S;
			while (port_accepts(s->port) && mono_now() < deadline)
				sleep_ms(20);
		}
	}
	if (s->tmpdir[0])
		rm_tree(s->tmpdir);
}
