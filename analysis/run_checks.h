/* Self-checks of one run, each {status: "pass"|"warn", message, figures}:
 * whether the measurement describes the server (client not saturated, the
 * open-loop schedule held). The report keeps them under "checks". */
#pragma once
#include <jansson.h>

#define CHECK_CLIENT_BUSY_MAX 0.9
#define CHECK_RATE_HELD_MIN 0.95

json_t *run_checks(json_t *run);
