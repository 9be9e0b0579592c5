/* SPDX-License-Identifier: MIT */
/*
 * The rendezvous wire format (version 3). Every message is a 56-byte little-endian header
 * and a payload of at most FP_RV_MAX_PAYLOAD bytes:
 *
 *   0 magic "FPRV"   4 version u16   6 type u16   8 rank u32   12 size u32
 *  16 seq u32       20 length u32   24 mac[32]
 *
 * No message carries the job token or anything computed from it alone. A peer joins in
 * three messages: HELLO (its 32-byte nonce), rank 0's CHALLENGE (rank 0's nonce; its header
 * repeats the size the peer claimed, so a stranger learns nothing of the job), AUTH
 * (proof = HMAC-SHA256(token, "peer" || nonce0 || noncep || rank || size)). Rank 0 checks
 * the proof in constant time and, once every rank has joined, sends WELCOME carrying its own
 * proof (label "root") and the job nonce, 32 random bytes of rank 0's. Every rank derives
 * the job's data-plane key = HMAC-SHA256(token, "data" || jobnonce || jobnonce || 0 || size);
 * the engines tag each data connection with fp_rv_flow_tag() of it, so a tag seen on the
 * wire is good for that one flow of that one job, and the token never salts it twice. From WELCOME on, both ends key every message with
 * key = HMAC-SHA256(token, "session" || nonce0 || noncep || rank || size), and mac =
 * HMAC-SHA256(key, direction || counter || header[0..24) || payload), where counter counts
 * the messages sent so far in that direction on that connection. Nothing can be injected,
 * replayed or reflected into a session without the token. Before WELCOME the mac is zero.
 */
#ifndef FP_RV_CODEC_H
#define FP_RV_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/sha256.h"

#define FP_RV_MAGIC	  0x56525046u /* "FPRV" */
#define FP_RV_VERSION	  4	      /* 4: the mac covers the payload's digest */
#define FP_RV_HDR_LEN	  56
#define FP_RV_MAC_AT	  24 /* the mac covers the header up to here */
#define FP_RV_NONCE_LEN	  32
#define FP_RV_WELCOME_LEN (FP_SHA256_LEN + FP_RV_NONCE_LEN) /* root proof, job nonce */
#define FP_RV_MAX_PAYLOAD (16u << 20)
#define FP_RV_MAX_BLOB	  (1u << 20) /* one rank's contribution to a collective */
#define FP_RV_MAX_RANKS	  65536

enum fp_rv_type {
	FP_RV_HELLO = 1, /* peer: its nonce */
	FP_RV_CHALLENGE, /* rank 0: its nonce */
	FP_RV_AUTH,	 /* peer: its proof of the token */
	FP_RV_WELCOME,	 /* rank 0: its proof of the token, the job nonce; the session starts */
	FP_RV_CONTRIB,	 /* a rank's blob for collective seq */
	FP_RV_RESULT,	 /* rank 0's answer: all blobs (allgather) or none (gather, barrier) */
	FP_RV_ERROR,	 /* payload: text; the job ends (or, unkeyed: "wrong token") */
	FP_RV_TYPE_MAX,
};

/* who sends: the direction byte in the mac */
enum fp_rv_dir { FP_RV_FROM_ROOT = 0, FP_RV_FROM_PEER = 1 };

struct fp_rv_hdr {
	uint16_t type;
	uint32_t rank, size, seq, len;
	uint8_t mac[FP_SHA256_LEN];
};

/*
 * The tag a data connection of one flow carries: the first 8 bytes of
 * HMAC-SHA256(key, "flow" || flow || src || dst), key being the job's data-plane key.
 */
uint64_t fp_rv_flow_tag(const uint8_t key[FP_SHA256_LEN], uint32_t flow, uint32_t src,
			uint32_t dst);
void fp_rv_hdr_encode(const struct fp_rv_hdr *h, uint8_t *buf);
/*
 * Check a received header. max_len bounds the payload. -EPROTO for a bad magic, version or
 * type, -EMSGSIZE for an oversized payload, -ERANGE for a rank outside the job.
 */
int fp_rv_hdr_decode(const uint8_t *buf, size_t len, uint32_t max_len, struct fp_rv_hdr *h);

/* HMAC-SHA256(token, label || nonce0 || noncep || rank || size): "peer", "root", "session" */
void fp_rv_proof(const char *token, const char *label, const uint8_t *nonce0, const uint8_t *noncep,
		 uint32_t rank, uint32_t size, uint8_t out[FP_SHA256_LEN]);
/*
 * The mac of one session message: HMAC(key, dir || counter || header || SHA-256(payload)).
 * hdr is the encoded header (its mac bytes are not read). Over the payload's digest, so rank 0
 * hashes a collective's result once, not once per rank (1,024 ranks: a thousandfold less).
 */
void fp_rv_digest(const void *payload, size_t len, uint8_t out[FP_SHA256_LEN]);
void fp_rv_mac(const uint8_t key[FP_SHA256_LEN], enum fp_rv_dir dir, uint64_t counter,
	       const uint8_t *hdr, const uint8_t digest[FP_SHA256_LEN], uint8_t out[FP_SHA256_LEN]);

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
