// SPDX-License-Identifier: MIT
/* The DPDK engine's frame parser: every frame a port hands us is outside input. */
#include <stdint.h>

#include "../../fabric/runtime/engines/udpframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_udpf_info in;

	fp_udpf_parse(data, size, true, &in);
	fp_udpf_parse(data, size, false, &in);
	return 0;
}
