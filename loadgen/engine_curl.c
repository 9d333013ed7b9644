/* The libcurl engine: the same closed- and open-loop runs as the epoll
 * engine, through libcurl's multi interface, for what that engine does not
 * speak: https:// (OpenSSL, --insecure for self-signed certificates) and
 * HTTP/2 (ALPN over TLS, prior knowledge over plain TCP).
 *
 * One multi handle per thread, driven by curl_multi_socket_action from the
 * thread's own epoll loop (curl tells which sockets to watch and when its
 * timer is due), and one easy handle per connection, reused for every
 * request: its options are set once; each request is an add_handle, and
 * curl takes an idle kept-alive connection from the multi's cache.
 * Multiplexing is off, so -c N means N TCP connections with one request in
 * flight on each, HTTP/2 included (like h2load's default of one stream per
 * connection): counts and latency compare directly with the epoll engine.
 *
 * It costs more CPU per request than the epoll engine (curl's state
 * machine, header parsing into its own structures, timers); see
 * loadgen/README.md for the numbers. */
#define _GNU_SOURCE
#define LG_WANT_EPOLL_WAIT
#include "loadgen/lg_internal.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

struct cworker;

struct xfer {
	struct lg_conn b;
	CURL *easy;
	struct cworker *w;
	bool in_multi;		/* added to the multi handle */
	int socket_errno;	/* socket() failed with it (curl does not say why) */
	bool body_bad;
	size_t body_len;
	char errbuf[CURL_ERROR_SIZE];
};

struct cworker {
	struct lg_worker b;
	CURLM *multi;
	int epfd;
	struct xfer *x;
	struct epoll_event *events;
	int nevents;
	uint64_t curl_timer;	/* when curl wants CURL_SOCKET_TIMEOUT; UINT64_MAX: never */
	uint32_t *port_seq;	/* record_requests: responses so far per local port */
	struct curl_slist *resolve;
	bool cleaned;
};

#define EV_STOP UINT64_MAX	/* epoll data of the run's stop eventfd */

/* libcurl before 8.0.0 breaks HTTP/2 prior knowledge on connection reuse
 * (curl/curl#10634, fixed by #10643): every request after a connection's
 * first fails with "Error in the HTTP2 framing layer". Debian 12 has 7.88.1. */
#define LG_CURL_H2C_MIN 0x080000

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int prepare(struct lg_run *r, struct errbuf *err)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc) {
		errbuf_set(err, "libcurl failed to initialize: %s", curl_easy_strerror(curl_init_rc));
		return -EINVAL;
	}
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	if (r->opts.http2 && !(v->features & CURL_VERSION_HTTP2)) {
		errbuf_set(err, "this libcurl (%s) has no HTTP/2 support", v->version);
		return -ENOTSUP;
	}
	if (r->opts.http2 && !r->target.https && v->version_num < LG_CURL_H2C_MIN) {
		errbuf_set(err, "cleartext HTTP/2 needs libcurl 8.0.0 or later: this libcurl %s fails every request on a reused prior-knowledge connection (curl issue 10634); use an https:// URL with --http2",
			   v->version);
		return -ENOTSUP;
	}
	if (r->target.https && !(v->features & CURL_VERSION_SSL)) {
		errbuf_set(err, "this libcurl (%s) has no TLS support", v->version);
		return -ENOTSUP;
	}
	return 0;
}

/* ---- callbacks ---------------------------------------------------------------- */

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct cworker *w = userp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (socketp)
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, s, NULL);	/* may be closed already */
		return 0;
	}
	struct epoll_event ev = {
		.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0),
		.data.u64 = (uint64_t)s,
	};
	if (socketp) {
		epoll_ctl(w->epfd, EPOLL_CTL_MOD, s, &ev);
	} else {
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, s, &ev) && errno == EEXIST)
			epoll_ctl(w->epfd, EPOLL_CTL_MOD, s, &ev);
		curl_multi_assign(w->multi, s, (void *)1);
	}
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct cworker *w = userp;
	(void)multi;
	w->curl_timer = timeout_ms < 0 ? UINT64_MAX : mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	return 0;
}

static size_t write_cb(char *p, size_t size, size_t n, void *userp)
{
	struct xfer *x = userp;
	const struct lg_target *t = &x->w->b.run->target;
	size_t len = size * n;
	if (t->expect_body && !x->body_bad &&
	    (x->body_len + len > t->expect_body_len || memcmp(t->expect_body + x->body_len, p, len)))
		x->body_bad = true;
	x->body_len += len;
	return len;
}

/* ---- requests ------------------------------------------------------------------- */

static enum lg_error_class classify(CURLcode c, bool *tls)
{
	*tls = false;
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return LG_ERR_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		*tls = true;
		return LG_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return LG_ERR_TIMEOUT;
	case CURLE_SEND_ERROR:
		return LG_ERR_WRITE;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_CONTENT_ENCODING:
		return LG_ERR_PARSE;
	default:	/* CURLE_RECV_ERROR, GOT_NOTHING, PARTIAL_FILE, HTTP2, ... */
		return LG_ERR_READ;
	}
}

/* ---- the engine's I/O (struct lg_conn_ops) ----------------------------------- */

/* A transfer is the request: curl opens, keeps and closes the sockets. */
static void drop(struct lg_worker *bw, struct lg_conn *lc)
{
	struct cworker *w = (struct cworker *)bw;
	struct xfer *x = (struct xfer *)lc;
	if (x->in_multi)
		curl_multi_remove_handle(w->multi, x->easy);
	x->in_multi = false;
}

/* Opens curl's sockets, to know why one could not be made (EMFILE). */
static curl_socket_t open_socket(void *userp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = userp;
	(void)purpose;
	int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	x->socket_errno = fd < 0 ? errno : 0;
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static void start(struct lg_worker *bw, struct lg_conn *lc)
{
	struct cworker *w = (struct cworker *)bw;
	struct xfer *x = (struct xfer *)lc;
	x->socket_errno = 0;
	x->body_len = 0;
	x->body_bad = false;
	x->errbuf[0] = 0;
	CURLMcode mc = curl_multi_add_handle(w->multi, x->easy);
	if (mc != CURLM_OK) {
		if (x->b.measured && !w->b.first_error[0])
			snprintf(w->b.first_error, sizeof(w->b.first_error), "connect error: curl: %s",
				 curl_multi_strerror(mc));
		lg_conn_fail(&w->b, &x->b, LG_ERR_CONNECT, 0);
		return;
	}
	x->in_multi = true;
}

static const struct lg_conn_ops curl_conn_ops = {
	.start = start,
	.drop = drop,
	.own_timeouts = true,	/* CURLOPT_TIMEOUT_MS */
};

/* ---- completions ----------------------------------------------------------------- */

static void succeeded(struct cworker *w, struct xfer *x, long nconn, uint64_t now)
{
	long status = 0, hdr = 0, lport = 0;
	uint32_t seq = 0;
	const struct lg_target *t = &w->b.run->target;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (x->b.measured) {
		curl_easy_getinfo(x->easy, CURLINFO_HEADER_SIZE, &hdr);
		w->b.bytes += (uint64_t)hdr + x->body_len;
	}
	if (w->port_seq) {
		curl_easy_getinfo(x->easy, CURLINFO_LOCAL_PORT, &lport);
		lport &= 0xffff;
		if (nconn)
			w->port_seq[lport] = 0;
		seq = w->port_seq[lport]++;
		x->b.lport = (uint16_t)lport;
	}
	bool body_ok = !x->body_bad && (!t->expect_body || x->body_len == t->expect_body_len);
	drop(&w->b, &x->b);
	lg_conn_answered(&w->b, &x->b, (int)status, body_ok, seq, nconn > 0, now);
	lg_conn_next(&w->b, &x->b, now);
}

static void finished(struct cworker *w, struct xfer *x, CURLcode res)
{
	uint64_t now = mono_ns();
	long nconn = 0;
	curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nconn);
	if (x->b.measured)
		w->b.connects += (uint64_t)nconn;
	if (res == CURLE_OK) {
		succeeded(w, x, nconn, now);
		return;
	}
	bool tls;
	long oserr = 0;
	enum lg_error_class cls = classify(res, &tls);
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &oserr);
	if (cls == LG_ERR_CONNECT && !oserr && res == CURLE_COULDNT_CONNECT)
		oserr = x->socket_errno ? x->socket_errno : ECONNREFUSED;
	if (x->b.measured) {
		if (tls)
			w->b.tls_errors++;
		if (!w->b.first_error[0])
			snprintf(w->b.first_error, sizeof(w->b.first_error), "%s error: curl: %.150s",
				 lg_error_names[cls], x->errbuf[0] ? x->errbuf : curl_easy_strerror(res));
	}
	lg_conn_fail(&w->b, &x->b, cls, (int)oserr);
}

static void drain_done(struct cworker *w)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(w->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct xfer *x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x)
			finished(w, x, msg->data.result);
	}
}

static void cleanup_curl(struct cworker *w)
{
	if (w->cleaned)
		return;
	w->cleaned = true;
	for (int i = 0; w->x && i < w->b.nconns; i++) {
		if (!w->x[i].easy)
			continue;
		if (w->multi)
			curl_multi_remove_handle(w->multi, w->x[i].easy);
		curl_easy_cleanup(w->x[i].easy);
		w->x[i].easy = NULL;
	}
	if (w->multi)
		curl_multi_cleanup(w->multi);
	w->multi = NULL;
	curl_slist_free_all(w->resolve);
	w->resolve = NULL;
}

static void *worker_main(void *arg)
{
	struct cworker *w = arg;
	uint64_t now, wake;
	bool precise;
	int running;

	lg_worker_begin(&w->b);
	w->curl_timer = UINT64_MAX;
	lg_core_begin(&w->b);
	while (lg_core_turn(&w->b, &now, &wake, &precise)) {
		if (w->curl_timer < wake) {
			wake = w->curl_timer;
			precise = false;
		}
		int n = lg_epoll_wait(&w->b, w->epfd, w->events, w->nevents, now, wake, precise);
		for (int i = 0; i < n; i++) {
			if (w->events[i].data.u64 == EV_STOP)
				continue;
			uint32_t e = w->events[i].events;
			int flags = (e & EPOLLIN ? CURL_CSELECT_IN : 0) | (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
				    (e & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
			curl_multi_socket_action(w->multi, (curl_socket_t)w->events[i].data.u64, flags, &running);
		}
		if (w->curl_timer != UINT64_MAX && mono_ns() >= w->curl_timer) {
			w->curl_timer = UINT64_MAX;
			curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		drain_done(w);
	}
	lg_core_finish(&w->b);
	cleanup_curl(w);
	lg_worker_end(&w->b);
	return NULL;
}

/* ---- setup ------------------------------------------------------------------------ */

static void free_worker(struct lg_worker *bw)
{
	struct cworker *w = (struct cworker *)bw;
	cleanup_curl(w);
	if (w->epfd >= 0)
		close(w->epfd);
	lg_worker_delete(&w->b, (void *[]){ w->x, w->events, w->port_seq }, 3);
}

/* "host:port:address" so that curl connects where lg_target_from_url
 * resolved (IPv4 first), like the epoll engine; NULL for IP literals. */
static struct curl_slist *resolve_entry(const struct lg_target *t)
{
	char host[256], addr[INET6_ADDRSTRLEN + 2], ip[INET6_ADDRSTRLEN], line[600];
	unsigned char tmp[16];
	const char *h = t->host, *colon;
	uint16_t port;

	if (*h == '[')
		return NULL;	/* IPv6 literal */
	colon = strrchr(h, ':');
	size_t n = colon ? (size_t)(colon - h) : strlen(h);
	if (n >= sizeof(host))
		return NULL;
	memcpy(host, h, n);
	host[n] = 0;
	if (inet_pton(AF_INET, host, tmp) == 1)
		return NULL;
	if (t->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&t->addr;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(addr, sizeof(addr), "[%s]", ip);
		port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const void *)&t->addr;
		inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
		port = ntohs(a->sin_port);
	}
	snprintf(line, sizeof(line), "%s:%u:%s", host, port, addr);
	return curl_slist_append(NULL, line);
}

static struct lg_worker *new_worker(struct lg_run *r, int idx, int nconns, struct errbuf *err)
{
	const struct lg_options *o = &r->opts;
	struct cworker *w = lg_worker_new(sizeof(*w), r, idx, nconns, &curl_conn_ops, err);
	if (!w)
		return NULL;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->nevents = 2 * nconns + 2;
	w->x = calloc((size_t)nconns, sizeof(*w->x));
	w->events = calloc((size_t)w->nevents, sizeof(*w->events));
	w->multi = curl_multi_init();
	if (o->record_requests)
		w->port_seq = calloc(65536, sizeof(*w->port_seq));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_STOP };
	if (w->epfd < 0 || !w->x || !w->events || !w->multi || (o->record_requests && !w->port_seq) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, r->evfd, &ev)) {
		errbuf_set(err, "failed to set up load generator thread %d (curl): %s", idx,
			   w->epfd < 0 ? "epoll failed" : "out of memory");
		free_worker(&w->b);
		return NULL;
	}
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)nconns);
	curl_multi_setopt(w->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	w->resolve = resolve_entry(&r->target);

	long timeout_ms = (long)(r->timeout_ns / NS_PER_MS);
	if (timeout_ms < 1)
		timeout_ms = 1;
	long version = !o->http2 ? CURL_HTTP_VERSION_1_1 :
		       r->target.https ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
	for (int i = 0; i < nconns; i++) {
		struct xfer *x = &w->x[i];
		x->w = w;
		lg_worker_set_conn(&w->b, i, &x->b);
		x->easy = curl_easy_init();
		if (!x->easy) {
			errbuf_set(err, "failed to set up load generator thread %d: curl_easy_init failed", idx);
			free_worker(&w->b);
			return NULL;
		}
		CURL *e = x->easy;
		curl_easy_setopt(e, CURLOPT_URL, r->target.url);
		curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, version);
		/* straight to the server: never through a proxy from the
		 * environment (http_proxy would measure the proxy), and no
		 * proxy variables looked up per request */
		curl_easy_setopt(e, CURLOPT_PROXY, "");
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
		if (w->resolve)
			curl_easy_setopt(e, CURLOPT_RESOLVE, w->resolve);
		if (o->insecure) {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	return &w->b;
}

const struct lg_engine_ops lg_curl_ops = {
	.prepare = prepare,
	.new_worker = new_worker,
	.free_worker = free_worker,
	.main = worker_main,
};
