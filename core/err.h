/* SPDX-License-Identifier: MIT */
/* The one way to put an error line into a caller's buffer. */
#ifndef FP_ERR_H
#define FP_ERR_H

#include <stddef.h>

/*
 * Format one line into err (len bytes, always NUL-terminated, truncated when long).
 * Returns -EINVAL, so a parser can `return fp_say(err, len, ...)`; callers with another
 * error code ignore it. err may be NULL when len is 0.
 */
int fp_say(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
