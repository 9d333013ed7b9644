/* A run with HTTP/2 prior knowledge (h2c) over the curl engine, for the
 * tests that include test-server.h. libcurl before 8.0.0 breaks reused h2c
 * connections, so the load generator refuses h2c up front there. */
#pragma once
#include <curl/curl.h>
#include "tests/loadgen/test-server.h"

/* Drives a as h2c; false when it was refused, after checking that the
 * refusal was for that libcurl and said so. */
static inline bool drive_h2c(uint16_t port, struct run_args *a, struct lg_result *r)
{
	char msg[600] = "";
	a->engine = LG_ENGINE_CURL;
	a->http2 = true;
	a->may_fail = true;
	a->fail_msg = msg;
	if (drive(port, a, r) >= 0)
		return true;
	printf("h2c refused: %s\n", msg);
	CHECK(curl_version_info(CURLVERSION_NOW)->version_num < 0x080000 && strstr(msg, "libcurl 8.0.0"),
	      "h2c refused: %s", msg);
	return false;
}
