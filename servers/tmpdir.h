/* The server's private directory (its log, nginx's config), made for one run
 * and removed with everything in it. */
#pragma once
#include <stddef.h>
#include "common/errbuf.h"

/* A new directory under $TMPDIR (or /tmp) into OUT, named after this
 * process ("bench-ebpf-PID-XXXXXX"); those a dead bench-ebpf left there
 * are removed first. -errno and one line in err. */
int tmpdir_create(char *out, size_t len, struct errbuf *err);
/* Removes DIR and all it holds, never following symbolic links. Files on
 * other file systems go too (an overlayfs reports a different st_dev for
 * files and directories of different layers). */
void tmpdir_remove(const char *dir);
