/* Human-readable durations for the summaries on stderr: "812 ns", "12.3 us",
 * "4.56 ms", "1.20 s"; "-" for a missing (NaN) value. */
#pragma once
#include <math.h>
#include <stdio.h>

static inline const char *fmt_duration(double ns, char *buf, size_t len)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}
