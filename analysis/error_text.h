/* The load's failures in words a person reads: "8 timed out, 1000
 * answered HTTP 5xx", for the summary and for the error of a run in
 * which nothing succeeded. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "loadgen/loadgen.h"

/* errors: by class (enum lg_error_class); status_classes: responses by
 * HTTP status class ([1] 1xx .. [5] 5xx, [0] other), as in lg_result;
 * status_code (or NULL): the one code of a class (lg_result), said instead
 * of the class ("1000 answered HTTP 500"). "" when there were none. */
const char *error_text(const uint64_t errors[LG_ERR__COUNT], const uint64_t status_classes[6],
		       const int status_code[6], char *buf, size_t len);
