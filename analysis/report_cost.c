/* kernel.probes.cost: per attached hook its program runs and their time,
 * and in total the probes' CPU seconds and their share of the server's CPU
 * time (measured by the sched group: null without it). */
#include "analysis/report_cost.h"

static json_t *ns_per_event(uint64_t ns, uint64_t events)
{
	return events ? json_real((double)ns / (double)events) : json_null();
}

json_t *report_probe_cost(const struct probes_cost *c)
{
	json_t *o = json_object(), *progs;

	json_object_set_new(o, "available", json_boolean(c->available));
	if (!c->available) {
		json_object_set_new(o, "reason", json_string(c->reason));
		return o;
	}
	progs = json_array();
	for (size_t i = 0; i < c->nhooks; i++) {
		const struct probe_cost *h = &c->hooks[i];

		json_array_append_new(progs, json_pack("{s:s,s:s,s:I,s:I,s:o}",
			"hook", h->hook, "mode", h->mode,
			"events", (json_int_t)h->events, "run_time_ns", (json_int_t)h->run_time_ns,
			"ns_per_event", ns_per_event(h->run_time_ns, h->events)));
	}
	json_object_set_new(o, "how", json_string(c->how));
	json_object_set_new(o, "programs", progs);
	json_object_set_new(o, "events", json_integer((json_int_t)c->events));
	json_object_set_new(o, "run_time_ns", json_integer((json_int_t)c->run_time_ns));
	json_object_set_new(o, "cpu_seconds", json_real((double)c->run_time_ns / 1e9));
	json_object_set_new(o, "ns_per_event", ns_per_event(c->run_time_ns, c->events));
	json_object_set_new(o, "server_cpu_seconds", c->have_server_cpu ?
			    json_real((double)c->server_cpu_ns / 1e9) : json_null());
	json_object_set_new(o, "server_cpu_share", c->have_server_cpu && c->server_cpu_ns ?
			    json_real((double)c->run_time_ns / (double)c->server_cpu_ns) : json_null());
	return o;
}

void summary_probe_cost(FILE *out, const struct probes_cost *c)
{
	if (!c->available) {
		fprintf(out, "probes: cost not measured (%s)\n", c->reason);
		return;
	}
	fprintf(out, "probes: %.2f CPU-s", (double)c->run_time_ns / 1e9);
	if (c->events)
		fprintf(out, ", %.0f ns per event", (double)c->run_time_ns / (double)c->events);
	if (c->have_server_cpu && c->server_cpu_ns)
		fprintf(out, ", %.1f %% of the server's CPU",
			100.0 * (double)c->run_time_ns / (double)c->server_cpu_ns);
	fprintf(out, "\n");
}
