/* SPDX-License-Identifier: MIT */
/*
 * For the fuzz targets whose input ends in a run.json section: the section, written by
 * fp_results_json_* (the results writer), must be one whole JSON object. Whatever a peer's
 * report held, its strings are escaped and its braces and brackets close in order.
 */
#ifndef FP_FUZZ_JSON_H
#define FP_FUZZ_JSON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/results.h"
#include "../../core/json.h"

/* abort unless s[0..n) is one object: nesting closed in order, no control byte in a string */
static inline void fuzz_json_whole(const char *s, size_t n)
{
	char open[64];
	size_t depth = 0;
	int in_str = 0;

	if (n < 2 || s[0] != '{')
		abort();
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if ((unsigned char)c < 0x20)
				abort();
			if (c == '\\') {
				/* an escape JSON knows: a quote after it does not end the string */
				if (++i == n || !strchr("\"\\/bfnrtu", s[i]) || !s[i])
					abort();
			} else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[') {
			if (depth == sizeof(open))
				abort();
			open[depth++] = c == '{' ? '}' : ']';
		} else if (c == '}' || c == ']') {
			if (!depth || open[--depth] != c)
				abort();
			if (!depth && i != n - 1)
				abort(); /* something after the object closed */
		}
	}
	if (depth || in_str)
		abort();
}

/* one section of run.json (failed_flows, ranks) written by its writer, checked whole */
static inline void fuzz_json_section(const struct fp_run_data *d,
				     void (*section)(struct fp_json *, const struct fp_run_data *))
{
	char *out = NULL;
	size_t outlen = 0;
	struct fp_json j;
	FILE *f = open_memstream(&out, &outlen);

	if (!f)
		return;
	fp_json_init(&j, f, false);
	fp_json_obj(&j, NULL);
	section(&j, d);
	fp_json_end(&j);
	fclose(f);
	fuzz_json_whole(out, outlen);
	free(out);
}

#endif
