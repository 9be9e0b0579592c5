// SPDX-License-Identifier: MIT
/*
 * What the ranks of a real diagnosis read from each other (benches/diag_wire.c): rank 0's
 * schedule on every rank, and every rank's trace records on rank 0. The first byte picks
 * the number of connections; a schedule that passes has every id in range and none twice
 * in a round, and the scratch comes back zeroed; trace records cover the input exactly or
 * are refused. The local step's schedule (rounds FP_DIAG_SCHED_LOCAL) is one rank, exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/diag_run.h"
#include "../../core/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sched(const uint8_t *m, size_t len, uint32_t nflows)
{
	uint32_t *seen = calloc(nflows + 1, sizeof(*seen)), rounds = 0;
	size_t o = FP_DIAG_SCHED_HEAD;

	if (!seen)
		return;
	if (!fp_diag_sched_check(m, len, nflows, seen, &rounds) && rounds == FP_DIAG_SCHED_LOCAL) {
		if (len != FP_DIAG_SCHED_HEAD + 4) /* the local step's: one rank, checked later */
			abort();
	} else if (!fp_diag_sched_check(m, len, nflows, seen, &rounds)) {
		for (uint32_t r = 0; r < rounds; r++) {
			uint32_t cnt = fp_get_u32(m + o);

			o += 4;
			for (uint32_t e = 0; e < cnt; e++, o += 4)
				if (fp_get_u32(m + o) >= nflows)
					abort();
		}
		if (o != len)
			abort();
	}
	for (uint32_t i = 0; i < nflows; i++)
		if (seen[i])
			abort();
	free(seen);
}

static void traces(const uint8_t *b, size_t len)
{
	struct fp_diag_trace_rec r;
	size_t o = 0, sum = 0;
	int ret;

	while ((ret = fp_diag_trace_next(b, len, &o, &r)) > 0) {
		if (r.hops > FP_DIAG_MAX_HOPS || r.addr + 4 * r.hops > b + len)
			abort();
		sum += FP_DIAG_TRACE_HEAD + 4 * (size_t)r.hops;
	}
	if (!ret && sum != len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	sched(data + 1, size - 1, data[0]);
	traces(data + 1, size - 1);
	return 0;
}
