// SPDX-License-Identifier: MIT
/* The lldpctl -f json importer. */
#include <stdint.h>
#include <stdlib.h>

#include "../../fabric/model/topo.h"
#include "topo_round_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_topo t;
	char err[256];
	const char *text = (const char *)data, *name = "fuzz-host.json";

	fp_topo_init(&t);
	if (!fp_topo_load_lldp(&t, &text, &size, 1, &name, err, sizeof(err)))
		round_trip(&t);
	fp_topo_destroy(&t);
	return 0;
}
