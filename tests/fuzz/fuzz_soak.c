// SPDX-License-Identifier: MIT
/*
 * A rank's counter snapshot as rank 0 receives it during a soak (benches/results_soak.c):
 * "port\nname=value\n..." from a peer. The first byte picks the rank (of 4); each input
 * is taken twice so deltas are computed, then the degradation rules run over the series.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../benches/soak.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_soak s;
	struct fp_soak_deg d[8];

	if (!size || fp_soak_init(&s, 4))
		return 0;
	for (int k = 0; k < 4; k++)
		if (fp_soak_add_snap(&s, k, data[0] % 5, (const char *)data + 1, size - 1))
			break;
	for (size_t i = 0; i < s.nrow; i++)
		if (s.row[i].ctr >= s.nnames || s.row[i].rank >= 4)
			abort();
	fp_soak_degraded(&s, 1, 4, d, 8);
	fp_soak_free(&s);
	return 0;
}
