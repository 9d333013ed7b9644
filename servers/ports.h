/* Ports on 127.0.0.1: is one taken, pick a free one, which one a URL names. */
#pragma once
#include <stdbool.h>

/* Something accepts TCP connections on 127.0.0.1:PORT. */
bool port_accepts(int port);
/* A server could bind 127.0.0.1:PORT now (with SO_REUSEADDR, as servers set
 * it, so connections in TIME_WAIT do not count). */
bool port_bindable(int port);
/* A port the kernel just handed out as free, or -errno. */
int port_pick_free(void);
/* The port of "scheme://host[:port][/...]" (80 or 443 when none is written);
 * -EINVAL when it cannot be told. */
int url_port(const char *url);
