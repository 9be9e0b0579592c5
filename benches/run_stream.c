// SPDX-License-Identifier: MIT
/*
 * --format jsonl: rank 0 streams what it learns as JSON lines on stdout, one object per line,
 * flushed at once, for a program that follows a run as it goes (the schema is in
 * results/README.md): each --report-interval line ("type": "interval"), each size when it
 * is done ("type": "size"), and a last line with the outcome ("type": "summary").
 */
#include <stdio.h>
#include <string.h>

#include "../core/json.h"
#include "../core/units.h"
#include "results_priv.h"
#include "run_priv.h"

#define GBPS(x) ((x)*8 / 1e9)

static void begin(struct fp_json *j, const char *type)
{
	fp_json_init(j, stdout, false);
	fp_json_obj(j, NULL);
	fp_json_str(j, "type", type);
	fp_json_u64(j, "schema_version", FP_SCHEMA_VERSION);
}

static void finish(struct fp_json *j)
{
	fp_json_end(j);
	fputc('\n', stdout);
	fflush(stdout);
}

void fp_run_jsonl_ival(const struct rank *rk, const struct fp_ival *v)
{
	const struct fp_flow *fl = &rk->sched.flows[v->slow_flow];
	double dt = v->t1 - v->t0 > 0 ? v->t1 - v->t0 : 1e-9;
	struct fp_json j;

	begin(&j, "interval");
	fp_json_u64(&j, "size", v->size);
	fp_json_num(&j, "t_start_s", v->t0);
	fp_json_num(&j, "t_end_s", v->t1);
	fp_json_u64(&j, "msgs", v->msgs);
	fp_json_num(&j, "msg_rate_Mmsgps", (double)v->msgs / dt / 1e6);
	if (v->lat) {
		fp_json_num(&j, "lat_p50_us", v->p50_ns / 2e3);
		fp_json_num(&j, "lat_p99_us", v->p99_ns / 2e3);
	} else {
		fp_json_u64(&j, "bytes", v->bytes);
		fp_json_num(&j, "agg_Gbps", (double)v->bytes * 8 / dt / 1e9);
		fp_json_obj(&j, "slowest");
		fp_json_u64(&j, "flow", v->slow_flow);
		fp_json_i64(&j, "src", fl->src);
		fp_json_i64(&j, "dst", fl->dst);
		fp_json_num(&j, "Gbps", v->slow_rate * 8 / 1e9);
		fp_json_end(&j);
	}
	finish(&j);
}

void fp_run_jsonl_size(const struct fp_run_data *d, const struct fp_size_res *sr)
{
	struct size_agg a;
	struct fp_json j;

	fp_results_size_agg(d, sr, &a);
	begin(&j, "size");
	fp_json_u64(&j, "size", sr->size);
	fp_json_u64(&j, "iters", a.iters);
	if (d->sched->measure & FP_MEASURE_BW) {
		fp_json_u64(&j, "flows", a.flows);
		fp_json_num(&j, "aggregate_Gbps", GBPS(a.bw));
		fp_json_num(&j, "flow_min_Gbps", GBPS(a.flow_min));
		fp_json_num(&j, "interval_min_Gbps", GBPS(a.ival_min));
		fp_json_num(&j, "interval_peak_Gbps", GBPS(a.peak));
		fp_json_num(&j, "msg_rate_Mmsgps", sr->size ? a.bw / (double)sr->size / 1e6 : 0);
		if (d->dgram)
			fp_json_u64(&j, "frames_lost", a.sent - a.received);
	}
	if (a.lat) {
		fp_json_num(&j, "lat_p50_us", a.rtt.p50 / 2e3);
		fp_json_num(&j, "lat_p99_us", a.rtt.p99 / 2e3);
	}
	if (d->cfg->count_wrong && (d->sched->measure & FP_MEASURE_BW))
		fp_json_u64(&j, "wrong", sr->wrong);
	finish(&j);
}

void fp_run_jsonl_summary(const struct fp_run_data *d)
{
	unsigned done = 0;
	uint64_t wrong = 0;
	struct fp_json j;

	for (unsigned i = 0; i < d->nres; i++) {
		done += d->res[i].done;
		wrong += d->res[i].wrong;
	}
	begin(&j, "summary");
	fp_json_str(&j, "run_id", d->run_id);
	fp_json_str(&j, "dir", d->dir);
	fp_json_str(&j, "status", d->status);
	if (d->error[0])
		fp_json_str(&j, "error", d->error);
	fp_json_u64(&j, "sizes", d->nres);
	fp_json_u64(&j, "sizes_done", done);
	fp_json_u64(&j, "intervals", d->nivals);
	if (d->cfg->count_wrong && (d->sched->measure & FP_MEASURE_BW))
		fp_json_u64(&j, "wrong", wrong);
	finish(&j);
}
