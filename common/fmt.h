/* Human-readable figures for the summaries on stderr: durations ("812 ns",
 * "12.3 us", "4.56 ms", "1.20 s") and plain numbers; "-" for a missing
 * (NaN) value, never "nan". */
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

/* v with `decimals` digits after the point, or "-" when missing. */
static inline const char *fmt_fixed(double v, int decimals, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", decimals, v);
	return buf;
}
