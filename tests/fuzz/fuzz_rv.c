// SPDX-License-Identifier: MIT
/* Rendezvous decoders: a header (and its mac), an allgather result, a gathered histogram. */
#include <stdint.h>
#include <stdlib.h>

#include "../../core/hist.h"
#include "../../fabric/runtime/rv_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_rv_hdr h;
	struct fp_rv_blobs b;
	static struct fp_hist hist;
	size_t used;
	uint32_t n;

	if (size < 1)
		return 0;
	/* the first byte picks the rank count for the blob parser */
	n = (uint32_t)data[0] % 9;
	/* after that byte, a message: a header, and its mac over whatever payload follows */
	if (!fp_rv_hdr_decode(data + 1, size - 1, FP_RV_MAX_PAYLOAD, &h)) {
		uint8_t key[FP_SHA256_LEN] = { 0 }, mac[FP_SHA256_LEN], d[FP_SHA256_LEN];
		size_t have = size - 1 - FP_RV_HDR_LEN;

		fp_rv_digest(data + 1 + FP_RV_HDR_LEN, h.len < have ? h.len : have, d);
		fp_rv_mac(key, FP_RV_FROM_PEER, h.seq, data + 1, d, mac);
		if (h.rank >= h.size || h.len > FP_RV_MAX_PAYLOAD || h.type >= FP_RV_TYPE_MAX)
			abort();
	}
	if (!fp_rv_blobs_parse(data + 1, size - 1, n, &b)) {
		for (uint32_t i = 0; i < b.n; i++)
			if (b.off[i] + b.len[i] > size - 1)
				abort();
		fp_rv_blobs_free(&b);
	}
	if (!fp_hist_decode(&hist, data + 1, size - 1, &used)) {
		struct fp_lat_stats st;

		if (used > size - 1)
			abort();
		fp_hist_stats(&hist, 1.0, &st);
	}
	return 0;
}
