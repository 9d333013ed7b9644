/* The anatomy of each request: the load generator's records (C0, C5) joined
 * with the kernel's (S1, S2, S3, C4, and the connection marks) on one
 * clock, split into components that add up to the client latency exactly.
 * See analysis/anatomy.md for the definitions and the join rule. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include <linux/types.h>
#include "bpf/anatomy.h"
#include "common/errbuf.h"
#include "loadgen/hist.h"
#include "loadgen/loadgen.h"

/* Components of one request, ns. They telescope:
 *   connect + net_in + accept_wait + wait + app + net_out + client == latency
 *   wait_runq + wait_other == wait
 * connect and accept_wait are 0 unless the request opened its connection. */
enum anat_comp_id {
	AC_CONNECT, AC_NET_IN, AC_ACCEPT_WAIT, AC_WAIT, AC_APP, AC_NET_OUT, AC_CLIENT,
	AC_WAIT_RUNQ, AC_WAIT_OTHER, AC_NR,
};
#define AC_TELESCOPING 7	/* the first 7 add up to the latency */
extern const char *const anat_comp_names[AC_NR];	/* in --trace lines */
extern const char *const anat_comp_keys[AC_NR];	/* breakdown.components.<key> */
extern const char *const anat_share_keys[AC_NR];	/* breakdown.tail.<p>.<key> */

struct anat_comp {
	uint64_t v[AC_NR];
	uint64_t latency;	/* c5 - c0 */
	uint64_t a;		/* where wait begins: max(s1, acc) on a new connection, else s1 */
	bool new_conn;
	bool accept_seen;	/* new connection whose accept() return is known */
};

/* Why a client request has no anatomy. */
enum anat_unmatched {
	AU_NO_KERNEL_RECORD,	/* no kernel record on its port inside [c0, c5] */
	AU_MARKS_MISSING,	/* one was there, but a mark is 0 */
	AU_OUT_OF_ORDER,	/* marks not in causal order (never expected) */
	AU_NR,
};
extern const char *const anat_unmatched_names[AU_NR];

/* Why a kernel record has no client request. */
enum anat_kernel_only {
	AK_OUTSIDE_WINDOW,	/* before (warmup) or after the measured window */
	AK_NO_CLIENT_REQUEST,	/* inside it, but no measured request holds it (e.g. a failed one) */
	AK_NR,
};
extern const char *const anat_kernel_only_names[AK_NR];

/* One client request and its kernel record -> components. Returns -1 when
 * they match (out filled), else the enum anat_unmatched reason.
 * have_accept: the accept() probe ran; a new connection whose return it did
 * not see keeps its accept_wait inside wait (out->accept_seen false). */
int anat_components(const struct lg_record *c, const struct anat_rec *k, bool have_accept,
		    struct anat_comp *out);

struct anat_join_in {
	struct lg_record *client;	/* sorted in place */
	size_t n_client;
	const struct anat_rec **kernel;	/* sorted in place */
	size_t n_kernel;
	uint64_t window_start, window_end;	/* the measured window, CLOCK_MONOTONIC */
	const struct hist *client_latency;	/* for the tail thresholds (client p99, p99.9) */
	bool have_accept;
	const char *arrival;		/* "sk_data_ready", "tcp_probe" or "none" */
	uint64_t records_lost;
	uint64_t client_lost;		/* client records dropped by the load generator's hand-off */
	FILE *trace;			/* JSON Lines of matched requests, or NULL */
	FILE *debug;			/* a line per unmatched request, or NULL */
	const char *server;		/* name written in each trace line */
};

/* Joins, computes the statistics and returns the report's "breakdown"
 * object (NULL only without memory). */
json_t *anat_breakdown(struct anat_join_in *in, struct errbuf *err);
/* The same join while the load runs, in constant memory: records are
 * handed in as they come (either side first, in any order across ports),
 * and wait at most ANAT_STREAM_WINDOW records of their side.
 * anat_stream_new takes have_accept, window_start, trace, debug, server;
 * anat_stream_finish the rest (window_end, client_latency, arrival,
 * records_lost, client_lost) and returns the "breakdown" object. */
#define ANAT_STREAM_WINDOW 65536
struct anat_stream;
struct tl_anat;
struct anat_stream *anat_stream_new(const struct anat_join_in *opts);	/* NULL: no memory */
/* The measured window's start, once the load generator has said it. */
void anat_stream_window_start(struct anat_stream *st, uint64_t t);
/* The anatomy per interval of the timeline too (analysis/timeline_anatomy.h),
 * owned by the stream; 0 or -ENOMEM. */
int anat_stream_timeline_start(struct anat_stream *st, uint64_t start_ns, uint64_t interval_ns,
			       uint32_t n, uint64_t horizon_ns);
struct tl_anat *anat_stream_timeline(const struct anat_stream *st);	/* NULL: none */
void anat_stream_client(struct anat_stream *st, const struct lg_record *c);
void anat_stream_kernel(struct anat_stream *st, const struct anat_rec *k);
json_t *anat_stream_finish(struct anat_stream *st, const struct anat_join_in *end,
			   struct errbuf *err);
void anat_stream_free(struct anat_stream *st);
/* The errno of the trace's first failed write (0: none; NULL st: 0). */
int anat_stream_trace_errno(const struct anat_stream *st);
/* {"available": false, "reason": ...} */
json_t *anat_breakdown_unavailable(const char *reason);
/* The anatomy as a stacked text bar with a legend, for the summary. */
void anat_summary(FILE *out, json_t *breakdown);
