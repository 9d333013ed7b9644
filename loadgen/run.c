/* The run, whatever the engine: the open-loop schedule, worker threads and
 * merging their results (see loadgen.h). Options are checked in options.c,
 * URLs parsed in target.c; the engines (engine.c: epoll, engine_curl.c,
 * engine_uring.c) only move bytes for the connection core (core.c). */
#define _GNU_SOURCE
#include "loadgen/lg_internal.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct lg_engine_ops *engine_ops(enum lg_engine e)
{
	switch (e) {
	case LG_ENGINE_EPOLL: return &lg_epoll_ops;
	case LG_ENGINE_CURL: return &lg_curl_ops;
	case LG_ENGINE_URING: return &lg_uring_ops;
	default: return NULL;
	}
}

/* ---- the open-loop schedule ------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t xorshift128p(uint64_t s[2])
{
	uint64_t a = s[0], b = s[1];
	s[0] = b;
	a ^= a << 23;
	s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
	return s[1] + b;
}

/* An exponential gap with mean m: -m ln(1 - u), u uniform in [0, 1). */
static inline double exp_gap(struct lg_sched *s)
{
	double u = (double)(xorshift128p(s->rng) >> 11) * 0x1.0p-53;
	return -s->gap_ns * log1p(-u);
}

static void sched_init(struct lg_sched *s, const struct lg_run *r, int idx)
{
	const struct lg_options *o = &r->opts;
	memset(s, 0, sizeof(*s));
	s->gap_ns = 1e9 * o->threads / o->rate;
	s->poisson = o->arrival == LG_ARRIVAL_POISSON;
	if (s->poisson) {
		uint64_t x = (o->seed ? o->seed : 0x62656e6368ull) ^ ((uint64_t)idx * 0x9e3779b97f4a7c15ull);
		s->rng[0] = splitmix64(&x);
		s->rng[1] = splitmix64(&x);
		s->t0 = r->start_ns;
		s->off_ns = exp_gap(s);
		s->next = s->t0 + (uint64_t)s->off_ns;
	} else {
		/* threads take turns: together they send evenly spaced requests */
		s->t0 = r->start_ns + (uint64_t)llround(1e9 * idx / o->rate);
		s->next = s->t0;
	}
	if (s->next >= r->issue_end_ns)
		s->next = UINT64_MAX;
}

void lg_sched_advance(struct lg_sched *s)
{
	s->k++;
	if (s->poisson) {
		s->off_ns += exp_gap(s);
		s->next = s->t0 + (uint64_t)s->off_ns;
	} else {
		/* from the origin each time: no rounding error piles up */
		s->next = s->t0 + (uint64_t)llround((double)s->k * s->gap_ns);
	}
}

/* ---- workers --------------------------------------------------------------- */

/* The three latency histograms a worker and a result each hold. */
static void free_hists(struct hist *latency, struct hist *uncorrected, struct hist *send_lag)
{
	hist_free(latency);
	hist_free(uncorrected);
	hist_free(send_lag);
}

static int worker_init(struct lg_worker *w, struct lg_run *r, int idx, int nconns,
		       const struct lg_conn_ops *ops)
{
	w->run = r;
	w->ops = ops;
	w->idx = idx;
	w->nconns = nconns;
	w->cpu = -1;
	w->open = r->opts.mode == LG_MODE_OPEN;
	w->conns = calloc((size_t)nconns, sizeof(*w->conns));
	w->free = calloc((size_t)nconns, sizeof(*w->free));
	if (!w->conns || !w->free || hist_init(&w->lat) || hist_init(&w->lat_unc) || hist_init(&w->lag) ||
	    lg_slots_init(w))
		return -ENOMEM;
	if (r->opts.record_requests && r->opts.stream_records &&
	    !(w->ring = malloc(LG_REC_RING * sizeof(*w->ring))))
		return -ENOMEM;
	return 0;
}

static void worker_fini(struct lg_worker *w)
{
	free(w->conns);
	free(w->free);
	w->conns = w->free = NULL;
	lg_slots_free(w);
	free_hists(&w->lat, &w->lat_unc, &w->lag);
	free(w->ring);
	w->ring = NULL;
	while (w->recs) {	/* left only when lg_join did not collect them */
		struct lg_rec_chunk *k = w->recs;
		w->recs = k->next;
		free(k);
	}
}

void *lg_worker_new(size_t size, struct lg_run *r, int idx, int nconns, const struct lg_conn_ops *ops,
		    struct errbuf *err)
{
	size_t rounded = (size + 63) & ~(size_t)63;
	struct lg_worker *w = aligned_alloc(64, rounded);
	if (w) {
		memset(w, 0, rounded);
		if (!worker_init(w, r, idx, nconns, ops))
			return w;
		worker_fini(w);
		free(w);
	}
	errbuf_set(err, "failed to set up load generator thread %d: out of memory", idx);
	return NULL;
}

void lg_worker_delete(struct lg_worker *w, void *const *allocs, size_t n)
{
	worker_fini(w);
	for (size_t i = 0; i < n; i++)
		free(allocs[i]);
	free(w);
}

void lg_worker_begin(struct lg_worker *w)
{
	/* Open loop sleeps until the next send: the default 50 us timer slack
	 * would make every one of those wake-ups late. */
	if (w->open)
		prctl(PR_SET_TIMERSLACK, 1ul, 0ul, 0ul, 0ul);
	w->begin_ns = mono_ns();
	w->last_progress = w->run->start_ns;
	lg_slots_start(w);
}

void lg_worker_end(struct lg_worker *w)
{
	struct rusage ru;
	if (!getrusage(RUSAGE_THREAD, &ru)) {
		w->cpu_user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
		w->cpu_sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	}
	w->end_ns = mono_ns();
	lg_slots_done(w);
	__atomic_add_fetch(&w->run->finished, 1, __ATOMIC_RELEASE);
}

uint16_t lg_local_port(int fd)
{
	struct sockaddr_storage a;
	socklen_t al = sizeof(a);
	if (getsockname(fd, (struct sockaddr *)&a, &al))
		return 0;
	return ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port
					     : ((struct sockaddr_in *)&a)->sin_port);
}

void lg_keep_record(struct lg_worker *w, uint64_t due, uint64_t now, uint32_t seq,
		    uint16_t lport, bool ok, bool new_conn)
{
	struct lg_record rec = {
		.c0 = due, .c5 = now, .seq = seq, .lport = lport, .ok = ok, .new_conn = new_conn,
	};
	if (w->ring) {
		uint64_t head = w->ring_head;
		if (head - __atomic_load_n(&w->ring_tail, __ATOMIC_ACQUIRE) == LG_REC_RING) {
			w->ring_lost++;	/* counted in lg_result.records_lost */
			return;
		}
		w->ring[head & (LG_REC_RING - 1)] = rec;
		__atomic_store_n(&w->ring_head, head + 1, __ATOMIC_RELEASE);
		return;
	}
	struct lg_rec_chunk *k = w->recs;
	if (!k || k->n == LG_RECS_PER_CHUNK) {
		k = malloc(sizeof(*k));
		if (!k) {
			w->rec_oom = true;
			return;
		}
		k->n = 0;
		k->next = w->recs;
		w->recs = k;
	}
	k->v[k->n++] = rec;
}

size_t lg_drain_records(struct lg_run *r, lg_record_fn fn, void *arg)
{
	size_t n = 0;
	for (int i = 0; i < r->nworkers; i++) {
		struct lg_worker *w = r->workers[i];
		if (!w || !w->ring)
			continue;
		uint64_t tail = w->ring_tail;
		uint64_t head = __atomic_load_n(&w->ring_head, __ATOMIC_ACQUIRE);
		for (; tail != head; tail++, n++)
			fn(&w->ring[tail & (LG_REC_RING - 1)], arg);
		__atomic_store_n(&w->ring_tail, tail, __ATOMIC_RELEASE);
	}
	return n;
}

/* ---- lifecycle ------------------------------------------------------------- */

static void free_run(struct lg_run *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nworkers; i++)
		if (r->workers[i])
			r->ops->free_worker(r->workers[i]);
	free(r->workers);
	if (r->evfd >= 0)
		close(r->evfd);
	hist_free(&r->live);
	free(r);
}

/* The run with its request serialized once; no workers yet. */
static struct lg_run *new_run(const struct lg_target *t, const struct lg_options *o, struct errbuf *err)
{
	struct lg_run *r = calloc(1, sizeof(*r));
	if (!r) {
		errbuf_set(err, "out of memory");
		return NULL;
	}
	r->evfd = -1;
	r->target = *t;
	r->opts = *o;
	r->ops = engine_ops(o->engine);
	r->connections = lg_connections_used(o);
	r->nslots = lg_intervals_planned(o);
	r->timeout_ns = o->timeout_ns ? o->timeout_ns : LG_DEFAULT_TIMEOUT_NS;
	r->late_ns = o->late_ns ? o->late_ns : LG_DEFAULT_LATE_NS;
	int len = snprintf(r->req, sizeof(r->req), "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n",
			   t->path[0] ? t->path : "/", t->host);
	if (len < 0 || (size_t)len >= sizeof(r->req)) {
		free(r);
		errbuf_set(err, "request line too long");
		return NULL;
	}
	r->req_len = (uint32_t)len;
	r->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->workers = calloc((size_t)o->threads, sizeof(*r->workers));
	if (r->evfd < 0 || !r->workers || (r->nslots && hist_init(&r->live))) {
		errbuf_set(err, "failed to set up the load generator: %s", r->evfd < 0 ? strerror(errno) : "out of memory");
		free_run(r);
		return NULL;
	}
	return r;
}

/* One worker per thread, the connections and the request budget split
 * evenly; worker i is pinned to cpus[i % ncpus] (ncpus 0: not pinned). */
static int make_workers(struct lg_run *r, const int *cpus, int ncpus, struct errbuf *err)
{
	const struct lg_options *o = &r->opts;
	int e;
	if (r->ops->prepare && (e = r->ops->prepare(r, err)) < 0)
		return e;
	r->nworkers = o->threads;
	for (int i = 0; i < o->threads; i++) {
		int nconns = r->connections / o->threads + (i < r->connections % o->threads);
		struct lg_worker *w = r->ops->new_worker(r, i, nconns, err);
		if (!w)
			return -ENOMEM;
		r->workers[i] = w;
		w->cpu = ncpus ? cpus[i % ncpus] : -1;
		if (o->requests) {
			w->limited = true;
			w->budget = o->requests / (uint64_t)o->threads +
				    ((uint64_t)i < o->requests % (uint64_t)o->threads);
		}
	}
	return 0;
}

static int start_threads(struct lg_run *r, struct errbuf *err)
{
	const struct lg_options *o = &r->opts;
	r->start_ns = mono_ns();
	r->measure_ns = r->start_ns + o->warmup_ns;
	r->issue_end_ns = o->duration_ns ? r->measure_ns + o->duration_ns : UINT64_MAX;
	for (int i = 0; i < r->nworkers; i++) {
		struct lg_worker *w = r->workers[i];
		if (w->open)
			sched_init(&w->sched, r, i);
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		if (w->cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(w->cpu, &set);
			pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		}
		int e = pthread_create(&w->tid, &attr, r->ops->main, w);
		pthread_attr_destroy(&attr);
		if (e) {
			errbuf_set(err, "failed to start load generator thread %d: %s", i, strerror(e));
			lg_stop(r);
			for (int j = 0; j < i; j++)
				pthread_join(r->workers[j]->tid, NULL);
			return -e;
		}
		w->started = true;
	}
	return 0;
}

int lg_start(const struct lg_target *t, const struct lg_options *o,
	     struct lg_run **out, uint64_t *measure_start_ns, struct errbuf *err)
{
	int cpus[CPU_SETSIZE], ncpus = 0, e;

	*out = NULL;
	e = lg_check_options(o, err);
	if (e < 0)
		return e;
	if (t->https && o->engine != LG_ENGINE_CURL) {
		errbuf_set(err, "%s: https needs --engine curl (the %s engine speaks plain HTTP/1.1)",
			   t->url[0] ? t->url : "https", lg_engine_names[o->engine]);
		return -EINVAL;
	}
	if (o->pin) {
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &o->cpus))
				cpus[ncpus++] = c;
		if (!ncpus) {
			errbuf_set(err, "pinning asked for, but the CPU set is empty");
			return -EINVAL;
		}
	}
	struct lg_run *r = new_run(t, o, err);
	if (!r)
		return -ENOMEM;
	if ((e = make_workers(r, cpus, ncpus, err)) < 0 || (e = start_threads(r, err)) < 0) {
		free_run(r);
		return e;
	}
	if (measure_start_ns)
		*measure_start_ns = r->measure_ns;
	*out = r;
	return 0;
}

uint64_t lg_progress(struct lg_run *r)
{
	uint64_t n = 0;
	for (int i = 0; i < r->nworkers; i++)
		n += __atomic_load_n(&r->workers[i]->progress, __ATOMIC_RELAXED);
	return n;
}

uint64_t lg_refused_since(struct lg_run *r)
{
	uint64_t latest = 0;
	for (int i = 0; i < r->nworkers; i++) {
		uint64_t t = __atomic_load_n(&r->workers[i]->refused_since, __ATOMIC_RELAXED);
		if (!t)
			return 0;	/* this worker still gets through (or has not tried) */
		if (t > latest)
			latest = t;
	}
	return latest;
}

bool lg_done(struct lg_run *r)
{
	return __atomic_load_n(&r->finished, __ATOMIC_ACQUIRE) >= r->nworkers;
}

void lg_stop(struct lg_run *r)
{
	uint64_t one = 1;
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	if (write(r->evfd, &one, sizeof(one)) < 0) {
		/* the counter is already set: workers are awake anyway */
	}
}

/* All workers' records into one array; the chunks are freed. */
static int collect_records(struct lg_run *r, struct lg_result *res)
{
	size_t n = 0;
	for (int i = 0; i < r->nworkers; i++) {
		for (struct lg_rec_chunk *k = r->workers[i]->recs; k; k = k->next)
			n += k->n;
		n += r->workers[i]->ring_head - r->workers[i]->ring_tail;	/* not drained */
	}
	res->records = n ? malloc(n * sizeof(*res->records)) : NULL;
	int ret = n && !res->records ? -ENOMEM : 0;
	for (int i = 0; i < r->nworkers; i++) {
		struct lg_worker *w = r->workers[i];
		for (; res->records && w->ring && w->ring_tail != w->ring_head; w->ring_tail++)
			res->records[res->n_records++] = w->ring[w->ring_tail & (LG_REC_RING - 1)];
		res->records_lost += w->ring_lost;
		while (w->recs) {
			struct lg_rec_chunk *k = w->recs;
			if (res->records)
				memcpy(res->records + res->n_records, k->v, k->n * sizeof(*k->v));
			res->n_records += res->records ? k->n : 0;
			w->recs = k->next;
			free(k);
		}
		if (w->rec_oom)
			ret = -ENOMEM;
	}
	return ret;
}

int lg_join(struct lg_run *r, struct lg_result *res)
{
	int ret = 0;
	uint64_t last_end = 0, last_send = 0;
	double busy_sum = 0;
	int nbusy = 0;
	bool open = r->opts.mode == LG_MODE_OPEN;

	for (int i = 0; i < r->nworkers; i++)
		if (r->workers[i]->started)
			pthread_join(r->workers[i]->tid, NULL);
	memset(res, 0, sizeof(*res));
	if (hist_init(&res->latency) || hist_init(&res->latency_uncorrected) ||
	    hist_init(&res->send_lag))
		ret = -ENOMEM;
	res->start_ns = r->measure_ns;
	res->connections = r->connections;
	for (int i = 0; i < r->nworkers; i++) {
		const struct lg_worker *w = r->workers[i];
		res->requests_completed += w->completed;
		res->requests_ok += w->completed;
		res->bytes_read += w->bytes;
		res->connects += w->connects;
		res->sent += w->sent;
		res->requests_unfinished += w->unfinished;
		res->late_sends += w->late;
		res->conn_waits += w->conn_waits;
		res->unsent += w->unsent;
		res->tls_errors += w->tls_errors;
		if (w->max_lag > res->max_lag_ns)
			res->max_lag_ns = w->max_lag;
		for (int c = 0; c < LG_ERR__COUNT; c++) {
			res->errors[c] += w->errors[c];
			res->errors_total += w->errors[c];
			for (int e = 0; e < LG_ERRNO_SLOTS; e++)
				res->errnos[c][e] += w->errnos[c][e];
		}
		for (int s = 0; s < 6; s++) {
			res->status_classes[s] += w->status_classes[s];
			if (!res->status_code[s])
				res->status_code[s] = w->status_code[s];
			else if (w->status_code[s] && w->status_code[s] != res->status_code[s])
				res->status_code[s] = -1;
		}
		if (!res->first_error[0] && w->first_error[0])
			memcpy(res->first_error, w->first_error, sizeof(res->first_error));
		if (w->last_resp_ns > res->end_ns)
			res->end_ns = w->last_resp_ns;
		if (w->load_end_ns > last_end)
			last_end = w->load_end_ns;
		if (w->last_send_ns > last_send)
			last_send = w->last_send_ns;
		res->cpu_user_s += w->cpu_user_s;
		res->cpu_sys_s += w->cpu_sys_s;
		if (w->end_ns > w->begin_ns) {
			double wall = (double)(w->end_ns - w->begin_ns);
			double busy = 1.0 - (double)w->wait_ns / wall;
			busy = busy < 0 ? 0 : busy > 1 ? 1 : busy;
			busy_sum += busy;
			nbusy++;
			if (busy > res->busy_max)
				res->busy_max = busy;
		}
		if (!ret && (hist_merge(&res->latency, &w->lat) ||
			     hist_merge(&res->latency_uncorrected, open ? &w->lat_unc : &w->lat) ||
			     hist_merge(&res->send_lag, &w->lag)))
			ret = -EINVAL;
	}
	res->busy_fraction = nbusy ? busy_sum / nbusy : 0;
	if (r->opts.record_requests && collect_records(r, res))
		ret = -ENOMEM;
	if (!res->end_ns)	/* no response while measuring */
		res->end_ns = last_end > res->start_ns ? last_end : res->start_ns;
	res->interrupted = __atomic_load_n(&r->stop, __ATOMIC_RELAXED) != 0;

	/* The window the requests were sent in: the whole duration when the run
	 * went to its end; else up to the last send (open loop: plus one mean
	 * gap, the last request's share of the schedule). */
	uint64_t win = 0;
	if (r->opts.duration_ns && !res->interrupted && !(r->opts.requests && res->sent >= r->opts.requests))
		win = r->opts.duration_ns;
	else if (last_send)
		win = last_send - r->measure_ns + (open ? (uint64_t)llround(1e9 / r->opts.rate) : 0);
	res->send_window_ns = win;
	res->achieved_rate = win ? (double)res->sent * 1e9 / (double)win : 0;
	bool whole = r->opts.duration_ns && !res->interrupted && res->end_ns <= r->issue_end_ns &&
		     !(r->opts.requests && res->sent >= r->opts.requests);
	if (lg_timeline_merge(r, res, whole, whole ? r->opts.duration_ns : res->end_ns - res->start_ns))
		ret = -ENOMEM;
	free_run(r);
	return ret;
}

void lg_result_free(struct lg_result *res)
{
	lg_timeline_free(res);
	free_hists(&res->latency, &res->latency_uncorrected, &res->send_lag);
	free(res->records);
	res->records = NULL;
	res->n_records = 0;
}
