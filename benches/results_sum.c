// SPDX-License-Identifier: MIT
/*
 * Parts of run.json and the text table beyond the per-size results: where each rank ran
 * (ranks[]) and nccl-tests' average bus bandwidth (summary, and its line after the table).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../core/units.h"
#include "results.h"

static void json_node(struct fp_json *j, const char *k, int node)
{
	if (node >= 0)
		fp_json_i64(j, k, node);
	else
		fp_json_null(j, k);
}

void fp_run_queues_free(struct fp_run_queues *q)
{
	if (!q)
		return;
	free(q->txq);
	free(q->rx);
	free(q->lc);
	free(q);
}

/*
 * ranks[].queues: rank r's frames by queue over the sizes done, from the same entries as
 * results[].flows[]: sent (its source flows' tx_msgs by their transmit queue) and received
 * (its destination flows' rx_msgs by the receive queue each frame came on).
 */
static void json_queues(struct fp_json *j, const struct fp_run_data *d, int r)
{
	const struct fp_run_queues *q = d->queues;
	const struct fp_sched *s = d->sched;
	uint64_t sent[FP_PKT_MAXQ] = { 0 }, rcvd[FP_PKT_MAXQ] = { 0 };

	for (unsigned i = 0; i < d->nres; i++) {
		const struct fp_size_res *sr = &d->res[i];

		for (uint32_t e = 0; sr->done && e < s->nentries; e++) {
			const struct fp_flow *fl = &s->flows[s->rflows[e]];
			size_t k = (size_t)i * s->nentries + e;

			if (fl->src == r && sr->fr[e].have_tx && q->txq[k] < q->nq)
				sent[q->txq[k]] += sr->fr[e].tx_msgs;
			for (unsigned x = 0; fl->dst == r && x < q->nq; x++)
				rcvd[x] += q->rx[k * q->nq + x];
		}
	}
	fp_json_obj(j, "queues");
	fp_json_u64(j, "n", q->nq);
	fp_json_arr(j, "sent");
	for (unsigned x = 0; x < q->nq; x++)
		fp_json_u64(j, NULL, sent[x]);
	fp_json_end(j);
	fp_json_arr(j, "received");
	for (unsigned x = 0; x < q->nq; x++)
		fp_json_u64(j, NULL, rcvd[x]);
	fp_json_end(j);
	/* the lcore that polled each queue, and the CPUs it may run on */
	if (q->lc && q->lc[(size_t)r * q->nq].lcore >= 0) {
		fp_json_arr(j, "lcores");
		for (unsigned x = 0; x < q->nq; x++) {
			const struct fp_queue_lcore *l = &q->lc[(size_t)r * q->nq + x];

			fp_json_obj(j, NULL);
			fp_json_u64(j, "queue", x);
			fp_json_i64(j, "lcore", l->lcore);
			fp_json_arr(j, "cpus");
			for (unsigned k = 0; k < l->ncpu; k++)
				fp_json_u64(j, NULL, l->cpu[k]);
			fp_json_end(j);
			fp_json_end(j);
		}
		fp_json_end(j);
	}
	fp_json_end(j);
}

/* ranks[]: where each rank ran (run_context.c), a field null where it is unknown. */
void fp_results_json_ranks(struct fp_json *j, const struct fp_run_data *d)
{
	fp_json_arr(j, "ranks");
	for (int r = 0; d->rctx && r < d->sched->n; r++) {
		const struct fp_rank_ctx *c = &d->rctx[r];

		if (!c->valid)
			continue;
		fp_json_obj(j, NULL);
		fp_json_i64(j, "rank", r);
		fp_json_str(j, "port", c->port[0] ? c->port : NULL);
		fp_json_str(j, "driver", c->driver[0] ? c->driver : NULL);
		fp_json_str(j, "nic_model", c->nic_model[0] ? c->nic_model : "-");
		fp_json_str(j, "firmware", c->firmware[0] ? c->firmware : "-");
		if (c->mtu >= 0)
			fp_json_i64(j, "mtu", c->mtu);
		else
			fp_json_null(j, "mtu");
		if (c->speed_gbps > 0)
			fp_json_num(j, "link_speed_Gbps", c->speed_gbps);
		else
			fp_json_null(j, "link_speed_Gbps");
		fp_json_str(j, "pcie", c->pcie[0] ? c->pcie : NULL);
		if (c->pcie[0]) {
			fp_json_num(j, "pcie_GTps", c->pcie_gts);
			fp_json_i64(j, "pcie_width", c->pcie_width);
			fp_json_num(j, "pcie_max_GTps", c->pcie_max_gts);
			fp_json_i64(j, "pcie_max_width", c->pcie_max_width);
		}
		if (c->numa_node >= 0)
			fp_json_i64(j, "numa_node", c->numa_node);
		else
			fp_json_null(j, "numa_node");
		if (c->cpu >= 0)
			fp_json_i64(j, "pinned_cpu", c->cpu);
		else
			fp_json_null(j, "pinned_cpu");
		json_node(j, "numa_nic", c->numa_nic);
		json_node(j, "numa_cpu", c->numa_cpu);
		json_node(j, "numa_buf", c->numa_buf);
		fp_json_bool(j, "numa_off_node", c->numa_off);
		if (d->queues)
			json_queues(j, d, r);
		fp_json_end(j);
	}
	fp_json_end(j);
}

/* nccl-tests' closing line: the bus bandwidth averaged over the sizes measured. */
static bool avg_busbw(const struct fp_run_data *d, double *busbw, unsigned *n)
{
	double sum = 0;

	*n = 0;
	for (unsigned i = 0; !strcmp(d->pattern->name, "alltoall") && i < d->nres; i++) {
		if (!d->res[i].done)
			continue;
		sum += fp_results_busbw(d, &d->res[i]);
		++*n;
	}
	*busbw = *n ? sum / *n : 0;
	return *n != 0;
}

/* nccl-tests' summary in run.json: alltoall only. */
void fp_results_json_summary(struct fp_json *j, const struct fp_run_data *d)
{
	double busbw;
	unsigned n;

	if (!avg_busbw(d, &busbw, &n))
		return;
	fp_json_obj(j, "summary");
	fp_json_num(j, "avg_busbw_GBps", fp_gbyte_s(busbw));
	fp_json_u64(j, "sizes", n);
	fp_json_end(j);
}

void fp_results_text_busbw(const struct fp_run_data *d, FILE *f)
{
	double busbw;
	unsigned n;

	if (avg_busbw(d, &busbw, &n))
		fprintf(f, "# avg busbw: %.4f GB/s over %u size%s\n", fp_gbyte_s(busbw), n,
			n > 1 ? "s" : "");
}

void fp_results_csv_intervals(const struct fp_run_data *d, FILE *f)
{
	fprintf(f, "size,t_start_s,t_end_s,bytes,msgs,agg_Gbps,msg_rate_Mmsgps,slowest_flow,"
		   "slowest_Gbps,phase,lat_p50_us,lat_p99_us\n");
	for (unsigned i = 0; i < d->nivals; i++) {
		const struct fp_ival *v = &d->ivals[i];
		double dt = v->t1 - v->t0 > 0 ? v->t1 - v->t0 : 1e-9;

		/* a latency interval: round trips and one-way percentiles, no byte rates */
		if (v->lat) {
			fprintf(f, "%llu,%.3f,%.3f,,%llu,,%.6f,,,lat,%.3f,%.3f\n",
				(unsigned long long)v->size, v->t0, v->t1,
				(unsigned long long)v->msgs, (double)v->msgs / dt / 1e6,
				v->p50_ns / 2e3, v->p99_ns / 2e3);
			continue;
		}
		fprintf(f, "%llu,%.3f,%.3f,%llu,%llu,%.6f,%.6f,%u,%.6f,bw,,\n",
			(unsigned long long)v->size, v->t0, v->t1, (unsigned long long)v->bytes,
			(unsigned long long)v->msgs, (double)v->bytes * 8 / dt / 1e9,
			(double)v->msgs / dt / 1e6, v->slow_flow, v->slow_rate * 8 / 1e9);
	}
}
