// SPDX-License-Identifier: MIT
/* The module dump reader (raw bytes, ethtool hex text, hexdump -C, xxd, od), then the decoders. */
#include <stdint.h>

#include "../../fabric/inventory/eeprom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t img[2048];
	struct fp_module m;
	size_t n;
	char err[256];

	if (!fp_module_read_hex((const char *)data, size, img, sizeof(img), &n, err, sizeof(err)))
		fp_module_decode(img, n, &m, err, sizeof(err));
	return 0;
}
