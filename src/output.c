#define _GNU_SOURCE
#include "src/output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>
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
	out->tmp = NULL;
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

/* ".NAME.XXXXXX" in the directory of path; NULL without memory. */
static char *temp_name(const char *path)
{
	char *d = strdup(path), *b = strdup(path), *t = NULL;

	if (d && b && asprintf(&t, "%s/.%s.XXXXXX", dirname(d), basename(b)) < 0)
		t = NULL;
	free(d);
	free(b);
	return t;
}

/* Only a regular file (or a path not there yet) is replaced by rename: a
 * device, a pipe or a socket (-o /dev/null, -o /dev/stdout) is written in
 * place, or the rename would put a plain file where the device was. */
static bool replaceable(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? errno == ENOENT : S_ISREG(st.st_mode);
}

int output_open_report(struct output *out, const char *path, struct errbuf *err)
{
	mode_t um;
	int fd, e;

	if (!path || strcmp(path, "-") == 0 || !replaceable(path))
		return output_open(out, path, err);
	out->path = path;
	out->tmp = temp_name(path);
	fd = out->tmp ? mkostemp(out->tmp, O_CLOEXEC) : -1;
	if (fd < 0 || !(out->f = fdopen(fd, "w"))) {
		e = out->tmp ? errno : ENOMEM;
		errbuf_set(err, "cannot write the report to %s: %s", path, strerror(e));
		if (fd >= 0) {
			close(fd);
			unlink(out->tmp);
		}
		free(out->tmp);
		out->tmp = NULL;
		return -e;
	}
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um))	/* as fopen would create it */
		fprintf(stderr, "bench-ebpf: warning: %s stays readable by its owner only: %s\n",
			path, strerror(errno));
	chown_to_invoker(fd);
	return 0;
}

/* Synced, then renamed over the report's path; errno on failure. */
static int finish_report(struct output *out)
{
	int e = 0;

	if (fflush(out->f) || fsync(fileno(out->f)))
		e = errno;
	if (fclose(out->f) && !e)
		e = errno;
	if (!e && rename(out->tmp, out->path))
		e = errno;
	if (e)
		unlink(out->tmp);
	free(out->tmp);
	out->tmp = NULL;
	return e;
}

int output_write(struct output *out, json_t *report, struct errbuf *err)
{
	int e = 0;

	errno = 0;
	if (json_dumpf(report, out->f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	    fputc('\n', out->f) == EOF)
		e = errno ? errno : EIO;
	if (out->tmp && e) {	/* never rename a partial report over a whole one */
		fclose(out->f);
		unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
	} else if (out->tmp) {
		e = finish_report(out);
	} else if (out->path) {
		if (fclose(out->f) && !e)
			e = errno;
	} else if (fflush(out->f) && !e) {
		e = errno;
	}
	if (e) {
		errbuf_set(err, "failed to write the report%s%s: %s", out->path ? " to " : "",
			   out->path ? out->path : "", strerror(e));
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
