/* HdrHistogram's V2 compressed histogram encoding, from struct hist.
 *
 * struct hist has HdrHistogram's bucket layout for lowest discernible value 1
 * and 3 significant digits: 2048 sub-buckets (unit magnitude 0), so values
 * below 2048 are exact and every power of two above is split into 1024 equal
 * parts, and its counts index is HdrHistogram's counts index. With highest
 * trackable value 2^40-1 both have the same number of counts, which
 * hdr_log_encode checks; the counts array is then written as it is.
 *
 * The payload: a 40-byte big-endian header (cookie, payload length,
 * normalizing index offset, significant digits, lowest, highest, the
 * integer-to-double ratio's bits), then the counts up to the last non-zero
 * one as ZigZag LEB128, a run of k empty buckets written as -k. It is zlib
 * deflated behind an 8-byte header (cookie, compressed length) and base64
 * encoded. The cookies carry word size 1 (0x10), as HdrHistogram writes them. */
#include "analysis/hdr_log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ENCODING_COOKIE 0x1c849313u	/* V2 payload, ZigZag LEB128 counts */
#define COMPRESSED_COOKIE 0x1c849314u	/* V2 compressed wrapper */
#define SIGNIFICANT_DIGITS 3
#define LOWEST 1
#define HIGHEST ((1ull << 40) - 1)
#define SUB_BUCKETS 2048		/* 2 * 10^3 rounded up to a power of two */
#define PAYLOAD_HEADER 40
#define COMPRESSED_HEADER 8
#define LEB128_MAX 9

/* HdrHistogram's counts array length for (LOWEST, HIGHEST, SIGNIFICANT_DIGITS). */
static uint32_t hdr_counts_len(void)
{
	uint64_t smallest_untrackable = SUB_BUCKETS;
	uint32_t buckets = 1;
	while (smallest_untrackable <= HIGHEST) {
		smallest_untrackable <<= 1;
		buckets++;
	}
	return (buckets + 1) * (SUB_BUCKETS / 2);
}

static uint8_t *put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint8_t *put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

/* HdrHistogram's LEB128: 7 bits a byte, but the ninth byte holds 8. */
static size_t put_zigzag(uint8_t *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;
	while (n < LEB128_MAX - 1 && z >= 0x80) {
		p[n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	p[n++] = (uint8_t)z;
	return n;
}

/* Non-empty buckets in, zigzag counts and runs of empty ones out. */
struct payload {
	uint8_t *buf;
	size_t n;
	uint32_t next;	/* the index after the last one written */
};

static void put_bucket(uint32_t index, uint64_t count, void *arg)
{
	struct payload *p = arg;

	if (index > p->next)
		p->n += put_zigzag(p->buf + p->n, -(int64_t)(index - p->next));
	p->n += put_zigzag(p->buf + p->n, (int64_t)count);
	p->next = index + 1;
}

static void count_bucket(uint32_t index, uint64_t count, void *arg)
{
	(void)index;
	(void)count;
	(*(size_t *)arg)++;
}

/* The uncompressed V2 payload; *len is its size. */
static uint8_t *encode_payload(const struct hist *h, size_t *len)
{
	size_t used = 0;
	hist_foreach_index(h, count_bucket, &used);
	/* a count and a run of empty buckets before it, per non-empty bucket */
	struct payload out = { malloc(PAYLOAD_HEADER + (size_t)LEB128_MAX * 2 * used + 1), PAYLOAD_HEADER, 0 };
	uint8_t *buf = out.buf;
	if (!buf)
		return NULL;
	hist_foreach_index(h, put_bucket, &out);
	size_t n = out.n;
	double ratio = 1.0;
	uint64_t ratio_bits;
	memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
	uint8_t *p = put_be32(buf, ENCODING_COOKIE);
	p = put_be32(p, (uint32_t)(n - PAYLOAD_HEADER));
	p = put_be32(p, 0);	/* normalizing index offset */
	p = put_be32(p, SIGNIFICANT_DIGITS);
	p = put_be64(p, LOWEST);
	p = put_be64(p, HIGHEST);
	put_be64(p, ratio_bits);
	*len = n;
	return buf;
}

static char *base64(const uint8_t *in, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			w |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			w |= in[i + 2];
		*o++ = alphabet[w >> 18];
		*o++ = alphabet[(w >> 12) & 63];
		*o++ = i + 1 < len ? alphabet[(w >> 6) & 63] : '=';
		*o++ = i + 2 < len ? alphabet[w & 63] : '=';
	}
	*o = '\0';
	return out;
}

char *hdr_log_encode(const struct hist *h)
{
	if (h->n_counts != hdr_counts_len())
		return NULL;	/* struct hist changed its layout: no longer this HdrHistogram */
	size_t plen;
	uint8_t *payload = encode_payload(h, &plen);
	if (!payload)
		return NULL;
	uLongf zlen = compressBound(plen);
	uint8_t *packed = malloc(COMPRESSED_HEADER + zlen);
	char *text = NULL;
	if (packed && compress(packed + COMPRESSED_HEADER, &zlen, payload, plen) == Z_OK) {
		put_be32(put_be32(packed, COMPRESSED_COOKIE), (uint32_t)zlen);
		text = base64(packed, COMPRESSED_HEADER + zlen);
	}
	free(packed);
	free(payload);
	return text;
}
