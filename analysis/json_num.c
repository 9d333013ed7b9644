#include "analysis/json_num.h"

#include <math.h>

static json_t *json_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

json_t *json_ns(uint64_t ns)
{
	return json_u64(ns);
}

json_t *json_count(uint64_t n)
{
	return json_u64(n);
}

json_t *json_num_or_null(double v, bool have)
{
	if (!have || !isfinite(v))
		return json_null();
	return json_real(v);
}
