/* libFuzzer target: the HTTP/1.1 response parser. The first byte chooses
 * whether a body is expected and whether the peer closes at the end; the
 * next four seed where the input is cut. Whatever the bytes, the parser
 * must give the same responses (and the same error) fed whole and fed in
 * pieces, consume everything when it asks for more, and report a status
 * of 100..999 and a body length that agrees with the expected body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/http_parse.h"

#define MAX_RESP 64
#define EXPECT "{\"message\":\"Hello, World!\"}"

struct outcome {
	int n, error;
	struct { int status; bool must_close, mismatch; uint64_t body_len; } r[MAX_RESP];
};

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void done(const struct http_parser *p, struct outcome *o, bool expect)
{
	require(p->status >= 100 && p->status <= 999);
	require(!expect || p->body_mismatch || p->body_len == strlen(EXPECT));
	if (o->n < MAX_RESP)
		o->r[o->n].status = p->status, o->r[o->n].must_close = p->must_close,
		o->r[o->n].mismatch = p->body_mismatch, o->r[o->n].body_len = p->body_len;
	o->n++;
}

/* Feeds data cut every `step` bytes (0: whole); stops at the first error. */
static void parse(const char *data, size_t len, size_t step, bool expect, bool eof, struct outcome *o)
{
	struct http_parser p;
	size_t off = 0;

	memset(o, 0, sizeof(*o));
	hp_init(&p, expect ? EXPECT : NULL, expect ? strlen(EXPECT) : 0);
	while (off < len) {
		size_t end = step && len - off > step ? off + step : len;

		while (off < end) {
			size_t used = 0;
			enum hp_result r = hp_feed(&p, data + off, end - off, &used);

			require(used <= end - off);
			if (r == HP_ERROR) {
				o->error = 1;
				return;
			}
			require(r == HP_DONE || used == end - off);	/* AGAIN takes all */
			off += used;
			if (r == HP_DONE)
				done(&p, o, expect);
		}
	}
	if (eof) {
		enum hp_result r = hp_finish(&p);

		if (r == HP_ERROR)
			o->error = 1;
		else if (r == HP_DONE)
			done(&p, o, expect);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, cut;

	if (size < 5)
		return 0;
	bool expect = data[0] & 1, eof = data[0] & 2;
	const char *body = (const char *)data + 5;
	size_t len = size - 5;

	parse(body, len, 0, expect, eof, &whole);
	for (int i = 1; i < 5; i++) {
		size_t step = data[i] % 17 + 1;

		parse(body, len, step, expect, eof, &cut);
		require(cut.n == whole.n && cut.error == whole.error);
		require(!memcmp(cut.r, whole.r, sizeof(cut.r[0]) * (size_t)(whole.n < MAX_RESP ? whole.n : MAX_RESP)));
	}
	return 0;
}
