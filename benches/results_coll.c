// SPDX-License-Identifier: MIT
/*
 * A collective's results (results/README.md, "Collectives"): nccl-tests' time, algbw and
 * busbw, where algbw = size / time of one collective (the slowest rank's) and busbw =
 * algbw x 2(n-1)/n for allreduce, x (n-1)/n for allgather and reducescatter.
 */
#include <stdio.h>

#include "../core/json.h"
#include "../core/units.h"
#include "coll.h"
#include "results.h"

static const char *const algos[] = { "ring", "tree" };

static void rates(const struct fp_run_data *d, const struct fp_size_res *sr, double *us,
		  double *alg, double *bus)
{
	double ns = sr->coll_iters ? sr->coll_ns / (double)sr->coll_iters : 0;

	*us = ns / 1e3;
	*alg = ns > 0 ? (double)sr->size / ns : 0; /* bytes per ns = GB/s */
	*bus = *alg * fp_coll_bus_factor(fp_coll_kind_of(d->pattern->name), d->sched->n);
}

void fp_results_coll_json(struct fp_json *j, const struct fp_run_data *d,
			  const struct fp_size_res *sr)
{
	double us, alg, bus;

	rates(d, sr, &us, &alg, &bus);
	fp_json_obj(j, "collective");
	fp_json_str(j, "op", d->pattern->name);
	fp_json_str(j, "algo", algos[d->cfg->algo ? 1 : 0]);
	fp_json_u64(j, "ranks", (uint64_t)d->sched->n);
	fp_json_u64(j, "count", sr->size / sizeof(float));
	fp_json_str(j, "type", "float");
	fp_json_str(j, "redop", "sum");
	fp_json_u64(j, "iters", sr->coll_iters);
	fp_json_num(j, "time_us", us);
	fp_json_num(j, "algbw_GBps", alg);
	fp_json_num(j, "busbw_GBps", bus);
	fp_json_end(j);
}

void fp_results_coll_text(const struct fp_run_data *d, const struct fp_size_res *sr, FILE *f)
{
	double us, alg, bus;

	if (!sr) {
		fprintf(f, "%10s %10s %10s %12s %12s", "#bytes", "#iters", "time[us]",
			"algbw[GB/s]", "busbw[GB/s]");
		if (d->cfg->count_wrong)
			fprintf(f, " %8s", "#wrong");
		return;
	}
	rates(d, sr, &us, &alg, &bus);
	fprintf(f, "%10llu %10llu %10.2f %12.4f %12.4f", (unsigned long long)sr->size,
		(unsigned long long)sr->coll_iters, us, alg, bus);
	if (d->cfg->count_wrong)
		fprintf(f, " %8llu", (unsigned long long)sr->wrong);
}
