/* libFuzzer target: the URL parser (lg_target_from_url). Any string gets
 * either a target with a host, a path that starts with '/' and a port of
 * 1..65535, or a one-line error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/loadgen.h"

/* Names are not looked up: random host names would go to DNS, slowly and
 * over the network. Numeric addresses still resolve (the real function,
 * told so), so the parser's whole path runs. */
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	static int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	struct addrinfo numeric = hints ? *hints : (struct addrinfo){ 0 };

	if (!real)
		real = (int (*)(const char *, const char *, const struct addrinfo *,
				struct addrinfo **))dlsym(RTLD_NEXT, "getaddrinfo");
	numeric.ai_flags |= AI_NUMERICHOST;
	return real(node, service, &numeric, res);
}

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char url[2048];
	struct lg_target t;
	struct errbuf err = { "" };

	if (size >= sizeof(url) || memchr(data, 0, size))
		return 0;
	memcpy(url, data, size);
	url[size] = 0;
	memset(&t, 0, sizeof(t));
	if (lg_target_from_url(&t, url, &err) == 0) {
		uint16_t port = t.addr.ss_family == AF_INET6
			? ((struct sockaddr_in6 *)&t.addr)->sin6_port : ((struct sockaddr_in *)&t.addr)->sin_port;

		require(t.host[0] && t.path[0] == '/' && ntohs(port) != 0);
	} else {
		require(err.msg[0] && !strchr(err.msg, '\n'));
	}
	return 0;
}
