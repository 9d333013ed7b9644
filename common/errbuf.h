/* Fallible functions return 0 or a negative errno and, on failure, write one
 * line (no trailing newline, no program name) into the caller's buffer. */
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>

struct errbuf {
	char msg[512];
};

__attribute__((format(printf, 2, 3)))
static inline int errbuf_set(struct errbuf *e, const char *fmt, ...)
{
	va_list ap;
	if (!e)
		return 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	/* A value quoted from outside (an argument, a URL) may hold a newline
	 * or other control bytes: they would break the one line. */
	for (char *c = e->msg; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = '?';
	return 0;
}
