/* The server under test dying during the load: noticed at once (its
 * process, or for --url --pid the pid vanishing), described in one line and
 * in the report's server.exit. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "common/errbuf.h"
#include "servers/server.h"

struct server_exit {
	bool seen;		/* the server died while the load ran */
	bool have_status;	/* wait_status is known (our child; not for --url --pid) */
	bool refused;		/* --url alone: every connection was refused for SERVER_REFUSED_NS */
	int wait_status;
	int64_t at_ns;		/* when it was noticed, from the window's start (< 0: in warmup) */
	uint64_t requests;	/* measured requests completed (the run's requests_completed) */
};

/* With no process to watch, this long a stretch of nothing but refused
 * connections (on every load thread) is the server's death. */
#define SERVER_REFUSED_NS 500000000ULL

/* Something to wait on until the server dies: a pidfd, or -1 (then poll). */
int server_exit_watch(const struct server *s);
/* Waits up to TIMEOUT_MS for the server's death (on FD when >= 0); true
 * once it is gone. */
bool server_exit_wait(struct server *s, int fd, int timeout_ms);
/* Fills X from what is known of the death noticed at NOW (the caller adds
 * the requests once the load is joined). */
void server_exit_note(struct server_exit *x, const struct server *s, uint64_t now_ns,
		      uint64_t window_start_ns);
/* The death of a server known only by its URL: refused since SINCE. */
void server_exit_note_refused(struct server_exit *x, uint64_t since_ns, uint64_t window_start_ns);
/* "custom exited with status 3 1.02 s into the measuring window, after 150
 * completed requests; the load was stopped" */
void server_exit_message(const struct server_exit *x, const struct server *s, struct errbuf *err);
/* server.exit: null, or {status, signal, description, at_ns, requests_completed}. */
json_t *server_exit_json(const struct server_exit *x);
