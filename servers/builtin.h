/* The built-in servers: what each runs and needs. */
#pragma once
#include <stddef.h>
#include "common/errbuf.h"

#define SERVER_DEFAULT_PYTHON "/usr/bin/python3"

struct builtin {
	const char *name;
	const char *app;	/* file in the servers dir; NULL for nginx */
	const char *import;	/* Python statement that must succeed */
	const char *hint;	/* how to install what is missing */
};
const struct builtin *builtin_find(const char *name);
/* Directory holding the demo apps: $BENCH_EBPF_SERVERS_DIR, else the source
 * tree's for the binary in the build tree, else the installed ones. */
const char *servers_dir(void);
/* The program of B: nginx's path into EXE, or PYTHON's (NULL: the default)
 * into EXE and the demo app's path into APP. -ENOENT and one line in err
 * when this machine lacks it. */
int builtin_program(const struct builtin *b, const char *python, char *exe, size_t exe_len,
		    char *app, size_t app_len, struct errbuf *err);
/* Absolute path of nginx (/usr/sbin, /usr/local/sbin, then PATH). */
int find_nginx(char *out, size_t len);
/* "nginx 1.22.1" from `nginx -v`, "" when it cannot be told. */
void nginx_version(const char *nginx, char *out, size_t len);
/* The nginx.conf of a server in DIR listening on 127.0.0.1:PORT. */
int nginx_write_conf(const char *dir, int port, char *path, size_t len);
