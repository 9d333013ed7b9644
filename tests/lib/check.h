/* Assertions for the C tests: CHECK counts a failure and goes on, REQUIRE
 * ends the test at once (what follows would only fail because of it).
 * Every failure names the file, the line and the condition. A test ends
 * with `return check_status();`. */
#pragma once
#include <stdio.h>
#include <stdlib.h>

static int failures;

#define CHECK(cond, ...)                                                             \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                \
			fputc('\n', stderr);                                         \
			failures++;                                                  \
		}                                                                    \
	} while (0)

#define REQUIRE(cond, ...)                                   \
	do {                                                 \
		int failures_before_ = failures;             \
		CHECK(cond, __VA_ARGS__);                    \
		if (failures != failures_before_)            \
			exit(1);                             \
	} while (0)

/* meson's exit code for "skipped": the test cannot run here. */
#define EXIT_SKIP 77

static inline int check_status(void)
{
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
