/* The io_uring engine (prototype, --engine uring): HTTP/1.1 like the epoll
 * engine, the same closed and open loop, but no readiness notification and
 * no per-request system call:
 *  - one ring per thread, created in the thread (SINGLE_ISSUER |
 *    DEFER_TASKRUN where the kernel has them: completions run only when the
 *    thread asks, in batches), its fd registered;
 *  - sockets in a registered (fixed) file table: no fget/fput per operation;
 *  - one multishot recv per connection, armed once per socket, into a
 *    provided buffer ring (kernel-picked buffers, recycled in batches);
 *  - sends with CQE_SKIP_SUCCESS | MSG_WAITALL: a request is one SQE and,
 *    when all goes well, no completion;
 *  - a whole batch of completions is handled, then every send it caused
 *    goes in with one io_uring_enter, which also waits for the next batch.
 * See loadgen/README.md for how it compares with the epoll engine. */
#define _GNU_SOURCE
#include "loadgen/lg_internal.h"

#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen/http_parse.h"

const bool lg_uring_built = true;

#define BUF_SIZE 4096
#define BGID 7

enum op { OP_RECV = 0, OP_SEND = 1, OP_STOP = 2 };

static inline uint64_t mk_ud(uint32_t idx, uint32_t gen, enum op op)
{
	return ((uint64_t)gen << 32) | ((uint64_t)idx << 2) | (uint64_t)op;
}

struct uconn {
	struct lg_conn b;
	int fd;
	uint32_t idx;
	bool recv_armed;
	struct http_parser hp;
};

struct uworker {
	struct lg_worker b;
	struct io_uring ring;
	bool ring_ok;
	unsigned ring_flags;	/* setup flags that worked in the trial */
	struct io_uring_buf_ring *br;
	size_t br_bytes;
	char *bufs;
	unsigned nbufs, recycled;
	struct uconn *conns;
	uint64_t stop_buf;
};

/* ---- submission -------------------------------------------------------------- */

static struct io_uring_sqe *get_sqe(struct uworker *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	if (!sqe) {
		io_uring_submit(&w->ring);
		sqe = io_uring_get_sqe(&w->ring);
	}
	return sqe;	/* the SQ has room for every connection's ops, so not NULL */
}

static void arm_recv(struct uworker *w, struct uconn *c)
{
	struct io_uring_sqe *sqe = get_sqe(w);
	io_uring_prep_recv_multishot(sqe, (int)c->idx, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, mk_ud(c->idx, c->b.gen, OP_RECV));
	c->recv_armed = true;
}

static void queue_send(struct uworker *w, struct uconn *c)
{
	const struct lg_run *r = w->b.run;
	struct io_uring_sqe *sqe = get_sqe(w);
	io_uring_prep_send(sqe, (int)c->idx, r->req, r->req_len, MSG_NOSIGNAL | MSG_WAITALL);
	/* the first send on a socket reports success: it says the connect worked */
	sqe->flags |= IOSQE_FIXED_FILE | (c->b.state == LG_C_CONNECTING ? 0 : IOSQE_CQE_SKIP_SUCCESS);
	io_uring_sqe_set_data64(sqe, mk_ud(c->idx, c->b.gen, OP_SEND));
}

static inline void recycle(struct uworker *w, unsigned bid)
{
	io_uring_buf_ring_add(w->br, w->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
			      io_uring_buf_ring_mask(w->nbufs), (int)w->recycled++);
}

/* ---- the engine's I/O (struct lg_conn_ops) ----------------------------------- */

/* Drops the socket: shutdown makes the pending multishot recv complete
 * (the ring holds its own reference to the file), the fixed slot is
 * cleared, and anything still in flight for it is stale by generation. */
static void close_conn(struct uworker *w, struct uconn *c)
{
	if (c->fd < 0)
		return;
	int minus1 = -1;
	shutdown(c->fd, SHUT_RDWR);
	io_uring_register_files_update(&w->ring, c->idx, &minus1, 1);
	close(c->fd);
	c->fd = -1;
	c->b.gen++;
	c->recv_armed = false;
}

static void drop(struct lg_worker *bw, struct lg_conn *lc)
{
	struct uconn *c = (struct uconn *)lc;
	close_conn((struct uworker *)bw, c);
	hp_reset(&c->hp);
}

static void retire(struct lg_worker *bw, struct lg_conn *lc, bool fin_seen)
{
	(void)fin_seen;
	close_conn((struct uworker *)bw, (struct uconn *)lc);
}

/* A new socket: connect (on loopback usually done at once, else the queued
 * send and recv wait for it inside the kernel), register, arm, send. */
static void start_connect(struct uworker *w, struct uconn *c)
{
	const struct lg_target *t = &w->b.run->target;
	int one = 1;

	c->b.served = 0;
	c->b.state = LG_C_CONNECTING;
	c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, errno);
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addrlen) && errno != EINPROGRESS) {
		lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, errno);
		return;
	}
	if (w->b.run->opts.record_requests)
		c->b.lport = lg_local_port(c->fd);
	int e = io_uring_register_files_update(&w->ring, c->idx, &c->fd, 1);
	if (e < 0) {
		lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, -e);
		return;
	}
	queue_send(w, c);
	arm_recv(w, c);
}

static void start(struct lg_worker *bw, struct lg_conn *lc)
{
	struct uworker *w = (struct uworker *)bw;
	struct uconn *c = (struct uconn *)lc;
	if (c->fd < 0) {
		start_connect(w, c);
		return;
	}
	c->b.state = LG_C_READING;
	queue_send(w, c);
	if (!c->recv_armed)
		arm_recv(w, c);
}

static const struct lg_conn_ops uring_conn_ops = {
	.start = start,
	.drop = drop,
	.retire = retire,
};

/* ---- completions ----------------------------------------------------------------- */

static void on_cqe(struct uworker *w, const struct io_uring_cqe *cqe)
{
	uint64_t d = cqe->user_data;
	enum op op = (enum op)(d & 3);
	if (op == OP_STOP)
		return;
	struct uconn *c = &w->conns[(d >> 2) & 0x3fffffff];
	uint32_t gen = (uint32_t)(d >> 32);
	int res = cqe->res;

	if (op == OP_RECV) {
		bool has_buf = cqe->flags & IORING_CQE_F_BUFFER;
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		if (gen != c->b.gen) {
			if (has_buf)
				recycle(w, bid);
			return;
		}
		if (!(cqe->flags & IORING_CQE_F_MORE))
			c->recv_armed = false;
		if (res > 0) {
			if (has_buf) {
				if (lg_in_flight(c->b.state))	/* else bytes nobody asked for: dropped */
					lg_conn_feed(&w->b, &c->b, &c->hp, w->bufs + (size_t)bid * BUF_SIZE,
						     (size_t)res, false);
				recycle(w, bid);
			}
		} else if (res == 0) {
			lg_conn_closed(&w->b, &c->b, &c->hp, 0);
		} else if (res != -ENOBUFS && res != -EAGAIN && res != -EINTR) {
			lg_conn_closed(&w->b, &c->b, &c->hp, -res);
		}
		if (gen == c->b.gen && c->fd >= 0 && !c->recv_armed && c->b.state >= LG_C_BACKOFF)
			arm_recv(w, c);
		return;
	}
	/* OP_SEND: failures, and the first send on a socket */
	if (gen != c->b.gen)
		return;
	if (res < 0) {
		int e = -res;
		if (c->b.state == LG_C_CONNECTING)
			lg_conn_fail(&w->b, &c->b, LG_ERR_CONNECT, e);
		else if (c->b.served && (e == EPIPE || e == ECONNRESET))
			lg_conn_closed(&w->b, &c->b, &c->hp, e);
		else
			lg_conn_fail(&w->b, &c->b, LG_ERR_WRITE, e);
		return;
	}
	if (c->b.state == LG_C_CONNECTING) {
		c->b.state = LG_C_READING;
		if (c->b.measured)
			w->b.connects++;
	}
}

/* ---- the loop -------------------------------------------------------------------- */

/* Submits what is queued and waits for completions until `wake`; the same
 * early wake-up as lg_epoll_wait for open-loop sends. */
static void submit_and_wait(struct uworker *w, uint64_t now, uint64_t wake, bool precise)
{
	uint64_t d = lg_sleep_ns(&w->b, now, wake, precise);
	if (!d) {
		io_uring_submit_and_get_events(&w->ring);
		if (precise && !io_uring_cq_ready(&w->ring))
			w->b.wait_ns += mono_ns() - now;
		return;
	}
	struct __kernel_timespec ts = { .tv_sec = (long long)(d / NS_PER_SEC), .tv_nsec = (long long)(d % NS_PER_SEC) };
	struct io_uring_cqe *cqe;
	uint64_t before = mono_ns();
	int k = io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
	uint64_t after = mono_ns();
	w->b.wait_ns += after - before;
	if (precise && k == -ETIME)
		lg_learn_oversleep(&w->b, d, after - before);
}

static int setup_ring(struct uworker *w, unsigned flags)
{
	const struct lg_run *r = w->b.run;
	unsigned entries = 8;
	while (entries < 2u * (unsigned)w->b.nconns + 8)
		entries <<= 1;
	struct io_uring_params p = { .flags = flags | IORING_SETUP_CQSIZE, .cq_entries = entries * 4 };
	int e = io_uring_queue_init_params(entries, &w->ring, &p);
	if (e < 0)
		return e;
	w->ring_ok = true;
	io_uring_register_ring_fd(&w->ring);
	e = io_uring_register_files_sparse(&w->ring, (unsigned)w->b.nconns);
	if (e < 0)
		return e;
	/* the provided buffer ring: nbufs page-aligned entries, all given */
	w->br = mmap(NULL, w->br_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (w->br == MAP_FAILED) {
		w->br = NULL;
		return -ENOMEM;
	}
	struct io_uring_buf_reg reg = { .ring_addr = (uint64_t)(uintptr_t)w->br, .ring_entries = w->nbufs,
					.bgid = BGID };
	e = io_uring_register_buf_ring(&w->ring, &reg, 0);
	if (e < 0)
		return e;
	io_uring_buf_ring_init(w->br);
	w->recycled = 0;
	for (unsigned i = 0; i < w->nbufs; i++)
		recycle(w, i);
	io_uring_buf_ring_advance(w->br, (int)w->recycled);
	w->recycled = 0;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	io_uring_prep_poll_add(sqe, r->evfd, POLLIN);
	io_uring_sqe_set_data64(sqe, mk_ud(0, 0, OP_STOP));
	return 0;
}

static void teardown_ring(struct uworker *w)
{
	if (w->ring_ok) {
		io_uring_queue_exit(&w->ring);
		w->ring_ok = false;
	}
	if (w->br) {
		munmap(w->br, w->br_bytes);
		w->br = NULL;
	}
}

static void *worker_main(void *arg)
{
	struct uworker *w = arg;

	lg_worker_begin(&w->b);
	int e = setup_ring(w, w->ring_flags);
	if (e < 0) {
		/* the trial in new_worker passed, so this is rare: report it */
		snprintf(w->b.first_error, sizeof(w->b.first_error), "connect error: io_uring setup failed: %s",
			 strerror(-e));
		w->b.errors[LG_ERR_CONNECT]++;
		teardown_ring(w);
		lg_worker_end(&w->b);
		return NULL;
	}
	uint64_t now, wake;
	bool precise;
	lg_core_begin(&w->b);
	while (lg_core_turn(&w->b, &now, &wake, &precise)) {
		submit_and_wait(w, now, wake, precise);

		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			on_cqe(w, cqe);
			n++;
		}
		io_uring_cq_advance(&w->ring, n);
		if (w->recycled) {
			io_uring_buf_ring_advance(w->br, (int)w->recycled);
			w->recycled = 0;
		}
	}
	lg_core_finish(&w->b);
	teardown_ring(w);
	/* Receives run inside io_uring_enter (deferred task work), so the time
	 * in it is not idle time: busy = this thread's CPU time over its run. */
	struct rusage ru;
	if (!getrusage(RUSAGE_THREAD, &ru)) {
		uint64_t cpu = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NS_PER_SEC +
			       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * NS_PER_US;
		uint64_t wall = mono_ns() - w->b.begin_ns;
		w->b.wait_ns = wall > cpu ? wall - cpu : 0;
	}
	lg_worker_end(&w->b);
	return NULL;
}

/* ---- setup ------------------------------------------------------------------------ */

static void free_worker(struct lg_worker *bw)
{
	struct uworker *w = (struct uworker *)bw;
	teardown_ring(w);
	lg_worker_delete(&w->b, (void *[]){ w->conns, w->bufs }, 2);
}

static struct lg_worker *new_worker(struct lg_run *r, int idx, int nconns, struct errbuf *err)
{
	struct uworker *w = lg_worker_new(sizeof(*w), r, idx, nconns, &uring_conn_ops, err);
	if (!w)
		return NULL;
	w->nbufs = 16;
	while (w->nbufs < 2u * (unsigned)nconns + 16 && w->nbufs < 32768)
		w->nbufs <<= 1;
	w->br_bytes = ((size_t)w->nbufs * sizeof(struct io_uring_buf) + 4095) & ~(size_t)4095;
	w->conns = calloc((size_t)nconns, sizeof(*w->conns));
	w->bufs = aligned_alloc(4096, (size_t)w->nbufs * BUF_SIZE);
	if (!w->conns || !w->bufs) {
		errbuf_set(err, "failed to set up load generator thread %d: out of memory", idx);
		free_worker(&w->b);
		return NULL;
	}
	memset(w->bufs, 0, (size_t)w->nbufs * BUF_SIZE);
	for (int i = 0; i < nconns; i++) {
		struct uconn *c = &w->conns[i];
		c->fd = -1;
		c->idx = (uint32_t)i;
		hp_init(&c->hp, r->target.expect_body, r->target.expect_body_len);
		lg_worker_set_conn(&w->b, i, &c->b);
	}
	/* Trial: the ring is made again in the thread (a single-issuer ring
	 * belongs to the thread that made it); find the flags this kernel takes. */
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	int e = -EINVAL;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		e = setup_ring(w, tries[i]);
		teardown_ring(w);
		if (!e) {
			w->ring_flags = tries[i];
			break;
		}
	}
	if (e < 0) {
		errbuf_set(err, "io_uring is not usable here (%s); use --engine epoll", strerror(-e));
		free_worker(&w->b);
		return NULL;
	}
	return &w->b;
}

const struct lg_engine_ops lg_uring_ops = {
	.new_worker = new_worker,
	.free_worker = free_worker,
	.main = worker_main,
};
