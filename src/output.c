#define _GNU_SOURCE
#include "src/output.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Under sudo, files we create belong to the user who typed the command. */
static void chown_to_invoker(int fd)
{
	const char *uid = getenv("SUDO_UID"), *gid = getenv("SUDO_GID");
	if (geteuid() != 0 || !uid || !gid)
		return;
	if (fchown(fd, (uid_t)strtoul(uid, NULL, 10), (gid_t)strtoul(gid, NULL, 10)))
		return;	/* best effort: the report itself is what matters */
}

int output_open(struct output *out, const char *path, struct errbuf *err)
{
	out->path = path;
	out->f = stdout;
	if (!path || strcmp(path, "-") == 0) {
		out->path = NULL;
		return 0;
	}
	out->f = fopen(path, "w");
	if (!out->f) {
		int e = errno;
		errbuf_set(err, "cannot write the report to %s: %s", path, strerror(e));
		return -e;
	}
	chown_to_invoker(fileno(out->f));
	return 0;
}

int output_write(struct output *out, json_t *report, struct errbuf *err)
{
	int rc = json_dumpf(report, out->f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (rc == 0)
		rc = fputc('\n', out->f) == EOF ? -1 : 0;
	if (out->path) {
		if (fclose(out->f))
			rc = -1;
	} else if (fflush(out->f)) {
		rc = -1;
	}
	if (rc) {
		errbuf_set(err, "failed to write the report%s%s", out->path ? " to " : "",
			   out->path ? out->path : "");
		return -EIO;
	}
	return 0;
}

static bool needs_quotes(const char *s)
{
	return !*s || strpbrk(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") != NULL;
}

json_t *output_command_line(int argc, char **argv)
{
	size_t cap = 1;
	for (int i = 0; i < argc; i++)
		cap += 4 * strlen(argv[i]) + 3;
	char *buf = calloc(1, cap), *p = buf;
	if (!buf)
		return json_null();	/* no memory: the report says null, not a partial line */
	for (int i = 0; i < argc; i++) {
		if (i)
			*p++ = ' ';
		if (!needs_quotes(argv[i])) {
			p = stpcpy(p, argv[i]);
			continue;
		}
		*p++ = '\'';
		for (const char *c = argv[i]; *c; c++) {
			if (*c == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *c;
		}
		*p++ = '\'';
	}
	*p = '\0';
	json_t *s = json_string(buf);
	free(buf);
	return s;
}
