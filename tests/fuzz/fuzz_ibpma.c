// SPDX-License-Identifier: MIT
/* The MAD reply decoders: PortCounters, PortCountersExtended, NodeInfo, PortInfo. */
#include <stdint.h>
#include <stdlib.h>

#include "../../fabric/inventory/ibpma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v[FP_PMA_NCTR];
	struct fp_smp_node n;
	struct fp_smp_port p;
	int sel;

	if (!fp_pma_decode(data, size, v, &sel) && (sel < 0 || sel > 255 || v[9] > 15))
		abort();
	if (!fp_pma_decode_ext(data, size, v, &sel) && (sel < 0 || sel > 255))
		abort();
	if (!fp_smp_decode_node(data, size, &n) && (n.type < 1 || n.type > 4))
		abort();
	if (!fp_smp_decode_port(data, size, &p) && (p.lid < 0 || p.lid > 65535 || p.state > 15))
		abort();
	return 0;
}
