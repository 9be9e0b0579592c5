// SPDX-License-Identifier: MIT
/* The --map FILE reader (rank,endpoint CSV) against a small topology of four endpoints. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/model/topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "h0", "h1", "h2", "h3" };
	struct fp_topo t;
	int node_of[3];
	char err[512] = "";
	int sw;

	fp_topo_init(&t);
	sw = fp_topo_add_node(&t, "sw", FP_SWITCH, 1);
	for (int i = 0; i < 4; i++)
		fp_topo_add_link(&t, fp_topo_add_node(&t, names[i], FP_HOST, 0), "1", sw,
				 names[i], 100, FP_MEDIA_DAC);
	fp_topo_index(&t);
	/* whatever is accepted names three distinct hosts */
	if (!fp_topo_map_csv(&t, (const char *)data, size, "fuzz", 3, node_of, err, sizeof(err)))
		for (int k = 0; k < 3; k++)
			if (node_of[k] < 1 || node_of[k] > 4 || node_of[k] == node_of[(k + 1) % 3])
				abort();
	if (!memchr(err, 0, sizeof(err)))
		abort();
	fp_topo_destroy(&t);
	return 0;
}
