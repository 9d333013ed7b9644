/* Starting the server under test: a private temp dir, a child held at a gate
 * until the probes are attached, then released to run. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "servers/builtin.h"
#include "servers/cgroup.h"
#include "servers/child.h"
#include "servers/cmdline.h"
#include "servers/keeper.h"
#include "servers/live.h"
#include "servers/log.h"
#include "servers/ports.h"
#include "servers/proc.h"
#include "servers/server.h"
#include "servers/tmpdir.h"
#include "servers/tree.h"

/* What one start needs beside the server itself: the program, its
 * arguments and the buffers they point into. */
struct launch {
	const struct builtin *b;	/* NULL: a user's command */
	char exe[4096], app[4096], conf[1024], portstr[16], line[4096];
	char *argv[16];
	int argc;
};

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

/* Which server: a built-in one (whose program this machine must have) or a command. */
static int choose_program(const struct server_opts *o, struct launch *l, struct errbuf *err)
{
	if (o->command)
		return 0;
	l->b = builtin_find(o->name);
	if (!l->b && o->name && strcmp(o->name, "custom") == 0) {
		errbuf_set(err, "a custom server needs a command");
		return -EINVAL;
	}
	if (!l->b) {
		errbuf_set(err, "unknown server '%s' (built-in: flask, aiohttp, fastapi, pymongoose, nginx)",
			   o->name ? o->name : "");
		return -ENOENT;
	}
	return builtin_program(l->b, o->python, l->exe, sizeof(l->exe), l->app, sizeof(l->app), err);
}

static int choose_port(const struct server_opts *o, struct server *s, struct errbuf *err)
{
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
		int r = port_pick_free();
		if (r < 0) {
			errbuf_set(err, "cannot find a free port: %s", strerror(-r));
			return r;
		}
		s->port = r;
	}
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d/", s->port);
	return 0;
}

/* The private directory and the log in it; the log's descriptor, or -errno. */
static int open_log(struct server *s, struct errbuf *err)
{
	int r = tmpdir_create(s->tmpdir, sizeof(s->tmpdir), err);
	if (r < 0)
		return r;
	if ((size_t)snprintf(s->log_path, sizeof(s->log_path), "%s/" SERVER_LOG_NAME, s->tmpdir) >=
	    sizeof(s->log_path)) {
		errbuf_set(err, "temporary directory name too long");
		return -ENAMETOOLONG;
	}
	int fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		errbuf_set(err, "cannot create %s: %s", s->log_path, strerror(-r));
		return r;
	}
	/* Traversable by nginx workers that run as another user than the master. */
	chmod(s->tmpdir, 0711);
	return fd;
}

static void push(struct launch *l, const char *arg)
{
	l->argv[l->argc++] = (char *)arg;
}

/* The argument vector, and s->command: what runs, as a person could type it. */
static int build_argv(const struct server_opts *o, struct launch *l, struct server *s,
		      struct errbuf *err)
{
	snprintf(l->portstr, sizeof(l->portstr), "%d", s->port);
	if (o->command) {	/* through the shell, as typed: cd, VAR=1, (...), && */
		if (substitute_port(o->command, s->port, l->line, sizeof(l->line)) < 0) {
			errbuf_set(err, "custom command too long");
			return -ENAMETOOLONG;
		}
		if ((size_t)snprintf(s->command, sizeof(s->command), "%s", l->line) >= sizeof(s->command))
			memcpy(s->command + sizeof(s->command) - 4, "...", 4);	/* display only */
		snprintf(l->exe, sizeof(l->exe), "/bin/sh");
		push(l, "/bin/sh"), push(l, "-c"), push(l, l->line);
		l->argv[l->argc] = NULL;
		return 0;
	}
	if (!l->b->app) {
		int r = nginx_write_conf(s->tmpdir, s->port, l->conf, sizeof(l->conf));
		if (r < 0) {
			errbuf_set(err, "cannot write %s/nginx.conf: %s", s->tmpdir, strerror(-r));
			return r;
		}
		snprintf(l->line, sizeof(l->line), "%s/", s->tmpdir);
		push(l, l->exe), push(l, "-p"), push(l, l->line), push(l, "-e"), push(l, s->log_path);
		push(l, "-c"), push(l, l->conf);
	} else {
		push(l, l->exe), push(l, l->app), push(l, "--host"), push(l, "127.0.0.1");
		push(l, "--port"), push(l, l->portstr);
	}
	l->argv[l->argc] = NULL;
	for (int i = 0; i < l->argc; i++)
		shell_quote_append(s->command, sizeof(s->command), l->argv[i]);
	return 0;
}

/* Under sudo the server runs as the invoking user: its files become theirs. */
static int hand_over(const struct creds *c, const struct launch *l, const struct server *s,
		     struct errbuf *err)
{
	if (!c->drop)
		return 0;
	if (chown(s->tmpdir, c->uid, c->gid) < 0 || chown(s->log_path, c->uid, c->gid) < 0 ||
	    (l->conf[0] && chown(l->conf, c->uid, c->gid) < 0)) {
		int r = -errno;
		errbuf_set(err, "cannot hand %s to uid %u: %s", s->tmpdir, (unsigned)c->uid, strerror(-r));
		return r;
	}
	return 0;
}

/* Forks the child, which waits at the gate (a socket pair, so release()
 * never raises SIGPIPE). */
static int fork_gated(const struct server_opts *o, const struct launch *l, const struct creds *c,
		      char **env, int log_fd, struct server *s, struct errbuf *err)
{
	int gate[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate) < 0) {
		int r = -errno;
		errbuf_set(err, "socketpair: %s", strerror(-r));
		return r;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		errbuf_set(err, "fork: %s", strerror(-r));
		close(gate[0]);
		close(gate[1]);
		return r;
	}
	if (pid == 0) {
		close(gate[0]);
		child_run_at_gate(gate[1], log_fd, s->tmpdir, o, c, l->exe, l->argv, env);
	}
	setpgid(pid, pid);	/* also done by the child: no window where it is in ours */
	s->pid = pid;
	close(gate[1]);
	s->release_fd = gate[0];
	s->gate_open = true;
	return 0;
}

int server_spawn(const struct server_opts *o, struct server *s, struct errbuf *err)
{
	struct launch *l = calloc(1, sizeof(*l));
	char **env = NULL;
	int r, log_fd = -1;

	memset(s, 0, sizeof(*s));
	s->release_fd = -1;
	s->keeper_fd = -1;
	s->insecure = o->insecure;
	s->expect_status = o->expect_status;
	s->expect_body = o->expect_body;
	s->expect_body_len = o->expect_body_len;
	snprintf(s->name, sizeof(s->name), "%s",
		 o->name && *o->name ? o->name : o->url ? "external" : o->command ? "custom" : "?");
	if (!l) {
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	if (o->url) {
		r = spawn_external(o, s, err);
		free(l);
		return r;
	}
	struct creds c;
	creds_from_env(&c);
	const char *set[] = { "PORT", l->portstr, "PYTHONUNBUFFERED", "1", NULL };
	if ((r = choose_program(o, l, err)) || (r = choose_port(o, s, err)))
		goto done;
	s->builtin = l->b != NULL;
	if ((r = log_fd = open_log(s, err)) < 0 || (r = build_argv(o, l, s, err)) ||
	    (r = hand_over(&c, l, s, err)))
		goto done;
	if (!(env = env_build(&c, set))) {
		r = -ENOMEM;
		errbuf_set(err, "out of memory");
		goto done;
	}
	tree_adopt_orphans();	/* a double-forked daemon stays ours to stop */
	if (cgroup_create(s->cgroup, sizeof(s->cgroup)) < 0)
		s->cgroup[0] = 0;	/* no cgroup v2 to write here: the process tree only */
	r = fork_gated(o, l, &c, env, log_fd, s, err);
	if (r == 0 && s->cgroup[0] && cgroup_enter(s->cgroup, s->pid) < 0) {
		rmdir(s->cgroup);
		s->cgroup[0] = 0;
	}
	if (r == 0) {
		pid_t k = keeper_start(s->pid, s->cgroup, &s->keeper_fd);
		s->keeper_pid = k > 0 ? k : 0;
		live_add(s);
	}
done:
	if (log_fd >= 0)
		close(log_fd);
	env_free(env);
	free(l);
	if (r < 0)
		server_stop(s);
	return r < 0 ? r : 0;
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
