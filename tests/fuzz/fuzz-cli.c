/* libFuzzer target: the option parser (cli_parse). The input is split at
 * NUL bytes into arguments. Whatever they are, cli_parse accepts them or
 * fails with a one-line message, and never crashes. */
#include <stdlib.h>
#include <string.h>

#include "src/cli.h"

#define MAX_ARGS 32

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 2];
	int argc = 0;
	struct cli_options o;
	struct errbuf err = { "" };

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	argv[argc++] = "bench-ebpf";
	for (char *p = copy; p < copy + size && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (cli_parse(argc, argv, &o, &err) < 0)
		require(err.msg[0] && !strchr(err.msg, '\n'));
	free(copy);
	return 0;
}
