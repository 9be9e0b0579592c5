// SPDX-License-Identifier: MIT
/*
 * What a raw socket hands fabprobe trace: an IPv4 packet, ICMP quoting a probe's IP and L4
 * headers, or a TCP answer. Parsed, then matched against a few probes.
 */
#include <stdint.h>

#include "../../fabric/runtime/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_probe_flow f = { FP_PROBE_TCP, 0x0100000a, 0x0900000a, 49153, 5201 };
	struct fp_probe_reply r;

	if (fp_probe_parse(data, size, &r))
		return 0;
	for (uint16_t id = 0; id < 4; id++) {
		fp_probe_matches(&r, &f, id);
		f.proto = f.proto == FP_PROBE_TCP ? FP_PROBE_UDP : FP_PROBE_TCP;
		fp_probe_matches(&r, &r.flow, r.ipid);
	}
	return 0;
}
