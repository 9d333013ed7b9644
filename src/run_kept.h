/* --same-process: the server processes kept between a server's repeats,
 * by server name, all stopped together after the last run: a server's
 * stop takes the tool's other children with it (orphans its tree left are
 * ours too), so none stops while another still has runs to serve. */
#pragma once
#include <stdbool.h>
#include "servers/server.h"

/* The live server kept for NAME, moved into OUT (the table lets go of
 * it); returns how many runs it has served, 0 when none is kept. */
int run_kept_take(const char *name, struct server *out);
/* Keeps S until run_kept_stop_all: for NAME's next run when REUSABLE (it
 * is alive and answered), else only to be stopped. RUNS: served so far. */
void run_kept_put(const char *name, const struct server *s, int runs, bool reusable);
/* Stops every server still kept. */
void run_kept_stop_all(void);
