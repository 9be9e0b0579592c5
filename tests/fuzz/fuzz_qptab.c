// SPDX-License-Identifier: MIT
/* A peer's QP table from the rendezvous (verbs engine): lookups of a few flows; the same bytes
 * as an rdma_cm connect request's private data (--cm). */
#include <stdint.h>

#include "../../fabric/runtime/engines/qptab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_qp_rec r;
	struct fp_cm_hello h;

	for (uint32_t f = 0; f < 4; f++)
		fp_qp_table_find(data, size, f, &r);
	fp_qp_table_find(data, size, UINT32_MAX, &r);
	fp_cm_hello_get(data, size, &h);
	return 0;
}
