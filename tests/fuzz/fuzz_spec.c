// SPDX-License-Identifier: MIT
/* The acceptance spec parser of fabprobe check (the library's, as check calls it). */
#include <stdint.h>
#include <stdlib.h>

#include "../../benches/result_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_spec s;
	char err[512];

	if (!fp_spec_parse("fuzz", (const char *)data, size, &s, err, sizeof(err)))
		fp_spec_free(&s);
	return 0;
}
