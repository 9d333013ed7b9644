/* Values in a JSON report by dotted path ("kernel.syscalls.read.count"). */
#pragma once
#include <jansson.h>

/* The value at path, or NULL when any step is missing. */
json_t *json_path(json_t *root, const char *path);
/* The integer at path; -1 when missing, null or not an integer. */
long long json_path_int(json_t *root, const char *path);
/* The number (integer or real) at path; -1 when missing, null or not a number. */
double json_path_num(json_t *root, const char *path);
