/* Incremental HTTP/1.1 response parser: a byte-level state machine with no
 * allocation. Feed it whatever recv() returned; it stops at the end of each
 * response so pipelined responses are parsed one at a time. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hp_result {
	HP_ERROR = -1,	/* not a valid response; the connection is unusable */
	HP_AGAIN = 0,	/* all bytes consumed, the response is not complete yet */
	HP_DONE = 1,	/* a response is complete: read the fields below */
};

struct http_parser {
	/* Set by hp_init: the body every response should have (NULL: any). */
	const char *expect;
	size_t expect_len;

	/* Valid once hp_feed/hp_finish returned HP_DONE (status also earlier). */
	int status;		/* 100..999 */
	bool must_close;	/* Connection: close, HTTP/1.0 without keep-alive,
				 * or a body delimited by the connection close */
	bool body_mismatch;	/* expect set and the body differs */
	uint64_t body_len;	/* body bytes (decoded, for chunked) */
	uint64_t resp_bytes;	/* bytes of this response seen so far, framing included */

	/* internal */
	uint8_t state;
	bool done;		/* the last call returned HP_DONE */
	uint8_t minor;		/* HTTP/1.minor */
	uint8_t hdr;		/* header being read */
	uint8_t cand;		/* header names still matching */
	uint8_t name_len;
	uint8_t val_len;
	bool val_overflow;
	bool chunked, has_cl, te, keep_alive, conn_close;
	uint64_t content_length;
	uint64_t remaining;	/* Content-Length or chunk bytes left */
	uint32_t head_bytes;	/* status line + headers (+ trailers) */
	char val[96];		/* value of a header we care about, lowercased */
};

void hp_init(struct http_parser *p, const char *expect, size_t expect_len);
/* Forget the current response (after an error or a reconnect). */
void hp_reset(struct http_parser *p);
/* Parses data[0..len). *used is the number of bytes consumed: on HP_DONE the
 * rest belongs to the next response (the next hp_feed starts it). */
enum hp_result hp_feed(struct http_parser *p, const char *data, size_t len, size_t *used);
/* The peer closed the connection. HP_DONE: that completed a response whose
 * body runs to the close; HP_AGAIN: no response was in progress (a clean
 * close between responses); HP_ERROR: the close cut a response short. */
enum hp_result hp_finish(struct http_parser *p);
/* Whether bytes of a response not yet complete were consumed. */
static inline bool hp_in_progress(const struct http_parser *p)
{
	return p->resp_bytes != 0 && !p->done;
}
