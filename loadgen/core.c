/* The connection core: what happens to each connection and request, the
 * same for every engine (see lg_internal.h). Engines only move bytes,
 * through their lg_conn_ops; admission, the open-loop schedule, timeouts,
 * backoff, the end of the window and every count live here, once.
 *
 * Hot path: nothing here allocates, locks or makes a system call; the
 * progress counter is a relaxed store to the worker's own cache line. */
#define _GNU_SOURCE
#include "loadgen/lg_internal.h"

#include <errno.h>

#include "loadgen/http_parse.h"

/* ---- per request ----------------------------------------------------------- */

/* Moves w to the interval that holds `now` (never backwards). */
static void slot_rotate(struct lg_worker *w, uint64_t now)
{
	uint64_t iv = w->run->opts.interval_ns;
	while (now >= w->slot_end && w->cur + 1 < w->nslots) {
		w->cur++;
		w->slot_end += iv;
	}
	if (w->cur + 1 >= w->nslots)
		w->slot_end = UINT64_MAX;	/* the last one takes the rest */
	__atomic_store_n(&w->slot_pub, w->cur, __ATOMIC_RELEASE);
}

/* The interval to count an event at `now` in; NULL without a timeline. */
static inline struct lg_slot *slot_at(struct lg_worker *w, uint64_t now)
{
	if (!w->slots)
		return NULL;
	if (__builtin_expect(now >= w->slot_end, 0))
		slot_rotate(w, now);
	return &w->slots[w->cur];
}

/* Closed loop: whether a connection free at `now` may issue a request. */
static inline bool admit(struct lg_worker *w, uint64_t now, bool *measured)
{
	const struct lg_run *r = w->run;
	if (w->stopping || now >= r->issue_end_ns)
		return false;
	bool m = now >= r->measure_ns;
	if (m && w->limited) {
		if (!w->budget)
			return false;
		w->budget--;
	}
	*measured = m;
	return true;
}

/* Open loop: takes the oldest unsent request if it is due by `now`. */
static inline bool take_due(struct lg_worker *w, uint64_t now, uint64_t *due, bool *measured)
{
	const struct lg_run *r = w->run;
	uint64_t t = w->sched.next;
	if (t > now)
		return false;	/* also when none is left (UINT64_MAX) */
	bool m = t >= r->measure_ns;
	if (m && w->limited && !w->budget) {
		w->sched.next = UINT64_MAX;
		return false;
	}
	lg_sched_advance(&w->sched);
	if (w->sched.next >= r->issue_end_ns)
		w->sched.next = UINT64_MAX;
	if (m && w->limited && !--w->budget)
		w->sched.next = UINT64_MAX;
	*due = t;
	*measured = m;
	return true;
}

/* A request intended for `due` is handed to a connection at `now`. */
static inline void count_send(struct lg_worker *w, uint64_t due, uint64_t now, bool measured)
{
	if (!measured)
		return;
	w->sent++;
	w->last_send_ns = now;
	struct lg_slot *sl = slot_at(w, now);
	if (sl)
		sl->sent++;
	if (w->open) {
		uint64_t lag = now > due ? now - due : 0;
		hist_record(&w->lag, lag);
		if (lag > w->max_lag)
			w->max_lag = lag;
		if (lag >= w->run->late_ns)
			w->late++;
	}
}

static inline void arm_timer(struct lg_worker *w, uint64_t t)
{
	if (t < w->next_timer)
		w->next_timer = t;
}

/* Puts a request (intended for `due`, handed over `now`) on c. */
static inline __attribute__((always_inline)) void issue(struct lg_worker *w, struct lg_conn *c, uint64_t due, uint64_t now, bool measured)
{
	lg_conn_set_state(w, c, LG_C_SENDING);	/* the engine may make it CONNECTING */
	c->measured = measured;
	c->due_ns = due;
	c->sent_ns = now;
	if (w->ops->own_timeouts) {
		c->deadline_ns = UINT64_MAX;
	} else {
		c->deadline_ns = now + w->run->timeout_ns;
		arm_timer(w, c->deadline_ns);
	}
	count_send(w, due, now, measured);
	w->ops->start(w, c);
}

static inline __attribute__((always_inline)) void next_request(struct lg_worker *w, struct lg_conn *c, uint64_t now)
{
	bool m;
	if (!w->open) {
		if (admit(w, now, &m)) {
			issue(w, c, now, now, m);
		} else {
			w->ops->drop(w, c);
			lg_conn_set_state(w, c, LG_C_IDLE);
		}
		return;
	}
	uint64_t due;
	if (take_due(w, now, &due, &m)) {
		if (!w->nfree && m)
			w->conn_waits++;	/* it was due while every connection was busy */
		issue(w, c, due, now, m);
	} else {
		lg_conn_set_state(w, c, LG_C_FREE);	/* the socket is kept for the next one */
		w->free[w->nfree++] = c;
	}
}

static void backoff(struct lg_worker *w, struct lg_conn *c, uint64_t now)
{
	w->ops->drop(w, c);
	lg_conn_set_state(w, c, LG_C_BACKOFF);
	c->deadline_ns = now + LG_CONNECT_BACKOFF_NS;
	arm_timer(w, c->deadline_ns);
}

/* A failed request (measured or not: both count towards "server gone"). */
static void count_error(struct lg_worker *w, bool measured, enum lg_error_class cls, int e, uint64_t now)
{
	w->fails++;
	if (cls == LG_ERR_CONNECT)
		w->connect_fails++;
	if (cls == LG_ERR_CONNECT && e == ECONNREFUSED && !w->refused_since)
		__atomic_store_n(&w->refused_since, now, __ATOMIC_RELAXED);
	if (!measured)
		return;
	w->errors[cls]++;
	struct lg_slot *sl = slot_at(w, now);
	if (sl)
		sl->errors++;
	w->errnos[cls][e > 0 && e < LG_ERRNO_SLOTS ? e : 0]++;
	if (!w->first_error[0])
		snprintf(w->first_error, sizeof(w->first_error), "%s error: %s", lg_error_names[cls],
			 e > 0 ? strerror(e) : cls == LG_ERR_TIMEOUT ? "no response in time" : "-");
}

void lg_conn_fail(struct lg_worker *w, struct lg_conn *c, enum lg_error_class cls, int e)
{
	uint64_t now = mono_ns();
	count_error(w, c->measured, cls, e, now);
	if (cls == LG_ERR_CONNECT && (e == EMFILE || e == ENFILE)) {
		/* no descriptor for it: retrying would only spin; the other
		 * connections carry the load (lg_check_options refuses runs
		 * that cannot have them all) */
		w->ops->drop(w, c);
		lg_conn_set_state(w, c, LG_C_IDLE);
		return;
	}
	if (cls == LG_ERR_CONNECT) {
		backoff(w, c, now);
		return;
	}
	w->ops->drop(w, c);
	next_request(w, c, now);
}

static inline __attribute__((always_inline)) void answered(struct lg_worker *w, struct lg_conn *c, int status, bool body_ok,
			    uint32_t seq, bool new_conn, uint64_t now)
{
	if (c->measured && now >= w->run->issue_end_ns) {
		w->unfinished++;	/* parsed in the last batch, after the window */
		c->measured = false;
	}
	if (c->measured) {
		int cls = status / 100;
		if (cls > 5 || cls < 0)
			cls = 0;
		struct lg_slot *sl = slot_at(w, now);
		w->status_classes[cls]++;
		bool ok = false;
		if (w->run->target.expect_status ? status != w->run->target.expect_status : cls != 2) {
			w->errors[LG_ERR_STATUS]++;
			if (!w->status_code[cls])
				w->status_code[cls] = status;
			else if (w->status_code[cls] != status)
				w->status_code[cls] = -1;
			w->errnos[LG_ERR_STATUS][0]++;
		} else if (!body_ok) {
			w->errors[LG_ERR_BODY]++;
			w->errnos[LG_ERR_BODY][0]++;
		} else {
			/* completed: answered with an accepted status and body; a
			 * status or body error is a failed request, not completed */
			ok = true;
			w->completed++;
			hist_record(&w->lat, now - c->due_ns);
			if (w->open)
				hist_record(&w->lat_unc, now - c->sent_ns);
		}
		if (sl) {
			sl->errors += !ok;
			if (ok) {
				sl->completed++;
				hist_record(&sl->lat, now - c->due_ns);
			}
		}
		if (w->run->opts.record_requests && !w->rec_oom)
			lg_keep_record(w, c->due_ns, now, seq, c->lport, ok, new_conn);
		w->last_resp_ns = now;
		__atomic_store_n(&w->progress, w->completed, __ATOMIC_RELAXED);
	}
	w->last_progress = now;
	w->fails = w->connect_fails = 0;
	if (w->refused_since)
		__atomic_store_n(&w->refused_since, 0, __ATOMIC_RELAXED);
}

/* A complete response parsed by hp. Returns whether c goes on reading the
 * same socket (the next request was sent on it). */
static inline bool response_done(struct lg_worker *w, struct lg_conn *c, const struct http_parser *hp,
			  bool fin_seen)
{
	uint64_t now = mono_ns();
	answered(w, c, hp->status, !hp->body_mismatch, (uint32_t)c->served, c->served == 0, now);
	c->served++;
	uint32_t gen = c->gen;
	if (hp->must_close)
		w->ops->retire(w, c, fin_seen);
	next_request(w, c, now);
	return c->gen == gen && (c->state == LG_C_SENDING || c->state == LG_C_READING);
}

void lg_conn_next(struct lg_worker *w, struct lg_conn *c, uint64_t now)
{
	next_request(w, c, now);
}

void lg_conn_answered(struct lg_worker *w, struct lg_conn *c, int status, bool body_ok,
		      uint32_t seq, bool new_conn, uint64_t now)
{
	answered(w, c, status, body_ok, seq, new_conn, now);
}

/* "not an HTTP response: first bytes \"...\"", non-printing bytes as \xNN. */
static void describe_bytes(char *out, size_t len, const char *buf, size_t n)
{
	size_t o = (size_t)snprintf(out, len, "not an HTTP response: first bytes \"");

	for (size_t i = 0; i < n && i < 32 && o + 6 < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
	}
	snprintf(out + o, len - o, "%s\"", n > 32 ? "..." : "");
}

bool lg_conn_feed(struct lg_worker *w, struct lg_conn *c, struct http_parser *hp,
		  const char *buf, size_t n, bool fin_seen)
{
	if (c->measured)
		w->bytes += n;
	size_t off = 0;
	while (off < n) {
		size_t used;
		enum hp_result r = hp_feed(hp, buf + off, n - off, &used);
		off += used;
		if (r == HP_AGAIN)
			return true;
		if (r == HP_ERROR) {
			if (c->measured && !w->first_error[0])
				describe_bytes(w->first_error, sizeof(w->first_error), buf, n);
			lg_conn_fail(w, c, LG_ERR_PARSE, 0);
			return false;
		}
		if (hp->status < 200)
			continue;	/* interim response: the real one follows */
		if (!response_done(w, c, hp, fin_seen))
			return false;
	}
	return true;
}

/* The request in flight goes again on a new socket: the server closed a
 * kept-alive socket before answering. Its latency keeps running. */
static void resend(struct lg_worker *w, struct lg_conn *c)
{
	w->ops->drop(w, c);
	lg_conn_set_state(w, c, LG_C_SENDING);
	w->ops->start(w, c);
}

void lg_conn_closed(struct lg_worker *w, struct lg_conn *c, struct http_parser *hp, int e)
{
	if (!lg_in_flight(c->state)) {
		w->ops->drop(w, c);	/* the server closed an idle socket */
		return;
	}
	if (!e) {
		enum hp_result r = hp_finish(hp);
		if (r == HP_DONE && hp->status >= 200) {
			response_done(w, c, hp, true);
			return;
		}
		if (r == HP_AGAIN && c->served && c->state != LG_C_CONNECTING) {
			resend(w, c);	/* an idle kept-alive socket closed by the server */
			return;
		}
	} else if (c->served && !hp_in_progress(hp) && (e == ECONNRESET || e == EPIPE)) {
		resend(w, c);
		return;
	}
	lg_conn_fail(w, c, c->state == LG_C_CONNECTING ? LG_ERR_CONNECT : LG_ERR_READ, e);
}

/* ---- the loop -------------------------------------------------------------- */

/* Whether to give up once no response came for a whole timeout: with a
 * request count, when requests keep failing (or it might never end); with a
 * duration, only when connections fail too, i.e. the server is gone (a
 * stalled server that times out may come back, and the run is bounded). */
static inline bool server_gone(const struct lg_worker *w)
{
	return w->run->opts.duration_ns ? w->connect_fails != 0 : w->fails != 0;
}

/* Stop issuing: the schedule ends; open-loop requests already due are
 * counted as unsent; backed-off connections stay closed. */
static void stop_issuing(struct lg_worker *w, uint64_t now)
{
	const struct lg_run *r = w->run;
	w->stopping = true;
	for (int i = 0; i < w->nconns; i++)
		if (w->conns[i]->state == LG_C_BACKOFF)
			lg_conn_set_state(w, w->conns[i], LG_C_IDLE);
	if (!w->open)
		return;
	struct lg_sched *s = &w->sched;
	while (s->next <= now && s->next < r->issue_end_ns) {
		if (s->next >= r->measure_ns) {
			if (w->limited && !w->budget)
				break;
			if (w->limited)
				w->budget--;
			w->unsent++;
		}
		lg_sched_advance(s);
	}
	s->next = UINT64_MAX;
}

/* Stops issuing at the end of the window or when the server is gone.
 * Returns the time the loop must wake up by for it. */
static uint64_t check_end(struct lg_worker *w, uint64_t now)
{
	const struct lg_run *r = w->run;
	if (w->stopping)
		return UINT64_MAX;
	bool gone = server_gone(w);
	if (now >= r->issue_end_ns || (gone && now - w->last_progress > r->timeout_ns)) {
		stop_issuing(w, now);
		return UINT64_MAX;
	}
	uint64_t wake = r->issue_end_ns;
	if (gone && w->last_progress + r->timeout_ns + 1 < wake)
		wake = w->last_progress + r->timeout_ns + 1;
	return wake;
}

/* Deadlines: expired requests time out, backed-off connections retry. */
static void scan_timers(struct lg_worker *w, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	for (int i = 0; i < w->nconns; i++) {
		struct lg_conn *c = w->conns[i];
		if (c->state < LG_C_BACKOFF)
			continue;
		if (now >= c->deadline_ns) {
			if (c->state == LG_C_BACKOFF)
				next_request(w, c, now);
			else
				lg_conn_fail(w, c, LG_ERR_TIMEOUT, 0);
		}
		if (c->state >= LG_C_BACKOFF && c->deadline_ns < next)
			next = c->deadline_ns;
	}
	w->next_timer = next;
}

/* Open loop: due requests go out on free connections. Returns the time. */
static uint64_t dispatch(struct lg_worker *w, uint64_t now)
{
	uint64_t due;
	bool m;
	while (w->nfree && take_due(w, now, &due, &m)) {
		issue(w, w->free[--w->nfree], due, now, m);
		now = mono_ns();
	}
	return now;
}

void lg_core_begin(struct lg_worker *w)
{
	w->next_timer = UINT64_MAX;
	if (w->open) {
		/* all free, connection 0 on top */
		for (int i = w->nconns - 1; i >= 0; i--) {
			w->conns[i]->state = LG_C_FREE;
			w->free[w->nfree++] = w->conns[i];
		}
		return;
	}
	/* Each at its own time: with thousands of connections the connects
	 * take seconds, and those past the end of the window must not open
	 * (admit refuses them) nor be timed from the start. */
	for (int i = 0; i < w->nconns && !lg_stopped(w->run); i++)
		next_request(w, w->conns[i], mono_ns());
}

bool lg_core_turn(struct lg_worker *w, uint64_t *now_out, uint64_t *wake_out, bool *precise_out)
{
	const struct lg_run *r = w->run;
	if (lg_stopped(r))
		return false;
	uint64_t now = mono_ns();
	uint64_t wake = check_end(w, now);
	if (now >= r->issue_end_ns)
		return false;	/* the window is over: what is in flight is unfinished */
	if (now >= w->next_timer)
		scan_timers(w, now);
	if (w->slots && now >= w->slot_end)
		slot_rotate(w, now);	/* also when idle: lg_live_interval waits for it */
	if (w->slot_end < wake)
		wake = w->slot_end;
	bool precise = false;
	if (w->open) {
		now = dispatch(w, now);
		if (w->nfree && w->sched.next < wake) {
			wake = w->sched.next;
			precise = true;
		}
	}
	if (w->active <= 0 && (!w->open || w->sched.next == UINT64_MAX))
		return false;
	if (w->next_timer < wake) {
		wake = w->next_timer;
		precise = false;
	}
	*now_out = now;
	*wake_out = wake;
	*precise_out = precise;
	return true;
}

void lg_core_finish(struct lg_worker *w)
{
	w->load_end_ns = mono_ns();	/* closing thousands of sockets is no part of the window */
	for (int i = 0; i < w->nconns; i++) {
		struct lg_conn *c = w->conns[i];
		if (lg_in_flight(c->state) && c->measured)
			w->unfinished++;
		w->ops->drop(w, c);
		lg_conn_set_state(w, c, LG_C_IDLE);
	}
}
