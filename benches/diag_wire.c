// SPDX-License-Identifier: MIT
/* What the ranks of a real diagnosis send each other, checked where it arrives (diag_run.h). */
#include <errno.h>
#include <string.h>

#include "../core/wire.h"
#include "diag_run.h"

static int sched_rounds(const uint8_t *m, size_t len, uint32_t nflows, uint32_t *seen,
			uint32_t rounds)
{
	size_t o = FP_DIAG_SCHED_HEAD;

	for (uint32_t r = 0; r < rounds; r++) {
		uint32_t cnt;

		if (len - o < 4 || (cnt = fp_get_u32(m + o)) > nflows || (len - o - 4) / 4 < cnt)
			return -EBADMSG;
		o += 4;
		for (uint32_t e = 0; e < cnt; e++, o += 4) {
			uint32_t c = fp_get_u32(m + o);

			if (c >= nflows || seen[c] == r + 1)
				return -EBADMSG;
			seen[c] = r + 1;
		}
	}
	return o == len ? 0 : -EBADMSG;
}

int fp_diag_sched_check(const uint8_t *m, size_t len, uint32_t nflows, uint32_t *seen,
			uint32_t *rounds)
{
	int ret;

	if (len < FP_DIAG_SCHED_HEAD)
		return -EBADMSG;
	*rounds = fp_get_u32(m);
	if (*rounds == FP_DIAG_SCHED_LOCAL)
		return len == FP_DIAG_SCHED_HEAD + 4 ? 0 : -EBADMSG;
	if (*rounds > FP_DIAG_MAX_ROUNDS)
		return -EBADMSG;
	ret = sched_rounds(m, len, nflows, seen, *rounds);
	memset(seen, 0, sizeof(*seen) * nflows);
	return ret;
}

int fp_diag_trace_next(const uint8_t *b, size_t len, size_t *o, struct fp_diag_trace_rec *r)
{
	size_t left = len - *o;

	if (*o >= len)
		return 0;
	if (left < FP_DIAG_TRACE_HEAD || b[*o + 5] > FP_DIAG_MAX_HOPS ||
	    (left - FP_DIAG_TRACE_HEAD) / 4 < b[*o + 5])
		return -EBADMSG;
	r->conn = fp_get_u32(b + *o);
	r->state = b[*o + 4];
	r->hops = b[*o + 5];
	r->addr = b + *o + FP_DIAG_TRACE_HEAD;
	*o += FP_DIAG_TRACE_HEAD + 4 * (size_t)r->hops;
	return 1;
}
