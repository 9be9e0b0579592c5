// SPDX-License-Identifier: MIT
/* The ibnetdiscover importer. */
#include <stdint.h>
#include <stdlib.h>

#include "../../fabric/model/topo.h"
#include "topo_round_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_topo t;
	char err[256];

	fp_topo_init(&t);
	if (!fp_topo_load_ibnet(&t, (const char *)data, size, "fuzz", err, sizeof(err))) {
		/* whatever loads must be a consistent model */
		links_in_range(&t);
		round_trip(&t);
	}
	fp_topo_destroy(&t);
	return 0;
}
