// SPDX-License-Identifier: MIT
/* flows.ndjson, the flow records of a run folder, read into a run.json's sizes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../benches/result_flows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char run[] =
		"{\"world_size\": 4, \"pattern\": \"pairs\", \"status\": \"complete\", "
		"\"complete\": true, \"simulated\": true, \"flows_file\": \"flows.ndjson\", "
		"\"hosts\": [{\"rank\": 0}, {\"rank\": 1}, {\"rank\": 2}, {\"rank\": 3}], "
		"\"schedule\": {\"rounds\": 4, \"flows\": 8}, \"results\": [{\"size\": 64, "
		"\"bandwidth\": {}}, {\"size\": 4096, \"flows\": []}]}";
	struct fp_result r;
	char err[512];
	FILE *f;

	if (fp_result_parse("fuzz", run, sizeof(run) - 1, NULL, 0, NULL, &r, err, sizeof(err)))
		return 0;
	f = size ? fmemopen((void *)data, size, "r") : NULL;
	if (f) {
		fp_result_read_flows(f, "fuzz", NULL, &r, err, sizeof(err));
		fclose(f);
	}
	fp_result_free(&r);
	return 0;
}
