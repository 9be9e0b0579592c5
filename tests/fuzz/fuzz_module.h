/* SPDX-License-Identifier: MIT */
/* One module EEPROM decoder: any bytes after the identifier MODULE_ID that selects it. */
#include <stdint.h>
#include <string.h>

#include "../../fabric/inventory/eeprom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t img[4096];
	struct fp_module m;
	char err[256];

	if (size > sizeof(img))
		size = sizeof(img);
	memcpy(img, data, size);
	if (size)
		img[0] = MODULE_ID;
	if (!fp_module_decode(img, size, &m, err, sizeof(err)))
		fp_module_rx_margin_db(&m, NULL);
	return 0;
}
