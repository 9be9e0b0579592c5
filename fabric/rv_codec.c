// SPDX-License-Identifier: MIT
#include "rv_codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/wire.h"

uint64_t fp_rv_token_digest(const char *token)
{
	uint64_t h = 0xcbf29ce484222325ull;
	static const char salt[] = "fabprobe-job-token:";

	for (const char *p = salt; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	for (const char *p = token ? token : ""; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	return h;
}

void fp_rv_hdr_encode(const struct fp_rv_hdr *h, uint8_t *buf)
{
	fp_put_u32(buf, FP_RV_MAGIC);
	fp_put_u16(buf + 4, FP_RV_VERSION);
	fp_put_u16(buf + 6, h->type);
	fp_put_u32(buf + 8, h->rank);
	fp_put_u32(buf + 12, h->size);
	fp_put_u32(buf + 16, h->seq);
	fp_put_u32(buf + 20, h->len);
	fp_put_u64(buf + 24, h->token);
}

int fp_rv_hdr_decode(const uint8_t *buf, size_t len, uint64_t token, uint32_t max_len,
		     struct fp_rv_hdr *h)
{
	struct fp_rv_hdr t;

	if (len < FP_RV_HDR_LEN)
		return -EBADMSG;
	if (fp_get_u32(buf) != FP_RV_MAGIC || fp_get_u16(buf + 4) != FP_RV_VERSION)
		return -EPROTO;
	t.type = fp_get_u16(buf + 6);
	t.rank = fp_get_u32(buf + 8);
	t.size = fp_get_u32(buf + 12);
	t.seq = fp_get_u32(buf + 16);
	t.len = fp_get_u32(buf + 20);
	t.token = fp_get_u64(buf + 24);
	if (t.type < FP_RV_HELLO || t.type >= FP_RV_TYPE_MAX)
		return -EPROTO;
	if (t.token != token)
		return -EACCES;
	if (t.len > max_len || t.len > FP_RV_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (!t.size || t.size > FP_RV_MAX_RANKS || t.rank >= t.size)
		return -ERANGE;
	*h = t;
	return 0;
}

void fp_rv_blobs_free(struct fp_rv_blobs *b)
{
	if (!b)
		return;
	free(b->data);
	free(b->off);
	free(b->len);
	memset(b, 0, sizeof(*b));
}

int fp_rv_blobs_parse(const uint8_t *buf, size_t len, uint32_t n, struct fp_rv_blobs *out)
{
	struct fp_rv_blobs b = { .n = n };
	size_t pos = 0;

	if (!n || n > FP_RV_MAX_RANKS || len > FP_RV_MAX_PAYLOAD)
		return -EBADMSG;
	b.off = calloc(n, sizeof(*b.off));
	b.len = calloc(n, sizeof(*b.len));
	b.data = malloc(len ? len : 1);
	if (!b.off || !b.len || !b.data) {
		fp_rv_blobs_free(&b);
		return -ENOMEM;
	}
	if (len)
		memcpy(b.data, buf, len);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t l;

		if (len - pos < 4)
			goto bad;
		l = fp_get_u32(buf + pos);
		pos += 4;
		if (l > FP_RV_MAX_BLOB || l > len - pos)
			goto bad;
		b.off[i] = (uint32_t)pos;
		b.len[i] = l;
		pos += l;
	}
	if (pos != len)
		goto bad;
	*out = b;
	return 0;
bad:
	fp_rv_blobs_free(&b);
	return -EBADMSG;
}

const char *fp_rv_type_name(uint16_t type)
{
	static const char *const names[] = { "?",      "hello", "welcome", "contribution",
					     "result", "error" };

	return type < FP_RV_TYPE_MAX ? names[type] : "?";
}
