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

enum hp_result hp_feed(struct http_parser *p, const char *data, size_t len, size_t *used)
{
	size_t i = 0;

	if (p->done)
		new_response(p);
	if (p->state == S_ERROR) {
		*used = 0;
		return HP_ERROR;
	}
	while (i < len) {
		/* bulk states first */
		switch (p->state) {
		case S_BODY_CL:
		case S_CHUNK_DATA: {
			size_t n = len - i;
			if (n > p->remaining)
				n = (size_t)p->remaining;
			body_bytes(p, data + i, n);
			p->remaining -= n;
			i += n;
			if (!p->remaining) {
				if (p->state == S_BODY_CL)
					goto done;
				p->state = S_CHUNK_DATA_CR;
			}
			continue;
		}
		case S_BODY_EOF:
			body_bytes(p, data + i, len - i);
			i = len;
			continue;
		case S_VERSION: {
			/* fast path: "HTTP/1.x NNN" and its delimiter all here */
			const unsigned char *s = (const unsigned char *)data + i;
			if (p->name_len || len - i < 13 || memcmp(s, "HTTP/1.", 7) || !is_digit(s[7]) ||
			    s[8] != ' ' || !is_digit(s[9]) || !is_digit(s[10]) || !is_digit(s[11]) ||
			    (s[12] != ' ' && s[12] != '\r' && s[12] != '\n') || s[9] == '0')
				break;	/* byte by byte, which also reports the errors */
			p->minor = (uint8_t)(s[7] - '0');
			p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
			p->state = s[12] == '\n' ? S_LINE_START : S_REASON;
			p->head_bytes += 13;
			i += 13;
			continue;
		}
		case S_VALUE_WS:
		case S_VALUE: {
			/* fast path: the rest of the value is here */
			const char *nl = memchr(data + i, '\n', len - i);
			if (!nl)
				break;
			size_t n = (size_t)(nl - (data + i)) + 1;
			p->head_bytes += (uint32_t)(n > HEAD_MAX ? HEAD_MAX + 1 : n);
			if (p->head_bytes > HEAD_MAX)
				goto error;
			const unsigned char *s = (const unsigned char *)data + i, *e = s + n - 1;
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
			i += n;
			if (!end_header(p))
				goto error;
			p->state = S_LINE_START;
			continue;
		}
		case S_LINE_START: {
			/* fast path: a whole header name and its colon are here */
			const unsigned char *s = (const unsigned char *)data + i;
			size_t avail = len - i < 256 ? len - i : 256, n = 0;
			const unsigned char *colon;
			if (!is_tchar[s[0]] || !(colon = memchr(s, ':', avail)))
				break;
			for (n = 0; s + n < colon; n++)
				if (!is_tchar[s[n]])
					break;
			if (s + n != colon)
				break;	/* byte by byte reports the error */
			p->head_bytes += (uint32_t)n + 1;
			if (p->head_bytes > HEAD_MAX)
				goto error;
			i += n + 1;
			p->hdr = header_of(s, n);
			if (p->hdr == H_NONE) {
				p->state = S_SKIP_LINE;
			} else {
				p->val_len = 0;
				p->val_overflow = false;
				p->state = S_VALUE_WS;
			}
			continue;
		}
		case S_REASON:
		case S_SKIP_LINE:
		case S_CHUNK_EXT:
		case S_TRAILER_SKIP: {
			const char *nl = memchr(data + i, '\n', len - i);
			size_t n = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
			p->head_bytes += (uint32_t)(n > HEAD_MAX ? HEAD_MAX + 1 : n);
			if (p->head_bytes > HEAD_MAX)
				goto error;
			i += n;
			if (!nl)
				continue;
			if (p->state == S_CHUNK_EXT)
				goto chunk_size_done;
			p->state = p->state == S_TRAILER_SKIP ? S_TRAILER_START : S_LINE_START;
			continue;
		}
		default:
			break;
		}

		unsigned char c = (unsigned char)data[i++];
		if (++p->head_bytes > HEAD_MAX)
			goto error;
		switch (p->state) {
		case S_VERSION:
			if (p->name_len < 7) {
				if (c != (unsigned char)"HTTP/1."[p->name_len])
					goto error;
				p->name_len++;
			} else {
				if (c < '0' || c > '9')
					goto error;
				p->minor = (uint8_t)(c - '0');
				p->state = S_VERSION_SP;
			}
			break;
		case S_VERSION_SP:
			if (c != ' ')
				goto error;
			p->state = S_STATUS;
			p->name_len = 0;
			break;
		case S_STATUS:
			if (c == ' ' && p->name_len == 0)
				break;	/* tolerate extra spaces */
			if (c < '0' || c > '9')
				goto error;
			p->status = p->status * 10 + (c - '0');
			if (++p->name_len == 3) {
				if (p->status < 100)
					goto error;
				p->state = S_STATUS_END;
			}
			break;
		case S_STATUS_END:
			if (c == ' ' || c == '\r')
				p->state = S_REASON;
			else if (c == '\n')
				p->state = S_LINE_START;
			else
				goto error;
			break;
		case S_LINE_START:
			if (c == '\r') {
				p->state = S_HEAD_LF;
			} else if (c == '\n') {
				goto head_done;
			} else if (c == ' ' || c == '\t') {
				p->state = S_SKIP_LINE;	/* obsolete line folding */
			} else if (is_tchar[c]) {
				p->cand = CAND_ALL;
				p->name_len = 0;
				p->state = S_NAME;
				goto name_char;
			} else {
				goto error;
			}
			break;
		case S_NAME:
			if (c == ':') {
				p->hdr = H_NONE;
				for (int h = 1; h < H__COUNT; h++)
					if ((p->cand & (1u << h)) && p->name_len == hdr_lens[h])
						p->hdr = (uint8_t)h;
				if (p->hdr == H_NONE) {
					p->state = S_SKIP_LINE;
				} else {
					p->val_len = 0;
					p->val_overflow = false;
					p->state = S_VALUE_WS;
				}
				break;
			}
			if (!is_tchar[c])
				goto error;
		name_char:
			if (p->cand) {
				unsigned char l = lower(c);
				for (int h = 1; h < H__COUNT; h++)
					if ((p->cand & (1u << h)) &&
					    (p->name_len >= hdr_lens[h] ||
					     l != (unsigned char)hdr_names[h][p->name_len]))
						p->cand &= (uint8_t)~(1u << h);
			}
			if (p->name_len < 255)
				p->name_len++;
			break;
		case S_VALUE_WS:
			if (c == ' ' || c == '\t')
				break;
			p->state = S_VALUE;
			/* fall through */
		case S_VALUE:
			if (c == '\n') {
				if (!end_header(p))
					goto error;
				p->state = S_LINE_START;
			} else if (c != '\r') {
				if (p->val_len < sizeof(p->val))
					p->val[p->val_len++] = (char)lower(c);
				else
					p->val_overflow = true;
			}
			break;
		case S_HEAD_LF:
			if (c != '\n')
				goto error;
			goto head_done;
		case S_CHUNK_SIZE0: {
			int d = hexval(c);
			if (d < 0)
				goto error;
			p->remaining = (uint64_t)d;
			p->state = S_CHUNK_SIZE;
			break;
		}
		case S_CHUNK_SIZE: {
			int d = hexval(c);
			if (d >= 0) {
				p->remaining = p->remaining * 16 + (uint64_t)d;
				if (p->remaining > CHUNK_MAX)
					goto error;
			} else if (c == ';' || c == ' ' || c == '\t' || c == '\r') {
				p->state = S_CHUNK_EXT;
			} else if (c == '\n') {
				goto chunk_size_done;
			} else {
				goto error;
			}
			break;
		}
		case S_CHUNK_DATA_CR:
			if (c == '\r')
				p->state = S_CHUNK_DATA_LF;
			else if (c == '\n')
				p->state = S_CHUNK_SIZE0;
			else
				goto error;
			break;
		case S_CHUNK_DATA_LF:
			if (c != '\n')
				goto error;
			p->state = S_CHUNK_SIZE0;
			break;
		case S_TRAILER_START:
			if (c == '\r')
				p->state = S_TRAILER_LF;
			else if (c == '\n')
				goto done;
			else
				p->state = S_TRAILER_SKIP;
			break;
		case S_TRAILER_LF:
			if (c != '\n')
				goto error;
			goto done;
		default:
			goto error;
		}
		continue;

	head_done:
		if (end_head(p))
			goto done;
		continue;
	chunk_size_done:
		p->state = p->remaining ? S_CHUNK_DATA : S_TRAILER_START;
		continue;
	}
	p->resp_bytes += i;
	*used = i;
	return HP_AGAIN;

done:
	p->resp_bytes += i;
	*used = i;
	complete(p);
	return HP_DONE;

error:
	p->resp_bytes += i;
	p->state = S_ERROR;
	*used = i;
	return HP_ERROR;
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
