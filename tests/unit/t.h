/* SPDX-License-Identifier: MIT */
/* A minimal test harness: CHECK prints what failed and where; exit 1 on any failure. */
#ifndef FP_T_H
#define FP_T_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int t_failed, t_checks;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		t_checks++;                                                                        \
		if (!(cond)) {                                                                     \
			t_failed++;                                                                \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

/* the Internet checksum's ones' complement sum (RFC 1071) written out plainly, independent of
 * the code under test; a header that carries its checksum sums to 0xffff */
static inline unsigned t_ones_sum(const uint8_t *p, size_t len)
{
	unsigned long s = 0;

	for (size_t i = 0; i < len; i++)
		s += i % 2 ? (unsigned)p[i] : (unsigned)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned)s;
}

static inline int t_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, t_checks, t_failed);
	return t_failed ? 1 : 0;
}

#endif
