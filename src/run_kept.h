/* --same-process: the server processes kept between a server's repeats,
 * by server name, until its last run; one that died or failed is stopped
 * at once (stopping one server leaves every other server's processes be). */
#pragma once
#include <stdbool.h>
#include "servers/server.h"

/* The live server kept for NAME, moved into OUT (the table lets go of
 * it); returns how many runs it has served, 0 when none is kept. */
int run_kept_take(const char *name, struct server *out);
/* Keeps S for NAME's next run when REUSABLE (it is alive and answered),
 * else stops it. RUNS: served so far. */
void run_kept_put(const char *name, const struct server *s, int runs, bool reusable);
/* Stops every server still kept. */
void run_kept_stop_all(void);
