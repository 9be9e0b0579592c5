// SPDX-License-Identifier: MIT
#include "rv_codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/wire.h"

uint64_t fp_rv_flow_tag(const uint8_t key[FP_SHA256_LEN], uint32_t flow, uint32_t src, uint32_t dst)
{
	struct fp_hmac m;
	uint8_t ids[12], d[FP_SHA256_LEN];

	fp_put_u32(ids, flow);
	fp_put_u32(ids + 4, src);
	fp_put_u32(ids + 8, dst);
	fp_hmac_init(&m, key, FP_SHA256_LEN);
	fp_hmac_update(&m, "flow", 5); /* with its NUL, as the proofs' labels */
	fp_hmac_update(&m, ids, sizeof(ids));
	fp_hmac_final(&m, d);
	return fp_get_u64(d);
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
	memcpy(buf + FP_RV_MAC_AT, h->mac, FP_SHA256_LEN);
}

int fp_rv_hdr_decode(const uint8_t *buf, size_t len, uint32_t max_len, struct fp_rv_hdr *h)
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
	memcpy(t.mac, buf + FP_RV_MAC_AT, FP_SHA256_LEN);
	if (t.type < FP_RV_HELLO || t.type >= FP_RV_TYPE_MAX)
		return -EPROTO;
	if (t.len > max_len || t.len > FP_RV_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (!t.size || t.size > FP_RV_MAX_RANKS || t.rank >= t.size)
		return -ERANGE;
	*h = t;
	return 0;
}

void fp_rv_proof(const char *token, const char *label, const uint8_t *nonce0, const uint8_t *noncep,
		 uint32_t rank, uint32_t size, uint8_t out[FP_SHA256_LEN])
{
	struct fp_hmac m;
	uint8_t rs[8];

	fp_put_u32(rs, rank);
	fp_put_u32(rs + 4, size);
	fp_hmac_init(&m, token, strlen(token));
	/* the label with its NUL, so no label is a prefix of another */
	fp_hmac_update(&m, label, strlen(label) + 1);
	fp_hmac_update(&m, nonce0, FP_RV_NONCE_LEN);
	fp_hmac_update(&m, noncep, FP_RV_NONCE_LEN);
	fp_hmac_update(&m, rs, sizeof(rs));
	fp_hmac_final(&m, out);
}

void fp_rv_digest(const void *payload, size_t len, uint8_t out[FP_SHA256_LEN])
{
	fp_sha256(len ? payload : "", len, out);
}

void fp_rv_mac(const uint8_t key[FP_SHA256_LEN], enum fp_rv_dir dir, uint64_t counter,
	       const uint8_t *hdr, const uint8_t digest[FP_SHA256_LEN], uint8_t out[FP_SHA256_LEN])
{
	struct fp_hmac m;
	uint8_t pre[9];

	pre[0] = (uint8_t)dir;
	fp_put_u64(pre + 1, counter);
	fp_hmac_init(&m, key, FP_SHA256_LEN);
	fp_hmac_update(&m, pre, sizeof(pre));
	fp_hmac_update(&m, hdr, FP_RV_MAC_AT);
	fp_hmac_update(&m, digest, FP_SHA256_LEN);
	fp_hmac_final(&m, out);
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
	static const char *const names[] = { "?",	"hello",	"challenge", "auth",
					     "welcome", "contribution", "result",    "error" };

	return type < FP_RV_TYPE_MAX ? names[type] : "?";
}
