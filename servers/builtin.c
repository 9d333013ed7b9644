/* The built-in servers: their names, what each needs, and whether this machine has it. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "servers/builtin.h"
#include "servers/log.h"
#include "servers/proc.h"
#include "servers/server.h"

#if !defined(SERVERS_DIR) || !defined(BUILD_ROOT) || !defined(SERVERS_FROM_BINDIR)
#error "the build defines SERVERS_DIR, BUILD_ROOT and SERVERS_FROM_BINDIR"
#endif

const char *const server_builtin_names[] = {
	"flask", "aiohttp", "fastapi", "pymongoose", "nginx", NULL,
};

static const struct builtin builtins[] = {
	{ "flask", "flask_app.py", "import flask",
	  "install python3-flask (sudo ./bootstrap.sh install)" },
	{ "aiohttp", "aiohttp_app.py", "import aiohttp.web",
	  "install python3-aiohttp (sudo ./bootstrap.sh install)" },
	{ "fastapi", "fastapi_app.py", "import fastapi, uvicorn",
	  "install python3-fastapi python3-uvicorn (sudo ./bootstrap.sh install)" },
	{ "pymongoose", "pymongoose_app.py", "from pymongoose import Manager",
	  "pip install pymongoose for that interpreter: the Mongoose bindings, which have "
	  "pymongoose.Manager (another project of that name, a pymongo helper, does not)" },
	{ "nginx", NULL, NULL, "install nginx-light (sudo ./bootstrap.sh install)" },
};

const struct builtin *builtin_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

bool server_is_builtin(const char *name)
{
	return builtin_find(name) != NULL;
}

/* The binary in the build tree runs the source tree's apps; an installed one
 * those installed beside it, found from where it is (so a --destdir or a
 * relocated prefix works too). */
const char *servers_dir(void)
{
	static char dir[2 * PATH_MAX];
	const char *env = getenv("BENCH_EBPF_SERVERS_DIR");
	if (env && *env)
		return env;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return SERVERS_DIR;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	size_t root = strlen(BUILD_ROOT);
	if (!strncmp(exe, BUILD_ROOT, root) && (exe[root] == '/' || !exe[root]))
		return SERVERS_DIR;
	if (SERVERS_FROM_BINDIR[0] == '/')
		return SERVERS_FROM_BINDIR;
	char joined[sizeof(exe) + sizeof(SERVERS_FROM_BINDIR) + 1];
	snprintf(joined, sizeof(joined), "%s/%s", exe, SERVERS_FROM_BINDIR);
	if (!realpath(joined, dir))	/* missing: say where it was looked for */
		snprintf(dir, sizeof(dir), "%s", joined);
	return dir;
}

int find_nginx(char *out, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin/nginx", "/usr/local/sbin/nginx" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (resolve_exe(dirs[i], out, len) == 0)
			return 0;
	return resolve_exe("nginx", out, len);
}

void nginx_version(const char *nginx, char *out, size_t len)
{
	char buf[512];
	char *argv[] = { (char *)nginx, "-v", NULL };

	out[0] = 0;
	int st = run_capture(argv, NULL, NULL, 5000, buf, sizeof(buf));
	if (st < 0)
		return;
	/* "nginx version: nginx/1.22.1" (possibly with a distribution suffix) */
	char *p = strstr(buf, "nginx/");
	if (!p)
		return;
	p += strlen("nginx/");
	size_t n = strcspn(p, " \r\n\t");
	if (n == 0)
		return;
	snprintf(out, len, "nginx %.*s", (int)n, p);
}

int builtin_program(const struct builtin *b, const char *python, char *exe, size_t exe_len,
		    char *app, size_t app_len, struct errbuf *err)
{
	if (!b->app) {
		if (find_nginx(exe, exe_len) == 0)
			return 0;
		errbuf_set(err, "%s: nginx not found in /usr/sbin, /usr/local/sbin or PATH; %s",
			   b->name, b->hint);
		return -ENOENT;
	}
	if (!python || !*python)
		python = SERVER_DEFAULT_PYTHON;
	int r = resolve_exe(python, exe, exe_len);
	if (r < 0) {
		errbuf_set(err, "%s: cannot run Python interpreter '%s': %s", b->name, python,
			   strerror(-r));
		return -ENOENT;
	}
	snprintf(app, app_len, "%s/%s", servers_dir(), b->app);
	if (access(app, R_OK) < 0) {
		errbuf_set(err, "%s: demo app %s not found (set BENCH_EBPF_SERVERS_DIR to the servers/ directory)",
			   b->name, app);
		return -ENOENT;
	}
	return 0;
}

int nginx_write_conf(const char *dir, int port, char *path, size_t len)
{
	if ((size_t)snprintf(path, len, "%s/nginx.conf", dir) >= len)
		return -ENAMETOOLONG;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = -errno;
		close(fd);
		return e;
	}
	fprintf(f,
		"# written by bench-ebpf for one run; removed with its directory\n"
		"worker_processes 1;\n"
		"daemon off;\n"
		"master_process on;\n"
		"pid %1$s/nginx.pid;\n"
		"error_log %1$s/" SERVER_LOG_NAME " warn;\n"
		"events {\n"
		"    worker_connections 4096;\n"
		"}\n"
		"http {\n"
		"    access_log off;\n"
		"    client_body_temp_path %1$s/client_body_temp;\n"
		"    proxy_temp_path %1$s/proxy_temp;\n"
		"    fastcgi_temp_path %1$s/fastcgi_temp;\n"
		"    uwsgi_temp_path %1$s/uwsgi_temp;\n"
		"    scgi_temp_path %1$s/scgi_temp;\n"
		"    keepalive_requests 10000000;\n"
		"    keepalive_timeout 75s;\n"
		"    server {\n"
		"        listen 127.0.0.1:%2$d;\n"
		"        location = / {\n"
		"            default_type application/json;\n"
		"            return 200 '%3$s';\n"
		"        }\n"
		"    }\n"
		"}\n",
		dir, port, SERVER_EXPECTED_BODY);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

int server_check_available(const struct server_opts *o, struct errbuf *err)
{
	const char *name = o->name ? o->name : "";

	if (o->url || o->command)
		return 0;	/* external or custom: nothing to check here */
	const struct builtin *b = builtin_find(name);
	if (!b) {
		if (strcmp(name, "custom") == 0 || strcmp(name, "external") == 0)
			return 0;
		errbuf_set(err, "unknown server '%s' (built-in: flask, aiohttp, fastapi, pymongoose, nginx)",
			   name);
		return -ENOENT;
	}

	char exe[4096], app[4096];
	if (builtin_program(b, o->python, exe, sizeof(exe), app, sizeof(app), err))
		return -ENOENT;
	if (!b->app)
		return 0;

	/* Ask the interpreter, as the user the server will run as. */
	struct creds c;
	creds_from_env(&c);
	const char *set[] = { NULL };
	char **env = env_build(&c, set);
	/* Exit 9: the app file is unreadable for that user (a source tree in a
	 * private home directory, say); anything else: the import failed. */
	char code[256];
	snprintf(code, sizeof(code),
		 "import sys\ntry:\n    open(sys.argv[1], 'rb').close()\nexcept OSError:\n    sys.exit(9)\n%s\n",
		 b->import);
	char *argv[] = { exe, "-c", code, app, NULL };
	int st = run_capture(argv, env, &c, 60000, NULL, 0);
	env_free(env);
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 9) {
		errbuf_set(err, "%s: %s cannot read %s (put the source tree where it can, or set BENCH_EBPF_SERVERS_DIR)",
			   b->name, c.drop ? (c.user[0] ? c.user : "the invoking user") : "the server", app);
		return -ENOENT;
	}
	if (st < 0) {
		errbuf_set(err, "%s: could not run %s -c \"%s\": %s", b->name, exe, b->import,
			   strerror(-st));
		return -ENOENT;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errbuf_set(err, "%s: %s cannot %s; %s", b->name, exe, b->import, b->hint);
		return -ENOENT;
	}
	return 0;
}
