// SPDX-License-Identifier: MIT
/*
 * fabprobe trace's text inputs: a --hops file ("ADDRESS NODE" lines), run.json's flows[]
 * (the identities it probes), and a part of another host or rank (--merge, the rendezvous)
 * read into a run of flows 0..3. The same bytes go to all three.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../benches/trace.h"
#include "../../fabric/model/hopmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_trace_flow *f = NULL;
	struct fp_trace tr = { 0 };
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
	tr.it = calloc(4, sizeof(*tr.it));
	if (!tr.it)
		return 0;
	tr.n = 4;
	for (unsigned i = 0; i < tr.n; i++) {
		tr.it[i].f.id = i;
		tr.it[i].f.src = (int)(i % 2);
		tr.it[i].st = FP_TRACE_ELSEWHERE;
	}
	fp_trace_part_read(&tr, (const char *)data, size, "fuzz", (int)(size % 3) - 1, err,
			   sizeof(err));
	fp_trace_free(&tr);
	return 0;
}
