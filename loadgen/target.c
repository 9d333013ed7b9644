/* URLs: "http[s]://host[:port][/path]" into a resolved lg_target. */
#define _GNU_SOURCE
#include "loadgen/loadgen.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ":port" digits [p, end) -> port (1..65535) as text. */
static int parse_port(const char *url, const char *p, const char *end, char port[8], struct errbuf *err)
{
	size_t n = (size_t)(end - p);
	unsigned long v = 0;
	if (!n || n > 5) {
		errbuf_set(err, "%s: bad port", url);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			errbuf_set(err, "%s: bad port", url);
			return -EINVAL;
		}
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (!v || v > 65535) {
		errbuf_set(err, "%s: port out of range", url);
		return -EINVAL;
	}
	snprintf(port, 8, "%lu", v);
	return 0;
}

/* "host[:port]" or "[v6][:port]" in [auth, auth_end) -> host (for the
 * resolver), t->host (the Host header) and port. */
static int parse_authority(struct lg_target *t, const char *url, const char *auth, const char *auth_end,
			   char host[256], char port[8], struct errbuf *err)
{
	const char *h, *h_end, *p;
	if (auth_end == auth) {
		errbuf_set(err, "%s: no host (expected http[s]://host[:port][/path])", url);
		return -EINVAL;
	}
	if (memchr(auth, '@', (size_t)(auth_end - auth))) {
		errbuf_set(err, "%s: user information in URLs is not supported", url);
		return -EINVAL;
	}
	if (*auth == '[') {
		h = auth + 1;
		h_end = memchr(h, ']', (size_t)(auth_end - h));
		if (!h_end) {
			errbuf_set(err, "%s: unterminated IPv6 address", url);
			return -EINVAL;
		}
		p = h_end + 1;
	} else {
		h = auth;
		h_end = memchr(auth, ':', (size_t)(auth_end - auth));
		if (!h_end)
			h_end = auth_end;
		p = h_end;
	}
	if (p < auth_end) {
		if (*p != ':') {
			errbuf_set(err, "%s: bad host", url);
			return -EINVAL;
		}
		if (parse_port(url, p + 1, auth_end, port, err))
			return -EINVAL;
	}
	if (h_end == h || (size_t)(h_end - h) >= 256 || (size_t)(auth_end - auth) >= sizeof(t->host)) {
		errbuf_set(err, "%s: bad or too long host", url);
		return -EINVAL;
	}
	memcpy(host, h, (size_t)(h_end - h));
	host[h_end - h] = 0;
	memcpy(t->host, auth, (size_t)(auth_end - auth));
	t->host[auth_end - auth] = 0;
	return 0;
}

/* The request target from the path on (no fragment), and the whole URL
 * again for curl. */
static int set_path(struct lg_target *t, const char *url, const char *path, struct errbuf *err)
{
	size_t plen = strcspn(path, "#");
	if (plen + 2 > sizeof(t->path)) {
		errbuf_set(err, "%s: path longer than %zu bytes", url, sizeof(t->path) - 2);
		return -EINVAL;
	}
	for (size_t i = 0; i < plen; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c <= ' ' || c == 0x7f) {
			errbuf_set(err, "%s: the path has a space or control character", url);
			return -EINVAL;
		}
	}
	snprintf(t->path, sizeof(t->path), "%s%.*s", *path != '/' ? "/" : "", (int)plen, path);
	int ul = snprintf(t->url, sizeof(t->url), "%s://%s%s", t->https ? "https" : "http",
			  t->host, t->path);
	if (ul < 0 || (size_t)ul >= sizeof(t->url)) {
		errbuf_set(err, "%s: URL longer than %zu bytes", url, sizeof(t->url) - 1);
		return -EINVAL;
	}
	return 0;
}

static int resolve(struct lg_target *t, const char *host, const char *port, struct errbuf *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV }, *res, *ai, *pick = NULL;
	int e = getaddrinfo(host, port, &hints, &res);
	if (e) {
		errbuf_set(err, "cannot resolve %s: %s", host,
			   e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e));
		return -EHOSTUNREACH;
	}
	/* Prefer IPv4: "localhost" resolves to ::1 first, yet servers under
	 * test often listen on 0.0.0.0 only. */
	for (ai = res; ai && !pick; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			pick = ai;
	if (!pick)
		pick = res;
	memcpy(&t->addr, pick->ai_addr, pick->ai_addrlen);
	t->addrlen = pick->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int lg_target_from_url(struct lg_target *t, const char *url, struct errbuf *err)
{
	char host[256], port[8] = "80";
	const char *p = url;

	memset(t, 0, sizeof(*t));
	if (!url || !*url) {
		errbuf_set(err, "empty URL");
		return -EINVAL;
	}
	if (!strncasecmp(p, "https://", 8)) {
		t->https = true;
		strcpy(port, "443");
		p += 8;
	} else if (!strncasecmp(p, "http://", 7)) {
		p += 7;
	} else if (strstr(p, "://")) {
		errbuf_set(err, "%s: unsupported scheme (expected http[s]://host[:port][/path])", url);
		return -EINVAL;
	}
	const char *auth_end = p + strcspn(p, "/?#");
	if (parse_authority(t, url, p, auth_end, host, port, err) || set_path(t, url, auth_end, err))
		return -EINVAL;
	return resolve(t, host, port, err);
}
