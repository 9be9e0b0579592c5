// SPDX-License-Identifier: MIT
/* The rtnetlink qdisc decoder (RTM_NEWQDISC, tbf options). */
#include <stdint.h>

#include "../../fabric/inventory/qdisc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_qdisc q;
	char err[256], text[32];

	if (!fp_qdisc_parse(data, size, &q, err, sizeof(err)))
		fp_qdisc_shaping(&q, text, sizeof(text));
	return 0;
}
