/* The curl engine over TLS and HTTP/2, against nginx (nginx-light has the
 * ssl and http2 modules) with a self-signed certificate the test makes with
 * the openssl CLI, all in a temporary directory that is removed at the end.
 * The epoll engine on plain HTTP against the same nginx gives the same
 * counts. nginx's access log says which protocol each request came in on.
 * Skips (77) when nginx or openssl is missing. */
#include "tests/loadgen/test-server.h"
#include "tests/loadgen/h2c.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[64];
static pid_t nginx_pid;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void cleanup(void)
{
	if (nginx_pid > 0) {
		kill(nginx_pid, SIGTERM);
		waitpid(nginx_pid, NULL, 0);
		nginx_pid = 0;
	}
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = 0;
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

static const char *find_exe(const char *const *cands)
{
	for (; *cands; cands++)
		if (!access(*cands, X_OK))
			return *cands;
	return NULL;
}

static uint16_t free_port(void)
{
	uint16_t p;
	int fd = http_listen(0, &p);
	close(fd);
	return p;
}

static bool port_up(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Lines of the access log that are `proto`; the log is emptied. */
static int log_count(const char *proto)
{
	char path[128], line[64];
	int n = 0;
	snprintf(path, sizeof(path), "%s/access.log", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, proto, strlen(proto));
	fclose(f);
	if (truncate(path, 0))
		perror("truncate");
	return n;
}

/* Whether nginx's error log says a port was taken (by a client socket
 * between free_port() and nginx's bind): then try other ports. */
static bool bind_failed(void)
{
	char path[128], line[512];
	bool taken = false;
	snprintf(path, sizeof(path), "%s/error.log", dir);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		taken |= strstr(line, "Address already in use") != NULL;
	if (f)
		fclose(f);
	return taken;
}

/* 0: nginx listens on all four ports; -1: a port was taken, try again;
 * 1: nginx failed. */
static int start_nginx(const char *nginx, uint16_t p_tls, uint16_t p_h2, uint16_t p_h2c, uint16_t p_plain)
{
	char cmd[256], conf[128];
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	FILE *f = fopen(conf, "w");
	if (!f) {
		perror(conf);
		return 1;
	}
	fprintf(f,
		"daemon off; master_process off; worker_processes 1;\n"
		"pid %1$s/nginx.pid; error_log %1$s/error.log warn;\n"
		"events { worker_connections 256; }\n"
		"http {\n"
		"  log_format proto '$server_protocol'; access_log %1$s/access.log proto;\n"
		"  keepalive_requests 1000000;\n"
		"  client_body_temp_path %1$s/body; proxy_temp_path %1$s/proxy; fastcgi_temp_path %1$s/fcgi;\n"
		"  uwsgi_temp_path %1$s/uwsgi; scgi_temp_path %1$s/scgi;\n"
		"  ssl_certificate %1$s/cert.pem; ssl_certificate_key %1$s/key.pem;\n"
		"  server {\n"
		"    listen 127.0.0.1:%2$u ssl; listen 127.0.0.1:%3$u ssl http2; listen 127.0.0.1:%4$u http2;\n"
		"    listen 127.0.0.1:%5$u;\n"
		"    location = / { default_type application/json; return 200 '" HELLO_BODY "'; }\n"
		"  }\n"
		"}\n", dir, p_tls, p_h2, p_h2c, p_plain);
	fclose(f);

	nginx_pid = fork();
	if (nginx_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		execl(nginx, nginx, "-p", dir, "-c", conf, (char *)NULL);
		_exit(127);
	}
	uint64_t t0 = mono_ns();
	while (!(port_up(p_tls) && port_up(p_h2) && port_up(p_h2c) && port_up(p_plain))) {
		int st;
		if (waitpid(nginx_pid, &st, WNOHANG) == nginx_pid) {
			nginx_pid = 0;
			if (bind_failed()) {
				printf("a port was taken before nginx could bind it: other ports\n");
				snprintf(cmd, sizeof(cmd), "%s/error.log", dir);
				if (truncate(cmd, 0))
					perror("truncate");
				return -1;
			}
			snprintf(cmd, sizeof(cmd), "cat %s/error.log", dir);
			printf("FAIL: nginx exited (status %d):\n", st);
			fflush(stdout);
			if (system(cmd)) {
			}
			return 1;
		}
		if (mono_ns() - t0 > 5 * NS_PER_SEC) {
			printf("FAIL: nginx does not listen\n");
			return 1;
		}
		usleep(10000);
	}
	return 0;
}

int main(void)
{
	static const char *const nginxes[] = { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", NULL };
	static const char *const openssls[] = { "/usr/bin/openssl", "/usr/local/bin/openssl", NULL };
	const char *nginx = find_exe(nginxes), *openssl = find_exe(openssls);
	char cmd[1024], url[128];
	struct lg_result r;

	if (!nginx || !openssl) {
		printf("SKIP: needs nginx and openssl (bootstrap.sh installs nginx-light and openssl)\n");
		return 77;
	}
	strcpy(dir, "/tmp/lg-tls.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	snprintf(cmd, sizeof(cmd),
		 "%s req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
		 "-subj /CN=localhost -keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1",
		 openssl, dir, dir);
	if (system(cmd)) {
		printf("FAIL: openssl could not make a certificate: %s\n", cmd);
		return 1;
	}
	uint16_t p_tls = 0, p_h2 = 0, p_h2c = 0, p_plain = 0;
	int st = -1;
	for (int attempt = 0; attempt < 5 && st < 0; attempt++) {
		p_tls = free_port(), p_h2 = free_port(), p_h2c = free_port(), p_plain = free_port();
		st = start_nginx(nginx, p_tls, p_h2, p_h2c, p_plain);
	}
	if (st)
		return 1;
	log_count("");

	/* https with a self-signed certificate, --insecure: like plain HTTP/1.1 */
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/", p_tls);
	drive(0, &(struct run_args){ .threads = 2, .conns = 4, .requests = 1000, .url = url,
				     .engine = LG_ENGINE_CURL, .insecure = true }, &r);
	printf("https --insecure: %llu ok, %llu errors, %llu connects, p50 %.1f us (%s)\n",
	       (unsigned long long)r.requests_ok, (unsigned long long)r.errors_total,
	       (unsigned long long)r.connects, hist_percentile(&r.latency, 50) / 1e3, r.first_error);
	struct lg_result plain;
	char purl[64];
	snprintf(purl, sizeof(purl), "http://127.0.0.1:%u/", p_plain);
	drive(0, &(struct run_args){ .threads = 2, .conns = 4, .requests = 1000, .url = purl }, &plain);
	printf("http, epoll engine: %llu ok, %llu errors, %llu connects\n",
	       (unsigned long long)plain.requests_ok, (unsigned long long)plain.errors_total,
	       (unsigned long long)plain.connects);
	CHECK(r.requests_ok == 1000 && r.errors_total == 0 && r.connects == 4,
	      "https: %llu ok", (unsigned long long)r.requests_ok);
	CHECK(r.requests_completed == plain.requests_completed && r.requests_ok == plain.requests_ok &&
	      r.connects == plain.connects && r.errors_total == plain.errors_total &&
	      r.status_classes[2] == plain.status_classes[2], "curl over TLS and epoll disagree");
	CHECK(log_count("HTTP/1.1") == 2000, "nginx saw HTTP/1.1");
	lg_result_free(&r);
	lg_result_free(&plain);

	/* without --insecure: the certificate is refused, counted as TLS connect errors */
	drive(0, &(struct run_args){ .threads = 1, .conns = 2, .requests = 4, .url = url,
				     .engine = LG_ENGINE_CURL }, &r);
	printf("https, verified: %llu connect errors (%llu TLS): %s\n",
	       (unsigned long long)r.errors[LG_ERR_CONNECT], (unsigned long long)r.tls_errors, r.first_error);
	CHECK(r.requests_completed == 0 && r.errors[LG_ERR_CONNECT] == 4 && r.tls_errors == 4 &&
	      strstr(r.first_error, "certificate"), "self-signed certificate must fail verification");
	lg_result_free(&r);

	/* HTTP/2 over TLS (ALPN), and cleartext with prior knowledge */
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/", p_h2);
	drive(0, &(struct run_args){ .threads = 1, .conns = 3, .requests = 600, .url = url,
				     .engine = LG_ENGINE_CURL, .insecure = true, .http2 = true }, &r);
	CHECK(r.requests_ok == 600 && r.errors_total == 0 && r.connects == 3 && r.bytes_read > 600 * 27,
	      "h2 over TLS: %llu ok, %llu errors (%s)", (unsigned long long)r.requests_ok,
	      (unsigned long long)r.errors_total, r.first_error);
	int n2 = log_count("HTTP/2.0");
	CHECK(n2 == 600, "nginx saw %d HTTP/2.0 requests", n2);
	lg_result_free(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", p_h2c);
	if (drive_h2c(0, &(struct run_args){ .threads = 1, .conns = 2, .requests = 400, .url = url }, &r)) {
		CHECK(r.requests_ok == 400 && r.errors_total == 0, "h2c: %llu ok, %llu errors (%s)",
		      (unsigned long long)r.requests_ok, (unsigned long long)r.errors_total, r.first_error);
		n2 = log_count("HTTP/2.0");
		CHECK(n2 == 400, "nginx saw %d cleartext HTTP/2.0 requests", n2);
		lg_result_free(&r);
	}

	/* open loop over TLS */
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/", p_tls);
	drive(0, &(struct run_args){ .threads = 1, .conns = 8, .duration_s = 0.5, .url = url,
				     .engine = LG_ENGINE_CURL, .insecure = true, .mode = LG_MODE_OPEN,
				     .rate = 2000 }, &r);
	printf("https open loop 2000 req/s for 0.5 s: sent %llu, ok %llu, achieved %.1f\n",
	       (unsigned long long)r.sent, (unsigned long long)r.requests_ok, r.achieved_rate);
	CHECK(r.sent + r.unsent >= 990 && r.sent + r.unsent <= 1010 &&
	      r.requests_ok + r.requests_unfinished == r.sent && r.errors_total == 0,
	      "https open loop");
	lg_result_free(&r);

	cleanup();
	return check_status();
}
