/* Self-checks of one run, each {status: "pass"|"warn", message, figures}:
 * whether the measurement describes the server (client not saturated, the
 * open-loop schedule held, every per-request probe ran) and a steady state (with a timeline: no trend in
 * req/s or p99 over time, no warm-up inside the window). The report keeps
 * them under "checks". */
#pragma once
#include <jansson.h>

#define CHECK_CLIENT_BUSY_MAX 0.9
#define CHECK_RATE_HELD_MIN 0.95
#define CHECK_MIN_INTERVALS 6	/* fewer: no trend can be told from noise */
#define CHECK_MAX_INTERVALS 10000

json_t *run_checks(json_t *run);
