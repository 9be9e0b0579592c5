// SPDX-License-Identifier: MIT
/* The option parser with the real `run` table, and `run`'s own parse that routes engine
 * options to every engine's table: NUL-separated arguments; each argument also as a number,
 * which must be finite and within bounds whenever it is taken. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *argv[64];
	const char *pos[4];
	struct fp_run_cfg cfg;
	int argc = 0, np;
	uint64_t given;
	char err[256];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	for (size_t i = 0; i <= size && argc < 64;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	for (int i = 0; i < argc; i++) {
		double d;

		if (!fp_parse_num(argv[i], -1e9, 1e9, &d) && !(isfinite(d) && fabs(d) <= 1e9))
			abort();
	}
	memset(&cfg, 0, sizeof(cfg));
	fp_opts_parse(fp_run_opts, &cfg, argc, argv, pos, 4, &np, &given, err, sizeof(err));
	memset(&cfg, 0, sizeof(cfg));
	fp_run_parse(&cfg, argc, argv, pos, 4, &np, err, sizeof(err));
	free(copy);
	return 0;
}
