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

/* "N answered HTTP 503" when the class had one code, else "N answered HTTP 5xx". */
static void add_status(char *buf, size_t len, size_t *off, uint64_t n, int cls, const int *code)
{
	char what[40];

	if (code && code[cls] > 0)
		snprintf(what, sizeof(what), "answered HTTP %d", code[cls]);
	else if (cls)
		snprintf(what, sizeof(what), "answered HTTP %dxx", cls);
	else
		snprintf(what, sizeof(what), "answered with an unknown status");
	add(buf, len, off, n, what);
}

const char *error_text(const uint64_t errors[LG_ERR__COUNT], const uint64_t status_classes[6],
		       const int status_code[6], char *buf, size_t len)
{
	static const int order[] = { 5, 4, 3, 1, 0 };
	size_t off = 0;

	buf[0] = '\0';
	add(buf, len, &off, errors[LG_ERR_CONNECT], "could not connect");
	add(buf, len, &off, errors[LG_ERR_WRITE], "failed while sending");
	add(buf, len, &off, errors[LG_ERR_READ], "failed while reading (closed or reset)");
	add(buf, len, &off, errors[LG_ERR_TIMEOUT], "timed out");
	if (errors[LG_ERR_STATUS])	/* the non-2xx responses, by class */
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			add_status(buf, len, &off, status_classes[order[i]], order[i], status_code);
	add(buf, len, &off, errors[LG_ERR_PARSE], "answered with no valid HTTP response");
	add(buf, len, &off, errors[LG_ERR_BODY], "answered 2xx with an unexpected body");
	return buf;
}
