/* The server's log (its stdout and stderr) as told to a person. */
#pragma once
#include <stddef.h>
#include "common/errbuf.h"
#include "servers/server.h"

#define SERVER_LOG_NAME "server.log"

/* Last MAX_LINES lines of the log, newline-separated, fitting in LEN. */
void log_tail(const char *path, int max_lines, char *out, size_t len);
/* err = "<reason>; last lines of its log:\n<tail>", cut to fit. */
void set_err_with_tail(struct errbuf *err, const struct server *s, const char *reason);
