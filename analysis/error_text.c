#include "analysis/error_text.h"

#include <stdio.h>

static void add(char *buf, size_t len, size_t *off, uint64_t n, const char *what)
{
	int w;

	if (!n || *off >= len)
		return;
	w = snprintf(buf + *off, len - *off, "%s%llu %s", *off ? ", " : "", (unsigned long long)n, what);
	if (w > 0)
		*off += (size_t)w;
}

const char *error_text(const uint64_t errors[LG_ERR__COUNT], const uint64_t status_classes[6],
		       char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	add(buf, len, &off, errors[LG_ERR_CONNECT], "could not connect");
	add(buf, len, &off, errors[LG_ERR_WRITE], "failed while sending");
	add(buf, len, &off, errors[LG_ERR_READ], "failed while reading (closed or reset)");
	add(buf, len, &off, errors[LG_ERR_TIMEOUT], "timed out");
	if (errors[LG_ERR_STATUS]) {	/* the non-2xx responses, by class */
		add(buf, len, &off, status_classes[5], "answered HTTP 5xx");
		add(buf, len, &off, status_classes[4], "answered HTTP 4xx");
		add(buf, len, &off, status_classes[3], "answered HTTP 3xx");
		add(buf, len, &off, status_classes[1], "answered HTTP 1xx");
		add(buf, len, &off, status_classes[0], "answered with an unknown status");
	}
	add(buf, len, &off, errors[LG_ERR_PARSE], "answered with no valid HTTP response");
	add(buf, len, &off, errors[LG_ERR_BODY], "answered 2xx with an unexpected body");
	return buf;
}
