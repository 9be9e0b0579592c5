// SPDX-License-Identifier: MIT
/* A received UD buffer (verbs --transport ud): the GRH, then whatever a peer or a stranger
 * sent, counted against a few tags, epochs and sizes. */
#include <stdint.h>
#include <string.h>

#include "../../fabric/runtime/engines/udmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t tags[] = { 0, 0x1122334455667788ull };
	struct fp_ud_rx r;

	memset(&r, 0, sizeof(r));
	for (int e = 0; e < 2; e++) {
		for (unsigned t = 0; t < 2; t++) {
			fp_ud_take(&r, tags[t], data, size,
				   size > FP_UD_GRH ? size - FP_UD_GRH : 0);
			fp_ud_take(&r, tags[t], data, size, 64);
		}
		fp_ud_rx_reset(&r);
	}
	return 0;
}
