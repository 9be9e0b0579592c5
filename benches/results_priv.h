/* SPDX-License-Identifier: MIT */
/* What the results writer's files share: the size-level aggregate of one size's rounds. */
#ifndef FP_RESULTS_PRIV_H
#define FP_RESULTS_PRIV_H

#include "results.h"

/* Size-level figures: rounds averaged, flows pooled. */
struct size_agg {
	unsigned rounds, flows;
	uint64_t iters;
	double bw, bw_min_round, flow_mean, flow_min, flow_max, ival_min, peak, jain;
	double algbw, busbw; /* alltoall only, nccl-tests definitions */
	bool lat;
	struct fp_lat_stats rtt; /* ns */
	/* datagram engines */
	double offered; /* bytes/s sent, per round as bw, averaged */
	uint64_t sent, received, reordered, duplicates;
	uint64_t ival_empty; /* intervals without a completed message, all flows */
};

void fp_results_size_agg(const struct fp_run_data *d, const struct fp_size_res *sr,
			 struct size_agg *a);

/* flow records: run.json's results[].flows[] and flows.ndjson (results_flows.c) */
struct fp_json;
void fp_results_flow_fields(struct fp_json *j, const struct fp_run_data *d,
			    const struct fp_size_res *sr, uint32_t r, uint32_t e);
bool fp_results_flow_kept(const struct fp_run_data *d, const struct fp_size_res *sr, uint32_t e);
bool fp_results_inline_flows(const struct fp_run_data *d);
void fp_results_ndjson(const struct fp_run_data *d, FILE *f);

#endif
