/* Names of modes, arrivals and engines, and lg_check_options: what cannot
 * work is refused before a run, what may not work is warned about. */
#define _GNU_SOURCE
#include "loadgen/lg_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <strings.h>
#include <sys/resource.h>

const char *const lg_error_names[LG_ERR__COUNT] = {
	[LG_ERR_CONNECT] = "connect",
	[LG_ERR_READ] = "read",
	[LG_ERR_WRITE] = "write",
	[LG_ERR_TIMEOUT] = "timeout",
	[LG_ERR_STATUS] = "status",
	[LG_ERR_PARSE] = "parse",
	[LG_ERR_BODY] = "body",
};
const char *const lg_mode_names[LG_MODE__COUNT] = { "closed", "open" };
const char *const lg_arrival_names[LG_ARRIVAL__COUNT] = { "constant", "poisson" };
const char *const lg_engine_names[LG_ENGINE__COUNT] = { "epoll", "curl", "uring" };

static int name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (!strcasecmp(names[i], name))
			return i;
	return -1;
}

int lg_mode_from_name(const char *name)
{
	return name_index(lg_mode_names, LG_MODE__COUNT, name);
}

int lg_arrival_from_name(const char *name)
{
	return name_index(lg_arrival_names, LG_ARRIVAL__COUNT, name);
}

int lg_engine_from_name(const char *name)
{
	return name_index(lg_engine_names, LG_ENGINE__COUNT, name);
}

bool lg_engine_available(enum lg_engine e)
{
	return e == LG_ENGINE_EPOLL || e == LG_ENGINE_CURL || (e == LG_ENGINE_URING && lg_uring_built);
}

/* ---- options --------------------------------------------------------------- */

/* Rough ceilings, for warnings only: what one thread sends on one core, and
 * the per-connection rate that needs sub-50 us responses. */
#define THREAD_RATE_HINT 250000.0
#define CONN_RATE_HINT 20000.0
#define MAX_RATE 1e8

__attribute__((format(printf, 2, 3)))
static void add_warning(struct errbuf *err, const char *fmt, ...)
{
	char line[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	size_t n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, "%s%s", n ? "; " : "", line);
}

int lg_connections_used(const struct lg_options *o)
{
	uint64_t c = o->connections > 0 ? (uint64_t)o->connections : 0;
	if (o->requests && o->requests < c)
		c = o->requests;	/* ab does the same */
	if (c < (uint64_t)(o->threads > 0 ? o->threads : 0))
		c = (uint64_t)o->threads;	/* one per thread */
	return (int)c;
}

/* Descriptors besides the connections' sockets: stdio, epoll and event
 * fds, the probes' maps, the server's pipes. */
#define FD_RESERVE 10

/* Raises the soft descriptor limit to the hard one; refuses a run that
 * would still run short (every connect would fail with EMFILE). */
static int check_fd_limit(const struct lg_options *o, struct errbuf *err)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;	/* cannot tell: let the connects say */
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	int used = lg_connections_used(o);
	rlim_t need = (rlim_t)used + FD_RESERVE;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	errbuf_set(err, "-c %d needs about %llu file descriptors; the limit is %llu (ulimit -n)", used,
		   (unsigned long long)need, (unsigned long long)rl.rlim_cur);
	return -EMFILE;
}

int lg_check_options(const struct lg_options *o, struct errbuf *err)
{
	bool open = o->mode == LG_MODE_OPEN;

	if ((unsigned)o->mode >= LG_MODE__COUNT || (unsigned)o->arrival >= LG_ARRIVAL__COUNT ||
	    (unsigned)o->engine >= LG_ENGINE__COUNT) {
		errbuf_set(err, "unknown load mode, arrival or engine");
		return -EINVAL;
	}
	if (o->threads < 1 || o->connections < o->threads) {
		errbuf_set(err, "need at least one thread and one connection per thread (threads %d, connections %d)",
			   o->threads, o->connections);
		return -EINVAL;
	}
	if (!o->requests && !o->duration_ns) {
		errbuf_set(err, "neither a request count nor a duration was given");
		return -EINVAL;
	}
	if (!lg_engine_available(o->engine)) {
		errbuf_set(err, "the %s engine is not in this build (it needs liburing at build time); use --engine epoll",
			   lg_engine_names[o->engine]);
		return -EINVAL;
	}
	if (o->http2 && o->engine != LG_ENGINE_CURL) {
		errbuf_set(err, "HTTP/2 needs --engine curl (the %s engine speaks HTTP/1.1 only)",
			   lg_engine_names[o->engine]);
		return -EINVAL;
	}
	if (!open) {
		if (o->rate != 0) {
			errbuf_set(err, "a rate (%g req/s) needs open-loop mode; closed loop sends as fast as responses come",
				   o->rate);
			return -EINVAL;
		}
		if (o->arrival != LG_ARRIVAL_CONSTANT) {
			errbuf_set(err, "--arrival %s needs open-loop mode (a rate)", lg_arrival_names[o->arrival]);
			return -EINVAL;
		}
	} else {
		if (!(o->rate > 0) || isinf(o->rate)) {
			errbuf_set(err, "open loop needs a rate above 0 requests/s (--rate)%s",
				   o->requests ? ", also with a request count" : "");
			return -EINVAL;
		}
		if (o->rate > MAX_RATE) {
			errbuf_set(err, "rate %g req/s is beyond any load generator (at most %g)", o->rate, MAX_RATE);
			return -EINVAL;
		}
		if (o->rate < o->threads) {
			errbuf_set(err, "rate %g req/s is below the thread count (%d): a thread would send less than one request per second; use fewer threads",
				   o->rate, o->threads);
			return -EINVAL;
		}
		if (o->duration_ns && o->rate * ((double)o->duration_ns / 1e9) < 1) {
			errbuf_set(err, "rate %g req/s over %.3f s schedules no request; raise the rate or the duration",
				   o->rate, (double)o->duration_ns / 1e9);
			return -EINVAL;
		}
	}

	if (check_fd_limit(o, err))
		return -EINVAL;
	if (lg_intervals_planned(o) > LG_MAX_INTERVALS) {
		errbuf_set(err, "%.3f s in intervals of %.3f s are more than %d intervals; use a longer interval",
			   (double)o->duration_ns / 1e9, (double)o->interval_ns / 1e9, LG_MAX_INTERVALS);
		return -EINVAL;
	}

	struct errbuf warn = { "" };
	if (open && o->rate / o->threads > THREAD_RATE_HINT)
		add_warning(&warn, "%.0f req/s per thread is more than one thread usually sends (about %.0fk); late sends will be counted, consider more threads",
			    o->rate / o->threads, THREAD_RATE_HINT / 1000);
	if (open && o->rate / o->connections > CONN_RATE_HINT)
		add_warning(&warn, "%d connections at %g req/s: each must finish a request every %.0f us or requests wait for a free one (counted in latency and in conn_waits)",
			    o->connections, o->rate, 1e6 * o->connections / o->rate);
	if (o->insecure && o->engine != LG_ENGINE_CURL)
		add_warning(&warn, "--insecure has no effect without --engine curl");
	if (!warn.msg[0])
		return 0;
	if (err)
		*err = warn;
	return 1;
}
