/* The incremental response parser: keep-alive, Connection: close, HTTP/1.0,
 * chunked with trailers, EOF-delimited bodies, no-body statuses, pipelined
 * responses, every split position, byte-at-a-time, malformed input, body
 * comparison. */
#include <stdio.h>
#include <string.h>

#include "loadgen/http_parse.h"
#include "tests/lib/check.h"

#define BODY "{\"message\":\"Hello, World!\"}"

struct resp {
	int status;
	bool must_close, mismatch;
	uint64_t body_len;
};

/* Feeds buf in pieces cut at the given positions (sorted, < len), then
 * (eof) closes. Collects up to max responses. Returns the count, or -1 on a
 * parse error. */
static int run(const char *expect, const char *buf, size_t len, const size_t *cuts, int ncuts,
	       bool eof, struct resp *out, int max)
{
	struct http_parser p;
	int n = 0;
	size_t start = 0;

	hp_init(&p, expect, expect ? strlen(expect) : 0);
	for (int k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : len;
		size_t off = start;
		while (off < end) {
			size_t used;
			enum hp_result r = hp_feed(&p, buf + off, end - off, &used);
			if (r == HP_ERROR)
				return -1;
			off += used;
			if (r == HP_DONE) {
				if (n < max)
					out[n] = (struct resp){ p.status, p.must_close, p.body_mismatch, p.body_len };
				n++;
			} else if (off != end) {
				return -2;	/* HP_AGAIN must consume everything */
			}
		}
		start = end;
	}
	if (eof) {
		enum hp_result r = hp_finish(&p);
		if (r == HP_ERROR)
			return -1;
		if (r == HP_DONE) {
			if (n < max)
				out[n] = (struct resp){ p.status, p.must_close, p.body_mismatch, p.body_len };
			n++;
		}
	}
	return n;
}

struct expect_resp {
	int status;
	bool must_close, mismatch;
	int body_len;
};

/* Parses whole, at every single split point, every pair of split points
 * (for short inputs) and byte by byte; all must give the same responses. */
static void check(const char *name, const char *expect_body, const char *buf, bool eof,
		  const struct expect_resp *want, int nwant)
{
	size_t len = strlen(buf);
	struct resp got[16];
	size_t cuts[4096];

	int n = run(expect_body, buf, len, NULL, 0, eof, got, 16);
	CHECK(n == nwant, "%s: %d responses, want %d", name, n, nwant);
	for (int i = 0; i < n && i < nwant; i++)
		CHECK(got[i].status == want[i].status && got[i].must_close == want[i].must_close &&
		      got[i].mismatch == want[i].mismatch &&
		      (want[i].body_len < 0 || got[i].body_len == (uint64_t)want[i].body_len),
		      "%s: response %d: status %d close %d mismatch %d body %llu", name, i,
		      got[i].status, got[i].must_close, got[i].mismatch,
		      (unsigned long long)got[i].body_len);

	for (size_t c = 1; c < len; c++) {
		struct resp g2[16];
		int n2 = run(expect_body, buf, len, &c, 1, eof, g2, 16);
		CHECK(n2 == n && !memcmp(g2, got, sizeof(got[0]) * (size_t)(n < 16 ? n : 16)),
		      "%s: split at %zu gives %d responses", name, c, n2);
	}
	if (len < 300) {
		for (size_t a = 1; a < len; a++)
			for (size_t b = a + 1; b < len; b++) {
				size_t cc[2] = { a, b };
				struct resp g2[16];
				int n2 = run(expect_body, buf, len, cc, 2, eof, g2, 16);
				if (n2 != n || memcmp(g2, got, sizeof(got[0]) * (size_t)(n < 16 ? n : 16))) {
					CHECK(0, "%s: split at %zu,%zu gives %d responses", name, a, b, n2);
					a = len;
					break;
				}
			}
	}
	if (len <= 4096) {
		for (size_t c = 1; c < len; c++)
			cuts[c - 1] = c;
		struct resp g2[16];
		int n2 = run(expect_body, buf, len, cuts, (int)len - 1, eof, g2, 16);
		CHECK(n2 == n && !memcmp(g2, got, sizeof(got[0]) * (size_t)(n < 16 ? n : 16)),
		      "%s: byte by byte gives %d responses", name, n2);
	}
}

static void check_error(const char *name, const char *buf, bool eof)
{
	size_t len = strlen(buf);
	struct resp got[4];
	int n = run(NULL, buf, len, NULL, 0, eof, got, 4);
	CHECK(n == -1, "%s: want a parse error, got %d", name, n);
	for (size_t c = 1; c < len; c++) {
		n = run(NULL, buf, len, &c, 1, eof, got, 4);
		CHECK(n == -1, "%s: split at %zu: want a parse error, got %d", name, c, n);
	}
}

#define NGINX_HEAD "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n" \
	"Content-Type: application/json\r\nContent-Length: 27\r\nConnection: keep-alive\r\n\r\n"
#define OK_27 "HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n"
#define CHUNKED "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

/* Inputs of one response each: the body expected (NULL: any), the bytes,
 * whether the connection closes after them, and what the response must be:
 * { status, must close, body mismatch, body length }. */
static const struct one_response {
	const char *name, *expect_body, *bytes;
	bool eof;
	struct expect_resp want;
} one_response[] = {
	{ "keep-alive", BODY, NGINX_HEAD BODY, false, { 200, false, false, 27 } },
	{ "keep-alive, no expected body", NULL, NGINX_HEAD BODY, false, { 200, false, false, 27 } },
	{ "close", BODY, "HTTP/1.1 200 OK\r\nconnection: Close\r\ncontent-length: 27\r\n\r\n" BODY, false,
	  { 200, true, false, 27 } },
	{ "connection token list", BODY,
	  "HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\nContent-Length: 27\r\n\r\n" BODY, false,
	  { 200, true, false, 27 } },
	{ "HTTP/1.0 closes", BODY,
	  "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n" BODY, false,
	  { 200, true, false, 27 } },
	{ "HTTP/1.0 keep-alive", BODY,
	  "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 27\r\n\r\n" BODY, false,
	  { 200, false, false, 27 } },
	{ "werkzeug HTTP/1.1 close", BODY,
	  "HTTP/1.1 200 OK\r\nServer: Werkzeug/2.2.2 Python/3.11.2\r\nDate: x\r\n"
	  "Content-Type: application/json\r\nContent-Length: 27\r\nConnection: close\r\n\r\n" BODY, true,
	  { 200, true, false, 27 } },
	{ "chunked with trailers", BODY,
	  CHUNKED "5\r\n{\"mes\r\n" "0000000A;ext=1;q=\"x\"\r\nsage\":\"Hel\r\n" "c\r\nlo, World!\"}\r\n"
	  "0\r\nX-Checksum: abc\r\nX-Other: d\r\n\r\n", false, { 200, false, false, 27 } },
	{ "chunked, bare LF", BODY,
	  "HTTP/1.1 200 OK\nTransfer-Encoding: gzip, Chunked\n\n1b\n" BODY "\n0\n\n", false,
	  { 200, false, false, 27 } },
	{ "chunked wins over content-length", BODY,
	  "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1B\r\n" BODY "\r\n0\r\n\r\n",
	  false, { 200, false, false, 27 } },
	{ "EOF-delimited body", BODY, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" BODY, true,
	  { 200, true, false, 27 } },
	{ "EOF-delimited, non-chunked coding", NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc", true,
	  { 200, true, false, 3 } },
	{ "EOF-delimited empty body", NULL, "HTTP/1.0 200 OK\r\n\r\n", true, { 200, true, false, 0 } },
	{ "odd but valid headers", NULL,
	  "HTTP/1.1 404 \r\nX-Empty:\r\nX-Folded: a\r\n  b\r\nContent-Length:   4  \r\n"
	  "Content-Length: 4\r\nX-Long-Content-Length-Lookalike: 99\r\nContent-Lengthy: 7\r\n\r\nnope", false,
	  { 404, false, false, 4 } },
	/* body checks */
	{ "body differs", BODY, OK_27 "{\"message\":\"Hello, World?\"}", false, { 200, false, true, 27 } },
	{ "body shorter", BODY, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"mes", false, { 200, false, true, 5 } },
	{ "body longer", BODY, "HTTP/1.1 200 OK\r\nContent-Length: 28\r\n\r\n" BODY "\n", false,
	  { 200, false, true, 28 } },
	{ "chunked body differs", BODY, CHUNKED "1b\r\n{\"message\":\"Hello, World!\"]\r\n0\r\n\r\n", false,
	  { 200, false, true, 27 } },
	{ "204 with an expected body", BODY, "HTTP/1.1 204 No Content\r\n\r\n", false, { 204, false, true, 0 } },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(one_response) / sizeof(one_response[0]); i++) {
		const struct one_response *c = &one_response[i];
		check(c->name, c->expect_body, c->bytes, c->eof, &c->want, 1);
	}

	check("pipelined: 204, 304, 100 + 200, 500, chunked, 200", NULL,
	      "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
	      "HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"
	      "HTTP/1.1 100 Continue\r\n\r\n"
	      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	      "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nerror"
	      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
	      "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false,
	      (struct expect_resp[]){ { 204, false, false, 0 }, { 304, false, false, 0 },
				      { 100, false, false, 0 }, { 200, false, false, 2 },
				      { 500, false, false, 5 }, { 200, false, false, 2 },
				      { 200, false, false, 0 } }, 7);
	check("pipelined keep-alive x3", BODY,
	      OK_27 BODY OK_27 BODY OK_27 BODY, false,
	      (struct expect_resp[]){ { 200, false, false, 27 }, { 200, false, false, 27 },
				      { 200, false, false, 27 } }, 3);

	/* incomplete / clean close */
	{
		struct resp g[2];
		const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n{\"mes";
		CHECK(run(NULL, s, strlen(s), NULL, 0, false, g, 2) == 0, "incomplete response must not complete");
		CHECK(run(NULL, s, strlen(s), NULL, 0, true, g, 2) == -1, "close mid-body must be an error");
		CHECK(run(NULL, "HTTP/1.1 2", 10, NULL, 0, true, g, 2) == -1, "close mid-status must be an error");
		CHECK(run(NULL, "", 0, NULL, 0, true, g, 2) == 0, "close before a response must be clean");

		struct http_parser p;
		size_t used;
		hp_init(&p, NULL, 0);
		CHECK(!hp_in_progress(&p), "in progress at start");
		hp_feed(&p, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTT", 41, &used);
		CHECK(used == 38 && p.done && !hp_in_progress(&p), "used %zu after the first response", used);
		CHECK(hp_finish(&p) == HP_AGAIN, "clean close after a response");
		CHECK(hp_feed(&p, "HTT", 3, &used) == HP_AGAIN && hp_in_progress(&p), "next response in progress");
		CHECK(hp_finish(&p) == HP_ERROR, "close inside the next response");
	}

	/* malformed */
	check_error("not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", false);
	check_error("HTTP/2", "HTTP/2 200\r\n\r\n", false);
	check_error("bad status", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", false);
	check_error("status too short", "HTTP/1.1 20 OK\r\n\r\n", false);
	check_error("status 099", "HTTP/1.1 099 OK\r\n\r\n", false);
	check_error("space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", false);
	check_error("bad header name", "HTTP/1.1 200 OK\r\nCont(ent: 0\r\n\r\n", false);
	check_error("bad content-length", "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", false);
	check_error("negative content-length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false);
	check_error("empty content-length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", false);
	check_error("conflicting content-length",
		    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", false);
	check_error("huge content-length",
		    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", false);
	check_error("bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false);
	check_error("chunk without CRLF",
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", false);
	check_error("CR without LF", "HTTP/1.1 200 OK\r\n\rX", false);
	check_error("garbage after a response",
		    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nxyz", false);

	return check_status();
}
