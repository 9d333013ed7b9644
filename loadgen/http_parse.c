/* Incremental HTTP/1.1 response parser (see http_parse.h).
 *
 * One state per position in the grammar, one byte at a time for the status
 * line and header names; header values we do not care about, chunk
 * extensions, trailers and bodies are skipped in bulk (memchr / memcmp).
 * Line ends may be CRLF or a bare LF. */
#include "loadgen/http_parse.h"

#include <string.h>

#define HEAD_MAX (1u << 20)	/* status line + headers + chunk framing + trailers */
#define CHUNK_MAX (1ull << 56)

enum {
	S_VERSION,	/* "HTTP/1." then the minor digit; name_len is the position */
	S_VERSION_SP,
	S_STATUS,	/* three digits; name_len counts them */
	S_STATUS_END,
	S_REASON,	/* skip to LF */
	S_LINE_START,	/* start of a header line, or the empty line */
	S_NAME,
	S_VALUE_WS,
	S_VALUE,
	S_SKIP_LINE,	/* a value we do not need, or a folded line */
	S_HEAD_LF,	/* CR of the empty line seen */
	S_BODY_CL,
	S_BODY_EOF,
	S_CHUNK_SIZE0,
	S_CHUNK_SIZE,
	S_CHUNK_EXT,	/* skip to LF */
	S_CHUNK_DATA,
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_TRAILER_START,
	S_TRAILER_SKIP,
	S_TRAILER_LF,
	S_ERROR,
};

enum { H_NONE, H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_CONNECTION, H__COUNT };
static const char *const hdr_names[H__COUNT] = {
	[H_CONTENT_LENGTH] = "content-length",
	[H_TRANSFER_ENCODING] = "transfer-encoding",
	[H_CONNECTION] = "connection",
};
static const uint8_t hdr_lens[H__COUNT] = {
	[H_CONTENT_LENGTH] = 14, [H_TRANSFER_ENCODING] = 17, [H_CONNECTION] = 10,
};
#define CAND_ALL ((1u << H_CONTENT_LENGTH) | (1u << H_TRANSFER_ENCODING) | (1u << H_CONNECTION))

/* RFC 9110 tchar */
static const uint8_t is_tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1,
	['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,
	['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static inline unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

static inline int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Which header a complete name is (case-insensitive). */
static uint8_t header_of(const unsigned char *s, size_t n)
{
	int h;
	switch (n) {
	case 10: h = H_CONNECTION; break;
	case 14: h = H_CONTENT_LENGTH; break;
	case 17: h = H_TRANSFER_ENCODING; break;
	default: return H_NONE;
	}
	for (size_t k = 0; k < n; k++)
		if (lower(s[k]) != (unsigned char)hdr_names[h][k])
			return H_NONE;
	return (uint8_t)h;
}

static void new_response(struct http_parser *p)
{
	p->status = 0;
	p->must_close = false;
	p->body_mismatch = false;
	p->body_len = 0;
	p->resp_bytes = 0;
	p->state = S_VERSION;
	p->done = false;
	p->minor = 0;
	p->hdr = H_NONE;
	p->cand = 0;
	p->name_len = 0;
	p->val_len = 0;
	p->val_overflow = false;
	p->chunked = p->has_cl = p->te = p->keep_alive = p->conn_close = false;
	p->content_length = 0;
	p->remaining = 0;
	p->head_bytes = 0;
}

void hp_init(struct http_parser *p, const char *expect, size_t expect_len)
{
	memset(p, 0, sizeof(*p));
	p->expect = expect;
	p->expect_len = expect ? expect_len : 0;
	new_response(p);
}

void hp_reset(struct http_parser *p)
{
	new_response(p);
}

static inline void body_bytes(struct http_parser *p, const char *d, size_t n)
{
	if (p->expect && !p->body_mismatch) {
		if (p->body_len + n > p->expect_len ||
		    memcmp(p->expect + p->body_len, d, n) != 0)
			p->body_mismatch = true;
	}
	p->body_len += n;
}

/* Trimmed token [b, e) of val equals s? */
static bool token_is(const char *b, const char *e, const char *s)
{
	size_t n = strlen(s);
	return (size_t)(e - b) == n && memcmp(b, s, n) == 0;
}

/* Calls fn on each comma-separated, OWS-trimmed token of val. */
static void each_token(struct http_parser *p, void (*fn)(struct http_parser *, const char *, const char *))
{
	const char *s = p->val, *end = p->val + p->val_len;
	while (s < end) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		const char *te = c ? c : end;
		const char *b = s, *e = te;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b)
			fn(p, b, e);
		s = c ? c + 1 : end;
	}
}

static void te_token(struct http_parser *p, const char *b, const char *e)
{
	/* Only the last coding matters: chunked must be the final one. */
	p->chunked = token_is(b, e, "chunked");
}

static void conn_token(struct http_parser *p, const char *b, const char *e)
{
	if (token_is(b, e, "close"))
		p->conn_close = true;
	else if (token_is(b, e, "keep-alive"))
		p->keep_alive = true;
}

/* A header line we care about ended. false: invalid. */
static bool end_header(struct http_parser *p)
{
	while (p->val_len && (p->val[p->val_len - 1] == ' ' || p->val[p->val_len - 1] == '\t'))
		p->val_len--;
	switch (p->hdr) {
	case H_CONTENT_LENGTH: {
		if (p->val_overflow || !p->val_len)
			return false;
		uint64_t v = 0;
		for (unsigned i = 0; i < p->val_len; i++) {
			unsigned char c = (unsigned char)p->val[i];
			if (c < '0' || c > '9' || v > (1ull << 58))
				return false;
			v = v * 10 + (c - '0');
		}
		if (p->has_cl && v != p->content_length)
			return false;
		p->has_cl = true;
		p->content_length = v;
		break;
	}
	case H_TRANSFER_ENCODING:
		if (p->val_overflow)
			return false;
		p->te = true;
		p->chunked = false;
		each_token(p, te_token);
		break;
	case H_CONNECTION:
		each_token(p, conn_token);
		break;
	}
	p->hdr = H_NONE;
	return true;
}

/* The empty line after the headers: choose how the body is delimited.
 * Returns true when the response has no body (complete now). */
static bool end_head(struct http_parser *p)
{
	p->must_close = p->conn_close || (p->minor == 0 && !p->keep_alive);
	if (p->status < 200 || p->status == 204 || p->status == 304)
		return true;
	if (p->chunked) {
		p->state = S_CHUNK_SIZE0;
	} else if (p->te) {
		/* a coding other than chunked: the close delimits the body */
		p->state = S_BODY_EOF;
		p->must_close = true;
	} else if (p->has_cl) {
		if (!p->content_length)
			return true;
		p->remaining = p->content_length;
		p->state = S_BODY_CL;
	} else {
		p->state = S_BODY_EOF;
		p->must_close = true;
	}
	return false;
}

static void complete(struct http_parser *p)
{
	if (p->expect && p->body_len != p->expect_len)
		p->body_mismatch = true;
	p->done = true;
}

/* ---- hp_feed: one step at a time ---------------------------------------------
 *
 * A step consumes bytes from data[*i] on and says how the parse goes on.
 * The bulk steps (bodies, whole lines) come first; a state they cannot take
 * in bulk here (the rest of the line has not arrived, an unusual byte)
 * falls back to the byte steps, which also report every error. Every step
 * is inlined into hp_feed, which stays one loop. */

enum step {
	STEP_ON,	/* go on with the next bytes */
	STEP_BYTE,	/* not taken in bulk: take one byte */
	STEP_DONE,	/* the response is complete */
	STEP_ERROR,
};

#define STEP static inline __attribute__((always_inline)) enum step

/* Counts n more head bytes; false beyond HEAD_MAX. */
static inline bool add_head(struct http_parser *p, size_t n)
{
	p->head_bytes += (uint32_t)(n > HEAD_MAX ? HEAD_MAX + 1 : n);
	return p->head_bytes <= HEAD_MAX;
}

/* A header name ended (p->hdr): read its value if it is one we want. */
static inline void start_value(struct http_parser *p)
{
	if (p->hdr == H_NONE) {
		p->state = S_SKIP_LINE;
	} else {
		p->val_len = 0;
		p->val_overflow = false;
		p->state = S_VALUE_WS;
	}
}

/* A line ends in CRLF or a bare LF: CR (or, with space_too, a space
 * before the CR) moves to at_cr, LF to at_lf; anything else is an error. */
STEP line_end(struct http_parser *p, unsigned char c, bool space_too, uint8_t at_cr, uint8_t at_lf)
{
	if ((space_too && c == ' ') || c == '\r')
		p->state = at_cr;
	else if (c == '\n')
		p->state = at_lf;
	else
		return STEP_ERROR;
	return STEP_ON;
}

STEP head_done(struct http_parser *p)
{
	return end_head(p) ? STEP_DONE : STEP_ON;
}

STEP chunk_size_done(struct http_parser *p)
{
	p->state = p->remaining ? S_CHUNK_DATA : S_TRAILER_START;
	return STEP_ON;
}

/* Body bytes: Content-Length, a chunk's data, or up to the close. */
STEP bulk_body(struct http_parser *p, const char *data, size_t len, size_t *i)
{
	size_t n = len - *i;
	if (p->state == S_BODY_EOF) {
		body_bytes(p, data + *i, n);
		*i = len;
		return STEP_ON;
	}
	if (n > p->remaining)
		n = (size_t)p->remaining;
	body_bytes(p, data + *i, n);
	p->remaining -= n;
	*i += n;
	if (!p->remaining) {
		if (p->state == S_BODY_CL)
			return STEP_DONE;
		p->state = S_CHUNK_DATA_CR;
	}
	return STEP_ON;
}

/* "HTTP/1.x NNN" and its delimiter, when all of it is here. */
STEP bulk_status(struct http_parser *p, const char *data, size_t len, size_t *i)
{
	const unsigned char *s = (const unsigned char *)data + *i;
	if (p->name_len || len - *i < 13 || memcmp(s, "HTTP/1.", 7) || !is_digit(s[7]) ||
	    s[8] != ' ' || !is_digit(s[9]) || !is_digit(s[10]) || !is_digit(s[11]) ||
	    (s[12] != ' ' && s[12] != '\r' && s[12] != '\n') || s[9] == '0')
		return STEP_BYTE;
	p->minor = (uint8_t)(s[7] - '0');
	p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	p->state = s[12] == '\n' ? S_LINE_START : S_REASON;
	p->head_bytes += 13;
	*i += 13;
	return STEP_ON;
}

/* The rest of a wanted header's value, when its line end is here. */
STEP bulk_value(struct http_parser *p, const char *data, size_t len, size_t *i)
{
	const char *nl = memchr(data + *i, '\n', len - *i);
	if (!nl)
		return STEP_BYTE;
	size_t n = (size_t)(nl - (data + *i)) + 1;
	if (!add_head(p, n))
		return STEP_ERROR;
	const unsigned char *s = (const unsigned char *)data + *i, *e = s + n - 1;
	if (p->state == S_VALUE_WS)
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
	for (; s < e; s++) {
		if (*s == '\r')
			continue;
		if (p->val_len < sizeof(p->val))
			p->val[p->val_len++] = (char)lower(*s);
		else
			p->val_overflow = true;
	}
	*i += n;
	if (!end_header(p))
		return STEP_ERROR;
	p->state = S_LINE_START;
	return STEP_ON;
}

/* A whole header name and its colon, when they are here. */
STEP bulk_name(struct http_parser *p, const char *data, size_t len, size_t *i)
{
	const unsigned char *s = (const unsigned char *)data + *i;
	size_t avail = len - *i < 256 ? len - *i : 256;
	const unsigned char *colon, *q = s;
	if (!is_tchar[s[0]] || !(colon = memchr(s, ':', avail)))
		return STEP_BYTE;
	while (q < colon && is_tchar[*q])
		q++;
	if (q != colon)
		return STEP_BYTE;	/* byte by byte reports the error */
	size_t n = (size_t)(q - s);
	if (!add_head(p, n + 1))
		return STEP_ERROR;
	*i += n + 1;
	p->hdr = header_of(s, n);
	start_value(p);
	return STEP_ON;
}

/* Skips to the end of the line: a reason phrase, an unwanted header, a
 * chunk extension, a trailer. */
STEP bulk_skip_line(struct http_parser *p, const char *data, size_t len, size_t *i)
{
	const char *nl = memchr(data + *i, '\n', len - *i);
	size_t n = nl ? (size_t)(nl - (data + *i)) + 1 : len - *i;
	if (!add_head(p, n))
		return STEP_ERROR;
	*i += n;
	if (!nl)
		return STEP_ON;
	if (p->state == S_CHUNK_EXT)
		return chunk_size_done(p);
	p->state = p->state == S_TRAILER_SKIP ? S_TRAILER_START : S_LINE_START;
	return STEP_ON;
}

STEP bulk_step(struct http_parser *p, const char *data, size_t len, size_t *i)
{
	switch (p->state) {
	case S_BODY_CL:
	case S_CHUNK_DATA:
	case S_BODY_EOF:
		return bulk_body(p, data, len, i);
	case S_VERSION:
		return bulk_status(p, data, len, i);
	case S_VALUE_WS:
	case S_VALUE:
		return bulk_value(p, data, len, i);
	case S_LINE_START:
		return bulk_name(p, data, len, i);
	case S_REASON:
	case S_SKIP_LINE:
	case S_CHUNK_EXT:
	case S_TRAILER_SKIP:
		return bulk_skip_line(p, data, len, i);
	default:
		return STEP_BYTE;
	}
}

/* One byte of the status line. */
STEP byte_status(struct http_parser *p, unsigned char c)
{
	switch (p->state) {
	case S_VERSION:
		if (p->name_len < 7) {
			if (c != (unsigned char)"HTTP/1."[p->name_len])
				return STEP_ERROR;
			p->name_len++;
		} else {
			if (!is_digit(c))
				return STEP_ERROR;
			p->minor = (uint8_t)(c - '0');
			p->state = S_VERSION_SP;
		}
		return STEP_ON;
	case S_VERSION_SP:
		if (c != ' ')
			return STEP_ERROR;
		p->state = S_STATUS;
		p->name_len = 0;
		return STEP_ON;
	case S_STATUS:
		if (c == ' ' && p->name_len == 0)
			return STEP_ON;	/* tolerate extra spaces */
		if (!is_digit(c))
			return STEP_ERROR;
		p->status = p->status * 10 + (c - '0');
		if (++p->name_len == 3) {
			if (p->status < 100)
				return STEP_ERROR;
			p->state = S_STATUS_END;
		}
		return STEP_ON;
	default:	/* S_STATUS_END */
		return line_end(p, c, true, S_REASON, S_LINE_START);
	}
}

/* One byte of a header name: narrows the wanted headers it can still be. */
STEP byte_name(struct http_parser *p, unsigned char c)
{
	if (p->state == S_NAME && c == ':') {
		p->hdr = H_NONE;
		for (int h = 1; h < H__COUNT; h++)
			if ((p->cand & (1u << h)) && p->name_len == hdr_lens[h])
				p->hdr = (uint8_t)h;
		start_value(p);
		return STEP_ON;
	}
	if (!is_tchar[c])
		return STEP_ERROR;
	p->state = S_NAME;
	if (p->cand) {
		unsigned char l = lower(c);
		for (int h = 1; h < H__COUNT; h++)
			if ((p->cand & (1u << h)) &&
			    (p->name_len >= hdr_lens[h] || l != (unsigned char)hdr_names[h][p->name_len]))
				p->cand &= (uint8_t)~(1u << h);
	}
	if (p->name_len < 255)
		p->name_len++;
	return STEP_ON;
}

/* One byte of the header block: line starts, names, values, its end. */
STEP byte_header(struct http_parser *p, unsigned char c)
{
	switch (p->state) {
	case S_LINE_START:
		if (c == '\r') {
			p->state = S_HEAD_LF;
		} else if (c == '\n') {
			return head_done(p);
		} else if (c == ' ' || c == '\t') {
			p->state = S_SKIP_LINE;	/* obsolete line folding */
		} else if (is_tchar[c]) {
			p->cand = CAND_ALL;
			p->name_len = 0;
			return byte_name(p, c);
		} else {
			return STEP_ERROR;
		}
		return STEP_ON;
	case S_NAME:
		return byte_name(p, c);
	case S_VALUE_WS:
		if (c == ' ' || c == '\t')
			return STEP_ON;
		p->state = S_VALUE;
		/* fall through */
	case S_VALUE:
		if (c == '\n') {
			if (!end_header(p))
				return STEP_ERROR;
			p->state = S_LINE_START;
		} else if (c != '\r') {
			if (p->val_len < sizeof(p->val))
				p->val[p->val_len++] = (char)lower(c);
			else
				p->val_overflow = true;
		}
		return STEP_ON;
	default:	/* S_HEAD_LF */
		return c == '\n' ? head_done(p) : STEP_ERROR;
	}
}

/* One byte of chunked framing: sizes, data ends, trailers. */
STEP byte_chunk(struct http_parser *p, unsigned char c)
{
	int d;
	switch (p->state) {
	case S_CHUNK_SIZE0:
		if ((d = hexval(c)) < 0)
			return STEP_ERROR;
		p->remaining = (uint64_t)d;
		p->state = S_CHUNK_SIZE;
		return STEP_ON;
	case S_CHUNK_SIZE:
		if ((d = hexval(c)) >= 0) {
			p->remaining = p->remaining * 16 + (uint64_t)d;
			return p->remaining > CHUNK_MAX ? STEP_ERROR : STEP_ON;
		}
		if (c == ';' || c == ' ' || c == '\t' || c == '\r') {
			p->state = S_CHUNK_EXT;
			return STEP_ON;
		}
		return c == '\n' ? chunk_size_done(p) : STEP_ERROR;
	case S_CHUNK_DATA_CR:
		return line_end(p, c, false, S_CHUNK_DATA_LF, S_CHUNK_SIZE0);
	case S_CHUNK_DATA_LF:
		if (c != '\n')
			return STEP_ERROR;
		p->state = S_CHUNK_SIZE0;
		return STEP_ON;
	case S_TRAILER_START:
		if (c == '\r')
			p->state = S_TRAILER_LF;
		else if (c == '\n')
			return STEP_DONE;
		else
			p->state = S_TRAILER_SKIP;
		return STEP_ON;
	case S_TRAILER_LF:
		return c == '\n' ? STEP_DONE : STEP_ERROR;
	default:
		return STEP_ERROR;
	}
}

STEP byte_step(struct http_parser *p, unsigned char c)
{
	if (++p->head_bytes > HEAD_MAX)
		return STEP_ERROR;
	if (p->state <= S_STATUS_END)
		return byte_status(p, c);
	if (p->state <= S_HEAD_LF)
		return byte_header(p, c);
	return byte_chunk(p, c);
}

enum hp_result hp_feed(struct http_parser *p, const char *data, size_t len, size_t *used)
{
	size_t i = 0;
	enum step st = STEP_ON;

	if (p->done)
		new_response(p);
	if (p->state == S_ERROR) {
		*used = 0;
		return HP_ERROR;
	}
	while (i < len) {
		st = bulk_step(p, data, len, &i);
		if (st == STEP_BYTE)
			st = byte_step(p, (unsigned char)data[i++]);
		if (__builtin_expect(st != STEP_ON, 0))
			break;
	}
	p->resp_bytes += i;
	*used = i;
	if (st == STEP_DONE) {
		complete(p);
		return HP_DONE;
	}
	if (st == STEP_ERROR) {
		p->state = S_ERROR;
		return HP_ERROR;
	}
	return HP_AGAIN;
}

enum hp_result hp_finish(struct http_parser *p)
{
	if (p->done || (p->state == S_VERSION && p->resp_bytes == 0))
		return HP_AGAIN;
	if (p->state == S_BODY_EOF) {
		p->must_close = true;
		complete(p);
		return HP_DONE;
	}
	p->state = S_ERROR;
	return HP_ERROR;
}
