// SPDX-License-Identifier: MIT
/*
 * --check (nccl-tests' #wrong): in bandwidth phases every received message is compared with
 * what every sender sends (the payload pattern of the send buffer); the messages that differ
 * are counted per size, on rank 0 from every rank, and a run with any ends with status 1.
 * Engines with a --check of their own (verbs, dpdk: the payload is not always copied to the
 * receive buffer) verify where the bytes land instead, and no count is kept.
 * Receivers then take one message per receive call, so each can be looked at: a checked
 * run measures a little less than an unchecked one, as in nccl-tests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../core/units.h"
#include "../core/wire.h"
#include "run_priv.h"

int fp_run_check_gather(struct rank *rk, struct fp_size_res *sr, const char *what)
{
	struct fp_rv_blobs all = { 0 };
	uint8_t mine[8];
	int ret;

	fp_put_u64(mine, rk->wrong);
	rk->wrong = 0;
	ret = fp_rv_gather(rk->rv, what, mine, sizeof(mine), &all, rk->err, ERR_LEN);
	for (uint32_t r = 0; !ret && rk->rank == 0 && r < all.n; r++) {
		uint64_t n;

		if (all.len[r] != sizeof(mine)) {
			fp_say(rk->err, ERR_LEN, "%s: rank %u sent a malformed #wrong", what, r);
			ret = -EBADMSG;
			break;
		}
		n = fp_get_u64(all.data + all.off[r]);
		if (n > UINT64_MAX - sr->wrong) {
			fp_say(rk->err, ERR_LEN, "%s: rank %u sent an impossible #wrong", what, r);
			ret = -EBADMSG;
			break;
		}
		sr->wrong += n;
	}
	fp_rv_blobs_free(&all);
	return ret;
}

bool fp_run_check_failed(const struct rank *rk)
{
	const struct fp_run_data *d = rk->data;
	uint64_t wrong = 0;
	char sz[16];

	if (!d || !rk->cfg->count_wrong)
		return false;
	for (unsigned i = 0; i < d->nres; i++) {
		if (!d->res[i].wrong)
			continue;
		wrong += d->res[i].wrong;
		fp_size_label(d->res[i].size, sz, sizeof(sz));
		fprintf(stderr, "fabprobe: --check: %llu corrupted message%s at size %s\n",
			(unsigned long long)d->res[i].wrong, d->res[i].wrong > 1 ? "s" : "", sz);
	}
	return wrong != 0;
}
