// SPDX-License-Identifier: MIT
/*
 * fabprobe trace's two text inputs: a --hops file ("ADDRESS NODE" lines) and run.json's
 * flows[] (the identities it probes). The same bytes go to both.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../benches/trace.h"
#include "../../fabric/model/hopmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_trace_flow *f = NULL;
	struct fp_hopmap m;
	unsigned n = 0;
	char err[256];

	fp_hopmap_init(&m);
	if (!fp_hopmap_parse(&m, (const char *)data, size, "fuzz", NULL, err, sizeof(err)) &&
	    !fp_hopmap_seal(&m, err, sizeof(err)) && m.n)
		fp_hopmap_find(&m, "10.0.0.1");
	fp_hopmap_free(&m);
	if (!fp_trace_flows_parse((const char *)data, size, "fuzz", &f, &n, err, sizeof(err)))
		free(f);
	return 0;
}
