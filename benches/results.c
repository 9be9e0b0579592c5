// SPDX-License-Identifier: MIT
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../core/units.h"
#include "fp_config.h"

#define GBPS(x) fp_gbit_s(x)

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

/* Size-level figures: rounds averaged, flows pooled. */
struct size_agg {
	unsigned rounds, flows;
	uint64_t iters;
	double bw, bw_min_round, flow_mean, flow_min, flow_max, ival_min, peak, jain;
	double algbw, busbw; /* alltoall only, nccl-tests definitions */
	bool lat;
	struct fp_lat_stats rtt; /* ns */
};

static void size_agg(const struct fp_run_data *d, const struct fp_size_res *sr, struct size_agg *a)
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
	for (uint32_t e = 0; e < s->nentries; e++) {
		const struct fp_fres *fr = &sr->fr[e];

		if (!fr->have_rx)
			continue;
		nf++;
		sum += fr->bw.avg;
		if (!a->iters)
			a->iters = fr->rx_msgs;
		if (fr->bw.avg < a->flow_min)
			a->flow_min = fr->bw.avg;
		if (fr->bw.avg > a->flow_max)
			a->flow_max = fr->bw.avg;
		if (fr->bw.min < a->ival_min)
			a->ival_min = fr->bw.min;
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

static bool is_alltoall(const struct fp_run_data *d)
{
	return !strcmp(d->pattern->name, "alltoall");
}

/* ---------- JSON ---------- */

static void json_lat(struct fp_json *j, const char *key, const struct fp_lat_stats *rtt)
{
	/* one-way = RTT/2, as perftest reports; the RTT is kept too */
	fp_json_obj(j, key);
	fp_json_u64(j, "samples", rtt->count);
	fp_json_num(j, "min_us", rtt->min / 2e3);
	fp_json_num(j, "mean_us", rtt->mean / 2e3);
	fp_json_num(j, "stddev_us", rtt->stddev / 2e3);
	fp_json_num(j, "p50_us", rtt->p50 / 2e3);
	fp_json_num(j, "p90_us", rtt->p90 / 2e3);
	fp_json_num(j, "p99_us", rtt->p99 / 2e3);
	fp_json_num(j, "p99_9_us", rtt->p999 / 2e3);
	fp_json_num(j, "p99_99_us", rtt->p9999 / 2e3);
	fp_json_num(j, "max_us", rtt->max / 2e3);
	fp_json_num(j, "rtt_p50_us", rtt->p50 / 1e3);
	fp_json_num(j, "rtt_p99_us", rtt->p99 / 1e3);
	fp_json_num(j, "rtt_mean_us", rtt->mean / 1e3);
	fp_json_end(j);
}

static void json_size(struct fp_json *j, const struct fp_run_data *d, const struct fp_size_res *sr)
{
	const struct fp_sched *s = d->sched;
	struct size_agg a;

	size_agg(d, sr, &a);
	fp_json_obj(j, NULL);
	fp_json_u64(j, "size", sr->size);
	fp_json_u64(j, "iters", a.iters);
	if (s->measure & FP_MEASURE_BW) {
		fp_json_obj(j, "bandwidth");
		fp_json_u64(j, "flows", a.flows);
		fp_json_num(j, "aggregate_Gbps", GBPS(a.bw));
		fp_json_num(j, "aggregate_GBps", fp_gbyte_s(a.bw));
		fp_json_num(j, "aggregate_min_round_Gbps", GBPS(a.bw_min_round));
		fp_json_num(j, "flow_mean_Gbps", GBPS(a.flow_mean));
		fp_json_num(j, "flow_min_Gbps", GBPS(a.flow_min));
		fp_json_num(j, "flow_max_Gbps", GBPS(a.flow_max));
		fp_json_num(j, "interval_min_Gbps", GBPS(a.ival_min));
		fp_json_num(j, "interval_peak_Gbps", GBPS(a.peak));
		fp_json_num(j, "msg_rate_Mmsgps", sr->size ? a.bw / (double)sr->size / 1e6 : 0);
		fp_json_num(j, "jain_fairness", a.jain);
		if (is_alltoall(d)) {
			fp_json_num(j, "algbw_GBps", fp_gbyte_s(a.algbw));
			fp_json_num(j, "busbw_GBps", fp_gbyte_s(a.busbw));
		}
		fp_json_end(j);
		fp_json_arr(j, "rounds");
		for (uint32_t r = 0; r < s->nrounds; r++) {
			struct fp_round_agg ra;

			fp_round_agg(d, sr, r, &ra);
			fp_json_obj(j, NULL);
			fp_json_u64(j, "round", r);
			fp_json_u64(j, "flows", ra.flows);
			fp_json_u64(j, "bytes", ra.bytes);
			fp_json_num(j, "time_us", ra.time_ns / 1e3);
			fp_json_num(j, "aggregate_Gbps", GBPS(ra.bw));
			fp_json_num(j, "flow_min_Gbps", GBPS(ra.min_flow));
			fp_json_num(j, "flow_max_Gbps", GBPS(ra.max_flow));
			fp_json_num(j, "jain_fairness", ra.jain);
			fp_json_end(j);
		}
		fp_json_end(j);
	}
	if (a.lat)
		json_lat(j, "latency", &a.rtt);
	fp_json_arr(j, "flows");
	for (uint32_t r = 0; r < s->nrounds; r++) {
		for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
			const struct fp_fres *fr = &sr->fr[e];
			const struct fp_flow *f = &s->flows[s->rflows[e]];

			if (!fr->have_rx && !fr->have_tx && !fr->have_lat)
				continue;
			fp_json_obj(j, NULL);
			fp_json_u64(j, "round", r);
			fp_json_u64(j, "flow", f->id);
			fp_json_i64(j, "src", f->src);
			fp_json_i64(j, "dst", f->dst);
			if (fr->have_tx || fr->have_rx) {
				fp_json_u64(j, "tx_msgs", fr->tx_msgs);
				fp_json_u64(j, "tx_bytes", fr->tx_bytes);
				fp_json_u64(j, "rx_msgs", fr->rx_msgs);
				fp_json_u64(j, "rx_bytes", fr->rx_bytes);
				fp_json_num(j, "tx_time_us", fr->tx_ns / 1e3);
				fp_json_num(j, "rx_time_us", fr->rx_ns / 1e3);
				fp_json_num(j, "avg_Gbps", GBPS(fr->bw.avg));
				fp_json_num(j, "min_Gbps", GBPS(fr->bw.min));
				fp_json_num(j, "peak_Gbps", GBPS(fr->bw.peak));
				fp_json_u64(j, "intervals", fr->bw.intervals);
				fp_json_num(j, "interval_ms", fr->bw.interval_s * 1e3);
			}
			if (fr->have_lat)
				json_lat(j, "latency", &fr->rtt);
			fp_json_end(j);
		}
	}
	fp_json_end(j);
	fp_json_end(j);
}

void fp_results_json(const struct fp_run_data *d, FILE *f, bool pretty)
{
	const struct fp_run_cfg *c = d->cfg;
	const struct fp_sched *s = d->sched;
	struct fp_json j;

	fp_json_init(&j, f, pretty);
	fp_json_obj(&j, NULL);
	fp_json_u64(&j, "schema_version", FP_SCHEMA_VERSION);
	fp_json_str(&j, "tool", "fabprobe");
	fp_json_str(&j, "run_id", d->run_id);
	fp_json_str(&j, "status", d->status);
	fp_json_bool(&j, "complete", !strcmp(d->status, "complete"));
	fp_json_bool(&j, "simulated", false);
	if (d->error[0])
		fp_json_str(&j, "error", d->error);
	fp_json_arr(&j, "command_line");
	for (int i = 0; i < c->argc; i++)
		fp_json_str(&j, NULL, c->argv[i]);
	fp_json_end(&j);
	fp_json_str(&j, "started", d->started);
	fp_json_str(&j, "finished", d->finished[0] ? d->finished : NULL);
	fp_json_str(&j, "pattern", c->pattern);
	fp_json_str(&j, "engine", c->engine);
	fp_json_i64(&j, "world_size", s->n);
	fp_json_obj(&j, "versions");
	fp_json_str(&j, "fabprobe", FP_VERSION);
	fp_json_str(&j, "kernel", d->kernel);
	fp_json_end(&j);
	fp_json_obj(&j, "clock");
	fp_json_str(&j, "source", d->clock_source);
	fp_json_num(&j, "hz", d->clock_hz);
	fp_json_end(&j);
	fp_json_obj(&j, "options");
	fp_json_i64(&j, "iters", c->iters);
	fp_json_num(&j, "duration_s", (double)c->duration_ns / 1e9);
	fp_json_i64(&j, "warmup", c->warmup);
	fp_json_i64(&j, "window", c->window);
	fp_json_bool(&j, "bidir", c->bidir);
	fp_json_str(&j, "poll", c->poll ? "event" : "busy");
	fp_json_num(&j, "interval_ms", (double)c->interval_ns / 1e6);
	fp_json_num(&j, "timeout_s", (double)c->timeout_ns / 1e9);
	fp_json_end(&j);
	fp_json_arr(&j, "hosts");
	for (int r = 0; r < s->n; r++) {
		fp_json_obj(&j, NULL);
		fp_json_i64(&j, "rank", r);
		fp_json_str(&j, "hostname", d->hosts[r].name);
		fp_json_str(&j, "address", d->hosts[r].addr);
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_json_obj(&j, "schedule");
	fp_json_u64(&j, "rounds", s->nrounds);
	fp_json_u64(&j, "flows", s->nflows);
	fp_json_arr(&j, "round_list");
	for (uint32_t r = 0; r < s->nrounds; r++) {
		fp_json_obj(&j, NULL);
		fp_json_u64(&j, "round", r);
		if (s->rseed[r])
			fp_json_u64(&j, "seed", s->rseed[r]);
		if (s->rroot[r] >= 0)
			fp_json_i64(&j, "root", s->rroot[r]);
		fp_json_arr(&j, "flows");
		for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++)
			fp_json_u64(&j, NULL, s->rflows[e]);
		fp_json_end(&j);
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_json_end(&j);
	fp_json_arr(&j, "flows");
	for (uint32_t i = 0; i < s->nflows; i++) {
		const struct fp_flow_ident *id = &d->ident[i];

		fp_json_obj(&j, NULL);
		fp_json_u64(&j, "id", i);
		fp_json_i64(&j, "src", s->flows[i].src);
		fp_json_i64(&j, "dst", s->flows[i].dst);
		if (id->proto[0]) {
			fp_json_str(&j, "proto", id->proto);
			fp_json_str(&j, "src_ip", id->src_ip);
			fp_json_u64(&j, "src_port", id->src_port);
			fp_json_str(&j, "dst_ip", id->dst_ip);
			fp_json_u64(&j, "dst_port", id->dst_port);
			if (id->qpn)
				fp_json_u64(&j, "qpn", id->qpn);
		}
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_json_arr(&j, "sizes_requested");
	for (unsigned i = 0; i < d->nres; i++)
		fp_json_u64(&j, NULL, d->res[i].size);
	fp_json_end(&j);
	fp_json_arr(&j, "sizes_done");
	for (unsigned i = 0; i < d->nres; i++)
		if (d->res[i].done)
			fp_json_u64(&j, NULL, d->res[i].size);
	fp_json_end(&j);
	fp_json_arr(&j, "results");
	for (unsigned i = 0; i < d->nres; i++)
		if (d->res[i].done)
			json_size(&j, d, &d->res[i]);
	fp_json_end(&j);
	fp_json_end(&j);
}

/* ---------- CSV ---------- */

static void csv_bw(const struct fp_run_data *d, FILE *f)
{
	fprintf(f,
		"size,iters,flows,agg_Gbps,agg_GBps,agg_min_round_Gbps,flow_mean_Gbps,"
		"flow_min_Gbps,flow_max_Gbps,interval_min_Gbps,interval_peak_Gbps,msg_rate_Mmsgps,"
		"jain,algbw_GBps,busbw_GBps\n");
	for (unsigned i = 0; i < d->nres; i++) {
		const struct fp_size_res *sr = &d->res[i];
		struct size_agg a;

		if (!sr->done)
			continue;
		size_agg(d, sr, &a);
		fprintf(f,
			"%llu,%llu,%u,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.4f,%.6f,%."
			"6f\n",
			(unsigned long long)sr->size, (unsigned long long)a.iters, a.flows,
			GBPS(a.bw), fp_gbyte_s(a.bw), GBPS(a.bw_min_round), GBPS(a.flow_mean),
			GBPS(a.flow_min), GBPS(a.flow_max), GBPS(a.ival_min), GBPS(a.peak),
			a.bw / (double)sr->size / 1e6, a.jain,
			is_alltoall(d) ? fp_gbyte_s(a.algbw) : 0,
			is_alltoall(d) ? fp_gbyte_s(a.busbw) : 0);
	}
}

static void csv_lat(const struct fp_run_data *d, FILE *f)
{
	fprintf(f, "size,iters,min_us,mean_us,stddev_us,p50_us,p90_us,p99_us,p99_9_us,p99_99_us,"
		   "max_us,rtt_p50_us\n");
	for (unsigned i = 0; i < d->nres; i++) {
		const struct fp_size_res *sr = &d->res[i];
		struct size_agg a;

		if (!sr->done)
			continue;
		size_agg(d, sr, &a);
		fprintf(f, "%llu,%llu,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n",
			(unsigned long long)sr->size, (unsigned long long)a.rtt.count,
			a.rtt.min / 2e3, a.rtt.mean / 2e3, a.rtt.stddev / 2e3, a.rtt.p50 / 2e3,
			a.rtt.p90 / 2e3, a.rtt.p99 / 2e3, a.rtt.p999 / 2e3, a.rtt.p9999 / 2e3,
			a.rtt.max / 2e3, a.rtt.p50 / 1e3);
	}
}

static void csv_flows(const struct fp_run_data *d, FILE *f)
{
	const struct fp_sched *s = d->sched;

	fprintf(f, "size,round,flow,src,dst,proto,src_ip,src_port,dst_ip,dst_port,tx_bytes,"
		   "rx_bytes,rx_msgs,avg_Gbps,min_Gbps,peak_Gbps,lat_p50_us,lat_p99_us\n");
	for (unsigned i = 0; i < d->nres; i++) {
		const struct fp_size_res *sr = &d->res[i];

		if (!sr->done)
			continue;
		for (uint32_t r = 0; r < s->nrounds; r++) {
			for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
				const struct fp_fres *fr = &sr->fr[e];
				const struct fp_flow *fl = &s->flows[s->rflows[e]];
				const struct fp_flow_ident *id = &d->ident[fl->id];

				if (!fr->have_rx && !fr->have_lat)
					continue;
				fprintf(f,
					"%llu,%u,%u,%d,%d,%s,%s,%u,%s,%u,%llu,%llu,%llu,%.6f,"
					"%.6f,%.6f,%.3f,%.3f\n",
					(unsigned long long)sr->size, r, fl->id, fl->src, fl->dst,
					id->proto, id->src_ip, id->src_port, id->dst_ip,
					id->dst_port, (unsigned long long)fr->tx_bytes,
					(unsigned long long)fr->rx_bytes,
					(unsigned long long)fr->rx_msgs, GBPS(fr->bw.avg),
					GBPS(fr->bw.min), GBPS(fr->bw.peak),
					fr->have_lat ? fr->rtt.p50 / 2e3 : 0,
					fr->have_lat ? fr->rtt.p99 / 2e3 : 0);
			}
		}
	}
}

typedef void (*writer_fn)(const struct fp_run_data *d, FILE *f);

static int write_one(const struct fp_run_data *d, const char *name, writer_fn fn)
{
	struct fp_afile a;
	char path[4200];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", d->dir, name);
	ret = fp_afile_open(&a, path);
	if (ret)
		return ret;
	fn(d, a.f);
	return fp_afile_commit(&a);
}

static void run_json(const struct fp_run_data *d, FILE *f)
{
	fp_results_json(d, f, true);
}

int fp_results_write(const struct fp_run_data *d)
{
	int ret = 0;

	if (d->sched->measure & FP_MEASURE_BW)
		ret = write_one(d, "bw.csv", csv_bw);
	if (!ret && d->sched->measure & FP_MEASURE_LAT)
		ret = write_one(d, "lat.csv", csv_lat);
	if (!ret)
		ret = write_one(d, "flows.csv", csv_flows);
	/* run.json last: when it says a size is done, the CSV files already have it */
	if (!ret)
		ret = write_one(d, "run.json", run_json);
	if (ret)
		errno = -ret;
	return ret;
}

/* ---------- text ---------- */

void fp_results_text_header(const struct fp_run_data *d, FILE *f)
{
	const struct fp_sched *s = d->sched;

	fprintf(f, "# fabprobe %s, engine %s, %d ranks, %u flows in %u round%s\n", d->pattern->name,
		d->cfg->engine, s->n, s->nflows, s->nrounds, s->nrounds > 1 ? "s" : "");
	fprintf(f, "# Gb/s = 1e9 bit/s, GB/s = 1e9 B/s; latency one-way = RTT/2; clock: %s\n",
		d->clock_source);
	if (s->measure & FP_MEASURE_BW) {
		fprintf(f, "%10s %10s %6s %12s %12s %12s %12s %12s %12s", "#bytes", "#iters",
			"flows", "agg[Gb/s]", "agg[GB/s]", "flowavg", "flowmin", "ivalmin", "peak");
		if (is_alltoall(d))
			fprintf(f, " %12s %12s", "algbw[GB/s]", "busbw[GB/s]");
		fprintf(f, " %10s", "Mmsg/s");
	}
	if (s->measure & FP_MEASURE_LAT) {
		if (!(s->measure & FP_MEASURE_BW))
			fprintf(f, "%10s %10s", "#bytes", "#iters");
		fprintf(f, " %9s %9s %9s %9s %9s %9s %9s %9s %9s", "min[us]", "p50[us]", "avg[us]",
			"stdev", "p90", "p99", "p99.9", "p99.99", "max[us]");
	}
	fputc('\n', f);
}

void fp_results_text_row(const struct fp_run_data *d, const struct fp_size_res *sr, FILE *f)
{
	const struct fp_sched *s = d->sched;
	struct size_agg a;

	size_agg(d, sr, &a);
	if (s->measure & FP_MEASURE_BW) {
		fprintf(f, "%10llu %10llu %6u %12.3f %12.4f %12.3f %12.3f %12.3f %12.3f",
			(unsigned long long)sr->size, (unsigned long long)a.iters, a.flows,
			GBPS(a.bw), fp_gbyte_s(a.bw), GBPS(a.flow_mean), GBPS(a.flow_min),
			GBPS(a.ival_min), GBPS(a.peak));
		if (is_alltoall(d))
			fprintf(f, " %12.4f %12.4f", fp_gbyte_s(a.algbw), fp_gbyte_s(a.busbw));
		fprintf(f, " %10.4f", a.bw / (double)sr->size / 1e6);
	}
	if (s->measure & FP_MEASURE_LAT) {
		if (!(s->measure & FP_MEASURE_BW))
			fprintf(f, "%10llu %10llu", (unsigned long long)sr->size,
				(unsigned long long)a.iters);
		fprintf(f, " %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f",
			a.rtt.min / 2e3, a.rtt.p50 / 2e3, a.rtt.mean / 2e3, a.rtt.stddev / 2e3,
			a.rtt.p90 / 2e3, a.rtt.p99 / 2e3, a.rtt.p999 / 2e3, a.rtt.p9999 / 2e3,
			a.rtt.max / 2e3);
	}
	fputc('\n', f);
}

void fp_results_text_footer(const struct fp_run_data *d, FILE *f)
{
	(void)d;
	(void)f;
}
