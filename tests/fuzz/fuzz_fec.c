// SPDX-License-Identifier: MIT
/* The ETHTOOL_MSG_FEC_GET reply decoder: a netlink message as the kernel sends it. */
#include <stdint.h>
#include <stdlib.h>

#include "../../fabric/inventory/fec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_fec f;

	if (!fp_fec_parse(data, size, &f) && (f.lanes > FP_FEC_LANES || (!f.stats && f.corrected)))
		abort();
	return 0;
}
