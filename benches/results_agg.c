// SPDX-License-Identifier: MIT
/* Aggregates of the per-flow results: per round (fp_round_agg) and per size (rounds averaged,
 * flows pooled), for the tables, the CSV files and run.json. */
#include <math.h>
#include <string.h>

#include "results_priv.h"

void fp_round_agg(const struct fp_run_data *d, const struct fp_size_res *sr, uint32_t round,
		  struct fp_round_agg *out)
{
	const struct fp_sched *s = d->sched;
	double sum = 0, sq = 0;

	memset(out, 0, sizeof(*out));
	out->min_flow = INFINITY;
	for (uint32_t e = s->rstart[round]; e < s->rstart[round + 1]; e++) {
		const struct fp_fres *fr = &sr->fr[e];

		if (!fr->have_rx)
			continue;
		out->flows++;
		out->bytes += fr->rx_bytes;
		if (fr->rx_ns > out->time_ns)
			out->time_ns = fr->rx_ns;
		sum += fr->bw.avg;
		sq += fr->bw.avg * fr->bw.avg;
		if (fr->bw.avg < out->min_flow)
			out->min_flow = fr->bw.avg;
		if (fr->bw.avg > out->max_flow)
			out->max_flow = fr->bw.avg;
	}
	if (!out->flows) {
		out->min_flow = 0;
		return;
	}
	out->mean_flow = sum / out->flows;
	out->bw = out->time_ns > 0 ? (double)out->bytes / (out->time_ns / 1e9) : 0;
	/* Jain: (sum x)^2 / (n sum x^2); 1 when every flow got the same */
	out->jain = sq > 0 ? sum * sum / (out->flows * sq) : 0;
}

void fp_results_size_agg(const struct fp_run_data *d, const struct fp_size_res *sr,
			 struct size_agg *a)
{
	const struct fp_sched *s = d->sched;
	double sum = 0, jsum = 0, alg = 0;
	unsigned nf = 0;

	memset(a, 0, sizeof(*a));
	a->flow_min = a->ival_min = a->bw_min_round = INFINITY;
	for (uint32_t r = 0; r < s->nrounds; r++) {
		struct fp_round_agg ra;

		fp_round_agg(d, sr, r, &ra);
		if (!ra.flows)
			continue;
		a->rounds++;
		a->bw += ra.bw;
		jsum += ra.jain;
		if (ra.bw < a->bw_min_round)
			a->bw_min_round = ra.bw;
		/* nccl-tests alltoall: size counts the whole per-rank buffer, n chunks */
		if (ra.time_ns > 0)
			alg += (double)sr->size * s->n *
			       (double)(ra.bytes / sr->size / (uint64_t)ra.flows) /
			       (ra.time_ns / 1e9);
	}
	for (uint32_t r = 0; r < s->nrounds && d->dgram; r++) {
		uint64_t bytes = 0;
		double t = 0;

		for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
			const struct fp_fres *fr = &sr->fr[e];

			if (!fr->have_tx || !fr->have_rx)
				continue;
			bytes += fr->tx_bytes;
			t = fr->tx_ns > t ? fr->tx_ns : t;
			a->sent += fr->tx_msgs;
			a->received += fr->rx_msgs;
			a->reordered += fr->reordered;
			a->duplicates += fr->duplicates;
		}
		if (t > 0)
			a->offered += (double)bytes / (t / 1e9) / s->nrounds;
	}
	for (uint32_t e = 0; e < s->nentries; e++) {
		const struct fp_fres *fr = &sr->fr[e];

		if (!fr->have_rx)
			continue;
		nf++;
		sum += fr->bw.avg;
		if (!a->iters)
			a->iters = d->dgram ? fr->tx_msgs : fr->rx_msgs;
		if (fr->bw.avg < a->flow_min)
			a->flow_min = fr->bw.avg;
		if (fr->bw.avg > a->flow_max)
			a->flow_max = fr->bw.avg;
		if (fr->bw.min < a->ival_min && fr->bw.empty < fr->bw.intervals)
			a->ival_min = fr->bw.min;
		a->ival_empty += fr->bw.empty;
		if (fr->bw.peak > a->peak)
			a->peak = fr->bw.peak;
	}
	a->flows = nf;
	if (a->rounds) {
		a->bw /= a->rounds;
		a->jain = jsum / a->rounds;
		a->algbw = alg / a->rounds;
		a->busbw = a->algbw * (s->n - 1) / s->n;
	}
	if (nf)
		a->flow_mean = sum / nf;
	if (!isfinite(a->flow_min))
		a->flow_min = 0;
	if (!isfinite(a->ival_min))
		a->ival_min = 0;
	if (!isfinite(a->bw_min_round))
		a->bw_min_round = 0;
	if (sr->lat && sr->lat->count) {
		a->lat = true;
		fp_hist_stats(sr->lat, 1.0, &a->rtt);
		if (!a->iters)
			for (uint32_t e = 0; e < s->nentries && !a->iters; e++)
				a->iters = sr->fr[e].lat_msgs;
	}
}
