// SPDX-License-Identifier: MIT
/* The rtnetlink DCB decoder (DCB_CMD_IEEE_GET answers). */
#include <stdint.h>

#include "../../fabric/inventory/dcb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_dcb d;
	char err[256];

	fp_dcb_parse(data, size, &d, err, sizeof(err));
	return 0;
}
