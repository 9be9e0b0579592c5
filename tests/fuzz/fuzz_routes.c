// SPDX-License-Identifier: MIT
/* The LFT importers (ibroute, dump_lfts, opensm-lfts.dump), joined to a fixed fabric, then
 * every path and every check on what loaded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../fabric/model/topo.h"
#include "../../fabric/model/topo_routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* two switches with two parallel links, a CA on each (GUIDs as in the corpus) */
static void fabric(struct fp_topo *t)
{
	static const char *const names[] = { "s1", "s2", "h1", "h2" };

	fp_topo_init(t);
	for (int i = 0; i < 4; i++) {
		int n = fp_topo_add_node(t, names[i], i < 2 ? FP_SWITCH : FP_HOST, i < 2);

		if (n >= 0)
			snprintf(t->nodes[n].id.guid, sizeof(t->nodes[n].id.guid), "0x%x",
				 0x200000 + i);
	}
	fp_topo_add_link(t, 0, "3", 1, "3", 100, FP_MEDIA_DAC);
	fp_topo_add_link(t, 0, "5", 1, "5", 100, FP_MEDIA_DAC);
	fp_topo_add_link(t, 2, "1", 0, "1", 100, FP_MEDIA_DAC);
	fp_topo_add_link(t, 3, "1", 1, "1", 100, FP_MEDIA_DAC);
	fp_topo_index(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_routes r;
	struct fp_topo t;
	struct fp_issue *v = NULL;
	unsigned links[32], n;
	char err[256];

	fp_routes_init(&r);
	if (fp_routes_parse(&r, (const char *)data, size, "fuzz", err, sizeof(err)))
		return 0;
	fabric(&t);
	if (!fp_routes_join(&r, &t, err, sizeof(err))) {
		for (unsigned s = 0; s < t.nnodes; s++)
			for (unsigned d = 0; d < r.nlid + 2; d++) {
				int h = fp_routes_path(&r, &t, (int)s, d, links, 32, NULL);

				for (int k = 0; k < h; k++)
					if (links[k] >= t.nlinks)
						abort();
			}
		if (!fp_routes_check(&r, &t, &v, &n))
			free(v);
	}
	fp_topo_destroy(&t);
	fp_routes_destroy(&r);
	return 0;
}
