/* Did every probe a request passes through run? (analysis/check_probes.h) */
#define _GNU_SOURCE
#include "analysis/check_probes.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/json_num.h"
#include "analysis/saved_report.h"

/* Hooks every answered request runs at least once: the server's syscalls
 * and the anatomy's socket marks. */
static const char *const every_request[] = {
	"sys_enter", "sys_exit", "sk_data_ready", "sock_recv_length", "tcp_sendmsg_locked",
	"sock_send_length",
};

static bool per_request(const char *hook)
{
	for (size_t i = 0; i < sizeof(every_request) / sizeof(every_request[0]); i++)
		if (!strcmp(hook, every_request[i]))
			return true;
	return false;
}

json_t *check_probes_ran(json_t *run)
{
	json_t *cost = jget(run, "kernel.probes.cost"), *p, *silent;
	double ok = jnum(run, "client.requests_ok");
	size_t i;
	char *names = NULL;
	size_t len = 0;
	FILE *f;

	if (!json_is_true(json_object_get(cost, "available")) || !isfinite(ok) || ok < 1)
		return NULL;
	silent = json_array();
	f = open_memstream(&names, &len);
	json_array_foreach(json_object_get(cost, "programs"), i, p) {
		const char *hook = jstr(p, "hook", ""), *mode = jstr(p, "mode", "");
		if (!per_request(hook) || jnum(p, "events") > 0)
			continue;
		json_array_append_new(silent, json_pack("{s:s, s:s}", "hook", hook, "mode", mode));
		if (f)
			fprintf(f, "%s%s (%s)", json_array_size(silent) > 1 ? ", " : "", hook, mode);
	}
	if (f)
		fclose(f);
	bool warn = json_array_size(silent) > 0;
	json_t *c = json_pack("{s:s, s:o, s:o}", "status", warn ? "warn" : "pass", "silent", silent, "message", warn ?
		json_sprintf("%s attached but never ran over %.0f answered requests: the requests do not "
			     "pass where it sits here (a function this kernel's build inlines, or a path "
			     "such as sendfile that avoids it), so what it measures is missing",
			     names ? names : "a probe", ok) :
		json_sprintf("every per-request probe ran"));
	free(names);
	return c;
}
