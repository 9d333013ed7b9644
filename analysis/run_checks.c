#define _GNU_SOURCE
#include "analysis/run_checks.h"

#include <math.h>

#include "analysis/saved_report.h"

static json_t *client_saturated(json_t *run)
{
	double busy = jnum(run, "client.busy_fraction");
	if (!isfinite(busy))
		return json_pack("{s:s, s:s}", "status", "pass", "message", "no load-generator figures (no load ran)");
	bool warn = busy > CHECK_CLIENT_BUSY_MAX;
	return json_pack("{s:s, s:f, s:f, s:o}", "status", warn ? "warn" : "pass", "busy_fraction", busy,
		"limit", CHECK_CLIENT_BUSY_MAX, "message", warn ?
		json_sprintf("load generator saturated (busy %.0f %%): the figures describe the client, not the server", 100 * busy) :
		json_sprintf("load generator busy %.0f %% of its time", 100 * busy));
}

static json_t *open_loop_rate(json_t *run)
{
	double asked = jnum(run, "load.rate"), got = jnum(run, "client.open_loop.achieved_rate");
	double unsent = jnum(run, "client.open_loop.unsent");
	bool warn = got < CHECK_RATE_HELD_MIN * asked || unsent > 0;
	return json_pack("{s:s, s:f, s:o, s:o, s:o}", "status", warn ? "warn" : "pass", "rate", asked,
		"achieved_rate", isfinite(got) ? json_real(got) : json_null(),
		"unsent", isfinite(unsent) ? json_integer((json_int_t)unsent) : json_null(),
		"message", json_sprintf("open-loop rate %s: %.0f req/s achieved of %.0f asked, %.0f unsent",
					warn ? "not held" : "held", got, asked, isfinite(unsent) ? unsent : 0));
}

json_t *run_checks(json_t *run)
{
	json_t *c = json_pack("{s:o}", "client_saturated", client_saturated(run));
	if (jnum(run, "load.rate") > 0)
		json_object_set_new(c, "open_loop_rate", open_loop_rate(run));
	return c;
}
