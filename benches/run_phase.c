// SPDX-License-Identifier: MIT
/*
 * One phase of one round: warm-up, agreeing on counts, the measurement, and the per-flow
 * records every rank packs and rank 0 unpacks; then every size and round in turn.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hist.h"
#include "../core/wire.h"
#include "run_priv.h"
#include "run_queues.h"
#include "soak.h"

static void describe_failure(struct rank *rk, const char *phase, int phase_ret)
{
	const char *what;
	int ret = rk->fail_ret;

	if (ret == -EINTR) {
		fp_say(rk->err, ERR_LEN, "rank %d: interrupted during %s", rk->rank, phase);
		return;
	}
	if (!ret) { /* no flow failed: a meeting of the ranks did and says so, or memory */
		char detail[ERR_LEN];

		snprintf(detail, sizeof(detail), "%s", rk->err[0] ? rk->err : strerror(-phase_ret));
		fp_say(rk->err, ERR_LEN, "rank %d: %s: %s", rk->rank, phase, detail);
		return;
	}
	if (rk->fail_flow == UINT32_MAX) {
		fp_say(rk->err, ERR_LEN, "rank %d: no progress for the timeout during %s", rk->rank,
		       phase);
		return;
	}
	const struct fp_flow *fl = &rk->sched.flows[rk->fail_flow];
	int peer = fl->src == rk->rank ? fl->dst : fl->src;

	/* an engine that said what went wrong (a completion status, say) is quoted */
	if (rk->err[0]) {
		char detail[ERR_LEN];

		snprintf(detail, sizeof(detail), "%s", rk->err);
		fp_say(rk->err, ERR_LEN, "rank %d: %s, flow %u (%d -> %d) with rank %d: %s",
		       rk->rank, phase, rk->fail_flow, fl->src, fl->dst, peer, detail);
		return;
	}
	switch (ret) {
	case -ECONNRESET:
	case -EPIPE:
		what = "closed the connection (it died, was killed, or its link went down)";
		break;
	case -ETIMEDOUT:
		what = "stopped answering within the timeout";
		break;
	case -EPROTO:
		what = "sent an acknowledgement for data it never got";
		break;
	default:
		what = strerror(-ret);
	}
	fp_say(rk->err, ERR_LEN, "rank %d: %s, flow %u (%d -> %d): rank %d %s", rk->rank, phase,
	       rk->fail_flow, fl->src, fl->dst, peer, what);
}

/*
 * Every rank publishes how many messages each of its source flows sends; each flow's
 * target is its source's number, 1 to max, so both ends agree.
 */
static int set_targets(struct rank *rk, uint64_t per_flow, uint64_t max, const char *what)
{
	struct fp_rv_blobs all = { 0 };
	uint8_t mine[8];
	int ret;

	fp_put_u64(mine, per_flow);
	ret = fp_rv_allgather(rk->rv, what, mine, sizeof(mine), &all, rk->err, ERR_LEN);
	for (unsigned i = 0; !ret && i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];
		int s = f->src ? rk->rank : f->peer;

		if (all.len[s] != 8) {
			fp_say(rk->err, ERR_LEN, "%s: rank %d sent a malformed count", what, s);
			ret = -EBADMSG;
			break;
		}
		f->target = fp_get_u64(all.data + all.off[s]);
		if (!f->target || f->target > max) {
			fp_say(rk->err, ERR_LEN, "%s: rank %d asked for %llu messages", what, s,
			       (unsigned long long)f->target);
			ret = -EBADMSG;
		}
	}
	fp_rv_blobs_free(&all);
	return ret;
}

/*
 * Counts before a measurement: --iters on both ends; with a time limit (--duration, or a
 * soak's phase) the clock ends the phase (run_timed.c) and the count is only a bound.
 */
static void set_counts(struct rank *rk, uint64_t limit_ns)
{
	uint64_t n = limit_ns ? DURATION_MAX_MSGS : (uint64_t)rk->cfg->iters;

	for (unsigned i = 0; i < rk->nlf; i++)
		rk->lf[i].target = n;
}

/*
 * A record per local flow per phase, little-endian:
 *  0 flow u32  4 entry u32  8 phase u8  9 role u8  10 pad u16  12 msgs u64  20 bytes u64
 * 28 elapsed_ns f64  36 avg f64  44 min f64  52 peak f64  60 interval_s f64
 * 68 intervals u32  72 hist_len u32  76 reordered u64  84 duplicates u64  92 stale u64
 * 100 one-way tick length f64 (a receive record with a one-way histogram)
 * 108 empty intervals u32  112 forged u64
 * TCP sources (flags at 10, bit 0 set): 120 retransmitted segments u64, 128 data segments
 * sent u64, 136 smoothed round trip us u32; then hist_len bytes of histogram.
 */
static size_t pack(struct rank *rk, bool lat, size_t size, uint64_t t0)
{
	size_t o = 0;
	bool ow_sent = false;

	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];
		uint8_t *p = rk->recbuf + o;
		struct fp_bw_stats bw = { 0 };
		struct fp_tcp_stats ts;
		uint64_t el = f->t_end - t0;
		size_t hl = 0;

		if (!lat && !f->src)
			fp_series_stats(&f->series, f->n * size, el, rk->clk.hz, &bw);
		/* a flow that stalled is in failed_flows: its round trips are not the size's */
		if (lat && f->src && !f->stalled)
			hl = fp_hist_encode(rk->hist, p + REC_HEAD, rk->reclen - o - REC_HEAD);
		/* a frame engine's one-way delays (the rank's, all flows): with its first
		 * receive record */
		if (!lat && !f->src && f->dg.oneway && f->dg.oneway->count && !ow_sent) {
			hl = fp_hist_encode(f->dg.oneway, p + REC_HEAD, rk->reclen - o - REC_HEAD);
			fp_put_f64(p + 100, rk->clk.ns_per_tick);
			ow_sent = true;
		}
		fp_put_u32(p, f->flow);
		fp_put_u32(p + 4, f->entry);
		p[8] = lat ? FP_MEASURE_LAT : FP_MEASURE_BW;
		p[9] = !f->src;
		fp_put_u16(p + 10, 0);
		memset(p + 120, 0, REC_HEAD - 120);
		if (!lat && f->src && !rk->ops.tcp_stats(f->c, &ts)) {
			p[10] = 1;
			fp_put_u64(p + 120, ts.retrans);
			fp_put_u64(p + 128, ts.segs_out);
			fp_put_u32(p + 136, ts.rtt_us);
		}
		fp_put_u64(p + 12, f->n);
		fp_put_u64(p + 20, f->n * size);
		fp_put_f64(p + 28, fp_clock_ns(&rk->clk, el));
		fp_put_f64(p + 36, bw.avg);
		fp_put_f64(p + 44, bw.min);
		fp_put_f64(p + 52, bw.peak);
		/* latency records carry the initiator's tick length instead: hosts differ */
		fp_put_f64(p + 60, lat ? rk->clk.ns_per_tick : bw.interval_s);
		fp_put_u32(p + 68, bw.intervals);
		fp_put_u32(p + 72, (uint32_t)hl);
		fp_put_u64(p + 76, f->dg.reordered);
		fp_put_u64(p + 84, f->dg.duplicates);
		fp_put_u64(p + 92, f->dg.stale);
		if (!hl || lat)
			fp_put_f64(p + 100, 0);
		fp_put_u32(p + 108, bw.empty);
		fp_put_u64(p + 112, f->dg.forged);
		o += REC_HEAD + hl;
	}
	return o;
}

/* a TCP source's counts: retransmissions are among the segments it sent */
static int tcp_counts(struct fp_fres *fr, const uint8_t *p)
{
	fr->retrans = fp_get_u64(p + 120);
	fr->segs_out = fp_get_u64(p + 128);
	fr->rtt_us = fp_get_u32(p + 136);
	fr->have_tcp = fr->retrans <= fr->segs_out;
	return fr->have_tcp ? 0 : -EBADMSG;
}

/* Rank 0: fold every rank's records into the size's results. Records are outside input. */
static int unpack(struct rank *rk, struct fp_size_res *sr, const struct fp_rv_blobs *all)
{
	const struct fp_sched *s = &rk->sched;
	struct fp_hist *h = rk->hist; /* scratch: rank 0 is done with its own by now */

	for (uint32_t r = 0; r < all->n; r++) {
		const uint8_t *p = all->data + all->off[r], *end = p + all->len[r];

		while (p < end) {
			uint32_t flow, entry, hl;
			struct fp_fres *fr;
			bool rx;

			if ((size_t)(end - p) < REC_HEAD)
				goto bad;
			flow = fp_get_u32(p);
			entry = fp_get_u32(p + 4);
			rx = p[9];
			hl = fp_get_u32(p + 72);
			if (entry >= s->nentries || s->rflows[entry] != flow || p[10] > 1 ||
			    (rx ? s->flows[flow].dst : s->flows[flow].src) != (int)r ||
			    hl > (size_t)(end - p) - REC_HEAD)
				goto bad;
			fr = &sr->fr[entry];
			if (p[8] == FP_MEASURE_LAT) {
				if (!rx && hl) { /* none: it stalled */
					size_t used;

					if (fp_hist_decode(h, p + REC_HEAD, hl, &used) ||
					    used != hl)
						goto bad;
					fr->have_lat = true;
					fr->lat_msgs = fp_get_u64(p + 12);
					double tick = fp_get_f64(p + 60);

					if (!(tick > 0 && tick < 1e6))
						goto bad;
					/* per flow: exact moments, percentiles within the bucket bound;
					 * the size's merged histogram is kept in nanoseconds */
					fp_hist_stats(h, tick, &fr->rtt);
					if (sr->lat)
						fp_hist_merge_scaled(sr->lat, h, tick);
				}
			} else if (p[8] == FP_MEASURE_BW) {
				if (rx) {
					fr->have_rx = true;
					fr->rx_msgs = fp_get_u64(p + 12);
					fr->rx_bytes = fp_get_u64(p + 20);
					fr->rx_ns = fp_get_f64(p + 28);
					fr->bw.avg = fp_get_f64(p + 36);
					fr->bw.min = fp_get_f64(p + 44);
					fr->bw.peak = fp_get_f64(p + 52);
					fr->bw.interval_s = fp_get_f64(p + 60);
					fr->bw.intervals = fp_get_u32(p + 68);
					fr->bw.empty = fp_get_u32(p + 108);
					if (fr->bw.empty > fr->bw.intervals)
						goto bad;
					fr->reordered = fp_get_u64(p + 76);
					fr->duplicates = fp_get_u64(p + 84);
					fr->stale = fp_get_u64(p + 92);
					fr->forged = fp_get_u64(p + 112);
					if (hl) {
						size_t used;
						double tick = fp_get_f64(p + 100);

						if (fp_hist_decode(h, p + REC_HEAD, hl, &used) ||
						    used != hl || !(tick > 0 && tick < 1e6))
							goto bad;
						if (sr->oneway)
							fp_hist_merge_scaled(sr->oneway, h, tick);
					}
				} else {
					fr->have_tx = true;
					fr->tx_msgs = fp_get_u64(p + 12);
					fr->tx_bytes = fp_get_u64(p + 20);
					fr->tx_ns = fp_get_f64(p + 28);
					if (p[10] && tcp_counts(fr, p))
						goto bad;
				}
			} else {
				goto bad;
			}
			p += REC_HEAD + hl;
		}
	}
	return 0;
bad:
	fp_say(rk->err, ERR_LEN,
	       "rank 0: malformed results from a rank (a different fabprobe version?)");
	return -EBADMSG;
}

/* Every rank's source flows share per_rank frames; each destination takes its source's. */
int fp_run_share_counts(struct rank *rk, uint64_t per_rank, const char *what)
{
	unsigned nsrc = 0;

	for (unsigned i = 0; i < rk->nlf; i++)
		nsrc += rk->lf[i].src;
	return set_targets(rk, nsrc ? (per_rank + nsrc - 1) / nsrc : 0, 4000000000ull, what);
}

/* A timed warm-up takes a twentieth of the duration, at most a second. */
static uint64_t warm_limit(uint64_t duration_ns)
{
	return duration_ns / 20 < 1000000000ull ? duration_ns / 20 : 1000000000ull;
}

/* The warm-up's round trip time sizes the first chunk of a timed latency phase. */
static void warm_rate(struct rank *rk, bool lat, uint64_t t0)
{
	for (unsigned i = 0; lat && i < rk->nlf; i++)
		if (rk->lf[i].src && rk->lf[i].n)
			rk->lat_ns =
				fp_clock_ns(&rk->clk, rk->lf[i].t_end - t0) / (double)rk->lf[i].n;
}

/* A soak warms up in its first pass only; its phases last what rank 0 said (phase_ns). */
static int phase(struct rank *rk, struct fp_size_res *sr, uint32_t r, bool lat, bool again)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	size_t size = sr ? sr->size : 0, len;
	struct fp_rv_blobs all = { 0 };
	uint64_t t0, warm = again ? 0 : (uint64_t)cfg->warmup;
	char what[128], sz[16];
	int ret;

	fp_size_label(size, sz, sizeof(sz));
	snprintf(what, sizeof(what), "%s %s round %u/%u", lat ? "latency" : "bandwidth", sz, r + 1,
		 rk->sched.nrounds);
	fp_run_round_flows(rk, r, lat);
	rk->fail_ret = 0; /* a flow's failure in this phase, if one comes (describe_failure) */
	for (unsigned i = 0; i < rk->nlf; i++)
		rk->lf[i].target = warm;
	ret = fp_rv_barrier(rk->rv, what, rk->err, ERR_LEN);
	if (ret)
		return ret;
	/* with --duration the warm-up is bounded by the clock, too */
	if (warm) {
		ret = fp_run_timed(rk, lat, size, warm_limit(rk->phase_ns), false, &t0, what);
		if (ret) {
			describe_failure(rk, what, ret);
			return ret;
		}
		warm_rate(rk, lat, t0);
	}
	if (!lat && rk->dgram && cfg->rfc2544) {
		ret = fp_run_rfc2544(rk, sr, size, what, &t0);
		goto measured;
	}
	set_counts(rk, rk->phase_ns);
	ret = fp_rv_barrier(rk->rv, what, rk->err, ERR_LEN);
	if (ret)
		return ret;
	ret = fp_run_timed(rk, lat, size, rk->phase_ns, true, &t0, what);
measured:
	if (ret) {
		describe_failure(rk, what, ret);
		return ret;
	}
	if (cfg->count_wrong && !lat && (ret = fp_run_check_gather(rk, sr, what)))
		return ret;
	len = pack(rk, lat, size, t0);
	ret = fp_rv_gather(rk->rv, what, rk->recbuf, len, &all, rk->err, ERR_LEN);
	if (ret)
		return ret;
	if (rk->rank == 0)
		ret = unpack(rk, sr, &all);
	fp_rv_blobs_free(&all);
	if (!ret && !lat)
		ret = fp_run_queues_gather(rk, sr, what);
	/* flows that stalled: every rank hears of them and the run ends here (run_failed.c) */
	if (!ret)
		ret = fp_run_stall_report(rk, lat, size, r, t0);
	return ret;
}

/* A soak's later passes measure afresh: the merged histograms restart with the size. */
static void restart_size(struct fp_size_res *sr)
{
	if (sr->lat)
		fp_hist_reset(sr->lat);
	if (sr->oneway)
		fp_hist_reset(sr->oneway);
}

/* One size's rounds: each phase, then its rates and the counters between phases. */
static int one_size(struct rank *rk, struct fp_size_res *sr, unsigned si, unsigned pass, bool *go,
		    bool *finished)
{
	const struct fp_sched *s = &rk->sched;
	uint32_t r;
	int ret = 0;

	if (pass)
		restart_size(sr);
	for (r = 0; r < s->nrounds && !ret && *go; r++) {
		uint64_t t0 = fp_clock_ticks(&rk->clk);

		fp_run_progress(rk, si, r);
		if (s->measure & FP_MEASURE_BW)
			ret = phase(rk, sr, r, false, pass);
		if (!ret && s->measure & FP_MEASURE_LAT)
			ret = phase(rk, sr, r, true, pass);
		if (!ret && s->measure & FP_MEASURE_COLL)
			ret = fp_run_coll(rk, sr, r);
		if (!ret && rk->data)
			fp_run_soak_rates(rk, sr, si, r, t0);
		if (!ret && (rk->cfg->counter_ns || fp_run_soaking(rk->cfg)))
			ret = fp_run_soak_tick(rk, go);
	}
	*finished = !ret && r == s->nrounds;
	return ret;
}

/* Some flow of the size has a rate or a round trip: what a size cut short keeps */
static bool measured(const struct rank *rk, const struct fp_size_res *sr)
{
	for (uint32_t e = 0; e < rk->sched.nentries; e++)
		if (sr->fr[e].have_rx || sr->fr[e].have_lat)
			return true;
	return false;
}

int fp_run_sizes(struct rank *rk)
{
	bool text = rk->rank == 0 && rk->cfg->format == 0 && !rk->cfg->quiet, go = true;
	bool soak = fp_run_soaking(rk->cfg), finished = false;
	unsigned once = 0; /* sizes that ran every round in the first pass */
	int ret = 0;

	if (text)
		fp_results_text_header(rk->data, stdout);
	fp_run_progress_start(rk);
	for (unsigned pass = 0; !ret && go && (pass == 0 || soak); pass++) {
		unsigned si;

		for (si = 0; si < rk->cfg->sizes.n && !ret && go; si++) {
			struct fp_size_res *sr = rk->data ? &rk->data->res[si] : NULL;
			struct fp_size_res scratch = { .size = rk->cfg->sizes.v[si] };

			if (!sr)
				sr = &scratch;
			ret = one_size(rk, sr, si, pass, &go, &finished);
			once += !pass && finished;
			/* nothing measured is lost: flows that stalled end the run, and the size
			 * keeps what the others measured, marked incomplete */
			if (ret && rk->stall_ended && rk->data && sr->fr && !sr->done &&
			    measured(rk, sr))
				sr->partial = finished = true;
			if (!finished || !rk->data)
				continue;
			sr->done = true;
			fp_run_progress_clear(rk);
			if (text) {
				fp_results_text_row(rk->data, sr, stdout);
				fflush(stdout);
			} else if (rk->cfg->format == 2) {
				fp_run_jsonl_size(rk->data, sr);
			}
			/* nothing measured is lost: the folder is rewritten after every size */
			if (fp_results_write(rk->data))
				fprintf(stderr, "fabprobe: warning: cannot write results to %s\n",
					rk->data->dir);
		}
		fp_run_soak_end(rk, !ret && finished && si == rk->cfg->sizes.n);
	}
	if (!ret && once < rk->cfg->sizes.n) {
		const struct fp_soak *sk = rk->data ? rk->data->soak : NULL;
		bool sig = sk && sk->ended_by && !strcmp(sk->ended_by, "signal");

		if (sig)
			fp_stop = 1; /* rank 0 records the run as interrupted */
		ret = fp_say(rk->err, ERR_LEN, "soak: %s before every size ran once (%u of %u)",
			     sig ? "a signal came" : "--duration ended", once, rk->cfg->sizes.n);
	}
	if (text && !ret)
		fp_results_text_footer(rk->data, stdout);
	return ret;
}
