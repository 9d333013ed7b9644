/* The object of one server's run: what ran, and the parts built beside. */
#include "analysis/report.h"

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

json_t *report_run(const struct report_run_parts *p)
{
	json_t *run = json_object();

	if (!run)
		return NULL;
	json_object_set_new(run, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
	json_object_set_new(run, "tool", report_tool());
	json_object_set_new(run, "host", report_host());
	json_object_set_new(run, "server", server_json(p->server, p->server_cpus));
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
