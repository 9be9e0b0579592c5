/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for the rendezvous' job-token
 * authentication. Small on purpose: it is audited against the FIPS 180-4 examples and the
 * RFC 4231 test cases in tests/unit/test_sha256.c.
 */
#ifndef FP_SHA256_H
#define FP_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_SHA256_LEN 32

struct fp_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t buf[64];
	size_t fill;
};

void fp_sha256_init(struct fp_sha256 *s);
void fp_sha256_update(struct fp_sha256 *s, const void *data, size_t len);
void fp_sha256_final(struct fp_sha256 *s, uint8_t out[FP_SHA256_LEN]);
void fp_sha256(const void *data, size_t len, uint8_t out[FP_SHA256_LEN]);

/* HMAC: init with the key, update with the message in pieces, final. */
struct fp_hmac {
	struct fp_sha256 inner, outer;
};

void fp_hmac_init(struct fp_hmac *m, const void *key, size_t keylen);
void fp_hmac_update(struct fp_hmac *m, const void *data, size_t len);
void fp_hmac_final(struct fp_hmac *m, uint8_t out[FP_SHA256_LEN]);

/* Equal without a data-dependent branch or early exit: timing says nothing about where. */
bool fp_ct_equal(const void *a, const void *b, size_t len);

#endif
