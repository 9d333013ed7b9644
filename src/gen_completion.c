/* Build step: writes the bash completion script to stdout. */
#include <stdio.h>

#include "src/cli_table.h"

int main(void)
{
	cli_print_completion(stdout);
	return fflush(stdout) ? 1 : 0;
}
