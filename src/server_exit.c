/* The server under test dying during the load (src/server_exit.h). */
#define _GNU_SOURCE
#include "src/server_exit.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "servers/proc.h"

int server_exit_watch(const struct server *s)
{
	if (s->pid <= 0 || s->reaped)
		return -1;
	return (int)syscall(SYS_pidfd_open, s->pid, 0);
}

static bool gone(struct server *s)
{
	if (!s->external)
		return server_exited(s);
	return s->pid > 0 && kill(s->pid, 0) < 0 && errno == ESRCH;
}

bool server_exit_wait(struct server *s, int fd, int timeout_ms)
{
	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, timeout_ms) == 0)
			return false;	/* alive: a pidfd is readable once the process ends */
		if (s->external)
			return true;	/* ended, even if its parent has not reaped it yet */
	} else {
		usleep((useconds_t)timeout_ms * 1000);
	}
	return gone(s);
}

void server_exit_note(struct server_exit *x, const struct server *s, uint64_t now_ns,
		      uint64_t window_start_ns)
{
	*x = (struct server_exit){
		.seen = true,
		.have_status = !s->external && s->reaped,
		.wait_status = s->wait_status,
		.at_ns = (int64_t)(now_ns - window_start_ns),
	};
}

void server_exit_note_refused(struct server_exit *x, uint64_t since_ns, uint64_t window_start_ns)
{
	*x = (struct server_exit){
		.seen = true,
		.refused = true,
		.at_ns = (int64_t)(since_ns - window_start_ns),
	};
}

static void describe(const struct server_exit *x, char *out, size_t len)
{
	if (x->have_status)
		describe_status(x->wait_status, out, len);
	else if (x->refused)
		snprintf(out, len, "stopped listening (every connection refused for %.1f s)",
			 (double)SERVER_REFUSED_NS / 1e9);
	else
		snprintf(out, len, "is gone (its pid vanished)");
}

void server_exit_message(const struct server_exit *x, const struct server *s, struct errbuf *err)
{
	char how[96];
	describe(x, how, sizeof(how));
	if (x->at_ns < 0)
		errbuf_set(err, "%s %s during the warmup, before measuring began; the load was stopped",
			   s->name, how);
	else
		errbuf_set(err, "%s %s %.2f s into the measuring window, after %llu completed requests; "
			   "the load was stopped", s->name, how, (double)x->at_ns / 1e9,
			   (unsigned long long)x->requests);
}

json_t *server_exit_json(const struct server_exit *x)
{
	if (!x->seen)
		return json_null();
	char how[96], sig[32];
	describe(x, how, sizeof(how));
	bool exited = x->have_status && WIFEXITED(x->wait_status);
	bool signalled = x->have_status && WIFSIGNALED(x->wait_status);
	if (signalled) {
		const char *n = sigabbrev_np(WTERMSIG(x->wait_status));
		snprintf(sig, sizeof(sig), "SIG%s", n ? n : "?");
	}
	return json_pack("{s:o, s:o, s:s, s:I, s:I}",
			 "status", exited ? json_integer(WEXITSTATUS(x->wait_status)) : json_null(),
			 "signal", signalled ? json_string(sig) : json_null(),
			 "description", how,
			 "at_ns", (json_int_t)x->at_ns,
			 "requests_completed", (json_int_t)x->requests);
}
