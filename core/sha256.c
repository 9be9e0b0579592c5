// SPDX-License-Identifier: MIT
/* SHA-256 as FIPS 180-4 section 6.2 describes it; HMAC as RFC 2104 section 2. */
#include "sha256.h"

#include <string.h>

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

/* FIPS 180-4 4.1.2: the functions of the rounds and the message schedule */
#define CH(x, y, z)  (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BS0(x)	     (ror(x, 2) ^ ror(x, 13) ^ ror(x, 22))
#define BS1(x)	     (ror(x, 6) ^ ror(x, 11) ^ ror(x, 25))
#define SS0(x)	     (ror(x, 7) ^ ror(x, 18) ^ (x) >> 3)
#define SS1(x)	     (ror(x, 17) ^ ror(x, 19) ^ (x) >> 10)

/*
 * One round of 6.2.2 step 3 without moving the working variables: each round names them one
 * place further along (a..h, then h, a..g, ...), so eight rounds bring them back, and the
 * compiler keeps all eight in registers. (A loop that shifted an array of them, with a
 * memmove() per round, cost half of the rendezvous of 1,024 ranks.)
 */
#define ROUND(a, b, c, d, e, f, g, h, t)                                                           \
	do {                                                                                       \
		uint32_t t1 = (h) + BS1(e) + CH(e, f, g) + K[t] + w[t];                            \
		(d) += t1;                                                                         \
		(h) = t1 + BS0(a) + MAJ(a, b, c);                                                  \
	} while (0)

/* FIPS 180-4 6.2.2: one 512-bit block */
static void block(uint32_t hv[8], const uint8_t *p)
{
	uint32_t w[64];
	uint32_t a = hv[0], b = hv[1], c = hv[2], d = hv[3], e = hv[4], f = hv[5], g = hv[6],
		 h = hv[7];

	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
		       (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
	for (int t = 16; t < 64; t++)
		w[t] = w[t - 16] + SS0(w[t - 15]) + w[t - 7] + SS1(w[t - 2]);
	for (int t = 0; t < 64; t += 8) {
		ROUND(a, b, c, d, e, f, g, h, t);
		ROUND(h, a, b, c, d, e, f, g, t + 1);
		ROUND(g, h, a, b, c, d, e, f, t + 2);
		ROUND(f, g, h, a, b, c, d, e, t + 3);
		ROUND(e, f, g, h, a, b, c, d, t + 4);
		ROUND(d, e, f, g, h, a, b, c, t + 5);
		ROUND(c, d, e, f, g, h, a, b, t + 6);
		ROUND(b, c, d, e, f, g, h, a, t + 7);
	}
	hv[0] += a;
	hv[1] += b;
	hv[2] += c;
	hv[3] += d;
	hv[4] += e;
	hv[5] += f;
	hv[6] += g;
	hv[7] += h;
}

void fp_sha256_init(struct fp_sha256 *s)
{
	/* FIPS 180-4 5.3.3 */
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(s->h, h0, sizeof(h0));
	s->bytes = 0;
	s->fill = 0;
}

void fp_sha256_update(struct fp_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->bytes += len;
	while (len) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		if (!s->fill && len >= 64) { /* a whole block straight from the input */
			block(s->h, p);
			p += 64;
			len -= 64;
			continue;
		}

		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == 64) {
			block(s->h, s->buf);
			s->fill = 0;
		}
	}
}

void fp_sha256_final(struct fp_sha256 *s, uint8_t out[FP_SHA256_LEN])
{
	/* FIPS 180-4 5.1.1: a 1 bit, zeros, and the length in bits, big-endian */
	uint64_t bits = s->bytes * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	fp_sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(s->h[i] >> (24 - 8 * j));
	memset(s, 0, sizeof(*s));
}

void fp_sha256(const void *data, size_t len, uint8_t out[FP_SHA256_LEN])
{
	struct fp_sha256 s;

	fp_sha256_init(&s);
	fp_sha256_update(&s, data, len);
	fp_sha256_final(&s, out);
}

void fp_hmac_init(struct fp_hmac *m, const void *key, size_t keylen)
{
	uint8_t k[64] = { 0 }, pad[64];

	/* RFC 2104 2: a key longer than the block is hashed first */
	if (keylen > 64)
		fp_sha256(key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	fp_sha256_init(&m->inner);
	fp_sha256_update(&m->inner, pad, 64);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	fp_sha256_init(&m->outer);
	fp_sha256_update(&m->outer, pad, 64);
	memset(k, 0, sizeof(k));
	memset(pad, 0, sizeof(pad));
}

void fp_hmac_update(struct fp_hmac *m, const void *data, size_t len)
{
	fp_sha256_update(&m->inner, data, len);
}

void fp_hmac_final(struct fp_hmac *m, uint8_t out[FP_SHA256_LEN])
{
	uint8_t ih[FP_SHA256_LEN];

	fp_sha256_final(&m->inner, ih);
	fp_sha256_update(&m->outer, ih, sizeof(ih));
	fp_sha256_final(&m->outer, out);
}

bool fp_ct_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}
