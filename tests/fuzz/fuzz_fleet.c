// SPDX-License-Identifier: MIT
/* fabprobe fleet's reader of inventory documents, then the comparison and its output. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../fabric/model/fleet_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_fleet f;
	struct fp_emit e;
	char err[512];
	FILE *null = fopen("/dev/null", "w");

	memset(&f, 0, sizeof(f));
	/* the same document twice is refused; one host, then itself renamed, compared */
	if (!fp_fleet_read_doc(&f, "fuzz", (const char *)data, size, err, sizeof(err))) {
		fp_fleet_read_doc(&f, "fuzz", (const char *)data, size, err, sizeof(err));
		if (!fp_fleet_add_host(&f, "other", err, sizeof(err)))
			fp_fleet_host_set(&f.h[f.nh - 1], "kernel", "x");
		if (!fp_fleet_compare(&f) && null) {
			fp_emit_init(&e, null, f.nh % 2);
			fp_fleet_emit(&f, &e);
		}
	}
	fp_fleet_free(&f);
	if (null)
		fclose(null);
	return 0;
}
