/* Command lines as text: {port} substituted, arguments quoted for a shell. */
#include "servers/cmdline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void shell_quote_append(char *out, size_t len, const char *arg)
{
	size_t n = strlen(out);
	bool plain = *arg != 0;
	for (const char *c = arg; *c && plain; c++)
		plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *c);
	if (n && n < len - 1)
		out[n++] = ' ', out[n] = 0;
	if (plain) {
		snprintf(out + n, len - n, "%s", arg);
		return;
	}
	if (n < len - 1)
		out[n++] = '\'', out[n] = 0;
	for (const char *c = arg; *c && n < len - 5; c++) {
		if (*c == '\'')
			n += (size_t)snprintf(out + n, len - n, "'\\''");
		else
			out[n++] = *c, out[n] = 0;
	}
	if (n < len - 1)
		out[n++] = '\'', out[n] = 0;
}

int substitute_port(const char *command, int port, char *out, size_t len)
{
	char num[16];
	snprintf(num, sizeof(num), "%d", port);
	size_t n = 0;
	for (const char *c = command; *c;) {
		const char *piece = c;
		size_t plen = 1;
		if (strncmp(c, "{port}", 6) == 0) {
			piece = num;
			plen = strlen(num);
			c += 6;
		} else
			c++;
		if (n + plen >= len)
			return -ENAMETOOLONG;
		memcpy(out + n, piece, plen);
		n += plen;
	}
	out[n] = 0;
	return 0;
}
