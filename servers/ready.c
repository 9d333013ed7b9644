/* Is the server up? GET / until it answers as expected, watching the process
 * meanwhile; then tell its version. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "servers/builtin.h"
#include "servers/log.h"
#include "servers/proc.h"
#include "servers/server.h"

#define SERVER_VERSION_TAG "bench-ebpf-server-version:"

#define POLL_INTERVAL_MS 25
#define BODY_MAX 65536

static void version_from_log(const char *path, char *out, size_t len)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (char *p = buf; (p = strstr(p, SERVER_VERSION_TAG)); p++) {
		if (p != buf && p[-1] != '\n')
			continue;
		p += strlen(SERVER_VERSION_TAG);
		while (*p == ' ' || *p == '\t')
			p++;
		size_t l = strcspn(p, "\r\n");
		while (l > 0 && isspace((unsigned char)p[l - 1]))
			l--;
		if (l > 0) {
			snprintf(out, len, "%.*s", (int)l, p);
			return;
		}
	}
}

/* ---- one GET / --------------------------------------------------------------- */

struct reply {
	char body[BODY_MAX];
	size_t len;
	bool truncated;
	char server_hdr[256];
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct reply *r = user;
	size_t n = size * nmemb;
	size_t take = n;
	if (take > sizeof(r->body) - 1 - r->len) {
		take = sizeof(r->body) - 1 - r->len;
		r->truncated = true;
	}
	memcpy(r->body + r->len, data, take);
	r->len += take;
	r->body[r->len] = 0;
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
	struct reply *r = user;
	size_t n = size * nmemb;
	if (n > 7 && strncasecmp(data, "Server:", 7) == 0) {
		const char *v = data + 7;
		size_t l = n - 7;
		while (l && (*v == ' ' || *v == '\t'))
			v++, l--;
		while (l && isspace((unsigned char)v[l - 1]))
			l--;
		snprintf(r->server_hdr, sizeof(r->server_hdr), "%.*s", (int)l, v);
	}
	return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum outcome { GOT_NOTHING, GOT_OTHER, GOT_READY, GOT_TLS_REFUSED };

static enum outcome try_get(CURL *h, struct server *s, long timeout_ms, struct reply *r,
			    char *why, size_t whylen)
{
	memset(r, 0, sizeof(*r));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	char detail[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
	CURLcode c = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	if (c != CURLE_OK) {
		snprintf(why, whylen, "%s", detail[0] ? detail : curl_easy_strerror(c));
		return c == CURLE_PEER_FAILED_VERIFICATION ? GOT_TLS_REFUSED : GOT_NOTHING;
	}
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	long want_status = s->expect_status ? s->expect_status : 200;
	if (code != want_status) {
		snprintf(why, whylen, "it answered HTTP %ld, not %ld", code, want_status);
		return GOT_OTHER;
	}
	if (!s->builtin && !s->expect_body)
		return GOT_READY;	/* custom or external: any 200 will do */
	if (!s->builtin) {
		if (!r->truncated && r->len == s->expect_body_len &&
		    !memcmp(r->body, s->expect_body, r->len))
			return GOT_READY;
		snprintf(why, whylen, "it answered %ld with %.60s%s, not the --expect-body (%zu bytes)",
			 code, r->body, r->len > 60 ? "..." : "", s->expect_body_len);
		return GOT_OTHER;
	}

	json_t *want = json_loads(SERVER_EXPECTED_BODY, 0, NULL);
	json_t *got = r->truncated ? NULL : json_loadb(r->body, r->len, 0, NULL);
	bool same = want && got && json_equal(want, got);
	json_decref(want);
	json_decref(got);
	if (same)
		return GOT_READY;
	snprintf(why, whylen, "it answered 200 with %.60s%s instead of %s", r->body,
		 r->len > 60 ? "..." : "", SERVER_EXPECTED_BODY);
	return GOT_OTHER;
}

static void fill_version(struct server *s, const struct reply *r)
{
	s->version[0] = 0;
	if (s->builtin && strcmp(s->name, "nginx") == 0) {
		char nginx[4096];
		if (find_nginx(nginx, sizeof(nginx)) == 0)
			nginx_version(nginx, s->version, sizeof(s->version));
	} else if (s->builtin && s->log_path[0]) {
		version_from_log(s->log_path, s->version, sizeof(s->version));
	}
	if (!s->version[0] && r->server_hdr[0])
		snprintf(s->version, sizeof(s->version), "%s", r->server_hdr);
}

bool server_exited(struct server *s)
{
	if (s->external || s->pid <= 0 || s->stopped)
		return false;
	if (s->reaped)
		return true;
	int st;
	pid_t w;
	do
		w = waitpid(s->pid, &st, WNOHANG);
	while (w < 0 && errno == EINTR);
	if (w == s->pid) {
		s->reaped = true;
		s->wait_status = st;
		/* Whatever it left in its group goes with it. */
		kill(-s->pid, SIGKILL);
		return true;
	}
	return false;
}

int server_wait_ready(struct server *s, double timeout_s, const volatile int *stop, struct errbuf *err)
{
	char why[256] = "no attempt made", reason[512];

	if (s->external && s->pid > 0 && kill(s->pid, 0) < 0 && errno == ESRCH) {
		errbuf_set(err, "%s: process %d is not running", s->name, (int)s->pid);
		return -ESRCH;
	}
	if (!s->external && (s->pid <= 0 || s->stopped)) {
		errbuf_set(err, "%s was not started", s->name);
		return -EINVAL;
	}

	pthread_once(&curl_once, curl_init_once);
	CURL *h = curl_easy_init();
	struct reply *r = calloc(1, sizeof(*r));
	if (!h || !r) {
		curl_easy_cleanup(h);
		free(r);
		errbuf_set(err, "cannot set up libcurl");
		return -ENOMEM;
	}
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	/* https: the certificate is checked as the load will check it */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s->insecure ? 0L : 2L);

	int ret;
	double t0 = mono_seconds(), deadline = t0 + (timeout_s > 0 ? timeout_s : 0.0);
	for (;;) {
		if (stop && *stop) {
			errbuf_set(err, "interrupted while waiting for %s to answer", s->name);
			ret = -EINTR;
			break;
		}
		if (server_exited(s)) {
			char st[96];
			describe_status(s->wait_status, st, sizeof(st));
			snprintf(reason, sizeof(reason), "%s %s before answering GET /", s->name, st);
			set_err_with_tail(err, s, reason);
			ret = -ECHILD;
			break;
		}
		double left = deadline - mono_seconds();
		long tmo = left > 1.0 ? 1000 : left > 0.1 ? (long)(left * 1000) : 100;
		enum outcome o = try_get(h, s, tmo, r, why, sizeof(why));
		if (o == GOT_TLS_REFUSED) {
			errbuf_set(err, "%s: %s; the load would fail the same way (--insecure accepts "
				   "a self-signed certificate)", s->name, why);
			ret = -EPROTO;
			break;
		}
		if (o == GOT_READY) {
			fill_version(s, r);
			ret = 0;
			break;
		}
		if (mono_seconds() >= deadline) {
			if (server_exited(s))
				continue;	/* report the exit, not the timeout */
			int w = snprintf(reason, sizeof(reason), "%s did not answer GET / within %gs (last attempt: %s)",
					 s->name, timeout_s, why);
			if (!s->builtin && !s->external && w > 0 && (size_t)w < sizeof(reason))
				snprintf(reason + w, sizeof(reason) - (size_t)w,
					 "; it must listen on 127.0.0.1:%d ({port} or $PORT)", s->port);
			set_err_with_tail(err, s, reason);
			ret = -ETIMEDOUT;
			break;
		}
		for (int slept = 0; slept < POLL_INTERVAL_MS && !(stop && *stop); slept += 5)
			sleep_ms(5);
	}
	curl_easy_cleanup(h);
	free(r);
	return ret;
}
