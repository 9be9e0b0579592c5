// SPDX-License-Identifier: MIT
/*
 * The MAD reply decoders: the common header the window matches replies by, PortCounters,
 * PortCountersExtended, NodeInfo, PortInfo.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../fabric/inventory/ibpma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v[FP_PMA_NCTR];
	struct fp_smp_node n;
	struct fp_smp_port p;
	struct fp_mad_hdr h;
	int sel;

	if (!fp_mad_decode_hdr(data, size, &h) &&
	    (h.mgmt_class > 255 || h.method > 255 || h.status < 0 || h.status > 0xffff ||
	     h.attr_id < 0 || h.attr_id > 0xffff || (h.mgmt_class == 0x81 && h.status > 0x7fff)))
		abort();
	if (size > FP_MAD_DATA_OFFS && !fp_mad_decode_hdr(data, size, &h)) {
		/* the data area the window hands on, as it cuts it */
		data += FP_MAD_DATA_OFFS;
		size -= FP_MAD_DATA_OFFS;
	}

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
