// SPDX-License-Identifier: MIT
/*
 * What rank 0 reads of every rank's stall report after a bandwidth phase (run_failed.c):
 * input is the reporting rank (1 byte, of 4 in an alltoall) and its report; the other ranks
 * report nothing. Whatever arrives, each flow kept is a scheduled flow of that rank, kept
 * once, with its size and round, broken (dead) only if a record said so, and failed_flows is
 * written as balanced JSON.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/results.h"
#include "../../core/json.h"
#include "../../fabric/runtime/rv_codec.h"
#include "fuzz_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_pattern_opts po = { 0 };
	struct fp_sched s = { 0 };
	struct fp_run_data d = { .sched = &s };
	uint32_t off[4], len[4], first = 0;
	struct fp_rv_blobs all = { .n = 4, .off = off, .len = len };
	uint8_t *buf;
	unsigned n = 0, who;
	char err[128];

	if (size < 1 || fp_sched_build(&s, fp_pattern_find("alltoall"), 4, &po, err, sizeof(err)))
		return 0;
	buf = calloc(size + 12, 1); /* the others' reports: a count of 0 each */
	if (!buf) {
		fp_sched_destroy(&s);
		return 0;
	}
	who = data[0] & 3;
	for (uint32_t r = 0, o = 0; r < 4; r++) {
		off[r] = o;
		len[r] = r == who ? (uint32_t)(size - 1) : 4;
		if (r == who)
			memcpy(buf + o, data + 1, size - 1);
		o += len[r];
	}
	all.data = buf;
	if (!fp_run_stall_parse(&s, &d, &all, 65536, 2, &n, &first)) {
		bool said_dead = false; /* some record said its connection broke (byte 28: 1) */

		for (size_t o = 5; o + 29 <= size; o += 29)
			said_dead |= data[o + 28] == 1;
		if (d.nfailed != n || n > s.nflows || (n && first >= s.nflows))
			abort();
		for (unsigned k = 0; k < d.nfailed; k++) {
			const struct fp_failed_flow *x = &d.failed[k];
			const struct fp_flow *fl = &s.flows[x->flow];

			if (x->flow >= s.nflows || !x->stalled || x->src != fl->src ||
			    x->dst != fl->dst || (fl->src != (int)who && fl->dst != (int)who) ||
			    x->size != 65536 || x->round != 2 || !(x->after_s >= 0) || !x->at[0] ||
			    (x->dead && !said_dead))
				abort();
			for (unsigned m = 0; m < k; m++)
				if (d.failed[m].flow == x->flow)
					abort();
		}
		fuzz_json_section(&d, fp_results_json_failed);
	}
	free(d.failed);
	free(buf);
	fp_sched_destroy(&s);
	return 0;
}
