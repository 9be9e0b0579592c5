/* SPDX-License-Identifier: MIT */
/*
 * The rendezvous wire format. Every message is a 32-byte little-endian header and a payload
 * of at most FP_RV_MAX_PAYLOAD bytes:
 *
 *   0 magic "FPRV"   4 version u16   6 type u16   8 rank u32   12 size u32
 *  16 seq u32       20 length u32   24 token digest u64
 *
 * The token digest is FNV-1a over the job token: it keeps jobs that share a port apart, and
 * refuses strangers. It is not a defence against someone who can read the traffic.
 */
#ifndef FP_RV_CODEC_H
#define FP_RV_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define FP_RV_MAGIC	  0x56525046u /* "FPRV" */
#define FP_RV_VERSION	  1
#define FP_RV_HDR_LEN	  32
#define FP_RV_MAX_PAYLOAD (16u << 20)
#define FP_RV_MAX_BLOB	  (1u << 20) /* one rank's contribution to a collective */
#define FP_RV_MAX_RANKS	  65536

enum fp_rv_type {
	FP_RV_HELLO = 1, /* payload: none */
	FP_RV_WELCOME,	 /* payload: none */
	FP_RV_CONTRIB,	 /* a rank's blob for collective seq */
	FP_RV_RESULT,	 /* rank 0's answer: all blobs (allgather) or none (gather, barrier) */
	FP_RV_ERROR,	 /* payload: text; the job ends */
	FP_RV_TYPE_MAX,
};

struct fp_rv_hdr {
	uint16_t type;
	uint32_t rank, size, seq, len;
	uint64_t token;
};

uint64_t fp_rv_token_digest(const char *token);
void fp_rv_hdr_encode(const struct fp_rv_hdr *h, uint8_t *buf);
/*
 * Check a received header. max_len bounds the payload. -EPROTO for a bad magic, version or
 * type, -EACCES for a wrong token, -EMSGSIZE for an oversized payload, -ERANGE for a rank
 * outside the job.
 */
int fp_rv_hdr_decode(const uint8_t *buf, size_t len, uint64_t token, uint32_t max_len,
		     struct fp_rv_hdr *h);

/* An allgather result: for each rank in order, u32 length then the bytes. */
struct fp_rv_blobs {
	uint32_t n;
	uint8_t *data; /* owned */
	uint32_t *off; /* owned, n entries */
	uint32_t *len; /* owned, n entries */
};

int fp_rv_blobs_parse(const uint8_t *buf, size_t len, uint32_t n, struct fp_rv_blobs *out);
void fp_rv_blobs_free(struct fp_rv_blobs *b);
const char *fp_rv_type_name(uint16_t type);

#endif
