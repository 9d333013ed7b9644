/* Privileged tests of the eBPF probes, on the real kernel.
 *
 *   test-probes SCENARIO HTTP-SERVER
 *
 * Each scenario starts the test library's http-server (exactly one read and
 * one write per request), attaches the probes the way bench-ebpf does (server
 * held at a gate until they are attached, this process as the load
 * generator), drives requests with its own small client and checks the
 * report's "kernel" object. Exit 77 (skip) only when not root or the kernel
 * has no BTF; the unprivileged scenario runs as nobody in a child. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "analysis/report_kernel.h"
#include "analysis/summary_kernel.h"
#include "loader/probes.h"
#include "loader/probes_cost.h"
#include "tests/lib/check.h"
#include "tests/lib/http_server.h"
#include "tests/lib/json_path.h"

static const char *server_path;
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool has_named(json_t *arr, const char *name, const char *key, const char *val)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));
		const char *v = json_string_value(json_object_get(e, key));

		if (n && !strcmp(n, name) && (!val || (v && strstr(v, val))))
			return true;
	}
	return false;
}

/* accept() and accept4() that returned a connection. */
static long long accepted(json_t *k)
{
	long long n = 0;

	for (int i = 0; i < 2; i++) {
		char p[64];
		const char *name = i ? "accept4" : "accept";
		long long c;

		snprintf(p, sizeof(p), "syscalls.%s.count", name);
		c = json_path_int(k, p);
		if (c <= 0)
			continue;
		snprintf(p, sizeof(p), "syscalls.%s.eagain", name);
		n += c - json_path_int(k, p);
		snprintf(p, sizeof(p), "syscalls.%s.errors", name);
		n -= json_path_int(k, p);
	}
	return n;
}

/* ---- server ------------------------------------------------------------------- */

struct server {
	pid_t pid;
	int port;
	int gate;	/* write end; -1 once released */
	int ready;	/* read end */
};

static int listener(int *port)
{
	uint16_t p;
	int fd = http_listen(0, &p);

	if (fd < 0) {
		perror("listener");
		exit(1);
	}
	*port = p;
	return fd;
}

/* Fork the server; with `gated` it waits before exec until server_release()
 * (as bench-ebpf holds its servers until the probes are attached). */
static void server_start(struct server *s, int workers, bool gated)
{
	int gate[2], ready[2], lfd = listener(&s->port);
	char w[16];

	if (pipe2(gate, O_CLOEXEC) || pipe(ready)) {
		perror("pipe");
		exit(1);
	}
	snprintf(w, sizeof(w), "%d", workers);
	s->pid = fork();
	if (s->pid < 0) {
		perror("fork");
		exit(1);
	}
	if (s->pid == 0) {
		char c;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlives a test that is killed */
		close(gate[1]);
		close(ready[0]);
		if (gated && read(gate[0], &c, 1) != 1)
			_exit(1);
		/* dup2 onto itself would keep close-on-exec: clear it by hand */
		if (dup2(lfd, 3) < 0 || fcntl(3, F_SETFD, 0) || dup2(ready[1], 4) < 0)
			_exit(1);
		execl(server_path, "http-server", "--listen-fd", "3", "--workers", w,
		      "--ready-fd", "4", (char *)NULL);
		_exit(127);
	}
	setpgid(s->pid, s->pid);
	close(lfd);
	close(gate[0]);
	close(ready[1]);
	s->gate = gate[1];
	s->ready = ready[0];
}

static void server_release(struct server *s)
{
	struct pollfd pfd = { .fd = s->ready, .events = POLLIN };
	char c;

	if (s->gate >= 0) {
		if (write(s->gate, "G", 1) != 1)
			perror("gate");
		close(s->gate);
		s->gate = -1;
	}
	if (poll(&pfd, 1, 10000) != 1 || read(s->ready, &c, 1) != 1) {
		fprintf(stderr, "http-server did not get ready\n");
		kill(-s->pid, SIGKILL);
		exit(1);
	}
	close(s->ready);
}

static void server_stop(struct server *s)
{
	kill(-s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* ---- clients -------------------------------------------------------------------- */

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (void *)&a, sizeof(a))) {
		perror("connect");
		exit(1);
	}
	return fd;
}

/* One HTTP request and its whole answer; `last` asks the server to close. */
static void request(int fd, bool last)
{
	static const char keep[] = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";
	static const char close_it[] = "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
	const char *req = last ? close_it : keep;
	char buf[1024], *end = NULL;
	size_t len = 0, need = 0;

	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto fail;
	while (!need || len < need) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (r <= 0)
			goto fail;
		len += (size_t)r;
		buf[len] = 0;
		if (!need && (end = strstr(buf, "\r\n\r\n"))) {
			const char *cl = strcasestr(buf, "content-length:");

			if (!cl || cl > end)
				goto fail;
			need = (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10);
		}
	}
	if (!strncmp(buf, "HTTP/1.1 200 ", 13) && len == need && !strcmp(end + 4, HELLO_BODY))
		return;
fail:
	fprintf(stderr, "request failed\n");
	exit(1);
}

/* `requests` requests over `conns` keep-alive connections (requests >= conns:
 * a connection that never sends would cost the server an extra read of
 * EOF). */
static void client_keepalive(int port, int conns, int requests)
{
	int fds[64];

	for (int j = 0; j < conns; j++)
		fds[j] = dial(port);
	for (int i = 0; i < requests; i++)
		request(fds[i % conns], i + conns >= requests);
	for (int j = 0; j < conns; j++)
		close(fds[j]);
}

/* One connection per request, like Flask's development server. */
static void client_per_request(int port, int requests)
{
	for (int i = 0; i < requests; i++) {
		int fd = dial(port);

		request(fd, true);
		close(fd);
	}
}

/* A busy neighbour: socket I/O on its own port, all the time, with a new
 * connection every 50 round trips. None of it may show up in the report. */
static pid_t neighbour_start(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int port, lfd = listener(&port);

		for (;;) {
			int c = dial(port), a;
			struct pollfd pfd = { .fd = lfd, .events = POLLIN };

			poll(&pfd, 1, 1000);
			a = accept(lfd, NULL, NULL);
			for (int i = 0; a >= 0 && i < 50; i++) {
				char x = 'x';

				if (write(c, &x, 1) != 1 || read(a, &x, 1) != 1 ||
				    write(a, &x, 1) != 1 || read(c, &x, 1) != 1)
					break;
			}
			close(a);
			close(c);
		}
	}
	return pid;
}

/* ---- one probed run ------------------------------------------------------------------ */

struct run_cfg {
	int workers;
	bool external;		/* server already running with its workers */
	bool neighbour;
	int conns;		/* keep-alive connections; 0: one per request */
	int requests;
	const char *disable;
	const char *groups;
};

static struct probes_cost last_cost;	/* of the last probed_run */

static json_t *probed_run(const struct run_cfg *c)
{
	struct probes_opts o = { 0 };
	struct probes *p = NULL;
	struct errbuf err = { { 0 } };
	struct server s;
	const struct kernel_results *res;
	json_t *k;
	pid_t nb = -1;
	uint64_t t0;
	int rc;

	server_start(&s, c->workers, !c->external);
	if (c->external)
		server_release(&s);	/* running, workers forked, before the probes */
	o.server_tgid = s.pid;
	o.client_tgid = getpid();
	o.server_port = s.port;
	o.disable = c->disable;
	o.groups = c->groups;
	o.verbose = getenv("PROBES_VERBOSE") != NULL;
	rc = probes_open(&o, &p, &err);
	if (!rc)
		rc = probes_attach(p, &err);
	if (rc) {
		fprintf(stderr, "FAIL probes_open: %s (%d)\n", err.msg, rc);
		server_stop(&s);
		exit(1);
	}
	if (!c->external)
		server_release(&s);
	if (c->neighbour) {
		nb = neighbour_start();
		usleep(100000);	/* let it get going */
	}

	t0 = now_ns();
	probes_window_open(p, t0);
	if (c->conns)
		client_keepalive(s.port, c->conns, c->requests);
	else
		client_per_request(s.port, c->requests);
	/* The server's last write() returns after the client has its reply:
	 * give it time to return inside the window. */
	usleep(100000);
	probes_window_close(p);
	probes_collect(p, 0, 0);
	res = probes_results(p);
	probes_cost(p, &last_cost);
	k = res ? report_kernel(res, NULL, &last_cost) : NULL;
	if (!k) {
		fprintf(stderr, "FAIL probes_results/report_kernel: no memory\n");
		failures++;
		k = json_object();
	}
	if (getenv("PROBES_VERBOSE"))
		summary_print_kernel(stderr, res);
	probes_close(p);
	if (nb > 0) {
		kill(nb, SIGKILL);
		waitpid(nb, NULL, 0);
	}
	server_stop(&s);
	return k;
}

static void dump_on_failure(json_t *k, int before)
{
	if (failures != before || getenv("PROBES_VERBOSE")) {
		char *s = json_dumps(k, JSON_INDENT(1) | JSON_SORT_KEYS);

		fprintf(stderr, "kernel object:\n%s\n", s ? s : "(null)");
		free(s);
	}
}

/* The figures every run with all probes must show. */
static void check_common(json_t *k, const struct run_cfg *c)
{
	long long n = c->requests, conns = c->conns ? c->conns : c->requests;

	CHECK(json_path_int(k, "syscalls.read.count") == n, "read count %lld, want %lld",
	      json_path_int(k, "syscalls.read.count"), n);
	CHECK(json_path_int(k, "syscalls.write.count") == n, "write count %lld, want %lld",
	      json_path_int(k, "syscalls.write.count"), n);
	CHECK(json_path_int(k, "syscalls.read.errors") == 0 && json_path_int(k, "syscalls.read.eagain") == 0,
	      "read errors");
	CHECK(json_path_int(k, "syscalls.epoll_wait.count") >= 1, "no epoll_wait");
	CHECK(json_path_int(k, "syscalls.read.total_ns") > 0 && json_path_int(k, "syscalls.read.latency_ns.p99") > 0 &&
	      json_array_size(json_path(k, "syscalls.read.latency_ns.hist")) > 0, "read latency figures");
	CHECK(accepted(k) == conns, "accepted %lld connections, want %lld", accepted(k), conns);
	CHECK(json_path_int(k, "records_lost") == 0, "records lost: %lld", json_path_int(k, "records_lost"));
	CHECK(json_path_int(k, "window_ns") > 0, "window_ns");
	CHECK(json_path_int(k, "tracked_processes") >= c->workers, "tracked_processes %lld < %d",
	      json_path_int(k, "tracked_processes"), c->workers);
	CHECK(json_is_array(json_path(k, "probes.attached")) && json_is_array(json_path(k, "probes.missing")),
	      "probes lists");
}

static void check_full(json_t *k, const struct run_cfg *c)
{
	long long conns = c->conns ? c->conns : c->requests;
	json_t *bf = json_path(k, "event_loop.busy_fraction");

	check_common(k, c);
	CHECK(json_array_size(json_path(k, "probes.missing")) == 0, "probes missing");
	CHECK(json_path_int(k, "accept.wait_ns.count") == conns, "accept waits %lld, want %lld",
	      json_path_int(k, "accept.wait_ns.count"), conns);
	CHECK(json_path_int(k, "accept.wait_ns.p50") > 0 &&
	      json_path_int(k, "accept.wait_ns.p50") <= json_path_int(k, "accept.wait_ns.p99") &&
	      json_path_int(k, "accept.wait_ns.p99") <= json_path_int(k, "accept.wait_ns.max"),
	      "accept wait: 0 < p50 %lld <= p99 %lld <= max %lld", json_path_int(k, "accept.wait_ns.p50"),
	      json_path_int(k, "accept.wait_ns.p99"), json_path_int(k, "accept.wait_ns.max"));
	CHECK(json_path_int(k, "tcp.established") == conns, "established %lld, want %lld",
	      json_path_int(k, "tcp.established"), conns);
	CHECK(json_path_int(k, "tcp.resets_sent") == 0 && json_path_int(k, "tcp.retransmits") == 0,
	      "tcp resets or retransmits on loopback");
	/* a machine-wide counter (/proc/net/netstat): other work may overflow
	 * its own listeners, so only that it is read */
	CHECK(json_is_integer(json_path(k, "tcp.listen_overflows")), "listen_overflows not read");
	CHECK(json_path_int(k, "sched.runq_delay_ns.count") > 0, "no run-queue waits");
	CHECK(json_path_int(k, "sched.oncpu_ns") > 0, "no on-CPU time");
	CHECK(json_path_int(k, "sched.voluntary_switches") > 0, "no voluntary switches");
	/* a preempted thread waits in the run queue: one wait per preemption */
	CHECK(json_path_int(k, "sched.involuntary_switches") >= 0 &&
	      json_path_int(k, "sched.involuntary_switches") <= json_path_int(k, "sched.runq_delay_ns.count"),
	      "involuntary switches %lld, run-queue waits %lld", json_path_int(k, "sched.involuntary_switches"),
	      json_path_int(k, "sched.runq_delay_ns.count"));
	CHECK(json_is_real(bf) && json_real_value(bf) >= 0 && json_real_value(bf) <= 1,
	      "event_loop.busy_fraction");
	CHECK(json_array_size(json_path(k, "event_loop.threads")) >= (size_t)c->workers,
	      "event loop threads %zu < %d", json_array_size(json_path(k, "event_loop.threads")),
	      c->workers);
}

/* The probes' cost: the kernel's run-time statistics for every attached
 * hook; sys_exit ran at least for each request's read and write. */
static void check_cost(const struct probes_cost *c, int requests)
{
	const struct probe_cost *exit = NULL;
	uint64_t events = 0, ns = 0;

	CHECK(c->available, "cost not measured: %s", c->reason);
	for (size_t i = 0; i < c->nhooks; i++) {
		if (!strcmp(c->hooks[i].hook, "sys_exit"))
			exit = &c->hooks[i];
		events += c->hooks[i].events;
		ns += c->hooks[i].run_time_ns;
	}
	CHECK(exit && exit->events >= 2 * (uint64_t)requests && exit->run_time_ns > 0,
	      "sys_exit: %llu runs, %llu ns", exit ? (unsigned long long)exit->events : 0,
	      exit ? (unsigned long long)exit->run_time_ns : 0);
	CHECK(events == c->events && ns == c->run_time_ns, "totals are not the sums");
	CHECK(c->have_server_cpu && c->server_cpu_ns > 0, "no server CPU time to compare with");
}

/* ---- scenarios ------------------------------------------------------------------------- */

/* Each of these runs the table's configuration once with probes, then
 * checks the kernel object it reported. */

static void counts_checks(json_t *k, const struct run_cfg *c)
{
	check_full(k, c);
	CHECK(has_named(json_path(k, "probes.attached"), "sys_exit", "mode", "tp_btf"), "sys_exit tp_btf");
	check_cost(&last_cost, c->requests);
}

/* The server's workers (3 in the table), forked before or after the probes attach. */
static void workers_checks(json_t *k, const struct run_cfg *c)
{
	check_full(k, c);
	CHECK(json_path_int(k, "tracked_processes") == c->workers, "tracked_processes %lld, want %d",
	      json_path_int(k, "tracked_processes"), c->workers);
}

static void accept_checks(json_t *k, const struct run_cfg *c)
{
	check_full(k, c);
	CHECK(json_path_int(k, "syscalls.close.count") >= c->requests, "close count %lld",
	      json_path_int(k, "syscalls.close.count"));
}

/* Two probes switched off by name: missing, said why, and their figures null. */
static void disable_checks(json_t *k, const struct run_cfg *c)
{
	json_t *mis = json_path(k, "probes.missing"), *att = json_path(k, "probes.attached");

	check_common(k, c);
	CHECK(json_array_size(mis) == 2, "missing has %zu entries, want 2", json_array_size(mis));
	CHECK(has_named(mis, "sched_wakeup", "reason", "disabled by user"), "sched_wakeup not missing");
	CHECK(has_named(mis, "tcp_retransmit_skb", "reason", "disabled by user"),
	      "tcp_retransmit_skb not missing");
	CHECK(!has_named(att, "sched_wakeup", "mode", NULL), "sched_wakeup attached");
	CHECK(has_named(att, "sched_switch", "mode", NULL), "sched_switch not attached");
	CHECK(json_is_null(json_path(k, "tcp.retransmits")), "tcp.retransmits not null");
	CHECK(json_path_int(k, "tcp.resets_sent") == 0, "tcp.resets_sent");
	CHECK(json_path_int(k, "accept.wait_ns.count") == c->conns, "accept waits");

	/* A mistyped probe name is an error, not a silent no-op. */
	struct probes_opts o = { .server_tgid = getpid(), .client_tgid = getpid(),
				 .server_port = 1, .disable = "sched_wakup" };
	struct probes *p = NULL;
	struct errbuf err = { { 0 } };
	int rc = probes_open(&o, &p, &err);

	CHECK(rc == -EINVAL && strstr(err.msg, "sched_wakup"), "bad probe name: rc %d, '%s'",
	      rc, err.msg);
	probes_close(p);
}

/* The raw_tp twins: switch the tp_btf ones off and the figures stay exact. */
static void fallback_checks(json_t *k, const struct run_cfg *c)
{
	json_t *att = json_path(k, "probes.attached");

	check_full(k, c);
	CHECK(has_named(att, "sys_exit", "mode", "raw_tp"), "sys_exit not raw_tp");
	CHECK(has_named(att, "sched_switch", "mode", "raw_tp"), "sched_switch not raw_tp");
	CHECK(has_named(att, "inet_sock_set_state", "mode", "raw_tp"), "inet_sock_set_state not raw_tp");
	CHECK(has_named(att, "tcp_send_reset", "mode", "tp_btf"), "tcp_send_reset not tp_btf");
}

/* --probes tcp: only that group loads; the others report null, not zero. */
static void groups_checks(json_t *k, const struct run_cfg *c)
{
	CHECK(json_object_size(json_path(k, "syscalls")) == 0, "syscalls present without the group");
	CHECK(json_is_null(json_path(k, "sched.oncpu_ns")), "sched.oncpu_ns not null");
	CHECK(json_path_int(k, "tcp.established") == c->requests, "established %lld",
	      json_path_int(k, "tcp.established"));
	CHECK(!has_named(json_path(k, "probes.attached"), "sys_exit", "mode", NULL), "sys_exit attached");
	CHECK(json_array_size(json_path(k, "probes.missing")) == 0, "unselected groups are not missing");
}

static void probed_scenario(const struct run_cfg *c, void (*checks)(json_t *k, const struct run_cfg *c))
{
	int before = failures;
	json_t *k = probed_run(c);

	checks(k, c);
	dump_on_failure(k, before);
	json_decref(k);
}

static void check_unprivileged_here(void)
{
	struct errbuf err = { { 0 } };
	int rc = probes_check_privileges(&err);

	CHECK(rc == -EPERM, "probes_check_privileges as uid %d: %d", (int)getuid(), rc);
	CHECK(strstr(err.msg, "CAP_BPF") && strstr(err.msg, "--no-ebpf") && !strchr(err.msg, '\n'),
	      "unclear message: '%s'", err.msg);
}

static void scenario_unprivileged(void)
{
	struct errbuf err = { { 0 } };
	pid_t pid;
	int st;

	if (geteuid() != 0) {	/* already the unprivileged path */
		check_unprivileged_here();
		return;
	}
	CHECK(probes_check_privileges(&err) == 0, "root refused: %s", err.msg);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
		check_unprivileged_here();
		_exit(failures ? 1 : 0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "unprivileged child failed (status %d)", st);
}

/* Known durations through the kernel path: a child sleeps in ppoll() for
 * log-uniform times from 50 us to 5 ms and measures each call itself; the
 * kernel's ppoll percentiles must be within 3 % of the exact ones of those
 * measurements (and the maximum and count exact up to the clock reads
 * around the call). */
#define SLEEPS 400
static void sleeper(int go, int out)
{
	uint64_t d[SLEEPS];
	char c;

	prctl(PR_SET_TIMERSLACK, 1UL);
	if (read(go, &c, 1) != 1)
		_exit(1);
	srand(11);
	for (int i = 0; i < SLEEPS; i++) {
		double us = 50 * exp((double)rand() / RAND_MAX * log(100.0));
		struct timespec ts = { 0, (long)(us * 1000) };
		uint64_t t0 = now_ns();

		ppoll(NULL, 0, &ts, NULL);
		d[i] = now_ns() - t0;
	}
	_exit(write(out, d, sizeof(d)) == (ssize_t)sizeof(d) ? 0 : 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void check_near(const char *what, long long got, uint64_t exact)
{
	CHECK(got > 0 && fabs((double)got - (double)exact) <= 0.03 * (double)exact,
	      "%s: kernel %lld, exact %llu (%.2f %%)", what, got, (unsigned long long)exact,
	      100.0 * ((double)got - (double)exact) / (double)exact);
}

static void scenario_durations(void)
{
	struct probes_opts o = { .client_tgid = getpid(), .groups = "syscalls" };
	struct errbuf err = { { 0 } };
	struct probes *p = NULL;
	uint64_t d[SLEEPS];
	int go[2], out[2], st;
	json_t *k;
	pid_t pid;

	CHECK(pipe(go) == 0 && pipe(out) == 0, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0)
		sleeper(go[0], out[1]);
	o.server_tgid = pid;
	CHECK(probes_open(&o, &p, &err) == 0 && probes_attach(p, &err) == 0, "probes: %s", err.msg);
	probes_window_open(p, now_ns());
	CHECK(write(go[1], "g", 1) == 1, "go");
	CHECK(read(out[0], d, sizeof(d)) == (ssize_t)sizeof(d), "the sleeper's durations");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st), "sleeper failed");
	probes_window_close(p);
	probes_collect(p, 0, 0);
	k = probes_results(p) ? report_kernel(probes_results(p), NULL, NULL) : NULL;
	CHECK(k != NULL, "report: no memory");
	if (!k)
		k = json_object();
	probes_close(p);
	qsort(d, SLEEPS, sizeof(d[0]), cmp_u64);
	CHECK(json_path_int(k, "syscalls.ppoll.count") == SLEEPS, "ppoll count %lld, want %d",
	      json_path_int(k, "syscalls.ppoll.count"), SLEEPS);
	check_near("p50", json_path_int(k, "syscalls.ppoll.latency_ns.p50"), d[SLEEPS / 2 - 1]);
	check_near("p99", json_path_int(k, "syscalls.ppoll.latency_ns.p99"), d[SLEEPS * 99 / 100 - 1]);
	check_near("max", json_path_int(k, "syscalls.ppoll.latency_ns.max"), d[SLEEPS - 1]);
	CHECK(json_path_int(k, "syscalls.ppoll.latency_ns.max") <= (long long)d[SLEEPS - 1],
	      "the kernel's time inside the call exceeds the time around it");
	dump_on_failure(k, 0);
	json_decref(k);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		struct run_cfg cfg;	/* a probed run of it, and its checks; */
		void (*checks)(json_t *k, const struct run_cfg *c);
		void (*fn)(void);	/* or a scenario of its own */
	} scenarios[] = {
		{ "counts", { .workers = 1, .conns = 4, .requests = 2000 }, counts_checks },
		{ "neighbour", { .workers = 1, .conns = 4, .requests = 2000, .neighbour = true }, check_full },
		{ "fork", { .workers = 3, .conns = 12, .requests = 1200 }, workers_checks },
		{ "external", { .workers = 3, .conns = 12, .requests = 1200, .external = true }, workers_checks },
		{ "accept", { .workers = 1, .conns = 0, .requests = 300, .neighbour = true }, accept_checks },
		{ "disable", { .workers = 1, .conns = 4, .requests = 1000,
			       .disable = "sched_wakeup, tcp_retransmit_skb" }, disable_checks },
		{ "fallback", { .workers = 1, .conns = 0, .requests = 300,
				.disable = "sys_enter:tp_btf,sys_exit:tp_btf,sched_switch:tp_btf,"
					   "sched_wakeup:tp_btf,sched_wakeup_new:tp_btf,"
					   "inet_sock_set_state:tp_btf,sched_process_fork:tp_btf" }, fallback_checks },
		{ "groups", { .workers = 1, .conns = 0, .requests = 100, .groups = "tcp" }, groups_checks },
		{ "unprivileged", .fn = scenario_unprivileged },
		{ "durations", .fn = scenario_durations },
	};

	if (argc < 3) {
		fprintf(stderr, "usage: test-probes SCENARIO HTTP-SERVER\n");
		return 2;
	}
	server_path = argv[2];
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (strcmp(argv[1], scenarios[i].name))
			continue;
		if (strcmp(argv[1], "unprivileged")) {
			if (geteuid() != 0) {
				fprintf(stderr, "SKIP: needs root\n");
				return 77;
			}
			if (access("/sys/kernel/btf/vmlinux", R_OK)) {
				fprintf(stderr, "SKIP: no kernel BTF\n");
				return 77;
			}
		}
		if (scenarios[i].fn)
			scenarios[i].fn();
		else
			probed_scenario(&scenarios[i].cfg, scenarios[i].checks);
		fprintf(stderr, "%s: %s\n", argv[1], failures ? "FAILED" : "ok");
		return failures ? 1 : 0;
	}
	fprintf(stderr, "unknown scenario %s\n", argv[1]);
	return 2;
}
