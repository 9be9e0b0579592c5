// SPDX-License-Identifier: MIT
/* The analyzer's reader of host inventories (fabprobe inventory --format json). */
#include <stdint.h>
#include <stdlib.h>

#include "../../fabric/model/analyze_evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fp_topo t;
	static bool ready;
	static struct fp_findings fs;
	char err[512];

	if (!ready) {
		struct fp_gen_opts g = { .hosts_per_leaf = 2,
					 .leaves = 4,
					 .spines = 2,
					 .host_gbps = 0.1,
					 .fabric_gbps = 0.1,
					 .lanes = 1 };

		if (fp_gen_leaf_spine(&t, &g, err, sizeof(err)))
			abort();
		ready = true;
	}
	fs.n = 0;
	fp_inventory_rules_text(&t, "fuzz", (const char *)data, size, &fs, err, sizeof(err));
	return 0;
}
