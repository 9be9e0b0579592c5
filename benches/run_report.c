// SPDX-License-Identifier: MIT
/*
 * --report-interval (iperf3 -i): a bandwidth phase stops at each interval's end, every rank
 * sends what its flows received so far, and rank 0 prints one line for the interval (the
 * aggregate rate, the message rate, the slowest flow and its rate) and keeps it for
 * intervals.csv. Every rank joins every report, done or not, so their number agrees.
 *
 * On a terminal (stdout a TTY, the text table) rank 0 also keeps one progress line under
 * the table: size k of N, round, elapsed and an estimate of what is left, redrawn in place
 * at every phase and every interval report, and wiped before anything else is printed.
 * Not on a pipe or a file: nothing extra there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/hist.h"
#include "../core/units.h"
#include "../core/wire.h"
#include "run_priv.h"

#define REP_REC 12 /* flow u32, messages received u64 */

static int keep(struct fp_run_data *d, const struct fp_ival *v)
{
	if (d->nivals == d->ival_cap) {
		unsigned cap = d->ival_cap ? 2 * d->ival_cap : 64;
		struct fp_ival *n = realloc(d->ivals, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->ivals = n;
		d->ival_cap = cap;
	}
	d->ivals[d->nivals++] = *v;
	return 0;
}

/* Rank 0: one line from every rank's counts; prev holds each flow's count at the last one. */
static int fold(struct rank *rk, const struct fp_rv_blobs *all, size_t size, struct fp_ival *v)
{
	const struct fp_sched *s = &rk->sched;
	double dt = v->t1 - v->t0 > 0 ? v->t1 - v->t0 : 1e-9;

	v->slow_rate = -1;
	for (uint32_t r = 0; r < all->n; r++) {
		const uint8_t *q = all->data + all->off[r], *end = q + all->len[r];

		if (all->len[r] < 1 || (all->len[r] - 1) % REP_REC)
			return -EBADMSG;
		for (q++; q < end; q += REP_REC) {
			uint32_t flow = fp_get_u32(q);
			uint64_t n = fp_get_u64(q + 4);

			if (flow >= s->nflows || s->flows[flow].dst != (int)r ||
			    n < rk->rep_prev[flow])
				return -EBADMSG;
			v->msgs += n - rk->rep_prev[flow];
			if (v->slow_rate < 0 ||
			    (double)((n - rk->rep_prev[flow]) * size) / dt < v->slow_rate) {
				v->slow_rate = (double)((n - rk->rep_prev[flow]) * size) / dt;
				v->slow_flow = flow;
			}
			rk->rep_prev[flow] = n;
		}
	}
	v->bytes = v->msgs * size;
	if (v->slow_rate < 0)
		v->slow_rate = 0;
	return 0;
}

void fp_run_progress_start(struct rank *rk)
{
	rk->prog_tty = rk->rank == 0 && rk->cfg->format == 0 && !rk->cfg->quiet && isatty(1);
	rk->prog_t0 = fp_mono_ns();
}

void fp_run_progress_clear(const struct rank *rk)
{
	if (rk->prog_tty) {
		fputs("\r\033[K", stdout);
		fflush(stdout);
	}
}

/* Elapsed and what is left, from the steps (size x round) done so far. */
void fp_run_progress(struct rank *rk, unsigned si, uint32_t r)
{
	uint32_t nr = rk->sched.nrounds ? rk->sched.nrounds : 1;
	double el = (double)(fp_mono_ns() - rk->prog_t0) / 1e9, eta = -1;
	uint64_t done = (uint64_t)si * nr + r, all = (uint64_t)rk->cfg->sizes.n * nr;
	char sz[16], left[32] = "?";

	rk->prog_si = si;
	rk->prog_r = r;
	if (!rk->prog_tty)
		return;
	if (done)
		eta = el / (double)done * (double)(all - done);
	else if (rk->cfg->duration_ns)
		eta = (double)all * (double)rk->cfg->duration_ns * 1.05 / 1e9;
	if (eta >= 0)
		snprintf(left, sizeof(left), "%.0f s", eta);
	fp_size_label(rk->cfg->sizes.v[si], sz, sizeof(sz));
	printf("\r\033[K[size %u/%u: %s, round %u/%u] elapsed %.1f s, ETA %s", si + 1,
	       rk->cfg->sizes.n, sz, r + 1, nr, el, left);
	fflush(stdout);
}

static void print(const struct rank *rk, const struct fp_ival *v)
{
	const struct fp_flow *fl = &rk->sched.flows[v->slow_flow];
	double dt = v->t1 - v->t0 > 0 ? v->t1 - v->t0 : 1e-9;
	char sz[16];

	if (rk->cfg->format == 2) {
		fp_run_jsonl_ival(rk, v);
		return;
	}
	if (rk->cfg->quiet || rk->cfg->format == 1)
		return;
	fp_size_label(v->size, sz, sizeof(sz));
	fp_run_progress_clear(rk);
	if (v->lat) {
		printf("[%7.2f-%7.2f s] %8s %10.4f Mmsg/s round trips  one-way p50 %.2f us  p99 "
		       "%.2f us\n",
		       v->t0, v->t1, sz, (double)v->msgs / dt / 1e6, v->p50_ns / 2e3,
		       v->p99_ns / 2e3);
		fflush(stdout);
		return;
	}
	printf("[%7.2f-%7.2f s] %8s %12.3f Gb/s %10.4f Mmsg/s  slowest flow %u (%d -> %d) "
	       "%.3f Gb/s\n",
	       v->t0, v->t1, sz, (double)v->bytes * 8 / dt / 1e9, (double)v->msgs / dt / 1e6,
	       v->slow_flow, fl->src, fl->dst, v->slow_rate * 8 / 1e9);
	fflush(stdout);
}

/* The initiators' round trips since the last report: the difference of two histograms. */
static void since(const struct fp_hist *now, const struct fp_hist *prev, struct fp_hist *d)
{
	double sum = 0;

	fp_hist_reset(d);
	for (unsigned i = 0; i < FP_HIST_BUCKETS; i++) {
		uint64_t n = now->bucket[i] - prev->bucket[i];
		double v = fp_hist_bucket_value(i);

		if (!n)
			continue;
		d->bucket[i] = n;
		d->count += n;
		sum += v * (double)n;
		if (d->min == UINT64_MAX)
			d->min = (uint64_t)v;
		d->max = (uint64_t)v;
	}
	d->mean = d->count ? sum / (double)d->count : 0;
}

/* Rank 0: every initiator's interval histogram, in nanoseconds, merged into acc. */
static int fold_lat(const struct fp_rv_blobs *all, struct fp_hist *scratch, struct fp_hist *acc)
{
	for (uint32_t r = 0; r < all->n; r++) {
		const uint8_t *q = all->data + all->off[r];
		size_t used;
		double tick;

		if (all->len[r] < 1)
			return -EBADMSG;
		if (!q[0])
			continue;
		if (all->len[r] < 9)
			return -EBADMSG;
		tick = fp_get_f64(q + 1);
		if (!(tick > 0 && tick < 1e6) ||
		    fp_hist_decode(scratch, q + 9, all->len[r] - 9, &used) ||
		    used != all->len[r] - 9)
			return -EBADMSG;
		fp_hist_merge_scaled(acc, scratch, tick);
	}
	return 0;
}

int fp_run_lat_report(struct rank *rk, size_t size, uint64_t start, struct fp_hist *prev,
		      struct fp_hist *scratch)
{
	size_t cap = 9 + fp_hist_encoded_max(), len = 1;
	uint8_t *mine = malloc(cap);
	struct fp_rv_blobs all = { 0 };
	struct fp_ival v = { .size = size, .lat = true };
	uint64_t now = fp_clock_ticks(&rk->clk);
	bool init = false;
	int ret;

	if (!mine)
		return -ENOMEM;
	for (unsigned i = 0; i < rk->nlf; i++)
		init |= rk->lf[i].src;
	mine[0] = init;
	if (init) {
		since(rk->hist, prev, scratch);
		memcpy(prev, rk->hist, sizeof(*prev));
		fp_put_f64(mine + 1, rk->clk.ns_per_tick);
		len = 9 + fp_hist_encode(scratch, mine + 9, cap - 9);
	}
	ret = fp_rv_gather(rk->rv, "latency report", mine, len, &all, rk->err, ERR_LEN);
	free(mine);
	if (!ret && rk->rank == 0 && rk->data) {
		struct fp_hist *acc = malloc(sizeof(*acc));

		if (!acc) {
			ret = -ENOMEM;
			goto out;
		}
		fp_hist_reset(acc);
		ret = fold_lat(&all, scratch, acc);
		if (ret) {
			fp_say(rk->err, ERR_LEN, "report: a rank sent a malformed histogram");
		} else {
			v.t0 = fp_clock_ns(&rk->clk, rk->rep_t - start) / 1e9;
			v.t1 = fp_clock_ns(&rk->clk, now - start) / 1e9;
			v.msgs = acc->count;
			v.p50_ns = fp_hist_percentile(acc, 50);
			v.p99_ns = fp_hist_percentile(acc, 99);
			if (!(ret = keep(rk->data, &v))) {
				print(rk, &v);
				fp_run_progress(rk, rk->prog_si, rk->prog_r);
			}
		}
		free(acc);
	}
out:
	rk->rep_t = now;
	fp_rv_blobs_free(&all);
	return ret;
}

int fp_run_report(struct rank *rk, size_t size, bool done, bool *all_done, uint64_t start)
{
	struct fp_rv_blobs all = { 0 };
	uint8_t *mine = malloc((size_t)rk->nlf * REP_REC + 1), *p = mine;
	struct fp_ival v = { .size = size };
	uint64_t now = fp_clock_ticks(&rk->clk);
	int ret;

	if (!mine)
		return -ENOMEM;
	*p = done;
	for (unsigned i = 0; i < rk->nlf; i++)
		*p |= rk->lf[i].stalled ? 2 : 0;
	p++;
	for (unsigned i = 0; i < rk->nlf; i++) {
		if (rk->lf[i].src)
			continue;
		fp_put_u32(p, rk->lf[i].flow);
		fp_put_u64(p + 4, rk->lf[i].n);
		p += REP_REC;
	}
	ret = fp_rv_allgather(rk->rv, "report", mine, (size_t)(p - mine), &all, rk->err, ERR_LEN);
	free(mine);
	*all_done = true;
	for (uint32_t r = 0; !ret && r < all.n; r++)
		*all_done &= all.len[r] >= 1 && (all.data[all.off[r]] & 1);
	/* a flow stalled somewhere: the phase ends here for every rank, where it stands, and
	 * the stall report after it ends the run (run_failed.c) */
	for (uint32_t r = 0; !ret && r < all.n; r++)
		*all_done |= all.len[r] >= 1 && (all.data[all.off[r]] & 2);
	if (!ret && rk->rank == 0 && rk->data) {
		v.t0 = fp_clock_ns(&rk->clk, rk->rep_t - start) / 1e9;
		v.t1 = fp_clock_ns(&rk->clk, now - start) / 1e9;
		ret = fold(rk, &all, size, &v);
		if (ret)
			fp_say(rk->err, ERR_LEN, "report: a rank sent malformed counts");
		else if (!(ret = keep(rk->data, &v))) {
			print(rk, &v);
			fp_run_progress(rk, rk->prog_si, rk->prog_r);
		}
	}
	rk->rep_t = now;
	fp_rv_blobs_free(&all);
	return ret;
}
