// SPDX-License-Identifier: MIT
/* A peer's QP table from the rendezvous (verbs engine): lookups of a few flows. */
#include <stdint.h>

#include "../../fabric/runtime/engines/qptab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_qp_rec r;

	for (uint32_t f = 0; f < 4; f++)
		fp_qp_table_find(data, size, f, &r);
	fp_qp_table_find(data, size, UINT32_MAX, &r);
	return 0;
}
