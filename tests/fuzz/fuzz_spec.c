// SPDX-License-Identifier: MIT
/* The acceptance spec parser of fabprobe check. */
#include <stdint.h>
#include <stdlib.h>

#include "../../cli/report.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check *v = NULL;
	unsigned n;
	char name[128], err[512];

	if (!load_spec_text("fuzz", (const char *)data, size, &v, &n, name, err, sizeof(err)))
		free(v);
	return 0;
}
