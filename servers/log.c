/* The server's log (its stdout and stderr) as told to a person. */
#include "servers/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void log_tail(const char *path, int max_lines, char *out, size_t len)
{
	char buf[8192];
	out[0] = 0;
	if (!path || !*path || len == 0)
		return;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	off_t start = 0;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(buf) - 1)
		start = st.st_size - (off_t)sizeof(buf) + 1;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, start);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (ssize_t i = 0; i < n; i++)	/* keep it printable: NULs and CRs out */
		if (buf[i] == 0 || buf[i] == '\r')
			buf[i] = ' ';

	/* The last MAX_LINES lines (ignoring trailing blank ones). */
	char *end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	char *p = end;
	for (int lines = 0; p > buf && lines < max_lines; lines++) {
		while (p > buf && p[-1] != '\n')
			p--;
		if (lines + 1 < max_lines && p > buf)
			p--;	/* onto the previous line's newline */
	}
	if (*p == '\n')
		p++;

	/* Lines longer than 200 characters are cut in the middle. */
	size_t o = 0;
	char *line = p;
	while (line && *line && o + 1 < len) {
		char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		int w;
		if (l > 200)
			w = snprintf(out + o, len - o, "%s%.*s ... %.*s", o ? "\n" : "", 90, line, 90,
				     line + l - 90);
		else
			w = snprintf(out + o, len - o, "%s%.*s", o ? "\n" : "", (int)l, line);
		if (w < 0)
			break;
		o += (size_t)w;
		if (o >= len)
			o = len - 1;
		line = nl ? nl + 1 : NULL;
	}
}

void set_err_with_tail(struct errbuf *err, const struct server *s, const char *reason)
{
	if (!err)
		return;
	size_t cap = sizeof(err->msg);
	char tail[4096];
	log_tail(s->log_path, 10, tail, sizeof(tail));
	if (!tail[0]) {
		errbuf_set(err, "%s%s", reason, s->log_path[0] ? " (its log is empty)" : "");
		return;
	}
	static const char intro[] = "; last lines of its log:\n";
	size_t head = strlen(reason) + strlen(intro);
	size_t room = head < cap - 1 ? cap - 1 - head : 0;
	/* Keep the end of the log (the newest lines) when it does not all fit. */
	const char *t = tail;
	size_t tl = strlen(tail);
	if (tl > room) {
		t = tail + (tl - room);
		const char *nl = strchr(t, '\n');
		if (nl && (size_t)(nl - t) < room / 2)
			t = nl + 1;
	}
	errbuf_set(err, "%s%s%s", reason, intro, t);
}
