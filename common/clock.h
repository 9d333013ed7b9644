/* One clock for everything: CLOCK_MONOTONIC is what bpf_ktime_get_ns() reads,
 * so client and kernel timestamps can be subtracted directly on one host. */
#pragma once
#include <errno.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define NS_PER_SEC 1000000000ull
#define NS_PER_MS 1000000ull
#define NS_PER_US 1000ull

/* The same clock in seconds, for deadlines counted in seconds. */
static inline double mono_seconds(void)
{
	return (double)mono_ns() / 1e9;
}

/* Sleeps MS milliseconds, resuming after signals. */
static inline void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
