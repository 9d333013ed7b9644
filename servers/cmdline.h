/* Command lines as text: {port} substituted, arguments quoted for a shell. */
#pragma once
#include <stddef.h>

/* COMMAND with every {port} replaced by PORT; -ENAMETOOLONG if it does not fit. */
int substitute_port(const char *command, int port, char *out, size_t len);
/* ARG appended to OUT after a blank, quoted so a shell would read it back. */
void shell_quote_append(char *out, size_t len, const char *arg);
