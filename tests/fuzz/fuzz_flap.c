// SPDX-License-Identifier: MIT
/*
 * A soak's counters.csv read for flapping (benches/result_flap.c), for a run of 3 ranks;
 * every series kept must be one of the 3 ranks and counted consistently.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../benches/result_flap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_flaps f;
	char err[512], text[320];

	if (!fp_flap_parse("fuzz", (const char *)data, size, 3, &f, err, sizeof(err)))
		for (int i = 0; i < 3 * FP_FLAP_KINDS; i++) {
			if (f.s[i].grew > f.s[i].intervals || f.s[i].rank != i / FP_FLAP_KINDS)
				abort();
			fp_flap_text(&f.s[i], text, sizeof(text));
		}
	fp_flaps_free(&f);
	return 0;
}
