/* Private to servers/: helpers shared by the launcher's files. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "servers/server.h"

#define SERVER_DEFAULT_PYTHON "/usr/bin/python3"
#define SERVER_LOG_NAME "server.log"
#define SERVER_VERSION_TAG "bench-ebpf-server-version:"

/* ---- builtin.c: the built-in servers ------------------------------------- */
struct builtin {
	const char *name;
	const char *app;	/* file in the servers dir; NULL for nginx */
	const char *import;	/* Python statement that must succeed */
	const char *hint;	/* how to install what is missing */
};
const struct builtin *builtin_find(const char *name);
/* Directory holding the demo apps: $BENCH_EBPF_SERVERS_DIR, else the build-time SERVERS_DIR. */
const char *servers_dir(void);
/* Absolute path of nginx (/usr/sbin, /usr/local/sbin, then PATH). */
int find_nginx(char *out, size_t len);
/* "nginx 1.22.1" from `nginx -v`, "" when it cannot be told. */
void nginx_version(const char *nginx, char *out, size_t len);
/* The nginx.conf of a server in DIR listening on 127.0.0.1:PORT. */
int nginx_write_conf(const char *dir, int port, char *path, size_t len);

/* ---- proc.c: processes, identities, executables --------------------------- */
/* Whom the server runs as: under sudo (we are root, SUDO_UID/SUDO_GID set) the
 * invoking user, looked up before fork so the child only makes system calls. */
struct creds {
	bool drop;
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[64];
	char user[64];
	char home[256];
};
void creds_from_env(struct creds *c);
/* In a forked child: become c's user. Async-signal-safe; -errno on failure. */
int creds_apply(const struct creds *c);

/* NAME with a '/' must be executable; otherwise it is looked up in PATH. */
int resolve_exe(const char *name, char *out, size_t len);

/* environ with NAME=VALUE pairs set (a NULL value removes NAME). Free with env_free(). */
char **env_build(const struct creds *c, const char *const *set);
void env_free(char **env);

/* Runs ARGV (argv[0] a path) as C, stdin from /dev/null; its stdout and stderr
 * go to OUT (NUL-terminated, truncated) or nowhere when OUT is NULL. Killed
 * after TIMEOUT_MS. Returns the wait status, or -errno if it could not run. */
int run_capture(char *const argv[], char *const envp[], const struct creds *c,
		int timeout_ms, char *out, size_t outlen);

/* Async-signal-safe message to fd 2 of a forked child: "bench-ebpf: WHAT ARG: ERRNAME (N)". */
void child_fail(const char *what, const char *arg, int err);

/* "exited with status 7" / "was killed by signal 9 (SIGKILL)". */
void describe_status(int status, char *out, size_t len);

/* ---- launch.c / ready.c ---------------------------------------------------- */
double mono_now(void);
void sleep_ms(int ms);
/* Something accepts TCP connections on 127.0.0.1:PORT. */
bool port_accepts(int port);
/* Last MAX_LINES lines of the log, newline-separated, fitting in LEN. */
void log_tail(const char *path, int max_lines, char *out, size_t len);
/* err = "<reason>; last lines of its log:\n<tail>", cut to fit. */
void set_err_with_tail(struct errbuf *err, const struct server *s, const char *reason);
