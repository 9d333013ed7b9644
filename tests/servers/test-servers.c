/* Tests for servers/: `test-servers NAME` runs one case. Exit 0 = pass,
 * 77 = skipped (privileged case and not root, or the server is not
 * installed here), anything else = failure. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "servers/server.h"
#include "servers/tmpdir.h"
#include "tests/lib/check.h"

#define SKIP 77

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *python(void)
{
	const char *p = getenv("BENCH_EBPF_TEST_PYTHON");
	return p && *p ? p : "/usr/bin/python3";
}

static struct server_opts opts_for(const char *name)
{
	struct server_opts o;
	memset(&o, 0, sizeof(o));
	o.name = name;
	o.python = python();
	return o;
}

static bool port_accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static bool path_exists(const char *p)
{
	struct stat st;
	return p[0] && stat(p, &st) == 0;
}

static bool process_gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* What stop must leave: no process, no listener, no directory. */
static void check_cleaned(const struct server *s, const char *tmpdir)
{
	CHECK(process_gone(s->pid), "pid %d still exists", (int)s->pid);
	CHECK(kill(-s->pid, 0) < 0 && errno == ESRCH, "process group %d still exists", (int)s->pid);
	CHECK(!port_accepts(s->port), "port %d still accepts connections", s->port);
	CHECK(!path_exists(tmpdir), "temp dir %s was not removed", tmpdir);
}

/* Spawned and released to run; its temp dir copied to tmpdir (of
 * sizeof(s->tmpdir)) for check_cleaned after the stop. A failed release
 * stops the server, so nothing is left when the test returns. */
static bool spawn_released(const struct server_opts *o, struct server *s, char *tmpdir,
			   struct errbuf *err)
{
	if (server_spawn(o, s, err))
		return false;
	memcpy(tmpdir, s->tmpdir, sizeof(s->tmpdir));
	if (server_release(s, err) == 0)
		return true;
	server_stop(s);
	return false;
}

/* A custom server running command, spawned, released and waited for with
 * timeout_s (stop set: as if Ctrl-C came first): what the wait returned and
 * how long it took. False if it could not be spawned and released. */
struct waited {
	int rc;
	double took_s;
};

static bool custom_waited(const char *command, double timeout_s, int stop, struct server *s,
			  char *tmpdir, struct waited *w, struct errbuf *err)
{
	struct server_opts o = opts_for("custom");
	volatile int stop_flag = stop;
	o.command = command;
	if (!spawn_released(&o, s, tmpdir, err))
		return false;
	double t0 = now_s();
	w->rc = server_wait_ready(s, timeout_s, &stop_flag, err);
	w->took_s = now_s() - t0;
	fprintf(stderr, "wait returned %d after %.2fs: %s\n", w->rc, w->took_s, err->msg);
	return true;
}

static bool need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root\n");
		return false;
	}
	return true;
}

/* ---- one GET / with libcurl ---- */
struct got {
	char body[4096];
	size_t len;
	char ctype[256];
	long code;
};

static size_t on_body(char *d, size_t sz, size_t n, void *u)
{
	struct got *g = u;
	size_t k = sz * n;
	if (k > sizeof(g->body) - 1 - g->len)
		k = sizeof(g->body) - 1 - g->len;
	memcpy(g->body + g->len, d, k);
	g->len += k;
	g->body[g->len] = 0;
	return sz * n;
}

static bool http_get(const char *url, struct got *g)
{
	memset(g, 0, sizeof(*g));
	CURL *h = curl_easy_init();
	if (!h)
		return false;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, g);
	CURLcode c = curl_easy_perform(h);
	char *ct = NULL;
	if (c == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &g->code);
		curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
		snprintf(g->ctype, sizeof(g->ctype), "%s", ct ? ct : "");
	}
	curl_easy_cleanup(h);
	return c == CURLE_OK;
}

static bool file_contains(const char *path, const char *needle)
{
	char buf[65536];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}

/* ---- unit cases ---- */

static int t_names(void)
{
	static const char *const want[] = { "flask", "aiohttp", "fastapi", "pymongoose", "nginx" };
	size_t n = 0;
	while (server_builtin_names[n])
		n++;
	REQUIRE(n == 5, "%zu built-in names", n);
	for (size_t i = 0; i < n; i++) {
		CHECK(strcmp(server_builtin_names[i], want[i]) == 0, "name %zu is %s", i,
		      server_builtin_names[i]);
		CHECK(server_is_builtin(want[i]), "%s not built-in", want[i]);
	}
	CHECK(!server_is_builtin("custom"), "custom is not built-in");
	CHECK(!server_is_builtin(""), "empty is not built-in");
	CHECK(!server_is_builtin(NULL), "NULL is not built-in");
	return failures ? 1 : 0;
}

static int t_unknown(void)
{
	struct errbuf err = { "" };
	struct server_opts o = opts_for("gunicornx");
	CHECK(server_check_available(&o, &err) == -ENOENT, "unknown name accepted");
	CHECK(strstr(err.msg, "gunicornx") && strstr(err.msg, "flask"), "msg: %s", err.msg);

	struct server s;
	err.msg[0] = 0;
	CHECK(server_spawn(&o, &s, &err) < 0, "spawned an unknown server");
	CHECK(strstr(err.msg, "unknown server"), "msg: %s", err.msg);
	CHECK(s.tmpdir[0] == 0, "temp dir %s left", s.tmpdir);
	server_stop(&s);
	return failures ? 1 : 0;
}

static int t_bad_python(void)
{
	struct errbuf err = { "" };
	struct server_opts o = opts_for("flask");
	o.python = "/nonexistent/bin/python3";
	CHECK(server_check_available(&o, &err) == -ENOENT, "missing interpreter accepted");
	CHECK(strstr(err.msg, "/nonexistent/bin/python3") && strstr(err.msg, "No such file"),
	      "msg: %s", err.msg);

	struct server s;
	err.msg[0] = 0;
	double t0 = now_s();
	CHECK(server_spawn(&o, &s, &err) < 0, "spawned with a missing interpreter");
	CHECK(now_s() - t0 < 1.0, "took %.2fs", now_s() - t0);
	CHECK(strstr(err.msg, "/nonexistent/bin/python3"), "msg: %s", err.msg);
	CHECK(s.pid == 0 && s.tmpdir[0] == 0, "pid %d, temp dir '%s'", (int)s.pid, s.tmpdir);
	server_stop(&s);

	/* A file that is not executable is no interpreter either. */
	o.python = "/etc/hostname";
	err.msg[0] = 0;
	CHECK(server_check_available(&o, &err) == -ENOENT, "/etc/hostname accepted");
	CHECK(strstr(err.msg, "/etc/hostname"), "msg: %s", err.msg);
	return failures ? 1 : 0;
}

static int t_external(void)
{
	struct errbuf err = { "" };
	struct server s;
	struct server_opts o = opts_for("external");
	o.url = "http://127.0.0.1:8123/";
	o.pid = 4242;
	REQUIRE(server_spawn(&o, &s, &err) == 0, "%s", err.msg);
	CHECK(s.external && s.port == 8123 && s.pid == 4242, "external %d port %d pid %d",
	      s.external, s.port, (int)s.pid);
	CHECK(strcmp(s.url, o.url) == 0, "url %s", s.url);
	CHECK(s.tmpdir[0] == 0, "external got a temp dir");
	CHECK(server_release(&s, &err) == 0, "release: %s", err.msg);
	server_stop(&s);
	server_stop(&s);

	static const struct { const char *url; int port; } cases[] = {
		{ "http://localhost/", 80 },
		{ "https://example.org/x", 443 },
		{ "http://[::1]:9000/a", 9000 },
		{ "http://user@10.0.0.1:81", 81 },
		{ "127.0.0.1:8080", 8080 },
		{ "http://h:0/", -1 },
		{ "http://h:99999/", -1 },
		{ "http://h:12ab/", -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.url = cases[i].url;
		o.pid = 0;
		int r = server_spawn(&o, &s, &err);
		if (cases[i].port < 0)
			CHECK(r < 0, "%s accepted (port %d)", cases[i].url, s.port);
		else
			CHECK(r == 0 && s.port == cases[i].port, "%s: r=%d port %d", cases[i].url, r,
			      s.port);
		server_stop(&s);
	}

	/* A zeroed struct is safe to stop, and does not lose fd 0. */
	memset(&s, 0, sizeof(s));
	server_stop(&s);
	CHECK(fcntl(0, F_GETFD) >= 0 || errno != EBADF, "fd 0 was closed");
	return failures ? 1 : 0;
}

/* ---- privileged cases: real processes ---- */

static int lifecycle(const char *name, const char *extra_pythonpath)
{
	if (!need_root())
		return SKIP;
	struct errbuf err = { "" };
	struct server_opts o = opts_for(name);
	if (strcmp(name, "nginx") == 0) {
		/* Also: the pin reaches the server. */
		CPU_ZERO(&o.cpus);
		CPU_SET(0, &o.cpus);
		o.pin = true;
	}
	if (extra_pythonpath)
		setenv("PYTHONPATH", extra_pythonpath, 1);
	if (server_check_available(&o, &err) < 0) {
		fprintf(stderr, "skipped: %s\n", err.msg);
		return SKIP;
	}

	struct server s;
	volatile int stop = 0;
	REQUIRE(server_spawn(&o, &s, &err) == 0, "spawn: %s", err.msg);
	char tmpdir[sizeof(s.tmpdir)];
	memcpy(tmpdir, s.tmpdir, sizeof(tmpdir));
	fprintf(stderr, "%s: pid %d port %d: %s\n", name, (int)s.pid, s.port, s.command);
	CHECK(s.pid > 0 && !s.external && s.builtin, "pid %d", (int)s.pid);
	CHECK(path_exists(tmpdir), "no temp dir");
	CHECK(strncmp(tmpdir, "/tmp/bench-ebpf-", 16) == 0, "temp dir %s", tmpdir);
	CHECK(s.command[0], "empty command");
	CHECK(getpgid(s.pid) == s.pid, "pgid %d != pid %d", (int)getpgid(s.pid), (int)s.pid);
	usleep(100 * 1000);
	CHECK(!port_accepts(s.port), "%s listens before release", name);

	double t0 = now_s();
	CHECK(server_release(&s, &err) == 0, "release: %s", err.msg);
	CHECK(server_release(&s, &err) < 0, "second release accepted");
	int r = server_wait_ready(&s, 30.0, &stop, &err);
	CHECK(r == 0, "wait_ready: %s", err.msg);
	if (r == 0) {
		fprintf(stderr, "%s: ready in %.2fs, version '%s'\n", name, now_s() - t0, s.version);
		CHECK(s.version[0], "no version");
		struct got g;
		CHECK(http_get(s.url, &g), "GET failed");
		CHECK(g.code == 200, "code %ld", g.code);
		CHECK(strcmp(g.body, SERVER_EXPECTED_BODY) == 0, "body '%s'", g.body);
		CHECK(strncmp(g.ctype, "application/json", 16) == 0, "content type '%s'", g.ctype);
		if (o.pin) {
			cpu_set_t got;
			CHECK(sched_getaffinity(s.pid, sizeof(got), &got) == 0 && CPU_EQUAL(&got, &o.cpus),
			      "server not pinned to CPU 0");
		}
	}
	if (extra_pythonpath) {
		/* The fake Mongoose logs per request unless mg_log_level was cleared. */
		struct got g;
		for (int i = 0; i < 3; i++)
			http_get(s.url, &g);
		CHECK(!file_contains(s.log_path, "fake-mongoose debug"),
		      "mg_log_level was not set to 0 (Mongoose logs every request)");
	}
	t0 = now_s();
	server_stop(&s);
	double took = now_s() - t0;
	server_stop(&s);
	fprintf(stderr, "%s: stopped in %.2fs\n", name, took);
	CHECK(s.reaped, "not reaped");
	check_cleaned(&s, tmpdir);
	CHECK(took < 3.0, "stop took %.2fs (SIGTERM ignored?)", took);
	if (strcmp(name, "pymongoose") == 0)
		CHECK(WIFEXITED(s.wait_status) && WEXITSTATUS(s.wait_status) == 0,
		      "pymongoose did not exit cleanly on SIGTERM (status 0x%x)", s.wait_status);
	return failures ? 1 : 0;
}

/* pymongoose through a stand-in package (the real one cannot be installed here). */
static int t_pymongoose_fake(void)
{
	if (!need_root())
		return SKIP;
	char dir[] = "/tmp/test-fake-pymongoose-XXXXXX", pkg[128], cmd[1024];
	REQUIRE(mkdtemp(dir), "mkdtemp");
	chmod(dir, 0755);
	snprintf(pkg, sizeof(pkg), "%s/pymongoose", dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -m 755 '%s' && cp '%s' '%s/__init__.py' && cp '%s' '%s/_mongoose.so' && chmod -R a+rX '%s'",
		 pkg, FAKE_PYMONGOOSE_PY, pkg, FAKE_MONGOOSE_SO, pkg, dir);
	int rc = system(cmd);
	int r = rc == 0 ? lifecycle("pymongoose", dir) : 1;
	CHECK(rc == 0, "could not build the stand-in package: %s", cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return r;
}

static int t_pymongoose_missing(void)
{
	if (!need_root())
		return SKIP;
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "'%s' -c 'import pymongoose' >/dev/null 2>&1", python());
	if (system(cmd) == 0) {
		fprintf(stderr, "skipped: pymongoose is installed here\n");
		return SKIP;
	}
	struct errbuf err = { "" };
	struct server_opts o = opts_for("pymongoose");
	CHECK(server_check_available(&o, &err) == -ENOENT, "reported available");
	CHECK(strstr(err.msg, "pip install pymongoose"), "no install hint: %s", err.msg);
	CHECK(!strchr(err.msg, '\n'), "not one line: %s", err.msg);

	/* And the app itself says so when started anyway. */
	struct server s;
	volatile int stop = 0;
	char tmpdir[sizeof(s.tmpdir)];
	REQUIRE(spawn_released(&o, &s, tmpdir, &err), "spawn and release: %s", err.msg);
	CHECK(server_wait_ready(&s, 20.0, &stop, &err) < 0, "ready without pymongoose");
	CHECK(strstr(err.msg, "status 3") && strstr(err.msg, "pip install pymongoose"), "msg: %s",
	      err.msg);
	server_stop(&s);
	check_cleaned(&s, tmpdir);
	return failures ? 1 : 0;
}

/* A custom server that never becomes ready: how the wait ends, how long it
 * takes, what the error says; then the stop leaves nothing. */
struct not_ready_case {
	const char *command;
	double timeout_s;
	int stop;		/* Ctrl-C came before the wait */
	int want_rc;		/* what the wait returns; 0: any error */
	double min_s, max_s;	/* bounds of the wait */
	const char *needles[3];	/* in the error */
	bool echoes_port;	/* the command prints port={port}: the error's log tail has it */
	void (*before_stop)(const struct server *s);
	void (*after_stop)(const struct server *s);
};

static int not_ready(const struct not_ready_case *c)
{
	if (!need_root())
		return SKIP;
	struct errbuf err = { "" };
	struct server s;
	struct waited w = { 0 };
	char tmpdir[sizeof(s.tmpdir)], port[64];
	REQUIRE(custom_waited(c->command, c->timeout_s, c->stop, &s, tmpdir, &w, &err),
		"spawn and release: %s", err.msg);
	CHECK(!s.builtin, "custom counted as built-in");
	CHECK(!strstr(s.command, "{port}"), "command '%s'", s.command);
	CHECK(c->want_rc ? w.rc == c->want_rc : w.rc < 0, "wait returned %d, want %d", w.rc, c->want_rc);
	CHECK(w.took_s >= c->min_s && w.took_s < c->max_s, "took %.2fs", w.took_s);
	for (int i = 0; i < 3 && c->needles[i]; i++)
		CHECK(strstr(err.msg, c->needles[i]), "no '%s' in: %s", c->needles[i], err.msg);
	snprintf(port, sizeof(port), "port=%d", s.port);
	if (c->echoes_port)
		CHECK(strstr(err.msg, port), "{port} not substituted: %s", err.msg);
	if (c->before_stop)
		c->before_stop(&s);
	server_stop(&s);
	if (c->after_stop)
		c->after_stop(&s);
	check_cleaned(&s, tmpdir);
	return failures ? 1 : 0;
}

/* The pid is the shell that runs the command (or sleep, if the shell execs
 * it); either way the stop must reach sleep. */
static void sleep_running(const struct server *s)
{
	char comm[64] = "", path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)s->pid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
	}
	CHECK(!strncmp(comm, "sleep", 5) || !strncmp(comm, "sh", 2), "pid %d is '%s'", (int)s->pid, comm);
}

static void sleep_terminated(const struct server *s)
{
	CHECK(WIFSIGNALED(s->wait_status) && WTERMSIG(s->wait_status) == SIGTERM, "status 0x%x",
	      s->wait_status);
	CHECK(system("pgrep -x -f 'sleep 60' >/dev/null") != 0, "sleep 60 outlived the stop");
}

static const struct not_ready_case custom_exits = {
	"sh -c 'echo boom; echo port={port}; exit 7'", 20.0, 0, 0, 0.0, 2.0,
	{ "exited with status 7", "boom" }, .echoes_port = true,
};
static const struct not_ready_case custom_timeout = {
	"sleep 60", 1.0, 0, -ETIMEDOUT, 0.9, 3.0, { "did not answer", "1s" },
	.before_stop = sleep_running, .after_stop = sleep_terminated,
};
static const struct not_ready_case interrupted = { "sleep 60", 30.0, 1, -EINTR, 0.0, 0.5 };

static int t_custom_exits(void) { return not_ready(&custom_exits); }
static int t_custom_timeout(void) { return not_ready(&custom_timeout); }
static int t_interrupt(void) { return not_ready(&interrupted); }

/* Nothing runs before release; a server never released leaves quietly. */
static int t_gate(void)
{
	if (!need_root())
		return SKIP;
	struct errbuf err = { "" };
	struct server_opts o = opts_for("custom");
	o.command = "echo ran";
	struct server s;
	REQUIRE(server_spawn(&o, &s, &err) == 0, "spawn: %s", err.msg);
	char tmpdir[sizeof(s.tmpdir)];
	memcpy(tmpdir, s.tmpdir, sizeof(tmpdir));
	usleep(200 * 1000);
	CHECK(!process_gone(s.pid), "child gone before release");
	CHECK(!file_contains(s.log_path, "ran"), "command ran before release");
	double t0 = now_s();
	server_stop(&s);
	CHECK(now_s() - t0 < 1.0, "stop of an unreleased child took %.2fs", now_s() - t0);
	check_cleaned(&s, tmpdir);

	/* Released, it runs. */
	REQUIRE(server_spawn(&o, &s, &err) == 0, "spawn: %s", err.msg);
	memcpy(tmpdir, s.tmpdir, sizeof(tmpdir));
	CHECK(server_release(&s, &err) == 0, "release: %s", err.msg);
	for (int i = 0; i < 200 && !file_contains(s.log_path, "ran"); i++)
		usleep(10 * 1000);
	CHECK(file_contains(s.log_path, "ran"), "did not run after release");
	server_stop(&s);
	check_cleaned(&s, tmpdir);
	return failures ? 1 : 0;
}

static int t_port_in_use(void)
{
	if (!need_root())
		return SKIP;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	REQUIRE(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 4) == 0 &&
		getsockname(fd, (struct sockaddr *)&a, &len) == 0, "listen: %s", strerror(errno));
	int port = ntohs(a.sin_port);

	struct errbuf err = { "" };
	struct server_opts o = opts_for("custom");
	o.command = "sleep 60";
	o.port = port;
	struct server s;
	CHECK(server_spawn(&o, &s, &err) == -EADDRINUSE, "spawned on a used port");
	CHECK(strstr(err.msg, "in use"), "msg: %s", err.msg);
	CHECK(s.pid == 0 && s.tmpdir[0] == 0, "pid %d, temp dir '%s'", (int)s.pid, s.tmpdir);
	server_stop(&s);

	/* Bound but not listening counts too. */
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	REQUIRE(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind: %s", strerror(errno));
	CHECK(server_spawn(&o, &s, &err) == -EADDRINUSE, "spawned on a bound port");
	CHECK(strstr(err.msg, "in use"), "msg: %s", err.msg);
	server_stop(&s);
	close(fd);
	return failures ? 1 : 0;
}

/* Under sudo the server runs as the invoking user. */
static int t_drop_privileges(void)
{
	if (!need_root())
		return SKIP;
	struct errbuf err = { "" };
	struct server_opts o = opts_for("nginx");
	if (server_check_available(&o, &err) < 0) {
		fprintf(stderr, "skipped: %s\n", err.msg);
		return SKIP;
	}
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	struct server s;
	volatile int stop = 0;
	char tmpdir[sizeof(s.tmpdir)];
	REQUIRE(spawn_released(&o, &s, tmpdir, &err), "spawn and release: %s", err.msg);
	CHECK(server_wait_ready(&s, 20.0, &stop, &err) == 0, "wait_ready: %s", err.msg);
	char path[64], line[256];
	unsigned uid = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)s.pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %u", &uid) == 1)
			break;
	if (f)
		fclose(f);
	CHECK(uid == 65534, "server runs as uid %u", uid);
	server_stop(&s);
	check_cleaned(&s, tmpdir);
	return failures ? 1 : 0;
}

/* The temp dir goes whole (nested directories, odd names), and a symbolic
 * link in it is removed, never followed. */
static int t_tmpdir(void)
{
	char dir[512], outside[600], path[700];
	struct errbuf err = { "" };
	REQUIRE(tmpdir_create(dir, sizeof(dir), &err) == 0, "tmpdir_create: %s", err.msg);
	REQUIRE(strstr(dir, "/bench-ebpf-"), "name %s", dir);
	snprintf(outside, sizeof(outside), "%s.keep", dir);
	REQUIRE(mkdir(outside, 0700) == 0, "mkdir %s", outside);
	snprintf(path, sizeof(path), "%s/kept", outside);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	const char *const dirs[] = { "a", "a/b", "a/b/c d", "e" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
		snprintf(path, sizeof(path), "%s/%s/file", dir, dirs[i]);
		close(open(path, O_WRONLY | O_CREAT, 0600));
	}
	snprintf(path, sizeof(path), "%s/a/b/link", dir);
	CHECK(symlink(outside, path) == 0, "symlink %s", path);
	chmod(dir, 0711);
	tmpdir_remove(dir);
	CHECK(!path_exists(dir), "%s is still there", dir);
	snprintf(path, sizeof(path), "%s/kept", outside);
	CHECK(path_exists(path), "the link's target %s was removed", path);
	unlink(path);
	rmdir(outside);
	return 0;
}

/* The pid a server's command wrote into PATH, once that process runs; 0
 * when it did not within 5 s. */
static pid_t pid_written(const char *path)
{
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		int pid = 0;
		if (f) {
			if (fscanf(f, "%d", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (pid > 0 && !process_gone(pid))
			return pid;
		usleep(10 * 1000);
	}
	return 0;
}

/* Two servers live at once, each with a daemon it double-forked into a
 * session of its own (an orphan this process adopts): stopping one ends
 * its leader and its orphan, and nothing of the other. */
static int t_two_servers(void)
{
	if (!need_root())
		return SKIP;
	char dir[] = "/tmp/bench-ebpf-two-XXXXXX", cmd[2][256], pidfile[2][64], tmpdir[2][512];
	struct server s[2];
	pid_t orphan[2];
	struct errbuf err = { "" };
	REQUIRE(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	for (int i = 0; i < 2; i++) {
		struct server_opts o = opts_for("custom");
		snprintf(pidfile[i], sizeof(pidfile[i]), "%s/orphan%d", dir, i);
		snprintf(cmd[i], sizeof(cmd[i]), "(setsid sleep 300 & echo $! > %s); exec sleep 300", pidfile[i]);
		o.command = cmd[i];
		REQUIRE(spawn_released(&o, &s[i], tmpdir[i], &err), "spawn %d: %s", i, err.msg);
	}
	for (int i = 0; i < 2; i++) {
		orphan[i] = pid_written(pidfile[i]);
		CHECK(orphan[i] > 0, "server %d's daemon did not start", i);
	}
	if (orphan[0] > 0 && orphan[1] > 0) {
		server_stop(&s[0]);
		CHECK(process_gone(s[0].pid), "the stopped server's leader %d is alive", (int)s[0].pid);
		CHECK(process_gone(orphan[0]), "the stopped server's daemon %d is alive", (int)orphan[0]);
		CHECK(!process_gone(s[1].pid), "stopping one server ended the other's leader %d", (int)s[1].pid);
		CHECK(!process_gone(orphan[1]), "stopping one server ended the other's daemon %d", (int)orphan[1]);
		CHECK(!process_gone(s[1].keeper_pid), "stopping one server ended the other's keeper");
	}
	server_stop(&s[0]);
	server_stop(&s[1]);
	for (int i = 0; i < 2; i++) {
		check_cleaned(&s[i], tmpdir[i]);
		CHECK(orphan[i] <= 0 || process_gone(orphan[i]), "daemon %d outlived its server", (int)orphan[i]);
		unlink(pidfile[i]);
	}
	rmdir(dir);
	return failures ? 1 : 0;
}

static int t_flask(void) { return lifecycle("flask", NULL); }
static int t_aiohttp(void) { return lifecycle("aiohttp", NULL); }
static int t_fastapi(void) { return lifecycle("fastapi", NULL); }
static int t_nginx(void) { return lifecycle("nginx", NULL); }

static const struct {
	const char *name;
	int (*fn)(void);
} cases[] = {
	{ "names", t_names },
	{ "unknown", t_unknown },
	{ "bad-python", t_bad_python },
	{ "external", t_external },
	{ "tmpdir", t_tmpdir },
	{ "flask", t_flask },
	{ "aiohttp", t_aiohttp },
	{ "fastapi", t_fastapi },
	{ "nginx", t_nginx },
	{ "pymongoose-fake", t_pymongoose_fake },
	{ "pymongoose-missing", t_pymongoose_missing },
	{ "custom-exits", t_custom_exits },
	{ "custom-timeout", t_custom_timeout },
	{ "interrupt", t_interrupt },
	{ "gate", t_gate },
	{ "port-in-use", t_port_in_use },
	{ "drop-privileges", t_drop_privileges },
	{ "two-servers", t_two_servers },
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CASE\ncases:", argv[0]);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			fprintf(stderr, " %s", cases[i].name);
		fputc('\n', stderr);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(cases[i].name, argv[1]) == 0) {
			int r = cases[i].fn();
			if (r == 0 && failures)
				r = 1;
			fprintf(stderr, "%s: %s\n", argv[1], r == 0 ? "ok" : r == SKIP ? "skipped" : "FAILED");
			return r;
		}
	}
	fprintf(stderr, "unknown case '%s'\n", argv[1]);
	return 2;
}
