/* --version: this build, the libraries it runs with, the kernel's features. */
#pragma once
#include <stdio.h>

void version_print(FILE *out);
