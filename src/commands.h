/* Subcommands that read saved reports instead of running a benchmark:
 * `bench-ebpf report ...` and `bench-ebpf compare ...`. argv[0] is
 * the subcommand's name; the return value is the process exit code. */
#pragma once

int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
