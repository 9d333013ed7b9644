/* Servers under test: the built-in demo apps, nginx, a user's command, or one
 * already running. Start is two-phase so probes can attach before the server
 * runs its first instruction: server_spawn() forks a child that waits, the
 * caller attaches probes to its pid, server_release() lets it exec. */
#pragma once
#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>
#include "common/errbuf.h"

struct server_opts {
	const char *name;	/* built-in name ("flask", ...), "custom", or "external" */
	const char *command;	/* custom: shell command with {port}; NULL for built-ins */
	const char *url;	/* external: the server's URL; NULL otherwise */
	pid_t pid;		/* external: its pid for the probes, 0 if unknown */
	const char *python;	/* interpreter for Python servers */
	int port;		/* 0: pick a free one */
	cpu_set_t cpus;		/* server pinned here when pin is true */
	bool pin;
	bool verbose;
	bool insecure;		/* https: do not verify the certificate (readiness, as the load) */
	int expect_status;	/* custom, external: the status of GET /; 0: 200 */
	const char *expect_body;	/* custom, external: the exact body of GET /; NULL: any */
	size_t expect_body_len;
};

struct server {
	char name[64];
	char command[2048];	/* what runs, as a user could type it */
	char url[512];		/* http://127.0.0.1:PORT/ */
	char version[256];	/* "" when unknown */
	char log_path[512];
	char tmpdir[512];	/* private dir (log, nginx config), removed by server_stop */
	pid_t pid;		/* process (and process-group) leader; 0 for external without --pid */
	int port;
	bool external;		/* not ours to start or stop */
	int release_fd;		/* write end of the start gate; -1 once released */
	/* Added by servers/: the launcher's own bookkeeping (read-only for others). */
	bool builtin;		/* a demo app or nginx: GET / must answer SERVER_EXPECTED_BODY */
	bool gate_open;		/* release_fd is a live descriptor */
	bool reaped;		/* pid has been waited for; wait_status holds how it ended */
	int wait_status;	/* waitpid() status once reaped */
	bool stopped;		/* server_stop() has run (it runs once) */
	bool insecure;		/* from server_opts */
	int expect_status;	/* from server_opts */
	const char *expect_body;	/* from server_opts */
	size_t expect_body_len;
	char cgroup[1024];	/* its own cgroup v2 directory; "" where there is none */
	pid_t keeper_pid;	/* stops the server if bench-ebpf dies (servers/keeper.h) */
	int keeper_fd;		/* -1: no keeper */
};

/* Built-in names in display order, NULL-terminated. */
extern const char *const server_builtin_names[];
bool server_is_builtin(const char *name);
/* 0 if NAME can run on this machine, else -ENOENT and a one-line reason with an install hint. */
int server_check_available(const struct server_opts *o, struct errbuf *err);

/* 0 when URL names a host and a port in range (or none: 80/443), else
 * -EINVAL and a one-line reason. Nothing is resolved or connected. */
int server_url_check(const char *url, struct errbuf *err);

/* --pid with --url: 0 when PID is alive, not an ancestor of this process,
 * and it or a descendant listens on the URL's port; else -errno and a
 * one-line reason. */
int server_pid_check(pid_t pid, const char *url, struct errbuf *err);

int server_spawn(const struct server_opts *o, struct server *s, struct errbuf *err);
int server_release(struct server *s, struct errbuf *err);
/* Polls GET / until 200 with the expected JSON body; fails at once if the
 * process exits; on failure err holds the reason and the tail of the log. */
/* Has our server's first process exited? Reaps it (s->reaped, wait_status)
 * and kills what it left in its process group. False for an external one. */
bool server_exited(struct server *s);
int server_wait_ready(struct server *s, double timeout_s, const volatile int *stop, struct errbuf *err);
/* SIGTERM to the process group, SIGKILL after a grace period, wait until the
 * port is free, remove the temp dir. Safe to call twice and on a failed spawn. */
void server_stop(struct server *s);

/* The body every demo app answers GET / with. */
#define SERVER_EXPECTED_BODY "{\"message\":\"Hello, World!\"}"
