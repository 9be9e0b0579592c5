// SPDX-License-Identifier: MIT
/*
 * What rank 0 reads of every other rank's per-queue counts (run_queues.c): input is the
 * receive records' expected total (8 bytes), the sending rank (1 byte), then its records,
 * against a two-rank bidirectional stream. Whatever arrives, the counts kept name real
 * entries of that rank, every queue is below nq, an lcore record lists at most FP_QS_MAXCPU
 * CPUs per queue, and ranks[] is written as balanced JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/results.h"
#include "../../core/json.h"
#include "../../core/wire.h"
#include "fuzz_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_pattern_opts po = { .bidir = true };
	struct fp_sched s = { 0 };
	struct fp_fres fr[2] = { 0 };
	struct fp_rank_ctx rc[2] = { { .valid = true }, { .valid = true } };
	struct fp_size_res sr = { .size = 64, .done = true, .fr = fr };
	struct fp_run_data d = { .sched = &s, .res = &sr, .nres = 1, .rctx = rc };
	char err[128];

	if (size < 9 || fp_sched_build(&s, fp_pattern_find("stream"), 2, &po, err, sizeof(err)))
		return 0;
	for (unsigned e = 0; e < 2; e++) {
		fr[e].have_rx = fr[e].have_tx = true;
		fr[e].rx_msgs = fr[e].tx_msgs = fp_get_u64(data);
	}
	if (!fp_run_queues_parse(&d, &sr, data[8] & 1, data + 9, size - 9) && d.queues) {
		if (!d.queues->nq || d.queues->nq > FP_PKT_MAXQ)
			abort();
		for (unsigned e = 0; e < s.nentries; e++)
			if (d.queues->txq[e] != 0xff && (d.queues->txq[e] >= d.queues->nq ||
							 s.flows[s.rflows[e]].src != (data[8] & 1)))
				abort();
		for (unsigned x = 0; x < 2 * d.queues->nq; x++)
			if (d.queues->lc[x].lcore >= 0xffff || d.queues->lc[x].ncpu > FP_QS_MAXCPU)
				abort();
		fuzz_json_section(&d, fp_results_json_ranks);
	}
	fp_run_queues_free(d.queues);
	fp_sched_destroy(&s);
	return 0;
}
