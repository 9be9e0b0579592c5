// SPDX-License-Identifier: MIT
/*
 * flows.ndjson: every flow record of every size, one JSON object a line, next to run.json.
 * A reader takes it in one pass without a document tree (benches/result_flows.c), so a
 * million flows cost what their records cost. Small runs keep their flows inline in
 * run.json too, as before; large ones name the sidecar only (results/README.md).
 */
#include "results_priv.h"

#include <stdio.h>

#include "../core/json.h"

/* flow records (all sizes) up to which run.json keeps them inline as well */
#define FP_RESULTS_INLINE_MAX 4096

static uint64_t records(const struct fp_run_data *d)
{
	unsigned done = 0;

	for (unsigned i = 0; i < d->nres; i++)
		done += d->res[i].done;
	return (uint64_t)d->sched->rstart[d->sched->nrounds] * done;
}

bool fp_results_inline_flows(const struct fp_run_data *d)
{
	return records(d) <= FP_RESULTS_INLINE_MAX;
}

void fp_results_ndjson(const struct fp_run_data *d, FILE *f)
{
	const struct fp_sched *s = d->sched;

	for (unsigned i = 0; i < d->nres; i++) {
		const struct fp_size_res *sr = &d->res[i];

		for (uint32_t r = 0; sr->done && r < s->nrounds; r++)
			for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
				struct fp_json j;

				if (!fp_results_flow_kept(d, sr, e))
					continue;
				fp_json_init(&j, f, false);
				fp_json_obj(&j, NULL);
				fp_json_u64(&j, "size", sr->size);
				fp_results_flow_fields(&j, d, sr, r, e);
				fp_json_end(&j);
				fputc('\n', f);
			}
	}
}
