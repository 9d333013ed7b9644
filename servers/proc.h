/* Processes for the launcher: who to run as, where executables are, running
 * a short command and capturing what it says, wait statuses in words. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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
