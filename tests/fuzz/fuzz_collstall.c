// SPDX-License-Identifier: MIT
/*
 * What every rank reads of the ranks' reports after a collective timed out
 * (run_coll_stall.c): input is the reporting rank (1 byte, of 4 in a ring allreduce) and its
 * report; the others report their ends of the ring with nothing moved, waiting to receive. Whatever
 * arrives, each flow kept is a scheduled flow whose destination waits, kept once, stalled,
 * with the size and a time, and failed_flows is written as balanced JSON.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/results.h"
#include "../../core/json.h"
#include "../../core/wire.h"
#include "../../fabric/runtime/rv_codec.h"
#include "fuzz_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REC 39

/* rank r's own ends of the ring, waiting on each, nothing moved */
static size_t quiet(const struct fp_sched *s, uint32_t r, uint8_t *b)
{
	uint8_t *p = b + 4;

	for (uint32_t f = 0; f < s->nflows; f++)
		for (int e = 0; e < 2; e++)
			if ((e ? s->flows[f].dst : s->flows[f].src) == (int)r) {
				memset(p, 0, REC);
				fp_put_u32(p, f);
				p[4] = (uint8_t)e;
				p[5] = (uint8_t)e; /* waiting to receive, not to send */
				p += REC;
			}
	fp_put_u32(b, (uint32_t)((size_t)(p - b - 4) / REC));
	return (size_t)(p - b);
}

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

	if (size < 1 || fp_sched_build(&s, fp_pattern_find("allreduce"), 4, &po, err, sizeof(err)))
		return 0;
	buf = calloc(size + 4 * (4 + 4 * REC), 1);
	if (!buf) {
		fp_sched_destroy(&s);
		return 0;
	}
	who = data[0] & 3;
	for (uint32_t r = 0, o = 0; r < 4; r++) {
		off[r] = o;
		if (r == who) {
			len[r] = (uint32_t)(size - 1);
			memcpy(buf + o, data + 1, size - 1);
		} else {
			len[r] = (uint32_t)quiet(&s, r, buf + o);
		}
		o += len[r];
	}
	all.data = buf;
	if (!fp_run_coll_stall_parse(&s, &d, &all, 4096, 1, 2, &n, &first)) {
		if (d.nfailed != n || n > s.nflows || (n && first >= s.nflows))
			abort();
		for (unsigned k = 0; k < d.nfailed; k++) {
			const struct fp_failed_flow *x = &d.failed[k];
			const struct fp_flow *fl = &s.flows[x->flow];

			if (x->flow >= s.nflows || !x->stalled || x->src != fl->src ||
			    x->dst != fl->dst || x->size != 4096 || x->round != 1 ||
			    !(x->after_s >= 0) || !x->at[0] || !x->error[0])
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
