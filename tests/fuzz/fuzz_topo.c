// SPDX-License-Identifier: MIT
/*
 * The native topology loader (YAML/JSON), then check, stats and the lab plan on what loads.
 * Its event reader must agree with its tree reader: whatever the events load, the tree
 * loads too, to the same counts; what loads, written out, loads back. Then the format
 * registry on the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../fabric/model/lab_plan.h"
#include "../../fabric/model/topo.h"
#include "../../fabric/model/topo_format.h"
#include "topo_round_trip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_topo t;
	char err[256];

	fp_topo_init(&t);
	if (!fp_topo_load_yaml_events(&t, (const char *)data, size, "fuzz", err, sizeof(err))) {
		struct fp_topo u;

		fp_topo_init(&u);
		if (fp_topo_load_yaml_tree(&u, (const char *)data, size, "fuzz", err,
					   sizeof(err)) ||
		    u.nnodes != t.nnodes || u.nlinks != t.nlinks)
			abort();
		fp_topo_destroy(&u);
	}
	if (!fp_topo_load_text(&t, (const char *)data, size, "fuzz.ibnet", err, sizeof(err)))
		fp_topo_destroy(&t);
	if (!fp_topo_load_yaml(&t, (const char *)data, size, "fuzz", err, sizeof(err))) {
		struct fp_issue *v;
		unsigned n;
		FILE *f = fopen("/dev/null", "w");

		if (!fp_topo_check(&t, &v, &n))
			free(v);
		if (t.nnodes < 200 && f) {
			struct fp_topo_stats s;

			fp_topo_stats(&t, &s);
			fp_lab_plan(&t, f, err, sizeof(err));
		}
		if (f)
			fclose(f);
		round_trip(&t);
	}
	fp_topo_destroy(&t);
	return 0;
}
