// SPDX-License-Identifier: MIT
/* Rendezvous decoders: a header, an allgather result, a gathered histogram. */
#include <stdint.h>
#include <stdlib.h>

#include "../../core/hist.h"
#include "../../fabric/rv_codec.h"

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
	fp_rv_hdr_decode(data, size, fp_rv_token_digest("fuzz"), FP_RV_MAX_PAYLOAD, &h);
	if (size >= FP_RV_HDR_LEN) {
		/* with the token forced right, so the checks behind it are reached */
		uint8_t *c = malloc(size);

		for (size_t i = 0; i < size; i++)
			c[i] = data[i];
		uint64_t t = fp_rv_token_digest("fuzz");

		for (int i = 0; i < 8; i++)
			c[24 + i] = (uint8_t)(t >> (8 * i));
		fp_rv_hdr_decode(c, size, t, 4096, &h);
		free(c);
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
