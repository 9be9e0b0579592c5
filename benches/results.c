// SPDX-License-Identifier: MIT
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csv.h"
#include "../core/json.h"
#include "results_priv.h"
#include "soak.h"
#include "straggler.h"
#include "../fabric/model/fabctr.h"
#include "../core/units.h"
#include "fp_config.h"
#include "benches/fp_git.h" /* generated into the build folder */

#define GBPS(x) fp_gbit_s(x)

static bool is_alltoall(const struct fp_run_data *d)
{
	return !strcmp(d->pattern->name, "alltoall");
}

/* --pairs-sample K: per-flow records for about K flows, picked by a hash of the flow id */
static bool sampled(const struct fp_run_data *d, uint32_t flow)
{
	uint64_t k = (uint64_t)d->cfg->pairs_sample, h = flow * 0x9e3779b97f4a7c15ull;

	if (!k || k >= d->sched->nflows)
		return true;
	h ^= h >> 29;
	return h % d->sched->nflows < k;
}

/* Per flow, the mean of its receive rates over the rounds it ran in; NaN if it never ran. */
static double *flow_means(const struct fp_run_data *d, const struct fp_size_res *sr)
{
	const struct fp_sched *s = d->sched;
	double *m = calloc(s->nflows ? s->nflows : 1, sizeof(*m));
	unsigned *c = calloc(s->nflows ? s->nflows : 1, sizeof(*c));

	if (!m || !c) {
		free(m);
		free(c);
		return NULL;
	}
	for (uint32_t e = 0; e < s->nentries; e++) {
		if (!sr->fr[e].have_rx)
			continue;
		m[s->rflows[e]] += sr->fr[e].bw.avg;
		c[s->rflows[e]]++;
	}
	for (uint32_t f = 0; f < s->nflows; f++)
		m[f] = c[f] ? m[f] / c[f] : NAN;
	free(c);
	return m;
}

static int stragglers(const struct fp_run_data *d, const struct fp_size_res *sr,
		      struct fp_stragglers *st)
{
	const struct fp_sched *s = d->sched;
	double *m = flow_means(d, sr);
	struct fp_pair_rate *pr;
	size_t n = 0;
	int ret;

	memset(st, 0, sizeof(*st));
	if (!m)
		return -ENOMEM;
	pr = malloc(sizeof(*pr) * (s->nflows ? s->nflows : 1));
	if (!pr) {
		free(m);
		return -ENOMEM;
	}
	for (uint32_t f = 0; f < s->nflows; f++)
		if (!isnan(m[f]))
			pr[n++] = (struct fp_pair_rate){ s->flows[f].src, s->flows[f].dst, m[f] };
	ret = fp_stragglers_find(s->n, pr, n, st);
	free(pr);
	free(m);
	return ret;
}

/* ---------- JSON ---------- */

/* The statistics a latency object carries, in the order they are written; the one-way
 * object leaves out those marked rtt_only. */
static const struct lat_key {
	const char *key;
	size_t off;
	bool rtt_only;
} lat_keys[] = {
	{ "min_us", offsetof(struct fp_lat_stats, min), false },
	{ "mean_us", offsetof(struct fp_lat_stats, mean), false },
	{ "stddev_us", offsetof(struct fp_lat_stats, stddev), true },
	{ "p50_us", offsetof(struct fp_lat_stats, p50), false },
	{ "p90_us", offsetof(struct fp_lat_stats, p90), false },
	{ "p99_us", offsetof(struct fp_lat_stats, p99), false },
	{ "p99_9_us", offsetof(struct fp_lat_stats, p999), false },
	{ "p99_99_us", offsetof(struct fp_lat_stats, p9999), true },
	{ "max_us", offsetof(struct fp_lat_stats, max), false },
};

/* st in ns (or RTT ns), divided by div to the microseconds written */
static void json_lat_keys(struct fp_json *j, const struct fp_lat_stats *st, double div, bool rtt)
{
	for (size_t i = 0; i < sizeof(lat_keys) / sizeof(lat_keys[0]); i++) {
		const double *v = (const double *)((const char *)st + lat_keys[i].off);

		if (rtt || !lat_keys[i].rtt_only)
			fp_json_num(j, lat_keys[i].key, *v / div);
	}
}

static void json_lat(struct fp_json *j, const char *key, const struct fp_lat_stats *rtt)
{
	/* one-way = RTT/2, as perftest reports; the RTT is kept too */
	fp_json_obj(j, key);
	fp_json_u64(j, "samples", rtt->count);
	json_lat_keys(j, rtt, 2e3, true);
	fp_json_num(j, "rtt_p50_us", rtt->p50 / 1e3);
	fp_json_num(j, "rtt_p99_us", rtt->p99 / 1e3);
	fp_json_num(j, "rtt_mean_us", rtt->mean / 1e3);
	fp_json_end(j);
}

/* Delays measured one way (a shared clock), in ns: no halving. */
static void json_oneway(struct fp_json *j, const struct fp_hist *h)
{
	struct fp_lat_stats st;

	fp_hist_stats(h, 1.0, &st);
	fp_json_obj(j, "one_way_latency");
	fp_json_u64(j, "samples", st.count);
	json_lat_keys(j, &st, 1e3, false);
	fp_json_end(j);
}

/* the slowest pairs and ranks at one size, by robust z-score */
static void json_stragglers(struct fp_json *j, const struct fp_run_data *d,
			    const struct fp_size_res *sr)
{
	struct fp_stragglers st;

	if (!stragglers(d, sr, &st)) {
		unsigned top = 5;

		fp_json_obj(j, "stragglers");
		fp_json_num(j, "threshold_z", FP_STRAGGLER_Z);
		fp_json_num(j, "pair_median_Gbps", GBPS(st.pair_median));
		fp_json_num(j, "pair_mad_Gbps", GBPS(st.pair_mad));
		fp_json_num(j, "rank_median_Gbps", GBPS(st.rank_median));
		fp_json_num(j, "rank_mad_Gbps", GBPS(st.rank_mad));
		fp_json_arr(j, "slowest_pairs");
		for (unsigned i = 0; i < st.npairs && (i < top || st.pairs[i].outlier); i++) {
			fp_json_obj(j, NULL);
			fp_json_i64(j, "src", st.pairs[i].src);
			fp_json_i64(j, "dst", st.pairs[i].dst);
			fp_json_num(j, "Gbps", GBPS(st.pairs[i].rate));
			fp_json_num(j, "z", st.pairs[i].z);
			fp_json_bool(j, "outlier", st.pairs[i].outlier);
			fp_json_end(j);
		}
		fp_json_end(j);
		fp_json_arr(j, "slowest_ranks");
		for (unsigned i = 0; i < st.nranks && (i < top || st.ranks[i].outlier); i++) {
			fp_json_obj(j, NULL);
			fp_json_i64(j, "rank", st.ranks[i].rank);
			fp_json_num(j, "mean_Gbps", GBPS(st.ranks[i].mean));
			fp_json_u64(j, "flows", st.ranks[i].flows);
			fp_json_num(j, "z", st.ranks[i].z);
			fp_json_bool(j, "outlier", st.ranks[i].outlier);
			fp_json_end(j);
		}
		fp_json_end(j);
		fp_json_end(j);
		fp_stragglers_free(&st);
	}
}

/* one flow record's fields (round e of the schedule), into an open object: run.json's
 * results[].flows[] and each line of flows.ndjson share them */
void fp_results_flow_fields(struct fp_json *j, const struct fp_run_data *d,
			    const struct fp_size_res *sr, uint32_t r, uint32_t e)
{
	const struct fp_fres *fr = &sr->fr[e];
	const struct fp_flow *f = &d->sched->flows[d->sched->rflows[e]];

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
		fp_json_u64(j, "intervals_empty", fr->bw.empty);
		fp_json_num(j, "interval_ms", fr->bw.interval_s * 1e3);
		if (d->dgram) {
			/* more received than sent (frames older than the receiver's window
			 * counted again): nothing lost, not 2^64 less a few */
			fp_json_u64(j, "lost",
				    fr->tx_msgs > fr->rx_msgs ? fr->tx_msgs - fr->rx_msgs : 0);
			fp_json_u64(j, "reordered", fr->reordered);
			fp_json_u64(j, "duplicates", fr->duplicates);
			fp_json_u64(j, "stale", fr->stale);
			fp_json_u64(j, "forged", fr->forged);
		}
		if (fr->have_tcp) { /* the source's kernel, over the measured phase */
			fp_json_u64(j, "retrans", fr->retrans);
			fp_json_u64(j, "segs_out", fr->segs_out);
			if (fr->rtt_us) /* 0: not known (simulated) */
				fp_json_u64(j, "rtt_us", fr->rtt_us);
		}
	}
	if (fr->have_lat)
		json_lat(j, "latency", &fr->rtt);
	if (d->paths) {
		/* the links this flow crossed in this round, in order */
		fp_json_arr(j, "path");
		for (unsigned k = 0; k < d->hops[e]; k++)
			fp_json_u64(j, NULL, d->paths[(size_t)e * 16 + k] / 2);
		fp_json_end(j);
	}
}

/* whether flow record e is written at all: measured, and sampled (--pairs-sample) */
bool fp_results_flow_kept(const struct fp_run_data *d, const struct fp_size_res *sr, uint32_t e)
{
	const struct fp_fres *fr = &sr->fr[e];

	return (fr->have_rx || fr->have_tx || fr->have_lat) &&
	       sampled(d, d->sched->flows[d->sched->rflows[e]].id);
}

/* every flow of every round at one size: counts, rates, latency, the path it took */
static void json_flows(struct fp_json *j, const struct fp_run_data *d, const struct fp_size_res *sr)
{
	const struct fp_sched *s = d->sched;

	if (!fp_results_inline_flows(d)) /* flows.ndjson holds them (fp_results_ndjson) */
		return;
	fp_json_arr(j, "flows");
	for (uint32_t r = 0; r < s->nrounds; r++) {
		for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
			if (!fp_results_flow_kept(d, sr, e))
				continue;
			fp_json_obj(j, NULL);
			fp_results_flow_fields(j, d, sr, r, e);
			fp_json_end(j);
		}
	}
	fp_json_end(j);
}

static void json_size(struct fp_json *j, const struct fp_run_data *d, const struct fp_size_res *sr)
{
	const struct fp_sched *s = d->sched;
	struct size_agg a;

	fp_results_size_agg(d, sr, &a);
	fp_json_obj(j, NULL);
	fp_json_u64(j, "size", sr->size);
	/* flows stalled at this size: the rest of its rounds did not run, and the stalled flows
	 * are in failed_flows, not here */
	if (sr->partial)
		fp_json_bool(j, "complete", false);
	fp_json_u64(j, "iters", a.iters);
	if (d->cfg->count_wrong && (s->measure & (FP_MEASURE_BW | FP_MEASURE_COLL)))
		fp_json_u64(j, "wrong", sr->wrong); /* latency is not checked */
	if (s->measure & FP_MEASURE_COLL)
		fp_results_coll_json(j, d, sr);
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
		fp_json_u64(j, "intervals_empty", a.ival_empty);
		fp_json_num(j, "interval_peak_Gbps", GBPS(a.peak));
		fp_json_num(j, "msg_rate_Mmsgps", sr->size ? a.bw / (double)sr->size / 1e6 : 0);
		fp_json_num(j, "jain_fairness", a.jain);
		if (is_alltoall(d)) {
			fp_json_num(j, "algbw_GBps", fp_gbyte_s(a.algbw));
			fp_json_num(j, "busbw_GBps", fp_gbyte_s(a.busbw));
		}
		if (sr->oneway && sr->oneway->count)
			json_oneway(j, sr->oneway);
		if (sr->rfc_trials) {
			fp_json_obj(j, "rfc2544");
			fp_json_str(j, "loss_limit", d->cfg->rfc2544);
			fp_json_num(j, "throughput_fps_per_sender", sr->rfc_fps);
			fp_json_num(j, "throughput_Gbps_per_sender",
				    sr->rfc_fps * (double)(sr->size + 20) * 8 / 1e9);
			fp_json_num(j, "trial_s", (double)d->cfg->trial_ns / 1e9);
			fp_json_arr(j, "trials");
			for (unsigned t = 0; t < sr->rfc_trials; t++) {
				fp_json_obj(j, NULL);
				fp_json_num(j, "rate_fps", sr->rfc_rate[t]);
				fp_json_num(j, "loss_ratio", sr->rfc_loss[t]);
				fp_json_end(j);
			}
			fp_json_end(j);
			fp_json_end(j);
		}
		if (d->dgram) {
			/* frame engines: what was offered, what arrived */
			fp_json_num(j, "offered_Gbps", GBPS(a.offered));
			fp_json_num(j, "offered_Mpps", a.offered / (double)sr->size / 1e6);
			fp_json_u64(j, "frames_sent", a.sent);
			fp_json_u64(j, "frames_received", a.received);
			fp_json_u64(j, "frames_lost", a.sent - a.received);
			fp_json_num(j, "loss_ratio",
				    a.sent ? (double)(a.sent - a.received) / (double)a.sent : 0);
			fp_json_u64(j, "frames_reordered", a.reordered);
			fp_json_u64(j, "frames_duplicated", a.duplicates);
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
	if (s->measure & FP_MEASURE_BW)
		json_stragglers(j, d, sr);
	if (a.lat)
		json_lat(j, "latency", &a.rtt);
	json_flows(j, d, sr);
	fp_json_end(j);
}

/*
 * The job token authenticates the rendezvous: whoever reads run.json (or the report made
 * from it) must not be able to join the next job. Its value is recorded as "***".
 */
const char *fp_redact_arg(char *const *argv, int i, char *buf, size_t len)
{
	static const char opt[] = "--token";
	const size_t n = sizeof(opt) - 1;

	if (i > 0 && !strcmp(argv[i - 1], opt))
		return "***";
	if (!strncmp(argv[i], opt, n) && argv[i][n] == '=') {
		snprintf(buf, len, "%s=***", opt);
		return buf;
	}
	return argv[i];
}

/* A size's busbw (nccl-tests' definition, alltoall), for the summary in results_sum.c. */
double fp_results_busbw(const struct fp_run_data *d, const struct fp_size_res *sr)
{
	struct size_agg a;

	fp_results_size_agg(d, sr, &a);
	return a.busbw;
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
	fp_json_bool(&j, "simulated", d->simulated);
	/* every flow record, one a line; run.json has them inline too only when few */
	fp_json_str(&j, "flows_file", "flows.ndjson");
	fp_json_bool(&j, "flows_inline", fp_results_inline_flows(d));
	if (d->auth)
		fp_json_str(&j, "auth", d->auth);
	if (d->error[0])
		fp_json_str(&j, "error", d->error);
	fp_json_arr(&j, "command_line");
	for (int i = 0; i < c->argc; i++) {
		char arg[4096];

		fp_json_str(&j, NULL, fp_redact_arg(c->argv, i, arg, sizeof(arg)));
	}
	fp_json_end(&j);
	fp_json_str(&j, "started", d->started);
	fp_json_str(&j, "finished", d->finished[0] ? d->finished : NULL);
	fp_json_str(&j, "pattern", c->pattern);
	fp_json_str(&j, "engine", c->engine);
	fp_json_i64(&j, "world_size", s->n);
	fp_json_obj(&j, "versions");
	fp_json_str(&j, "fabprobe", FP_VERSION);
	fp_json_str(&j, "git_commit", FP_GIT_COMMIT);
	fp_json_str(&j, "kernel", d->kernel);
	fp_json_end(&j);
	fp_json_obj(&j, "clock");
	fp_json_str(&j, "source", d->clock_source);
	fp_json_num(&j, "hz", d->clock_hz);
	if (d->clock_tsc && isfinite(d->clock_drift))
		fp_json_num(&j, "drift", d->clock_drift);
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
	fp_run_json_options(&j, c);
	fp_json_end(&j);
	fp_json_arr(&j, "hosts");
	for (int r = 0; r < s->n; r++) {
		fp_json_obj(&j, NULL);
		fp_json_i64(&j, "rank", r);
		fp_json_str(&j, "hostname", d->hosts[r].name);
		fp_json_str(&j, "address", d->hosts[r].addr);
		fp_results_json_endpoint(&j, d, r);
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_results_json_ranks(&j, d);
	fp_results_json_failed(&j, d);
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
		if (fp_results_inline_flows(d)) { /* else each flows.ndjson line has its round */
			fp_json_arr(&j, "flows");
			for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++)
				fp_json_u64(&j, NULL, s->rflows[e]);
			fp_json_end(&j);
		}
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_json_end(&j);
	fp_json_arr(&j, "flows");
	/* large runs: the identities are in flows.csv, one row per record */
	for (uint32_t i = 0; fp_results_inline_flows(d) && i < s->nflows; i++) {
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
	/* per rank: how its data-plane port's counters moved between the start and the end */
	fp_json_arr(&j, "counters");
	for (int r = 0; d->ctr && r < s->n; r++) {
		const struct fp_ctr_delta *cd = &d->ctr[r];
		bool fec = false;

		if (!cd->valid)
			continue;
		fp_json_obj(&j, NULL);
		fp_json_i64(&j, "rank", r);
		fp_json_str(&j, "port", cd->port);
		fp_json_obj(&j, "deltas");
		for (unsigned k = 0; k < cd->n; k++) {
			fp_json_i64(&j, cd->name[k], cd->delta[k]);
			fec |= !strcmp(cd->name[k], "fec_uncorrectable");
		}
		fp_json_end(&j);
		/* the port's FEC blocks are among the deltas, or it reports none (veth, lo) */
		fp_json_str(&j, "fec", fec ? "in deltas" : "not available");
		fp_json_end(&j);
	}
	fp_json_end(&j);
	if (d->fabric)
		fp_fabctr_json(&j, d->fabric);
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
	fp_results_json_summary(&j, d);
	fp_soak_json(&j, d);
	fp_json_end(&j);
}

/* ---------- CSV ---------- */

/* The next completed size from *i on, with its aggregates in a; NULL past the last. */
static const struct fp_size_res *next_done(const struct fp_run_data *d, unsigned *i,
					   struct size_agg *a)
{
	for (; *i < d->nres; (*i)++)
		if (d->res[*i].done) {
			fp_results_size_agg(d, &d->res[*i], a);
			return &d->res[(*i)++];
		}
	return NULL;
}

static void csv_bw(const struct fp_run_data *d, FILE *f)
{
	const struct fp_size_res *sr;
	struct size_agg a;

	fprintf(f,
		"size,iters,flows,agg_Gbps,agg_GBps,agg_min_round_Gbps,flow_mean_Gbps,"
		"flow_min_Gbps,flow_max_Gbps,interval_min_Gbps,interval_peak_Gbps,msg_rate_Mmsgps,"
		"jain,algbw_GBps,busbw_GBps,intervals_empty,wrong,complete\n");
	for (unsigned i = 0; (sr = next_done(d, &i, &a));)
		fprintf(f,
			"%llu,%llu,%u,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.4f,%.6f,%."
			"6f,%llu,%llu,%d\n",
			(unsigned long long)sr->size, (unsigned long long)a.iters, a.flows,
			GBPS(a.bw), fp_gbyte_s(a.bw), GBPS(a.bw_min_round), GBPS(a.flow_mean),
			GBPS(a.flow_min), GBPS(a.flow_max), GBPS(a.ival_min), GBPS(a.peak),
			a.bw / (double)sr->size / 1e6, a.jain,
			is_alltoall(d) ? fp_gbyte_s(a.algbw) : 0,
			is_alltoall(d) ? fp_gbyte_s(a.busbw) : 0, (unsigned long long)a.ival_empty,
			(unsigned long long)sr->wrong, !sr->partial);
}

static void csv_lat(const struct fp_run_data *d, FILE *f)
{
	const struct fp_size_res *sr;
	struct size_agg a;

	fprintf(f, "size,iters,min_us,mean_us,stddev_us,p50_us,p90_us,p99_us,p99_9_us,p99_99_us,"
		   "max_us,rtt_p50_us,complete\n");
	for (unsigned i = 0; (sr = next_done(d, &i, &a));)
		fprintf(f, "%llu,%llu,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%d\n",
			(unsigned long long)sr->size, (unsigned long long)a.rtt.count,
			a.rtt.min / 2e3, a.rtt.mean / 2e3, a.rtt.stddev / 2e3, a.rtt.p50 / 2e3,
			a.rtt.p90 / 2e3, a.rtt.p99 / 2e3, a.rtt.p999 / 2e3, a.rtt.p9999 / 2e3,
			a.rtt.max / 2e3, a.rtt.p50 / 1e3, !sr->partial);
}

static void csv_flows(const struct fp_run_data *d, FILE *f)
{
	const struct fp_sched *s = d->sched;

	fprintf(f,
		"size,round,flow,src,dst,proto,src_ip,src_port,dst_ip,dst_port,tx_bytes,"
		"rx_bytes,rx_msgs,avg_Gbps,min_Gbps,peak_Gbps,lat_p50_us,lat_p99_us,tx_msgs,lost,"
		"reordered,duplicates,retrans,segs_out,src_host,dst_host\n");
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
					"%.6f,%.6f,%.3f,%.3f,%llu,%llu,%llu,%llu,",
					(unsigned long long)sr->size, r, fl->id, fl->src, fl->dst,
					id->proto, id->src_ip, id->src_port, id->dst_ip,
					id->dst_port, (unsigned long long)fr->tx_bytes,
					(unsigned long long)fr->rx_bytes,
					(unsigned long long)fr->rx_msgs, GBPS(fr->bw.avg),
					GBPS(fr->bw.min), GBPS(fr->bw.peak),
					fr->have_lat ? fr->rtt.p50 / 2e3 : 0,
					fr->have_lat ? fr->rtt.p99 / 2e3 : 0,
					(unsigned long long)fr->tx_msgs,
					(unsigned long long)(d->dgram && fr->tx_msgs > fr->rx_msgs
								     ? fr->tx_msgs - fr->rx_msgs
								     : 0),
					(unsigned long long)fr->reordered,
					(unsigned long long)fr->duplicates);
				if (fr->have_tcp) /* else empty: not counted */
					fprintf(f, "%llu,%llu,", (unsigned long long)fr->retrans,
						(unsigned long long)fr->segs_out);
				else
					fputs(",,", f);
				/* host names last: the columns before keep their places */
				fp_csv_field(f, d->hosts[fl->src].name);
				fputc(',', f);
				fp_csv_field(f, d->hosts[fl->dst].name);
				fputc('\n', f);
			}
		}
	}
}

/*
 * n x n matrices for gnuplot's `matrix columnheaders` heatmaps: a header row of host names in
 * rank order, then row = source rank, column = destination. NaN where a pair was not measured
 * (the diagonal always), which gnuplot leaves blank.
 */
static void matrix_row(FILE *f, const double *row, int n)
{
	for (int c = 0; c < n; c++)
		fprintf(f, c ? ",%.6g" : "%.6g", row[c]);
	fputc('\n', f);
}

static int write_matrix(const char *path, const struct fp_run_data *d, const double *m)
{
	struct fp_afile a;
	int n = d->sched->n, ret = fp_afile_open(&a, path);

	if (ret)
		return ret;
	for (int r = 0; r < n; r++) {
		if (r)
			fputc(',', a.f);
		fp_csv_field(a.f, d->hosts[r].name);
	}
	fputc('\n', a.f);
	for (int r = 0; r < n; r++)
		matrix_row(a.f, m + (size_t)r * n, n);
	return fp_afile_commit(&a);
}

/*
 * The latency distribution of one size, for CDF plots: one row per non-empty histogram
 * bucket, value at the bucket's midpoint (one-way, RTT/2), count, cumulative fraction.
 */
static int write_lat_hist(const struct fp_run_data *d, const struct fp_size_res *sr)
{
	struct fp_afile a;
	char path[4200];
	uint64_t seen = 0;
	int ret;

	if (!sr->lat || !sr->lat->count)
		return 0;
	snprintf(path, sizeof(path), "%s/lat_hist_%llu.csv", d->dir, (unsigned long long)sr->size);
	ret = fp_afile_open(&a, path);
	if (ret)
		return ret;
	fprintf(a.f, "oneway_us,count,cdf\n");
	for (unsigned i = 0; i < FP_HIST_BUCKETS; i++) {
		if (!sr->lat->bucket[i])
			continue;
		seen += sr->lat->bucket[i];
		fprintf(a.f, "%.4f,%llu,%.6f\n", fp_hist_bucket_value(i) / 2e3,
			(unsigned long long)sr->lat->bucket[i],
			(double)seen / (double)sr->lat->count);
	}
	return fp_afile_commit(&a);
}

static int write_matrices(const struct fp_run_data *d, const struct fp_size_res *sr)
{
	const struct fp_sched *s = d->sched;
	size_t nn = (size_t)s->n * s->n;
	double *m = malloc(sizeof(*m) * nn), *fm = NULL;
	char path[4200];
	int ret = 0;

	if (!m)
		return -ENOMEM;
	if (s->measure & FP_MEASURE_BW) {
		fm = flow_means(d, sr);
		if (!fm) {
			free(m);
			return -ENOMEM;
		}
		for (size_t i = 0; i < nn; i++)
			m[i] = NAN;
		for (uint32_t f = 0; f < s->nflows; f++)
			m[(size_t)s->flows[f].src * s->n + s->flows[f].dst] = GBPS(fm[f]);
		snprintf(path, sizeof(path), "%s/matrix_bw_%llu.csv", d->dir,
			 (unsigned long long)sr->size);
		ret = write_matrix(path, d, m);
		free(fm);
	}
	if (!ret && s->measure & FP_MEASURE_LAT) {
		for (size_t i = 0; i < nn; i++)
			m[i] = NAN;
		/* a ping-pong measures the pair both ways at once: the matrix is symmetric */
		for (uint32_t e = 0; e < s->nentries; e++) {
			const struct fp_flow *f = &s->flows[s->rflows[e]];

			if (!sr->fr[e].have_lat)
				continue;
			m[(size_t)f->src * s->n + f->dst] = sr->fr[e].rtt.p50 / 2e3;
			m[(size_t)f->dst * s->n + f->src] = sr->fr[e].rtt.p50 / 2e3;
		}
		snprintf(path, sizeof(path), "%s/matrix_lat_%llu.csv", d->dir,
			 (unsigned long long)sr->size);
		ret = write_matrix(path, d, m);
	}
	free(m);
	return ret;
}

/* Per rank and size: what it sent and received, its mean flow rates, and its straggler score. */
static void csv_ranks(const struct fp_run_data *d, FILE *f)
{
	const struct fp_sched *s = d->sched;
	uint64_t *tx = calloc((size_t)s->n * 2, sizeof(*tx)), *rx;
	double *txr = calloc((size_t)s->n * 2, sizeof(*txr)), *rxr;
	unsigned *txn = calloc((size_t)s->n * 2, sizeof(*txn)), *rxn;

	fprintf(f, "size,rank,host,tx_bytes,rx_bytes,tx_mean_Gbps,rx_mean_Gbps,mean_Gbps,z,"
		   "outlier\n");
	if (!tx || !txr || !txn)
		goto out;
	rx = tx + s->n;
	rxr = txr + s->n;
	rxn = txn + s->n;
	for (unsigned i = 0; i < d->nres; i++) {
		const struct fp_size_res *sr = &d->res[i];
		struct fp_stragglers st;

		if (!sr->done || stragglers(d, sr, &st))
			continue;
		memset(tx, 0, sizeof(*tx) * (size_t)s->n * 2);
		memset(txr, 0, sizeof(*txr) * (size_t)s->n * 2);
		memset(txn, 0, sizeof(*txn) * (size_t)s->n * 2);
		for (uint32_t e = 0; e < s->nentries; e++) {
			const struct fp_fres *fr = &sr->fr[e];
			const struct fp_flow *fl = &s->flows[s->rflows[e]];

			if (!fr->have_rx)
				continue;
			tx[fl->src] += fr->tx_bytes;
			rx[fl->dst] += fr->rx_bytes;
			txr[fl->src] += fr->bw.avg;
			txn[fl->src]++;
			rxr[fl->dst] += fr->bw.avg;
			rxn[fl->dst]++;
		}
		for (unsigned k = 0; k < st.nranks; k++) {
			const struct fp_rank_score *rs = &st.ranks[k];
			int r = rs->rank;

			fprintf(f, "%llu,%d,", (unsigned long long)sr->size, r);
			fp_csv_field(f, d->hosts[r].name);
			fprintf(f, ",%llu,%llu,%.6f,%.6f,%.6f,%.3f,%d\n", (unsigned long long)tx[r],
				(unsigned long long)rx[r], txn[r] ? GBPS(txr[r] / txn[r]) : 0,
				rxn[r] ? GBPS(rxr[r] / rxn[r]) : 0, GBPS(rs->mean), rs->z,
				rs->outlier);
		}
		fp_stragglers_free(&st);
	}
out:
	free(tx);
	free(txr);
	free(txn);
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
	if (!ret)
		ret = write_one(d, "flows.ndjson", fp_results_ndjson);
	if (!ret && d->sched->measure & FP_MEASURE_BW)
		ret = write_one(d, "ranks.csv", csv_ranks);
	if (!ret && d->nivals)
		ret = write_one(d, "intervals.csv", fp_results_csv_intervals);
	if (!ret && d->soak && d->soak->counter_s > 0)
		ret = write_one(d, "counters.csv", fp_soak_csv_counters);
	if (!ret && d->soak && d->soak->on)
		ret = write_one(d, "soak.csv", fp_soak_csv_rates);
	/* n x n is 64 M cells at n = 8192: past FP_MATRIX_MAX ranks, flows.csv is the record */
	for (unsigned i = 0; !ret && i < d->nres && d->sched->n <= FP_MATRIX_MAX; i++)
		if (d->res[i].done)
			ret = write_matrices(d, &d->res[i]);
	for (unsigned i = 0; !ret && i < d->nres; i++)
		if (d->res[i].done)
			ret = write_lat_hist(d, &d->res[i]);
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
		if (d->cfg->count_wrong)
			fprintf(f, " %8s", "#wrong");
		if (d->dgram)
			fprintf(f, " %12s %10s", "offered", "loss[%]");
	}
	if (s->measure & FP_MEASURE_LAT) {
		if (!(s->measure & FP_MEASURE_BW))
			fprintf(f, "%10s %10s", "#bytes", "#iters");
		fprintf(f, " %9s %9s %9s %9s %9s %9s %9s %9s %9s", "min[us]", "p50[us]", "avg[us]",
			"stdev", "p90", "p99", "p99.9", "p99.99", "max[us]");
	}
	if (s->measure & FP_MEASURE_COLL)
		fp_results_coll_text(d, NULL, f);
	fputc('\n', f);
}

void fp_results_text_row(const struct fp_run_data *d, const struct fp_size_res *sr, FILE *f)
{
	const struct fp_sched *s = d->sched;
	struct size_agg a;

	fp_results_size_agg(d, sr, &a);
	if (s->measure & FP_MEASURE_BW) {
		fprintf(f, "%10llu %10llu %6u %12.3f %12.4f %12.3f %12.3f %12.3f %12.3f",
			(unsigned long long)sr->size, (unsigned long long)a.iters, a.flows,
			GBPS(a.bw), fp_gbyte_s(a.bw), GBPS(a.flow_mean), GBPS(a.flow_min),
			GBPS(a.ival_min), GBPS(a.peak));
		if (is_alltoall(d))
			fprintf(f, " %12.4f %12.4f", fp_gbyte_s(a.algbw), fp_gbyte_s(a.busbw));
		fprintf(f, " %10.4f", a.bw / (double)sr->size / 1e6);
		if (d->cfg->count_wrong)
			fprintf(f, " %8llu", (unsigned long long)sr->wrong);
		if (d->dgram)
			fprintf(f, " %12.3f %10.4f", GBPS(a.offered),
				a.sent ? 100.0 * (double)(a.sent - a.received) / (double)a.sent
				       : 0);
		if (sr->rfc_trials)
			fprintf(f, "  rfc2544: %.4f Mpps/sender (%.3f Gb/s) in %u trials",
				sr->rfc_fps / 1e6, sr->rfc_fps * (double)(sr->size + 20) * 8 / 1e9,
				sr->rfc_trials);
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
	if (s->measure & FP_MEASURE_COLL)
		fp_results_coll_text(d, sr, f);
	if (sr->partial)
		fputs("  (incomplete: flows stalled)", f);
	fputc('\n', f);
}

/* The five slowest pairs and ranks at the largest size done, outliers marked. */
void fp_results_text_footer(const struct fp_run_data *d, FILE *f)
{
	const struct fp_size_res *sr = NULL;
	struct fp_stragglers st;
	char sz[16];

	fp_results_text_busbw(d, f);
	for (unsigned i = 0; i < d->nres; i++)
		if (d->res[i].done)
			sr = &d->res[i];
	if (!sr || !(d->sched->measure & FP_MEASURE_BW) || d->sched->nflows < 2 ||
	    stragglers(d, sr, &st))
		return;
	fp_size_label(sr->size, sz, sizeof(sz));
	fprintf(f,
		"\n# stragglers at %s: robust z = (x - median) / (1.4826 MAD), flagged at "
		"z <= %.1f\n",
		sz, FP_STRAGGLER_Z);
	fprintf(f, "# slowest pairs (median %.3f Gb/s)      slowest ranks (median %.3f Gb/s)\n",
		GBPS(st.pair_median), GBPS(st.rank_median));
	for (unsigned i = 0; i < 5 && (i < st.npairs || i < st.nranks); i++) {
		char left[64] = "", right[64] = "";

		if (i < st.npairs)
			snprintf(left, sizeof(left), "%4d -> %-4d %9.3f Gb/s z %6.1f%s",
				 st.pairs[i].src, st.pairs[i].dst, GBPS(st.pairs[i].rate),
				 st.pairs[i].z, st.pairs[i].outlier ? " !" : "");
		if (i < st.nranks)
			snprintf(right, sizeof(right), "rank %-4d %9.3f Gb/s z %6.1f%s",
				 st.ranks[i].rank, GBPS(st.ranks[i].mean), st.ranks[i].z,
				 st.ranks[i].outlier ? " !" : "");
		fprintf(f, "  %-38s %s\n", left, right);
	}
	fp_stragglers_free(&st);
}
