// SPDX-License-Identifier: MIT
/*
 * A soak's counters.csv and soak.csv read for flapping (benches/result_flap.c), for a run
 * of 3 ranks; every input goes to both readers (the header picks the one that reads it).
 * Every series kept must be one of the 3 ranks and counted consistently, its rates by pass
 * within the passes seen.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../benches/result_flap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_flaps f;
	struct fp_dips d;
	char err[512], text[320];

	if (!fp_flap_parse("fuzz", (const char *)data, size, 3, &f, err, sizeof(err)))
		for (int i = 0; i < 3 * FP_FLAP_KINDS; i++) {
			if (f.s[i].grew > f.s[i].intervals || f.s[i].rank != i / FP_FLAP_KINDS)
				abort();
			fp_flap_text(&f.s[i], text, sizeof(text));
		}
	fp_flaps_free(&f);
	if (!fp_dip_parse("fuzz", (const char *)data, size, 3, &d, err, sizeof(err)))
		for (size_t i = 0; i < d.n; i++)
			if (d.d[i].src >= 3 || d.d[i].dst >= 3 || d.d[i].flaps > d.d[i].phases ||
			    d.d[i].nrate > d.npass || (d.no_rates && d.d[i].rate) ||
			    (d.d[i].rate && d.d[i].nrate > d.d[i].caprate))
				abort();
	fp_dips_free(&d);
	return 0;
}
