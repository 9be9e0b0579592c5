// SPDX-License-Identifier: MIT
/*
 * The runner: resolve who this rank is, meet the others, build the schedule, connect every
 * flow once, then for each size and round run the timed phases and gather what each rank
 * measured to rank 0, which writes it down after every size.
 *
 * The timed loops are specialized per phase (bandwidth, latency initiator, latency responder)
 * and set up before they start: no allocation, no logging, no option tests inside; the clock
 * is read once per sweep over the flows.
 */
#include "runner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <ifaddrs.h>
#include <sched.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/hist.h"
#include "../core/series.h"
#include "../core/wire.h"
#include "../fabric/engine.h"
#include "../fabric/inventory.h"
#include "../fabric/rendezvous.h"
#include "results.h"
#include "sched.h"

#define BURST	   32
#define ACK_LEN	   8
#define ERR_LEN	   512
#define REC_HEAD   108
#define DRAIN_NS   20000000ull	/* a receiver waits this long after the end marker */
#define END_COPIES 5		/* end markers per flow, DRAIN_NS / END_COPIES apart */
#define QUIET_NS   250000000ull /* a receiver that heard nothing this long has it all */

volatile sig_atomic_t fp_stop;

/* One flow of the current round, as this rank sees it. */
struct lflow {
	struct fp_conn *c;
	uint32_t flow, entry;
	int peer;
	bool src;
	bool done, ack_pending;
	uint64_t target, n, acked, ack_sent;
	uint64_t t_end, end_at, last_rx;
	unsigned ends;
	struct fp_dgram_stats dg;
	struct fp_series series;
	uint8_t ackbuf[ACK_LEN], ackin[ACK_LEN];
};

struct rank {
	const struct fp_run_cfg *cfg;
	struct fp_engine_ops ops;
	struct fp_engine *eng;
	struct fp_rv *rv;
	struct fp_clock clk;
	struct fp_sched sched;
	const struct fp_pattern *pat;
	struct fp_conn **conns; /* per flow */
	struct lflow *lf;	/* the round's flows on this rank */
	unsigned nlf;
	struct fp_hist *hist; /* latency initiator's */
	uint8_t *txbuf, *rxbuf;
	uint8_t *recbuf; /* gather records */
	size_t reclen;
	uint64_t timeout_ticks, interval_ticks, drain_ticks, quiet_ticks;
	bool dgram, same_clock;	   /* same_clock: every rank on this machine, on its TSC */
	double rate_bps, rate_pps; /* --rate, per sending rank; 0: unpaced */
	double last_ns;		   /* the last datagram loop: until this rank's last frame went */
	int rank, size;
	/* where the data path failed */
	int fail_ret;
	uint32_t fail_flow;
	struct fp_run_data *data; /* rank 0 only */
	char err[ERR_LEN];
};

static void say(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
}

/* ---------- the timed loops ---------- */

static inline int fail(struct rank *rk, const struct lflow *f, int ret)
{
	rk->fail_ret = ret;
	rk->fail_flow = f ? f->flow : UINT32_MAX;
	return ret;
}

static inline uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return m < c ? m : c;
}

static void idle_busy(struct rank *rk)
{
	(void)rk;
}

static void idle_event(struct rank *rk)
{
	rk->ops.wait(rk->eng, 20);
}

typedef void (*idle_fn)(struct rank *rk);

/*
 * Bandwidth: sources keep up to `window` messages un-acknowledged; destinations count
 * whole messages and return a cumulative count every window/2 messages and at the end.
 * A flow is done when its source has seen the last ack, or its destination has sent it.
 */
static int bw_loop(struct rank *rk, size_t size, uint64_t window, idle_fn idle, uint64_t *t0)
{
	const struct fp_engine_ops *ops = &rk->ops;
	uint64_t ack_every = window / 2 ? window / 2 : 1;
	uint64_t now = fp_clock_ticks(&rk->clk), last = now;
	unsigned left = 0;
	int k;

	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];

		f->n = f->acked = f->ack_sent = 0;
		f->ack_pending = false;
		f->done = !f->target;
		f->t_end = now;
		fp_series_start(&f->series, now, rk->interval_ticks);
		left += !f->done;
	}
	*t0 = now;
	while (left) {
		int progress = 0;

		for (unsigned i = 0; i < rk->nlf; i++) {
			struct lflow *f = &rk->lf[i];

			if (f->done)
				continue;
			if (f->src) {
				uint64_t room = window - (f->n - f->acked), rest = f->target - f->n;

				if (room && rest) {
					k = ops->tx(f->c, rk->txbuf, size,
						    (unsigned)min3(room, rest, BURST));
					if (k < 0)
						return fail(rk, f, k);
					f->n += (uint64_t)k;
					progress |= k;
				}
				while ((k = ops->rx(f->c, f->ackin, ACK_LEN, 1)) > 0) {
					f->acked = fp_get_u64(f->ackin);
					progress = 1;
				}
				if (k < 0)
					return fail(rk, f, k);
				if (f->acked > f->n)
					return fail(rk, f, -EPROTO);
				if (f->acked == f->target) {
					f->done = true;
					f->t_end = fp_clock_ticks(&rk->clk);
					left--;
				}
				continue;
			}
			if (f->n < f->target) {
				k = ops->rx(f->c, rk->rxbuf, size,
					    (unsigned)min3(f->target - f->n, BURST, BURST));
				if (k < 0)
					return fail(rk, f, k);
				f->n += (uint64_t)k;
				progress |= k;
				fp_series_tick(&f->series, now, f->n * size);
				if (f->n == f->target)
					f->t_end = fp_clock_ticks(&rk->clk);
			}
			if (f->ack_pending) {
				k = ops->tx(f->c, f->ackbuf, ACK_LEN, 1);
				if (k < 0)
					return fail(rk, f, k);
				f->ack_pending = !k;
			} else if (f->n > f->ack_sent &&
				   (f->n - f->ack_sent >= ack_every || f->n == f->target)) {
				fp_put_u64(f->ackbuf, f->n);
				f->ack_sent = f->n;
				k = ops->tx(f->c, f->ackbuf, ACK_LEN, 1);
				if (k < 0)
					return fail(rk, f, k);
				f->ack_pending = !k;
				progress = 1;
			}
			if (f->n == f->target && f->ack_sent == f->target && !f->ack_pending) {
				f->done = true;
				left--;
			}
		}
		now = fp_clock_ticks(&rk->clk);
		if (fp_stop)
			return fail(rk, NULL, -EINTR);
		if (progress) {
			last = now;
		} else {
			if (now - last > rk->timeout_ticks)
				return fail(rk, NULL, -ETIMEDOUT);
			idle(rk);
		}
	}
	return 0;
}

/*
 * Datagram bandwidth: sources send `target` frames, paced from the clock when there is a
 * rate, then an end marker; destinations count what arrives and stop at `target`, or a
 * drain time after the end marker. What was lost is sent minus received.
 */
static int dgram_loop(struct rank *rk, size_t size, idle_fn idle, uint64_t *t0)
{
	const struct fp_engine_ops *ops = &rk->ops;
	uint64_t now = fp_clock_ticks(&rk->clk), last = now;
	double fps = rk->rate_pps ? rk->rate_pps : rk->rate_bps / ((double)(size + 20) * 8);
	double gap = 0; /* ticks between two frames of one flow */
	unsigned left = 0, nsrc = 0;
	int k;

	ops->begin(rk->eng, false);
	for (unsigned i = 0; i < rk->nlf; i++)
		nsrc += rk->lf[i].src;
	if (fps > 0 && nsrc)
		gap = (double)rk->clk.hz * nsrc / fps;
	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];

		ops->reset(f->c);
		f->n = 0;
		f->end_at = f->last_rx = 0;
		f->ends = 0;
		f->done = !f->target;
		f->t_end = now;
		memset(&f->dg, 0, sizeof(f->dg));
		fp_series_start(&f->series, now, rk->interval_ticks);
		left += !f->done;
	}
	*t0 = now;
	while (left) {
		int progress = 0;

		for (unsigned i = 0; i < rk->nlf; i++) {
			struct lflow *f = &rk->lf[i];

			if (f->done)
				continue;
			if (f->src) {
				uint64_t want = f->target - f->n;

				if (gap > 0) {
					uint64_t due = (uint64_t)((double)(now - *t0) / gap) + 1;

					want = due > f->n ? min3(due - f->n, want, want) : 0;
				}
				if (want) {
					k = ops->tx(f->c, rk->txbuf, size,
						    (unsigned)min3(want, BURST, BURST));
					if (k < 0)
						return fail(rk, f, k);
					f->n += (uint64_t)k;
					progress |= k;
				}
				if (f->n == f->target && !f->ends)
					f->t_end = fp_clock_ticks(&rk->clk);
				/* end markers, spread out: one copy may meet a full queue */
				if (f->n == f->target &&
				    (!f->ends || now - f->end_at > rk->drain_ticks / END_COPIES)) {
					k = ops->finish(f->c);
					if (k < 0)
						return fail(rk, f, k);
					f->end_at = now;
					progress = 1;
					if (++f->ends == END_COPIES) {
						f->done = true;
						left--;
					}
				}
				continue;
			}
			k = ops->rx(f->c, rk->rxbuf, size, BURST);
			if (k < 0)
				return fail(rk, f, k);
			if (k) {
				f->n += (uint64_t)k;
				progress = 1;
				f->t_end = f->last_rx = now;
				fp_series_tick(&f->series, now, f->n * size);
			}
			if (f->n >= f->target) {
				f->done = true;
				left--;
				continue;
			}
			/* the end marker is looked for only when this sweep brought nothing */
			if (!k && !f->end_at) {
				ops->dgram_stats(f->c, &f->dg);
				if (f->dg.end_seen)
					f->end_at = now;
			}
			/* done: the end marker and a drain time, or a long silence after
			 * frames came (every end marker lost); silence from the start is a
			 * dead peer, which the timeout catches */
			if ((f->end_at && now - f->end_at > rk->drain_ticks) ||
			    (f->last_rx && now - f->last_rx > rk->quiet_ticks + (uint64_t)gap)) {
				f->done = true;
				left--;
			}
		}
		now = fp_clock_ticks(&rk->clk);
		if (fp_stop)
			return fail(rk, NULL, -EINTR);
		if (progress) {
			last = now;
		} else {
			if (now - last > rk->timeout_ticks + (uint64_t)gap)
				return fail(rk, NULL, -ETIMEDOUT);
			idle(rk);
		}
	}
	rk->last_ns = 0;
	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];
		double t = fp_clock_ns(&rk->clk, f->t_end - *t0);

		if (!f->src)
			ops->dgram_stats(f->c, &f->dg);
		else if (t > rk->last_ns)
			rk->last_ns = t;
	}
	return 0;
}

/* Spin on one whole message in one direction; the clock is only read while stalled. */
static inline int whole(struct rank *rk, struct lflow *f, bool send, size_t size, idle_fn idle)
{
	uint64_t spins = 0, since = 0;
	int k;

	for (;;) {
		k = send ? rk->ops.tx(f->c, rk->txbuf, size, 1)
			 : rk->ops.rx(f->c, rk->rxbuf, size, 1);
		if (k)
			return k < 0 ? fail(rk, f, k) : 0;
		if (++spins & 255)
			continue;
		if (fp_stop)
			return fail(rk, f, -EINTR);
		if (!since) {
			since = fp_clock_ticks(&rk->clk);
		} else if (fp_clock_ticks(&rk->clk) - since > rk->timeout_ticks) {
			return fail(rk, f, -ETIMEDOUT);
		}
		idle(rk);
	}
}

/* Latency, initiator: one round trip per message; one clock read per round trip. */
static int lat_init_loop(struct rank *rk, struct lflow *f, size_t size, idle_fn idle,
			 struct fp_hist *h)
{
	uint64_t t = fp_clock_ticks(&rk->clk), t2;
	int ret;

	for (f->n = 0; f->n < f->target; f->n++) {
		if ((ret = whole(rk, f, true, size, idle)) ||
		    (ret = whole(rk, f, false, size, idle)))
			return ret;
		t2 = fp_clock_ticks(&rk->clk);
		fp_hist_add(h, t2 - t);
		t = t2;
	}
	f->t_end = t;
	return 0;
}

static int lat_resp_loop(struct rank *rk, struct lflow *f, size_t size, idle_fn idle)
{
	int ret;

	for (f->n = 0; f->n < f->target; f->n++)
		if ((ret = whole(rk, f, false, size, idle)) ||
		    (ret = whole(rk, f, true, size, idle)))
			return ret;
	f->t_end = fp_clock_ticks(&rk->clk);
	return 0;
}

/* ---------- one phase of one round ---------- */

/* Collect this rank's flows of round r; for latency only the lower rank's direction. */
static void round_flows(struct rank *rk, uint32_t r, bool lat)
{
	const struct fp_sched *s = &rk->sched;

	rk->nlf = 0;
	for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
		const struct fp_flow *fl = &s->flows[s->rflows[e]];
		struct lflow *f;

		if (fl->src != rk->rank && fl->dst != rk->rank)
			continue;
		if (lat && fl->src > fl->dst)
			continue;
		f = &rk->lf[rk->nlf++];
		f->c = rk->conns[fl->id];
		f->flow = fl->id;
		f->entry = e;
		f->src = fl->src == rk->rank;
		f->peer = f->src ? fl->dst : fl->src;
	}
}

static int run_loops(struct rank *rk, bool lat, size_t size, bool measure, uint64_t *t0)
{
	idle_fn idle = rk->cfg->poll ? idle_event : idle_busy;
	int ret = 0;

	rk->err[0] = 0; /* what an engine writes here from now on explains a failure */
	rk->ops.begin(rk->eng, lat);

	if (!lat && rk->dgram)
		return dgram_loop(rk, size, idle, t0);
	if (!lat)
		return bw_loop(rk, size, (uint64_t)rk->cfg->window, idle, t0);
	for (unsigned i = 0; i < rk->nlf; i++)
		rk->ops.reset(rk->lf[i].c);
	*t0 = fp_clock_ticks(&rk->clk);
	fp_hist_reset(rk->hist);
	for (unsigned i = 0; i < rk->nlf && !ret; i++) {
		struct lflow *f = &rk->lf[i];

		if (f->src)
			ret = lat_init_loop(rk, f, size, idle, rk->hist);
		else
			ret = lat_resp_loop(rk, f, size, idle);
	}
	(void)measure;
	return ret;
}

static void describe_failure(struct rank *rk, const char *phase)
{
	const char *what;
	int ret = rk->fail_ret;

	if (ret == -EINTR) {
		say(rk->err, "rank %d: interrupted during %s", rk->rank, phase);
		return;
	}
	if (rk->fail_flow == UINT32_MAX) {
		say(rk->err, "rank %d: no progress for the timeout during %s", rk->rank, phase);
		return;
	}
	const struct fp_flow *fl = &rk->sched.flows[rk->fail_flow];
	int peer = fl->src == rk->rank ? fl->dst : fl->src;

	/* an engine that said what went wrong (a completion status, say) is quoted */
	if (rk->err[0]) {
		char detail[ERR_LEN];

		snprintf(detail, sizeof(detail), "%s", rk->err);
		say(rk->err, "rank %d: %s, flow %u (%d -> %d) with rank %d: %s", rk->rank, phase,
		    rk->fail_flow, fl->src, fl->dst, peer, detail);
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
	say(rk->err, "rank %d: %s, flow %u (%d -> %d): rank %d %s", rk->rank, phase, rk->fail_flow,
	    fl->src, fl->dst, peer, what);
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
			say(rk->err, "%s: rank %d sent a malformed count", what, s);
			ret = -EBADMSG;
			break;
		}
		f->target = fp_get_u64(all.data + all.off[s]);
		if (!f->target || f->target > max) {
			say(rk->err, "%s: rank %d asked for %llu messages", what, s,
			    (unsigned long long)f->target);
			ret = -EBADMSG;
		}
	}
	fp_rv_blobs_free(&all);
	return ret;
}

/*
 * In --duration mode each source sizes its flows from its warm-up rate, and tells the
 * destinations through the rendezvous: both ends must agree on the count.
 */
static int agree_counts(struct rank *rk, uint64_t warm, uint64_t warm_ticks, const char *what)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	uint64_t iters = (uint64_t)cfg->iters;

	if (!cfg->duration_ns) {
		for (unsigned i = 0; i < rk->nlf; i++)
			rk->lf[i].target = iters;
		return 0;
	}
	if (warm && warm_ticks) {
		double per = fp_clock_ns(&rk->clk, warm_ticks) / (double)warm;
		double want = (double)cfg->duration_ns / (per > 1 ? per : 1);

		iters = want < 1 ? 1 : want > 1e9 ? 1000000000ull : (uint64_t)want;
	}
	return set_targets(rk, iters, 1000000000ull, what);
}

/*
 * A record per local flow per phase, little-endian:
 *  0 flow u32  4 entry u32  8 phase u8  9 role u8  10 pad u16  12 msgs u64  20 bytes u64
 * 28 elapsed_ns f64  36 avg f64  44 min f64  52 peak f64  60 interval_s f64
 * 68 intervals u32  72 hist_len u32  76 reordered u64  84 duplicates u64  92 stale u64
 * 100 one-way tick length f64 (a receive record with a one-way histogram), then hist_len
 * bytes of histogram.
 */
static size_t pack(struct rank *rk, bool lat, size_t size, uint64_t t0)
{
	size_t o = 0;
	bool ow_sent = false;

	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];
		uint8_t *p = rk->recbuf + o;
		struct fp_bw_stats bw = { 0 };
		uint64_t el = f->t_end - t0;
		size_t hl = 0;

		if (!lat && !f->src)
			fp_series_stats(&f->series, f->n * size, el, rk->clk.hz, &bw);
		if (lat && f->src)
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
		o += REC_HEAD + hl;
	}
	return o;
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
			if (entry >= s->nentries || s->rflows[entry] != flow ||
			    (rx ? s->flows[flow].dst : s->flows[flow].src) != (int)r ||
			    hl > (size_t)(end - p) - REC_HEAD)
				goto bad;
			fr = &sr->fr[entry];
			if (p[8] == FP_MEASURE_LAT) {
				if (!rx) {
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
					fr->reordered = fp_get_u64(p + 76);
					fr->duplicates = fp_get_u64(p + 84);
					fr->stale = fp_get_u64(p + 92);
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
				}
			} else {
				goto bad;
			}
			p += REC_HEAD + hl;
		}
	}
	return 0;
bad:
	say(rk->err, "rank 0: malformed results from a rank (a different fabprobe version?)");
	return -EBADMSG;
}

/* Every rank's source flows share per_rank frames; each destination takes its source's. */
static int share_counts(struct rank *rk, uint64_t per_rank, const char *what)
{
	unsigned nsrc = 0;

	for (unsigned i = 0; i < rk->nlf; i++)
		nsrc += rk->lf[i].src;
	return set_targets(rk, nsrc ? (per_rank + nsrc - 1) / nsrc : 0, 4000000000ull, what);
}

/* What the whole job sent and received in the last loop, known to every rank alike. */
static int job_loss(struct rank *rk, const char *what, double *loss, double *fps)
{
	struct fp_rv_blobs all = { 0 };
	uint64_t sent = 0, got = 0, S = 0, R = 0;
	uint8_t mine[24];
	int ret;

	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];

		if (f->src) {
			sent += f->n;
		} else {
			got += f->n;
		}
	}
	fp_put_u64(mine, sent);
	fp_put_u64(mine + 8, got);
	fp_put_f64(mine + 16, rk->last_ns);
	ret = fp_rv_allgather(rk->rv, what, mine, sizeof(mine), &all, rk->err, ERR_LEN);
	if (ret)
		return ret;
	*fps = INFINITY;
	for (int r = 0; r < rk->size; r++) {
		const uint8_t *b = all.data + all.off[r];
		uint64_t s;
		double t;

		if (all.len[r] != sizeof(mine)) {
			fp_rv_blobs_free(&all);
			say(rk->err, "%s: rank %d sent malformed counts", what, r);
			return -EBADMSG;
		}
		s = fp_get_u64(b);
		t = fp_get_f64(b + 16);
		S += s;
		R += fp_get_u64(b + 8);
		/* the slowest sender bounds what the job can offer */
		if (s && t > 0 && (double)s / (t / 1e9) < *fps)
			*fps = (double)s / (t / 1e9);
	}
	fp_rv_blobs_free(&all);
	*loss = S ? (double)(S > R ? S - R : 0) / (double)S : 0;
	if (!isfinite(*fps))
		*fps = 0;
	return 0;
}

/* "0.001", "0.1%": a fraction in [0, 1). */
static int parse_fraction(const char *s, double *v)
{
	char *end;

	*v = strtod(s, &end);
	if (end == s || *v < 0)
		return -EINVAL;
	if (*end == '%') {
		*v /= 100;
		end++;
	}
	return *end || *v >= 1 ? -EINVAL : 0;
}

/* One trial at the current rate: frames shared out, everyone starts together. */
static int trial(struct rank *rk, size_t size, uint64_t frames, const char *what, uint64_t *t0,
		 double *loss, double *fps)
{
	idle_fn idle = rk->cfg->poll ? idle_event : idle_busy;
	int ret = share_counts(rk, frames, what);

	if (!ret)
		ret = fp_rv_barrier(rk->rv, what, rk->err, ERR_LEN);
	if (!ret)
		ret = dgram_loop(rk, size, idle, t0);
	if (!ret)
		ret = job_loss(rk, what, loss, fps);
	return ret;
}

static void record_trial(struct fp_size_res *sr, unsigned n, double rate, double loss)
{
	if (sr && n < FP_RFC_TRIALS) {
		sr->rfc_rate[n] = rate;
		sr->rfc_loss[n] = loss;
	}
}

/*
 * RFC 2544 section 26.1 throughput: the highest offered rate at which the frames lost stay
 * within the limit. A binary search over the rate of each sending rank, each trial a paced
 * run of --trial seconds; the top is --rate, or what an unpaced trial reached. Every rank
 * takes the same decision from the same allgathered counts. The last loop run is the
 * measurement at the throughput found.
 */
static int rfc2544(struct rank *rk, struct fp_size_res *sr, size_t size, const char *what,
		   uint64_t *t0)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	double limit, res, lo = 0, hi, loss, fps, trial_s = (double)cfg->trial_ns / 1e9;
	double user_pps = rk->rate_pps, user_bps = rk->rate_bps;
	unsigned n = 0;
	int ret;

	/* checked before the run started */
	parse_fraction(cfg->rfc2544, &limit);
	parse_fraction(cfg->resolution, &res);
	hi = user_pps ? user_pps : user_bps / ((double)(size + 20) * 8);
	if (!(hi > 0)) {
		/* the top: what an unpaced trial of a million frames per sender reached */
		rk->rate_pps = rk->rate_bps = 0;
		ret = trial(rk, size, 1000000, what, t0, &loss, &hi);
		if (ret)
			return ret;
	}
	for (double rate = hi, top = hi;; rate = (lo + hi) / 2) {
		rk->rate_pps = rate;
		ret = trial(rk, size, (uint64_t)(rate * trial_s) + 1, what, t0, &loss, &fps);
		if (ret)
			return ret;
		record_trial(sr, n++, rate, loss);
		if (loss <= limit)
			lo = rate;
		else
			hi = rate;
		/* done when the top passed, or the bracket is within the resolution; the
		 * last trial must be at the throughput, so run it once more if it failed */
		if (lo == top || hi - lo <= res * top || n >= FP_RFC_TRIALS - 1) {
			if (loss <= limit || !(lo > 0))
				break;
			rk->rate_pps = lo;
			ret = trial(rk, size, (uint64_t)(lo * trial_s) + 1, what, t0, &loss, &fps);
			if (ret)
				return ret;
			record_trial(sr, n++, lo, loss);
			break;
		}
	}
	if (sr) {
		sr->rfc_trials = n < FP_RFC_TRIALS ? n : FP_RFC_TRIALS;
		sr->rfc_fps = lo;
	}
	rk->rate_pps = user_pps;
	rk->rate_bps = user_bps;
	return 0;
}

static int phase(struct rank *rk, struct fp_size_res *sr, uint32_t r, bool lat)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	size_t size = sr ? sr->size : 0, len;
	struct fp_rv_blobs all = { 0 };
	uint64_t t0, warm = (uint64_t)cfg->warmup;
	char what[128], sz[16];
	int ret;

	fp_size_label(size, sz, sizeof(sz));
	snprintf(what, sizeof(what), "%s %s round %u/%u", lat ? "latency" : "bandwidth", sz, r + 1,
		 rk->sched.nrounds);
	round_flows(rk, r, lat);
	if (cfg->duration_ns && !warm)
		warm = 8; /* the duration needs a rate to be sized from */
	for (unsigned i = 0; i < rk->nlf; i++)
		rk->lf[i].target = warm;
	ret = fp_rv_barrier(rk->rv, what, rk->err, ERR_LEN);
	if (ret)
		return ret;
	if (warm) {
		ret = run_loops(rk, lat, size, false, &t0);
		if (ret) {
			describe_failure(rk, what);
			return ret;
		}
	}
	uint64_t warm_ticks = 0;

	for (unsigned i = 0; i < rk->nlf; i++)
		if (rk->lf[i].src && rk->lf[i].t_end - t0 > warm_ticks)
			warm_ticks = rk->lf[i].t_end - t0;
	if (!lat && rk->dgram && cfg->rfc2544) {
		ret = rfc2544(rk, sr, size, what, &t0);
		goto measured;
	}
	ret = agree_counts(rk, warm, warm_ticks, what);
	if (!ret)
		ret = fp_rv_barrier(rk->rv, what, rk->err, ERR_LEN);
	if (ret)
		return ret;
	ret = run_loops(rk, lat, size, true, &t0);
measured:
	if (ret) {
		describe_failure(rk, what);
		return ret;
	}
	len = pack(rk, lat, size, t0);
	ret = fp_rv_gather(rk->rv, what, rk->recbuf, len, &all, rk->err, ERR_LEN);
	if (ret)
		return ret;
	if (rk->rank == 0)
		ret = unpack(rk, sr, &all);
	fp_rv_blobs_free(&all);
	return ret;
}

/* ---------- set-up ---------- */

static int env_int(const char *name, int64_t *v)
{
	const char *s = getenv(name);

	return s && *s && !fp_parse_i64(s, v) ? 0 : -ENOENT;
}

/* Rank and size: flags first, then Open MPI, MPICH/Hydra (PMI), Slurm. */
static int who_am_i(const struct fp_run_cfg *cfg, int *rank, int *size, char *err)
{
	static const char *const env[][2] = {
		{ "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE" },
		{ "PMI_RANK", "PMI_SIZE" },
		{ "SLURM_PROCID", "SLURM_NTASKS" },
	};
	int64_t r = cfg->rank, s = cfg->size;
	int ir = fp_opts_index(fp_run_opts, "rank"), is = fp_opts_index(fp_run_opts, "size");
	bool have_r = cfg->given >> ir & 1, have_s = cfg->given >> is & 1;

	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]) && !(have_r && have_s); i++) {
		int64_t er, es;

		if (env_int(env[i][0], &er) || env_int(env[i][1], &es))
			continue;
		if (!have_r)
			r = er;
		if (!have_s)
			s = es;
		have_r = have_s = true;
	}
	if (!have_s) {
		r = 0;
		s = 1;
	}
	if (s < 1 || s > FP_RV_MAX_RANKS || r < 0 || r >= s) {
		say(err, "rank %lld of size %lld: the rank must be 0..size-1", (long long)r,
		    (long long)s);
		return -EINVAL;
	}
	*rank = (int)r;
	*size = (int)s;
	return 0;
}

/* The job token: --token / $FABPROBE_TOKEN, else the launcher's job id, else a constant. */
static void job_token(const struct fp_run_cfg *cfg, char *tok, size_t len)
{
	static const char *const ids[] = { "PMIX_NAMESPACE", "OMPI_MCA_ess_base_jobid",
					   "SLURM_JOB_ID", "PMI_KVSNAME", "PBS_JOBID" };

	if (cfg->token && *cfg->token) {
		snprintf(tok, len, "%s", cfg->token);
		return;
	}
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const char *v = getenv(ids[i]);

		if (v && *v) {
			const char *step = getenv("SLURM_STEP_ID");

			snprintf(tok, len, "%s=%s.%s", ids[i], v, i == 2 && step ? step : "");
			return;
		}
	}
	snprintf(tok, len, "fabprobe-no-token");
}

static int rv_allgather_cb(void *ctx, const char *what, const void *mine, size_t len,
			   struct fp_rv_blobs *out)
{
	struct rank *rk = ctx;

	return fp_rv_allgather(rk->rv, what, mine, len, out, rk->err, ERR_LEN);
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A digest of everything every rank must agree on; a mismatch is a launch mistake. */
static uint64_t cfg_digest(const struct fp_run_cfg *c)
{
	char buf[2048];
	uint64_t h = 0xcbf29ce484222325ull;
	int n = snprintf(buf, sizeof(buf),
			 "%s|%s|%lld|%lld|%lld|%llu|%d|%lld|%lld|%lld|%lld|%d|%d|%s", c->pattern,
			 c->engine, (long long)c->iters, (long long)c->warmup, (long long)c->window,
			 (unsigned long long)c->duration_ns, c->bidir, (long long)c->rounds,
			 (long long)c->shift, (long long)c->root, (long long)c->seed, c->rotate,
			 c->alone, c->groups ? c->groups : "");

	for (int i = 0; i < n && i < (int)sizeof(buf); i++)
		h = (h ^ (uint8_t)buf[i]) * 0x100000001b3ull;
	for (unsigned i = 0; i < c->sizes.n; i++)
		h = (h ^ c->sizes.v[i]) * 0x100000001b3ull;
	return h;
}

/* Hello round: hostnames and data addresses to rank 0, and a check that all agree. */
static int meet(struct rank *rk, const char *bind)
{
	struct fp_rv_blobs all = { 0 };
	uint8_t blob[8 + 64 + 48 + 40] = { 0 };
	char host[64] = "?";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	int ret;

	/* one boot of one machine: every rank reads the same TSC, network namespaces or not */
	if (!f || !fgets((char *)blob + 120, 40, f))
		snprintf((char *)blob + 120, 40, "unknown-%d", rk->rank);
	if (f)
		fclose(f);
	rk->same_clock = rk->clk.tsc;
	if (rk->cfg->hostname)
		snprintf(host, sizeof(host), "%s", rk->cfg->hostname);
	else
		gethostname(host, sizeof(host) - 1);
	fp_put_u64(blob, cfg_digest(rk->cfg));
	snprintf((char *)blob + 8, 64, "%s", host);
	snprintf((char *)blob + 72, 48, "%.47s", bind);
	ret = fp_rv_allgather(rk->rv, "start of the run", blob, sizeof(blob), &all, rk->err,
			      ERR_LEN);
	if (ret)
		return ret;
	for (int r = 0; r < rk->size; r++) {
		const uint8_t *b = all.data + all.off[r];

		if (all.len[r] != sizeof(blob) || fp_get_u64(b) != fp_get_u64(blob)) {
			say(rk->err,
			    "rank %d was started with different options (pattern, sizes, "
			    "iterations...) than rank %d",
			    r, rk->rank);
			ret = -EINVAL;
			break;
		}
		if (memcmp(b + 120, blob + 120, 40))
			rk->same_clock = false;
		if (rk->data) {
			snprintf(rk->data->hosts[r].name, sizeof(rk->data->hosts[r].name), "%.63s",
				 (const char *)b + 8);
			snprintf(rk->data->hosts[r].addr, sizeof(rk->data->hosts[r].addr), "%.47s",
				 (const char *)b + 72);
		}
	}
	fp_rv_blobs_free(&all);
	return ret;
}

/* Flow identities: each source reports its flows; rank 0 keeps them for run.json. */
static int gather_idents(struct rank *rk)
{
	const struct fp_sched *s = &rk->sched;
	struct fp_rv_blobs all = { 0 };
	size_t rec = 4 + sizeof(struct fp_flow_ident), n = 0, o = 0;
	uint8_t *buf;
	int ret;

	for (uint32_t i = 0; i < s->nflows; i++)
		n += s->flows[i].src == rk->rank;
	if (n * rec > FP_RV_MAX_BLOB) {
		/* at this scale identities go to a per-rank file instead; not yet */
		return 0;
	}
	buf = malloc(n * rec + 1);
	if (!buf)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->nflows; i++) {
		struct fp_flow_ident id = { 0 };

		if (s->flows[i].src != rk->rank)
			continue;
		rk->ops.ident(rk->conns[i], &id);
		fp_put_u32(buf + o, i);
		memcpy(buf + o + 4, &id, sizeof(id));
		o += rec;
	}
	ret = fp_rv_gather(rk->rv, "flow identities", buf, o, &all, rk->err, ERR_LEN);
	free(buf);
	if (ret || !rk->data)
		return ret;
	for (uint32_t r = 0; r < all.n; r++) {
		for (uint32_t p = 0; p + rec <= all.len[r]; p += (uint32_t)rec) {
			const uint8_t *b = all.data + all.off[r] + p;
			uint32_t f = fp_get_u32(b);
			struct fp_flow_ident *id;

			if (f >= s->nflows || s->flows[f].src != (int)r)
				continue;
			id = &rk->data->ident[f];
			memcpy(id, b + 4, sizeof(*id));
			/* strings from a peer: make sure they end */
			id->proto[sizeof(id->proto) - 1] = 0;
			id->src_ip[sizeof(id->src_ip) - 1] = 0;
			id->dst_ip[sizeof(id->dst_ip) - 1] = 0;
		}
	}
	fp_rv_blobs_free(&all);
	return 0;
}

static int make_run_dir(struct rank *rk)
{
	struct fp_run_data *d = rk->data;
	const struct fp_run_cfg *cfg = rk->cfg;
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(d->run_id, sizeof(d->run_id), "%s-%s-%s-n%d", stamp, cfg->pattern, cfg->engine,
		 rk->size);
	if (cfg->output)
		snprintf(d->dir, sizeof(d->dir), "%s", cfg->output);
	else
		snprintf(d->dir, sizeof(d->dir), "%s/%s", cfg->results_dir, d->run_id);
	if (!cfg->output)
		mkdir(cfg->results_dir, 0755);
	for (int i = 1; mkdir(d->dir, 0755); i++) {
		if (errno != EEXIST || cfg->output || i > 99) {
			say(rk->err, "cannot create the result folder %s: %s%s", d->dir,
			    strerror(errno),
			    errno == EEXIST ? " (an existing run is never "
					      "overwritten)"
					    : "");
			return -errno;
		}
		snprintf(d->dir, sizeof(d->dir), "%s/%s.%d", cfg->results_dir, d->run_id, i);
	}
	return 0;
}

static int alloc_rank(struct rank *rk)
{
	const struct fp_sched *s = &rk->sched;
	unsigned maxlf = 0;
	uint64_t maxsize = 1;
	/* a latency histogram, or a frame engine's one-way one */
	size_t lat = s->measure & FP_MEASURE_LAT || rk->dgram ? fp_hist_encoded_max() : 0;

	for (uint32_t r = 0; r < s->nrounds; r++) {
		unsigned n = 0;

		for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
			const struct fp_flow *f = &s->flows[s->rflows[e]];

			n += f->src == rk->rank || f->dst == rk->rank;
		}
		if (n > maxlf)
			maxlf = n;
	}
	for (unsigned i = 0; i < rk->cfg->sizes.n; i++)
		if (rk->cfg->sizes.v[i] > maxsize)
			maxsize = rk->cfg->sizes.v[i];
	rk->conns = calloc(s->nflows ? s->nflows : 1, sizeof(*rk->conns));
	rk->lf = calloc(maxlf ? maxlf : 1, sizeof(*rk->lf));
	rk->hist = malloc(sizeof(*rk->hist));
	rk->reclen = (size_t)(maxlf ? maxlf : 1) * REC_HEAD + lat;
	rk->recbuf = malloc(rk->reclen);
	rk->txbuf = malloc(maxsize);
	rk->rxbuf = malloc(maxsize);
	if (!rk->conns || !rk->lf || !rk->hist || !rk->recbuf || !rk->txbuf || !rk->rxbuf) {
		say(rk->err, "rank %d: out of memory for %llu-byte buffers", rk->rank,
		    (unsigned long long)maxsize);
		return -ENOMEM;
	}
	/* touch the buffers now, so no page fault lands in a timed loop */
	for (uint64_t i = 0; i < maxsize; i++)
		rk->txbuf[i] = (uint8_t)(i * 131 + 7);
	memset(rk->rxbuf, 0, maxsize);
	fp_hist_reset(rk->hist);
	return 0;
}

static int alloc_data(struct rank *rk, struct fp_run_data *d)
{
	const struct fp_sched *s = &rk->sched;
	struct utsname u;

	memset(d, 0, sizeof(*d));
	d->cfg = rk->cfg;
	d->sched = s;
	d->pattern = rk->pat;
	d->dgram = rk->dgram;
	d->status = "running";
	d->clock_hz = rk->clk.hz;
	snprintf(d->clock_source, sizeof(d->clock_source), "%s", rk->clk.source);
	iso_now(d->started, sizeof(d->started));
	if (!uname(&u))
		snprintf(d->kernel, sizeof(d->kernel), "%.20s %.64s %.20s", u.sysname, u.release,
			 u.machine);
	d->hosts = calloc((size_t)rk->size, sizeof(*d->hosts));
	d->ctr = calloc((size_t)rk->size, sizeof(*d->ctr));
	d->ident = calloc(s->nflows ? s->nflows : 1, sizeof(*d->ident));
	d->nres = rk->cfg->sizes.n;
	d->res = calloc(d->nres, sizeof(*d->res));
	if (!d->hosts || !d->ctr || !d->ident || !d->res)
		return -ENOMEM;
	for (unsigned i = 0; i < d->nres; i++) {
		d->res[i].size = rk->cfg->sizes.v[i];
		d->res[i].fr = calloc(s->nentries ? s->nentries : 1, sizeof(*d->res[i].fr));
		if (!d->res[i].fr)
			return -ENOMEM;
		if (s->measure & FP_MEASURE_LAT) {
			d->res[i].lat = malloc(sizeof(*d->res[i].lat));
			if (!d->res[i].lat)
				return -ENOMEM;
			fp_hist_reset(d->res[i].lat);
		}
		if (rk->dgram && s->measure & FP_MEASURE_BW) {
			d->res[i].oneway = malloc(sizeof(*d->res[i].oneway));
			if (!d->res[i].oneway)
				return -ENOMEM;
			fp_hist_reset(d->res[i].oneway);
		}
	}
	return 0;
}

static void free_data(struct fp_run_data *d)
{
	if (!d)
		return;
	for (unsigned i = 0; d->res && i < d->nres; i++) {
		free(d->res[i].fr);
		free(d->res[i].lat);
		free(d->res[i].oneway);
	}
	free(d->res);
	free(d->hosts);
	free(d->ctr);
	free(d->ident);
}

static void progress(struct rank *rk, unsigned si, uint32_t r)
{
	char sz[16];

	if (rk->rank || rk->cfg->quiet || !isatty(2))
		return;
	fp_size_label(rk->cfg->sizes.v[si], sz, sizeof(sz));
	fprintf(stderr, "\r\033[K[%u/%u] %s round %u/%u", si + 1, rk->cfg->sizes.n, sz, r + 1,
		rk->sched.nrounds);
	fflush(stderr);
}

static int run_sizes(struct rank *rk)
{
	const struct fp_sched *s = &rk->sched;
	bool text = rk->rank == 0 && rk->cfg->format == 0 && !rk->cfg->quiet;
	int ret = 0;

	if (text)
		fp_results_text_header(rk->data, stdout);
	for (unsigned si = 0; si < rk->cfg->sizes.n && !ret; si++) {
		struct fp_size_res *sr = rk->data ? &rk->data->res[si] : NULL;
		struct fp_size_res scratch = { .size = rk->cfg->sizes.v[si] };

		if (!sr)
			sr = &scratch;
		for (uint32_t r = 0; r < s->nrounds && !ret; r++) {
			progress(rk, si, r);
			if (s->measure & FP_MEASURE_BW)
				ret = phase(rk, sr, r, false);
			if (!ret && s->measure & FP_MEASURE_LAT)
				ret = phase(rk, sr, r, true);
		}
		if (ret || !rk->data)
			continue;
		sr->done = true;
		if (!rk->cfg->quiet && isatty(2))
			fprintf(stderr, "\r\033[K");
		if (text) {
			fp_results_text_row(rk->data, sr, stdout);
			fflush(stdout);
		}
		/* nothing measured is lost: the folder is rewritten after every size */
		if (fp_results_write(rk->data))
			fprintf(stderr, "fabprobe: warning: cannot write results to %s\n",
				rk->data->dir);
	}
	if (text && !ret)
		fp_results_text_footer(rk->data, stdout);
	return ret;
}

/*
 * A peer closing a data connection is often a bystander that saw the real death first and
 * quit. Ask the rendezvous who died without a word, and say so first.
 */
static void blame(struct rank *rk)
{
	char report[ERR_LEN], dead[128] = "", was[ERR_LEN];
	int who[16], n = fp_rv_postmortem(rk->rv, 1500ull * 1000 * 1000, who, 16, report,
					  sizeof(report));
	size_t o = 0;

	if (n <= 0)
		return;
	for (int i = 0; i < n && i < 16 && o < sizeof(dead) - 8; i++)
		o += (size_t)snprintf(dead + o, sizeof(dead) - o, "%s%d", i ? "," : "", who[i]);
	snprintf(was, sizeof(was), "%s", rk->err);
	say(rk->err, "rank%s %s died or was killed (left without a report); %s", n > 1 ? "s" : "",
	    dead, was);
}

static void on_signal(int sig)
{
	(void)sig;
	fp_stop = 1;
}

/*
 * Pin this rank to one CPU: two busy-polling ranks that share a core, or migrate, measure
 * the scheduler rather than the transport. The local rank picks the CPU.
 */
/* This rank's index among the ranks of its host: --np, else the launcher's, else rank. */
static int64_t local_rank_of(const struct fp_run_cfg *cfg, int rank)
{
	static const char *const envs[] = { "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID",
					    "SLURM_LOCALID" };
	int64_t local = cfg->local_rank >= 0 ? cfg->local_rank : -1;

	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]) && local < 0; i++)
		if (env_int(envs[i], &local))
			local = -1;
	return local < 0 ? rank : local;
}

static int pin_cpu(const struct fp_run_cfg *cfg, int rank, char *err)
{
	const char *pin = cfg->pin ? cfg->pin : cfg->np > 0 ? "auto" : "none";
	int64_t local = local_rank_of(cfg, rank);
	cpu_set_t allowed, one;
	int cpu = -1, n = 0;

	if (!strcmp(pin, "none"))
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return 0;
	if (!strcmp(pin, "auto")) {
		int64_t nlocal = cfg->np > 0 ? cfg->np : -1;

		if (nlocal < 0 && env_int("OMPI_COMM_WORLD_LOCAL_SIZE", &nlocal))
			nlocal = -1;
		/* more ranks than CPUs here, or unknown: leave placement to the scheduler */
		if (nlocal < 0 || nlocal > CPU_COUNT(&allowed) || local >= nlocal)
			return 0;
		for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
			if (CPU_ISSET(c, &allowed) && n++ == local)
				cpu = c;
	} else {
		const char *p = pin;

		for (int64_t i = 0; i <= local; i++) {
			char *end;
			long v = strtol(p, &end, 10);

			if (end == p || v < 0 || v >= CPU_SETSIZE || (*end && *end != ',')) {
				say(err, "--pin '%s': a CPU list like 0,2,4, or auto, or none",
				    pin);
				return -EINVAL;
			}
			cpu = (int)v;
			if (!*end) {
				if (i < local)
					cpu = -1; /* the list is shorter than the local ranks */
				break;
			}
			p = end + 1;
		}
		if (cpu < 0)
			return 0;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (cpu >= 0 && sched_setaffinity(0, sizeof(one), &one)) {
		say(err, "--pin: cannot pin rank %d to CPU %d: %s", rank, cpu, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The netdev that holds a local address: where this rank's data goes out. */
static bool port_of(const char *ip, char *name, size_t len)
{
	struct ifaddrs *ifa, *i;
	struct in_addr want;
	bool found = false;

	if (inet_pton(AF_INET, ip, &want) != 1 || getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == want.s_addr) {
			snprintf(name, len, "%s", i->ifa_name);
			found = true;
		}
	freeifaddrs(ifa);
	return found;
}

/*
 * Counters before and after: each rank reads its data-plane port, and rank 0 gathers the
 * differences for run.json. A counter that went backwards (a driver reset) reads as its
 * new value, the only honest lower bound.
 */
static int gather_counters(struct rank *rk, const struct fp_port *before, const char *port)
{
	struct fp_port *after = before ? malloc(sizeof(*after)) : NULL;
	struct fp_rv_blobs all = { 0 };
	char blob[4096];
	size_t o = 0;
	int ret;

	blob[0] = 0;
	if (after && !fp_netdev_read("", port, after)) {
		o += (size_t)snprintf(blob, sizeof(blob), "%s\n", port);
		for (unsigned k = 0; k < after->nc && o < sizeof(blob) - 80; k++)
			for (unsigned b = 0; b < before->nc; b++) {
				const struct fp_counter *x = &after->c[k], *y = &before->c[b];

				if (strcmp(x->name, y->name))
					continue;
				o += (size_t)snprintf(
					blob + o, sizeof(blob) - o, "%.47s=%llu\n", x->name,
					(unsigned long long)(x->value >= y->value
								     ? x->value - y->value
								     : x->value));
			}
	}
	free(after);
	ret = fp_rv_gather(rk->rv, "counters", blob, o, &all, rk->err, ERR_LEN);
	if (ret || !rk->data)
		return ret;
	for (uint32_t r = 0; r < all.n && (int)r < rk->size; r++) {
		struct fp_ctr_delta *c = &rk->data->ctr[r];
		char *t = strndup((const char *)all.data + all.off[r], all.len[r]), *line,
		     *sv = NULL;

		if (!t)
			continue;
		for (line = strtok_r(t, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
			char *eq = strchr(line, '=');

			if (!eq && !c->valid) {
				snprintf(c->port, sizeof(c->port), "%.47s", line);
				c->valid = true;
			} else if (eq && c->valid && c->n < 48) {
				*eq = 0;
				snprintf(c->name[c->n], sizeof(c->name[0]), "%.47s", line);
				c->delta[c->n++] = strtoll(eq + 1, NULL, 10);
			}
		}
		free(t);
	}
	fp_rv_blobs_free(&all);
	return 0;
}

/*
 * --bind 10.99.0.0/16: this host's address inside that subnet, so one launch line serves
 * every host (as NCCL_SOCKET_IFNAME or oob_tcp_if_include do).
 */
static int resolve_bind(const char *spec, char *out, size_t len, char *err)
{
	char net[64];
	const char *slash = strchr(spec, '/');
	struct in_addr want, have;
	struct ifaddrs *ifa, *i;
	long bits;
	uint32_t mask;

	if (!slash) {
		snprintf(out, len, "%s", spec);
		return 0;
	}
	bits = strtol(slash + 1, NULL, 10);
	snprintf(net, sizeof(net), "%.*s", (int)(slash - spec), spec);
	if (bits < 0 || bits > 32 || inet_pton(AF_INET, net, &want) != 1) {
		say(err, "--bind '%s' is not an IPv4 address or subnet (10.99.0.0/16)", spec);
		return -EINVAL;
	}
	mask = bits ? htonl(~0u << (32 - bits)) : 0;
	if (getifaddrs(&ifa)) {
		say(err, "--bind: cannot list local addresses: %s", strerror(errno));
		return -errno;
	}
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		have = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		if ((have.s_addr & mask) == (want.s_addr & mask)) {
			inet_ntop(AF_INET, &have, out, (socklen_t)len);
			freeifaddrs(ifa);
			return 0;
		}
	}
	freeifaddrs(ifa);
	say(err, "--bind %s: this host has no address in that subnet", spec);
	return -EADDRNOTAVAIL;
}

/* Every size must fit the engine: a frame engine has a smallest and a largest frame. */
static int check_sizes(struct rank *rk)
{
	size_t lo, hi;

	rk->ops.limits(rk->eng, &lo, &hi);
	for (unsigned i = 0; i < rk->cfg->sizes.n; i++) {
		uint64_t v = rk->cfg->sizes.v[i];

		if (v < lo || v > hi) {
			say(rk->err,
			    "size %llu does not fit engine %s: messages are %zu to %zu bytes "
			    "here%s",
			    (unsigned long long)v, rk->cfg->engine, lo, hi,
			    rk->dgram ? " (Ethernet frames with the FCS)" : "");
			return -EMSGSIZE;
		}
	}
	return 0;
}

static int fp_run_rank(struct fp_run_cfg *cfg, int rank, int size, const char *token)
{
	struct rank rk = { .cfg = cfg, .rank = rank, .size = size };
	struct fp_run_data data;
	struct fp_pattern_opts po = {
		.bidir = cfg->bidir,
		.alone = cfg->alone,
		.rotate = cfg->rotate,
		.rounds = (int)cfg->rounds,
		.shift = (int)cfg->shift,
		.root = (int)cfg->root,
		.seed = (uint64_t)cfg->seed,
		.groups = cfg->groups,
	};
	struct fp_rv_params rp = { .rank = rank,
				   .size = size,
				   .addr = cfg->rendezvous,
				   .token = token,
				   .timeout_ns = cfg->timeout_ns,
				   .stop = &fp_stop };
	char bindbuf[64];
	const char *bind;
	int ret, status = 1;

	memset(&data, 0, sizeof(data));
	if (pin_cpu(cfg, rank, rk.err)) {
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		return 2;
	}
	/* preflight() checked the options, the pattern and the engine */
	rk.pat = fp_pattern_find(cfg->pattern);
	ret = fp_sched_build(&rk.sched, rk.pat, size, &po, rk.err, ERR_LEN);
	if (!ret)
		ret = fp_sched_check(&rk.sched, rk.err, ERR_LEN);
	if (ret) {
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		fp_sched_destroy(&rk.sched);
		return 2;
	}
	fp_engine_find(cfg->engine, &rk.ops);
	rk.dgram = rk.ops.flags & FP_ENG_DGRAM;
	if (cfg->rate)
		fp_parse_rate(cfg->rate, &rk.rate_bps, &rk.rate_pps);
	fp_clock_init(&rk.clk);
	rk.timeout_ticks = fp_clock_from_ns(&rk.clk, (double)cfg->timeout_ns);
	rk.interval_ticks = fp_clock_from_ns(&rk.clk, (double)cfg->interval_ns);
	rk.drain_ticks = fp_clock_from_ns(&rk.clk, (double)DRAIN_NS);
	rk.quiet_ticks = fp_clock_from_ns(&rk.clk, (double)QUIET_NS);
	if (rank == 0) {
		rk.data = &data;
		if (alloc_data(&rk, &data)) {
			fprintf(stderr, "fabprobe: out of memory\n");
			goto out;
		}
	}
	ret = alloc_rank(&rk);
	if (ret) {
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		goto out;
	}
	ret = fp_rv_open(&rp, &rk.rv, rk.err, ERR_LEN);
	if (ret) {
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		goto out;
	}
	if (rank == 0 && (ret = make_run_dir(&rk))) {
		fp_rv_abort(rk.rv, rk.err);
		fprintf(stderr, "fabprobe: %s\n", rk.err);
		goto out;
	}
	ret = cfg->bind ? resolve_bind(cfg->bind, bindbuf, sizeof(bindbuf), rk.err) : 0;
	bind = cfg->bind ? bindbuf : fp_rv_local_ip(rk.rv);
	if (!ret)
		ret = meet(&rk, bind);
	if (!ret) {
		struct fp_engine_xopts xo = {
			.eal = cfg->eal,
			.port = cfg->port,
			.dst_mac = cfg->dst_mac,
			.check = cfg->check,
			.local_rank = (int)local_rank_of(cfg, rank),
			.op = cfg->op,
			.gid_index = cfg->gid_index,
			.inline_size = cfg->inline_size,
			.cq_mod = cfg->cq_mod,
			.post_list = cfg->post_list,
			.tx_depth = cfg->tx_depth,
			.cm = cfg->cm,
			.window = cfg->window,
			.same_clock = rk.same_clock,
		};
		for (unsigned i = 0; i < cfg->sizes.n; i++)
			if (cfg->sizes.v[i] > xo.max_size)
				xo.max_size = cfg->sizes.v[i];
		struct fp_engine_params ep = {
			.x = &xo,
			.rank = rank,
			.size = size,
			.bind = bind,
			.token = fp_rv_token_digest(token),
			.poll = cfg->poll ? FP_POLL_EVENT : FP_POLL_BUSY,
			.busy_poll_us = (int)cfg->busy_poll_us,
			.timeout_ns = cfg->timeout_ns,
			.xctx = &rk,
			.allgather = rv_allgather_cb,
			.err = rk.err,
			.errlen = ERR_LEN,
		};

		ret = rk.ops.open(&ep, &rk.eng);
		if (ret && !rk.err[0])
			say(rk.err, "engine %s: open failed: %s", cfg->engine, strerror(-ret));
		if (!ret)
			ret = check_sizes(&rk);
	}
	if (!ret) {
		ret = rk.ops.connect(rk.eng, rk.sched.flows, rk.sched.nflows, rk.conns);
		if (ret && !rk.err[0])
			say(rk.err, "engine %s: connect failed: %s", cfg->engine, strerror(-ret));
	}
	if (!ret)
		ret = gather_idents(&rk);
	if (!ret) {
		struct fp_port *before = malloc(sizeof(*before));
		char port[48];
		bool have = before && port_of(bind, port, sizeof(port)) &&
			    !fp_netdev_read("", port, before);

		ret = run_sizes(&rk);
		/* the counters go to rank 0 on success; a failed run has no common point to meet */
		if (!ret)
			ret = gather_counters(&rk, have ? before : NULL, port);
		free(before);
	}
	if (ret && rank == 0 && rk.rv &&
	    (rk.fail_ret == -ECONNRESET || rk.fail_ret == -EPIPE || rk.fail_ret == -ETIMEDOUT))
		blame(&rk);
	if (ret) {
		fp_rv_abort(rk.rv, rk.err);
		fprintf(stderr, "%sfabprobe: %s\n", rank == 0 && isatty(2) ? "\r\033[K" : "",
			rk.err);
	}
	status = ret ? 1 : 0;
	if (rank == 0) {
		data.status = !ret ? "complete" : fp_stop ? "interrupted" : "failed";
		snprintf(data.error, sizeof(data.error), "%s", ret ? rk.err : "");
		iso_now(data.finished, sizeof(data.finished));
		if (fp_results_write(&data)) {
			fprintf(stderr, "fabprobe: cannot write results to %s: %s\n", data.dir,
				strerror(errno));
			status = 1;
		} else {
			if (cfg->format == 1)
				fp_results_json(&data, stdout, true);
			if (!cfg->quiet)
				fprintf(stderr, "fabprobe: results in %s%s\n", data.dir,
					ret ? " (incomplete)" : "");
		}
	}
out:
	rk.ops.close(rk.eng);
	fp_rv_close(rk.rv);
	free(rk.conns);
	free(rk.lf);
	free(rk.hist);
	free(rk.recbuf);
	free(rk.txbuf);
	free(rk.rxbuf);
	free_data(rk.data);
	fp_sched_destroy(&rk.sched);
	return status;
}

/* --np N: fork the ranks here, on loopback, with a fresh port and token. */
static int run_local(struct fp_run_cfg *cfg, const char *token)
{
	pid_t *pids = calloc((size_t)cfg->np, sizeof(*pids));
	char addr[64], tok[64];
	int worst = 0, ret;

	if (!pids)
		return 1;
	if (!(cfg->given >> fp_opts_index(fp_run_opts, "rendezvous") & 1)) {
		/* a port the kernel just handed out is very likely free a moment later */
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(0x7f000001) };
		socklen_t sl = sizeof(sa);

		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
			fprintf(stderr, "fabprobe: --np: no free loopback port: %s\n",
				strerror(errno));
			free(pids);
			return 1;
		}
		close(fd);
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
		cfg->rendezvous = addr;
	}
	if (!token) {
		snprintf(tok, sizeof(tok), "local-%d-%ld", (int)getpid(), (long)time(NULL));
		token = tok;
	}
	fflush(NULL);
	for (int r = 1; r < cfg->np; r++) {
		pids[r] = fork();
		if (pids[r] == 0) {
			cfg->quiet = true;
			cfg->format = 0;
			cfg->local_rank = r;
			_exit(fp_run_rank(cfg, r, (int)cfg->np, token));
		}
		if (pids[r] < 0) {
			fprintf(stderr, "fabprobe: fork: %s\n", strerror(errno));
			worst = 1;
			cfg->np = r;
			break;
		}
	}
	cfg->local_rank = 0;
	ret = worst ? 1 : fp_run_rank(cfg, 0, (int)cfg->np, token);
	for (int r = 1; r < cfg->np; r++) {
		int st;

		if (pids[r] > 0 && waitpid(pids[r], &st, 0) == pids[r]) {
			int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;

			if (rc > worst)
				worst = rc;
		}
	}
	free(pids);
	return ret > worst ? ret : worst;
}

/* What can be refused before any rank starts: one message, exit 2, from one process. */
static int preflight(struct fp_run_cfg *cfg)
{
	struct fp_engine_ops ops;
	char why[256];
	double v;
	int ret;

	if (!fp_pattern_find(cfg->pattern)) {
		fprintf(stderr, "fabprobe: unknown pattern '%s' (see fabprobe run --help)\n",
			cfg->pattern);
		return 2;
	}
	ret = fp_engine_find(cfg->engine, &ops);
	if (ret) {
		fprintf(stderr, "fabprobe: engine '%s' %s (see fabprobe engines)\n", cfg->engine,
			ret == -ENOSYS ? "is not built in this binary" : "is unknown");
		return 2;
	}
	if (ops.probe(why, sizeof(why))) {
		fprintf(stderr, "fabprobe: engine '%s' is not usable here: %s\n", cfg->engine, why);
		return 2;
	}
	if ((ops.flags & FP_ENG_DGRAM) &&
	    !(cfg->given >> fp_opts_index(fp_run_opts, "sizes") & 1)) {
		/* frame sizes with the FCS, as RFC 2544 lists them for Ethernet */
		static const uint64_t rfc[] = { 64, 128, 256, 512, 1024, 1280, 1518 };

		cfg->sizes.n = sizeof(rfc) / sizeof(rfc[0]);
		memcpy(cfg->sizes.v, rfc, sizeof(rfc));
	}
	if (cfg->rfc2544 && !(ops.flags & FP_ENG_DGRAM)) {
		fprintf(stderr, "fabprobe: --rfc2544 needs a frame engine (--engine dpdk)\n");
		return 2;
	}
	if (cfg->rfc2544 &&
	    (parse_fraction(cfg->rfc2544, &v) || parse_fraction(cfg->resolution, &v) || !(v > 0))) {
		fprintf(stderr,
			"fabprobe: --rfc2544 %s / --resolution %s: want fractions such as 0.001 "
			"or 0.1%%\n",
			cfg->rfc2544, cfg->resolution);
		return 2;
	}
	if (cfg->rate && fp_parse_rate(cfg->rate, &v, &v)) {
		fprintf(stderr,
			"fabprobe: --rate '%s': want a rate such as 10G, 2.5Gbps or 1Mpps\n",
			cfg->rate);
		return 2;
	}
	return 0;
}

int fp_run(struct fp_run_cfg *cfg)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char token[256], err[ERR_LEN];
	int rank, size;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (preflight(cfg))
		return 2;
	if (cfg->np > 0) {
		if (cfg->given >> fp_opts_index(fp_run_opts, "rank") & 1) {
			fprintf(stderr,
				"fabprobe: --np starts every rank itself; do not give --rank\n");
			return 2;
		}
		job_token(cfg, token, sizeof(token));
		if (fp_rv_preflight(cfg->rendezvous, 0, (int)cfg->np, err, sizeof(err)))
			goto refuse;
		return run_local(cfg, cfg->token ? token : NULL);
	}
	if (who_am_i(cfg, &rank, &size, err)) {
		fprintf(stderr, "fabprobe: %s\n", err);
		return 2;
	}
	job_token(cfg, token, sizeof(token));
	if (fp_rv_preflight(cfg->rendezvous, rank, size, err, sizeof(err)))
		goto refuse;
	return fp_run_rank(cfg, rank, size, token);
refuse:
	fprintf(stderr, "fabprobe: %s\n", err);
	return 2;
}
