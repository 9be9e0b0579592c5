/* SPDX-License-Identifier: MIT */
/* A minimal test harness: CHECK prints what failed and where; exit 1 on any failure. */
#ifndef FP_T_H
#define FP_T_H

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

static inline int t_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, t_checks, t_failed);
	return t_failed ? 1 : 0;
}

#endif
