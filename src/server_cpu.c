/* The server's CPU time over the window (src/server_cpu.h). */
#include "src/server_cpu.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"

void server_cpu_start(struct server_cpu *c, const char *cgroup, uint64_t window_start)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->cgroup, sizeof(c->cgroup), "%s", cgroup ? cgroup : "");
	c->open_due_ns = window_start;
	server_cpu_poll(c);
}

void server_cpu_poll(struct server_cpu *c)
{
	if (!c->cgroup[0] || c->open_ns)
		return;
	uint64_t now = mono_ns();
	if (now < c->open_due_ns)
		return;
	if (cgroup_cpu_read(c->cgroup, &c->at_open) == 0)
		c->open_ns = now;
	else
		c->cgroup[0] = 0;	/* nothing to read here: no figures */
}

void server_cpu_close(struct server_cpu *c)
{
	if (c->open_ns && !c->close_ns && cgroup_cpu_read(c->cgroup, &c->at_close) == 0)
		c->close_ns = mono_ns();
}

static int64_t throttle_delta(int64_t open, int64_t close)
{
	return open < 0 || close < 0 ? -1 : close - open;
}

bool server_cpu_result(const struct server_cpu *c, struct report_cgroup_cpu *out)
{
	if (!c->open_ns || !c->close_ns)
		return false;
	const struct cgroup_cpu *a = &c->at_open, *b = &c->at_close;
	*out = (struct report_cgroup_cpu){
		.usage_ns = (b->usage_usec - a->usage_usec) * 1000,
		.user_ns = (b->user_usec - a->user_usec) * 1000,
		.system_ns = (b->system_usec - a->system_usec) * 1000,
		.nr_throttled = throttle_delta(a->nr_throttled, b->nr_throttled),
		.throttled_ns = throttle_delta(a->throttled_usec, b->throttled_usec),
		.window_ns = c->close_ns - c->open_ns,
	};
	if (out->throttled_ns > 0)
		out->throttled_ns *= 1000;
	return true;
}
