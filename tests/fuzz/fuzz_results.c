// SPDX-License-Identifier: MIT
/*
 * The one reader of result folders (run.json, and paths.json after a NUL-free separator
 * line "----PATHS----"), checked against the lab's leaf-spine, then the join with the
 * topology and the analysis itself, and the run's fabric_counters judged by the switch-side
 * rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/result_obs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fp_topo t;
	static struct fp_router r;
	static struct fp_sim_net net;
	static struct fp_findings fs; /* 20 KB: not on the stack */
	static bool ready;
	struct fp_obs_buf ob = { 0 };
	struct fp_result res;
	struct fp_analysis a;
	const char *text = (const char *)data, *sep, *ptext = NULL;
	size_t len = size, plen = 0;
	char err[512];
	bool named;

	if (!ready) {
		struct fp_gen_opts g = { .hosts_per_leaf = 2,
					 .leaves = 4,
					 .spines = 2,
					 .host_gbps = 0.1,
					 .fabric_gbps = 0.1,
					 .lanes = 1 };

		if (fp_gen_leaf_spine(&t, &g, err, sizeof(err)) || fp_router_init(&r, &t) ||
		    fp_sim_net_init(&net, &t, NULL, 0, 10))
			abort();
		ready = true;
	}
	sep = size ? memmem(data, size, "----PATHS----", 13) : NULL;
	if (sep) {
		len = (size_t)(sep - text);
		ptext = sep + 13;
		plen = size - len - 13;
	}
	if (!fp_result_parse("fuzz", text, len, ptext, plen, &t, &res, err, sizeof(err))) {
		memset(&fs, 0, sizeof(fs));
		fp_result_fabric_rules(&res, &t, &fs, err, sizeof(err));
		if (!fp_result_observe(&res, 0, &t, &r, &net, 2, NULL, &ob, &named, err,
				       sizeof(err))) {
			unsigned nm = fp_obs_measured_first(&ob); /* failed runs: blackholes */

			fp_analyze(&t, ob.o, nm, &a);
			fp_analyze_blackhole(&r, ob.o + nm, ob.n - nm, &a);
		}
		fp_result_free(&res);
	}
	fp_obs_buf_free(&ob);
	return 0;
}
