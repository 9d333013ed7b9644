/* The object of one server's run: what ran, and the parts built beside. */
#include "analysis/report.h"
#include "analysis/json_num.h"

static json_t *server_json(const struct server *s, const char *cpus)
{
	return json_pack("{s:s, s:s, s:o, s:i, s:s, s:o, s:b, s:o}",
		"name", s->name, "command", s->command,
		"pid", s->pid > 0 ? json_integer(s->pid) : json_null(),
		"port", s->port, "url", s->url,
		"version", s->version[0] ? json_string(s->version) : json_null(),
		"external", s->external,
		"cpus", cpus && !s->external ? json_string(cpus) : json_null());
}

static json_t *throttle_json(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

/* server.cgroup: what the server's cgroup spent on the CPU in the window. */
static json_t *cgroup_json(const struct server *s, const struct report_cgroup_cpu *c)
{
	if (!c)
		return json_null();
	return json_pack("{s:s, s:I, s:I, s:I, s:o, s:o, s:I, s:o}", "path", s->cgroup,
		"cpu_usage_ns", (json_int_t)c->usage_ns, "cpu_user_ns", (json_int_t)c->user_ns,
		"cpu_system_ns", (json_int_t)c->system_ns, "nr_throttled", throttle_json(c->nr_throttled),
		"throttled_ns", throttle_json(c->throttled_ns), "window_ns", (json_int_t)c->window_ns,
		"cpus_used", json_num_or_null((double)c->usage_ns / (double)c->window_ns, c->window_ns > 0));
}

json_t *report_run(const struct report_run_parts *p)
{
	json_t *run = json_object();

	if (!run)
		return NULL;
	json_object_set_new(run, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
	json_object_set_new(run, "tool", report_tool());
	json_object_set_new(run, "host", report_host());
	json_object_set_new(run, "server", server_json(p->server, p->server_cpus));
	json_object_set_new(json_object_get(run, "server"), "cgroup", cgroup_json(p->server, p->server_cgroup));
	json_object_set(run, "load", p->load);
	json_object_set(run, "client", p->client);
	json_object_set(run, "kernel", p->kernel);
	json_object_set(run, "breakdown", p->breakdown);
	if (p->overhead)
		json_object_set(run, "overhead", p->overhead);
	json_object_set_new(run, "interrupted", json_boolean(p->interrupted));
	json_object_set_new(run, "error", p->error ? json_string(p->error) : json_null());
	return run;
}
