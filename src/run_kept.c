/* The server processes kept between repeats (src/run_kept.h). */
#include "src/run_kept.h"

#include <stdio.h>
#include <string.h>

#include "src/cli.h"

#define MAX_KEPT CLI_MAX_SERVERS	/* one live process per server name */

static struct kept {
	char name[64];
	struct server srv;
	int runs;	/* 0: the slot is free */
} kept[MAX_KEPT];

int run_kept_take(const char *name, struct server *out)
{
	for (size_t i = 0; i < MAX_KEPT; i++)
		if (kept[i].runs && !strcmp(kept[i].name, name)) {
			int runs = kept[i].runs;
			*out = kept[i].srv;
			kept[i].runs = 0;
			return runs;
		}
	return 0;
}

void run_kept_put(const char *name, const struct server *s, int runs, bool reusable)
{
	if (!reusable) {
		struct server done = *s;
		server_stop(&done);
		return;
	}
	for (size_t i = 0; i < MAX_KEPT; i++)
		if (!kept[i].runs) {
			snprintf(kept[i].name, sizeof(kept[i].name), "%s", name);
			kept[i].srv = *s;
			kept[i].runs = runs;
			return;
		}
	struct server stray = *s;	/* no room: cannot happen, one per name */
	server_stop(&stray);
}

void run_kept_stop_all(void)
{
	for (size_t i = 0; i < MAX_KEPT; i++)
		if (kept[i].runs) {
			kept[i].runs = 0;
			server_stop(&kept[i].srv);
		}
}
