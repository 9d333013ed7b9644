/* The streaming join against the whole-run join on one synthetic run: many
 * connections, ports reused, warmup, failed requests, lost and incomplete
 * kernel records, kernel records arriving late and in any order across
 * ports, more records than the stream's window holds. Both must give the
 * same counts and the same percentiles; the tail shares are checked against
 * the exact shares of the slowest requests. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/anatomy.h"
#include "tests/lib/check.h"

#define NREQ 200000
#define NPORTS 40
#define MS 1000000ull

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

/* One arrival at the consumer: a client record or a kernel record. */
struct ev {
	uint64_t t;
	int client;
	size_t i;
};

static struct lg_record cl[NREQ];
static struct anat_rec kr[NREQ];
static struct ev ev[2 * NREQ];
static long kr_client[NREQ];	/* the client record a kernel record is of, or -1 */
static size_t ncl, nkr, nev, nreq;
static struct hist client_lat;
static uint64_t window_start;

static int cmp_ev(const void *pa, const void *pb)
{
	const struct ev *a = pa, *b = pb;

	return (a->t > b->t) - (a->t < b->t);
}

/* A request on port p from t: its kernel record, and (when measured) its
 * client record. Returns when it ended. */
static uint64_t one_request(uint16_t p, uint32_t seq, uint64_t t)
{
	uint64_t c0 = t, ce = c0 + 20000, s1 = (seq ? c0 : ce) + 10000 + rnd(5000);
	uint64_t s2 = s1 + 5000 + rnd(20000), s3 = s2 + 10000 + rnd(rnd(50) ? 50000 : 3000000);
	uint64_t c4 = s3 + 8000 + rnd(4000), c5 = c4 + 3000 + rnd(2000);
	bool measured = c0 >= window_start, ok = rnd(200) != 0;
	struct anat_rec k = { .port = p, .seq = seq, .s1 = s1, .s2 = s2, .s3 = s3, .c4 = c4,
			      .sends = 1, .bytes_in = 80, .bytes_out = 120, .runq_ns = rnd(3000) };

	if (!seq)
		k.ce = ce, k.acc = s1 + rnd(3000);
	if (rnd(300) == 0)
		k.s2 = 0;	/* a mark missing */
	nreq++;
	if (rnd(100) != 0) {	/* else the kernel record is lost */
		kr_client[nkr] = measured ? (long)ncl : -1;
		kr[nkr] = k;
		/* drained within 60 ms, some held much longer (a CPU's batch) */
		ev[nev++] = (struct ev){ c4 + rnd(60 * MS) + (rnd(50) ? 0 : 500 * MS), 0, nkr++ };
	}
	if (measured) {
		cl[ncl] = (struct lg_record){ .c0 = c0, .c5 = c5, .seq = seq, .lport = p, .ok = ok,
					      .new_conn = !seq };
		if (ok)
			hist_record(&client_lat, c5 - c0);
		/* the hand-off ring is drained every 20 ms, in order */
		ev[nev++] = (struct ev){ (c5 / (20 * MS) + 1) * 20 * MS, 1, ncl++ };
	}
	return c5;
}

/* Connections one after another on each port (a port reused by the next
 * connection), requests one after another on each connection. */
static void make_run(void)
{
	uint64_t t0 = 1000 * MS;

	window_start = t0 + 200 * MS;	/* warmup */
	for (uint16_t p = 1000; p < 1000 + NPORTS; p++) {
		uint64_t t = t0 + rnd(MS);

		while (nreq < (size_t)(p - 999) * (NREQ / NPORTS) - 64) {
			uint32_t n = 1 + (uint32_t)rnd(64);

			for (uint32_t s = 0; s < n; s++)
				t = one_request(p, s, t) + rnd(2 * MS);
			t += rnd(2 * MS);
		}
	}
	qsort(ev, nev, sizeof(*ev), cmp_ev);
}

static uint64_t num(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return (uint64_t)json_number_value(v);
}

static json_t *whole_run(void)
{
	struct lg_record *c = malloc(ncl * sizeof(*c));
	const struct anat_rec **k = malloc(nkr * sizeof(*k));
	struct errbuf e = { "" };
	json_t *o;

	memcpy(c, cl, ncl * sizeof(*c));
	for (size_t i = 0; i < nkr; i++)
		k[i] = &kr[i];
	struct anat_join_in in = { .client = c, .n_client = ncl, .kernel = k, .n_kernel = nkr,
				   .window_start = window_start, .window_end = UINT64_MAX - 1,
				   .client_latency = &client_lat, .have_accept = true };
	o = anat_breakdown(&in, &e);
	free(c);
	free(k);
	return o;
}

static json_t *streamed(void)
{
	struct anat_join_in opts = { .have_accept = true }, end = {
		.window_end = UINT64_MAX - 1, .client_latency = &client_lat };
	struct errbuf e = { "" };
	struct anat_stream *st = anat_stream_new(&opts);
	json_t *o;

	REQUIRE(st, "stream allocated");
	anat_stream_window_start(st, window_start);
	for (size_t i = 0; i < nev; i++) {
		if (ev[i].client)
			anat_stream_client(st, &cl[ev[i].i]);
		else
			anat_stream_kernel(st, &kr[ev[i].i]);
	}
	o = anat_stream_finish(st, &end, &e);
	anat_stream_free(st);
	return o;
}

/* The exact app share of the requests slower than the threshold. */
static double exact_app_share(uint64_t threshold)
{
	double lat = 0, app = 0;
	struct anat_comp x;

	for (size_t i = 0; i < nkr; i++) {
		const struct lg_record *c = kr_client[i] >= 0 ? &cl[kr_client[i]] : NULL;

		if (c && c->ok && c->c5 - c->c0 > threshold &&
		    anat_components(c, &kr[i], true, &x) == -1) {
			lat += (double)x.latency;
			app += (double)x.v[AC_APP];
		}
	}
	return lat > 0 ? app / lat : NAN;
}

static void compare(json_t *a, json_t *b)
{
	static const char *const counts[][2] = {
		{ "client_requests", NULL }, { "matched", NULL }, { "unmatched", NULL },
		{ "client_errors", NULL }, { "kernel_records", NULL }, { "new_connections", NULL },
		{ "unmatched_reasons", "no_kernel_record" }, { "unmatched_reasons", "marks_missing" },
		{ "unmatched_reasons", "out_of_order" }, { "kernel_only", "outside_window" },
		{ "kernel_only", "no_client_request" },
	};

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		CHECK(num(a, counts[i][0], counts[i][1]) == num(b, counts[i][0], counts[i][1]),
		      "%s.%s: whole-run %llu, streamed %llu", counts[i][0],
		      counts[i][1] ? counts[i][1] : "", (unsigned long long)num(a, counts[i][0], counts[i][1]),
		      (unsigned long long)num(b, counts[i][0], counts[i][1]));
	for (int c = 0; c < AC_NR; c++) {
		json_t *da = json_object_get(json_object_get(a, "components"), anat_comp_keys[c]);
		json_t *db = json_object_get(json_object_get(b, "components"), anat_comp_keys[c]);

		for (const char *const *p = (const char *const[]){ "count", "p50", "p99", "p999", "max", NULL };
		     *p; p++)
			CHECK(num(da, *p, NULL) == num(db, *p, NULL), "%s.%s: %llu vs %llu",
			      anat_comp_keys[c], *p, (unsigned long long)num(da, *p, NULL),
			      (unsigned long long)num(db, *p, NULL));
	}
}

int main(void)
{
	json_t *a, *b, *tb;
	double exact, got;

	REQUIRE(!hist_init(&client_lat), "histogram");
	make_run();
	REQUIRE(ncl + nkr > 2 * ANAT_STREAM_WINDOW, "more records than the window: %zu", ncl + nkr);
	a = whole_run();
	b = streamed();
	REQUIRE(a && b, "both joins gave a breakdown");
	CHECK(num(a, "matched", NULL) > ncl * 9 / 10, "most requests matched: %llu of %zu",
	      (unsigned long long)num(a, "matched", NULL), ncl);
	CHECK(num(a, "kernel_only", "outside_window") > 0 &&
	      num(a, "unmatched_reasons", "marks_missing") > 0 &&
	      num(a, "unmatched_reasons", "no_kernel_record") > 0 &&
	      num(a, "kernel_only", "no_client_request") > 0, "every reason occurs");
	compare(a, b);
	/* Tail shares: within the tail buckets' precision of the exact ones. */
	tb = json_object_get(json_object_get(b, "tail"), "p99");
	exact = exact_app_share(num(tb, "threshold_ns", NULL));
	got = json_number_value(json_object_get(tb, "app_share"));
	CHECK(fabs(got - exact) < 0.01, "tail p99 app share %.4f, exact %.4f", got, exact);
	json_decref(a);
	json_decref(b);
	hist_free(&client_lat);
	return check_status();
}
