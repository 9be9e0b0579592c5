/* SPDX-License-Identifier: MIT */
/* Reading a whole input file, bounded, with one clear message when it cannot be read. */
#ifndef FP_FILE_H
#define FP_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* The first line of a small file (a sysfs attribute) without its newline into out; false,
 * with out "", when it cannot be read. */
bool fp_read_line(const char *path, char *out, size_t len);

/*
 * Read the regular file at path, at most max bytes, into a buffer the caller frees,
 * NUL-terminated after *len. 0 or -errno, with "path: what" in err. Text files (this one)
 * refuse a NUL byte inside; fp_read_file_bin() takes any bytes.
 */
int fp_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);
int fp_read_file_bin(const char *path, size_t max, char **out, size_t *len, char *err,
		     size_t errlen);

/* A parser of a whole text: 0 or -errno, with "path: what" in err. */
typedef int (*fp_text_parse_fn)(void *arg, const char *text, size_t len, const char *path,
				char *err, size_t errlen);

/* fp_read_file() at most max bytes, then parse(arg, text, ...) with the text freed after:
 * 0 or the first -errno of the two. */
int fp_parse_file(const char *path, size_t max, fp_text_parse_fn parse, void *arg, char *err,
		  size_t errlen);

#endif
