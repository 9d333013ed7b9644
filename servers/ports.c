/* Ports on 127.0.0.1: is one taken, pick a free one, which one a URL names. */
#include "servers/ports.h"
#include "servers/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

bool port_accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in a = loopback(port);
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

bool port_bindable(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = loopback(port);
	bool ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

int port_pick_free(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	close(fd);
	return ntohs(a.sin_port);
}

int url_port(const char *url)
{
	const char *p = strstr(url, "://");
	int def = 80;
	if (p) {
		if ((size_t)(p - url) == 5 && strncasecmp(url, "https", 5) == 0)
			def = 443;
		p += 3;
	} else
		p = url;
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return -EINVAL;
		p = rb + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		p = colon ? colon : end;
	}
	if (p >= end || *p != ':')
		return def;
	char *e;
	long v = strtol(p + 1, &e, 10);
	if (e == p + 1 || e != end || v < 1 || v > 65535)
		return -EINVAL;
	return (int)v;
}

int server_url_check(const char *url, struct errbuf *err)
{
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	const char *at = memchr(host, '@', strcspn(host, "/?#"));
	if (at)
		host = at + 1;
	if (!*host || strchr(":/?#", *host)) {
		errbuf_set(err, "no host in URL '%s' (expected http://HOST[:PORT]/PATH)", url);
		return -EINVAL;
	}
	if (url_port(url) < 0) {
		errbuf_set(err, "the port in URL '%s' is not a number from 1 to 65535", url);
		return -EINVAL;
	}
	return 0;
}
