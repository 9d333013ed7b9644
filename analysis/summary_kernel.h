/* The kernel's part of the human summary: a few lines that explain the run. */
#pragma once
#include <stdio.h>
#include "loader/kernel_results.h"

void summary_print_kernel(FILE *out, const struct kernel_results *k);
