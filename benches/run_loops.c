// SPDX-License-Identifier: MIT
/*
 * The timed loops: specialized per phase (bandwidth, datagram, latency initiator and
 * responder) and set up before they start: no allocation, no logging, no option tests inside;
 * the clock is read once per sweep over the flows.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/hist.h"
#include "../core/wire.h"
#include "run_priv.h"

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

/* --check: 1 when the message just received is not what every sender sends */
static unsigned verify_none(const struct rank *rk, size_t size)
{
	(void)rk;
	(void)size;
	return 0;
}

static unsigned verify_bytes(const struct rank *rk, size_t size)
{
	return memcmp(rk->rxbuf, rk->txbuf, size) != 0;
}

typedef unsigned (*verify_fn)(const struct rank *rk, size_t size);

/*
 * A flow whose counts (n + acked + ack_sent) have not moved for stall_ticks, nor the bytes
 * its connection moved (a message slower than the stall time is not a stall), is stalled
 * and done for this phase while the others go on. Its source and its destination each see
 * it, as a dead link stops data one way and acknowledgements the other. The bytes may cost
 * a system call, so they are asked only when the counts pause: a quarter of the way to a
 * stall (the mark they must pass), and when one is due. A mark taken any earlier (at the
 * phase's start) would differ from what any flow that ever moved has moved, and every stall
 * would take twice as long: past the timeout of the ranks waiting for it. Bytes that moved
 * are progress for the rank's timeout too (BYTES_MOVED), or it could end the phase first.
 */
enum { NOT_STALLED, STALLED, BYTES_MOVED };

/* f stalled: done for the phase, its last progress (last_prog) kept on this host's clock */
static void set_stalled(struct rank *rk, struct lflow *f, uint64_t now)
{
	f->stalled = f->done = true;
	f->stall_mono = fp_mono_ns() - (uint64_t)fp_clock_ns(&rk->clk, now - f->last_prog);
}

/*
 * tx or rx said k < 0 on f: a connection that broke alone (FP_ECONN_DEAD: a verbs QP whose
 * retries ran out) stalls its flow now, and 0 says so; any other error fails the rank.
 */
static int broken(struct rank *rk, struct lflow *f, int k, uint64_t now)
{
	if (k != FP_ECONN_DEAD || !rk->stall_ticks)
		return fail(rk, f, k);
	if (rk->err[0]) /* the engine's word: once, as the flow stalls */
		fprintf(stderr, "fabprobe: rank %d: flow %u: %s\n", rk->rank, f->flow, rk->err);
	rk->err[0] = 0;
	f->dead = true;
	set_stalled(rk, f, now);
	return 0;
}

/* No whole message since last_prog (the caller's to keep): has a stall come? */
static int quiet(struct rank *rk, struct lflow *f, uint64_t now)
{
	uint64_t moved;

	if (now - f->last_prog <= rk->stall_ticks / 4)
		return NOT_STALLED;
	if (!f->moved_marked) {
		f->last_moved = rk->ops.moved(f->c);
		f->moved_marked = true;
		return NOT_STALLED;
	}
	if (now - f->last_prog <= rk->stall_ticks)
		return NOT_STALLED;
	moved = rk->ops.moved(f->c);
	if (moved != f->last_moved) {
		f->last_moved = moved;
		f->last_prog = now;
		return BYTES_MOVED;
	}
	set_stalled(rk, f, now);
	return STALLED;
}

static inline int stalled(struct rank *rk, struct lflow *f, uint64_t now)
{
	uint64_t was = f->n + f->acked + f->ack_sent;

	if (was != f->last_n) {
		f->last_n = was;
		f->last_prog = now;
		f->moved_marked = false;
		return NOT_STALLED;
	}
	return quiet(rk, f, now);
}

/*
 * Every flow of this rank done before the deadline, some of them stalled: the other ranks
 * run to the deadline (--duration, or the next --report-interval), and the rendezvous
 * after it would give up on them at --timeout, losing the stall's report. So the rank
 * waits for the deadline here, in naps; a frame engine's loop stops for a report on the
 * way (rep_next: stopped, as its loop does).
 */
static int stalled_wait(struct rank *rk, uint64_t now)
{
	const struct timespec nap = { 0, 1000000 };
	bool any = false;

	for (unsigned i = 0; i < rk->nlf; i++)
		any |= rk->lf[i].stalled;
	while (any && rk->stop_at != UINT64_MAX && now < rk->stop_at) {
		if (fp_stop)
			return fail(rk, NULL, -EINTR);
		if (rk->rep_next && now >= rk->rep_next) {
			rk->stopped = true;
			return 0;
		}
		nanosleep(&nap, NULL);
		now = fp_clock_ticks(&rk->clk) - rk->shift;
	}
	return 0;
}

/*
 * Bandwidth: sources keep up to `window` messages un-acknowledged; destinations count
 * whole messages and return a cumulative count every window/2 messages and at the end.
 * A flow is done when its source has seen the last ack, or its destination has sent it.
 */
static int bw_loop(struct rank *rk, size_t size, uint64_t window, idle_fn idle, verify_fn verify,
		   uint64_t *t0)
{
	const struct fp_engine_ops *ops = &rk->ops;
	/* --check looks at each message: one per receive call */
	uint64_t rx_burst = verify == verify_none ? BURST : 1;
	uint64_t ack_every = window / 2 ? window / 2 : 1;
	uint64_t now = fp_clock_ticks(&rk->clk) - rk->shift, last = now;
	unsigned left = 0;
	int k;

	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];

		if (f->stalled) { /* in the warm-up, or before the deadline: reported after */
			f->done = true;
			continue;
		}
		if (rk->resume) { /* after a stop at the deadline: the same counters go on */
			f->done = f->src ? f->acked == f->target
					 : f->n == f->target && f->ack_sent == f->target &&
						   !f->ack_pending;
			left += !f->done;
			continue;
		}
		ops->reset(f->c); /* a TCP source's counters start here (not at the warm-up) */
		f->n = f->acked = f->ack_sent = 0;
		f->ack_pending = false;
		f->done = !f->target;
		f->t_end = f->last_prog = now; /* a resumed loop's clock is shifted: it goes on */
		f->last_n = 0;
		f->moved_marked = false;
		fp_series_start(&f->series, now, rk->interval_ticks);
		left += !f->done;
	}
	if (!rk->resume) {
		*t0 = now;
		rk->wrong = 0; /* what the warm-up saw is not counted */
	}
	while (left) {
		int progress = 0;

		for (unsigned i = 0; i < rk->nlf; i++) {
			struct lflow *f = &rk->lf[i];

			if (f->done)
				continue;
			if (rk->stall_ticks) {
				int st = stalled(rk, f, now);

				if (st == STALLED) {
					left--;
					continue;
				}
				progress |= st == BYTES_MOVED;
			}
			if (f->src) {
				uint64_t room = window - (f->n - f->acked), rest = f->target - f->n;

				if (room && rest) {
					k = ops->tx(f->c, rk->txbuf, size,
						    (unsigned)min3(room, rest, BURST));
					if (k < 0)
						goto broke;
					f->n += (uint64_t)k;
					progress |= k;
				}
				while ((k = ops->rx(f->c, f->ackin, ACK_LEN, 1)) > 0) {
					f->acked = fp_get_u64(f->ackin);
					progress = 1;
				}
				if (k < 0)
					goto broke;
				if (f->acked > f->n)
					return fail(rk, f, -EPROTO);
				if (f->acked == f->target) {
					f->done = true;
					/* in the drain after the deadline: the moment it stopped */
					if (!rk->draining)
						f->t_end = fp_clock_ticks(&rk->clk) - rk->shift;
					left--;
				}
				continue;
			}
			if (f->n < f->target) {
				k = ops->rx(f->c, rk->rxbuf, size,
					    (unsigned)min3(f->target - f->n, rx_burst, BURST));
				if (k < 0)
					goto broke;
				f->n += (uint64_t)k;
				progress |= k;
				fp_series_tick(&f->series, now, f->n * size);
				if (k) {
					f->t_end = fp_clock_ticks(&rk->clk) - rk->shift;
					rk->wrong += verify(rk, size);
				}
			}
			if (f->ack_pending) {
				k = ops->tx(f->c, f->ackbuf, ACK_LEN, 1);
				if (k < 0)
					goto broke;
				f->ack_pending = !k;
			} else if (f->n > f->ack_sent &&
				   (f->n - f->ack_sent >= ack_every || f->n == f->target)) {
				fp_put_u64(f->ackbuf, f->n);
				f->ack_sent = f->n;
				k = ops->tx(f->c, f->ackbuf, ACK_LEN, 1);
				if (k < 0)
					goto broke;
				f->ack_pending = !k;
				progress = 1;
			}
			if (f->n == f->target && f->ack_sent == f->target && !f->ack_pending) {
				f->done = true;
				left--;
			}
			continue;
		broke: /* k < 0: the rank fails, or the flow alone (broken) */
			if ((k = broken(rk, f, k, now)))
				return k;
			left--;
		}
		now = fp_clock_ticks(&rk->clk) - rk->shift;
		if (fp_stop)
			return fail(rk, NULL, -EINTR);
		if (now >= rk->stop_at) { /* wall clock: sources stop where they are */
			for (unsigned i = 0; i < rk->nlf; i++)
				if (rk->lf[i].src && !rk->lf[i].done)
					rk->lf[i].t_end = now;
			rk->stopped = true;
			return 0;
		}
		if (progress) {
			last = now;
		} else {
			if (now - last > rk->timeout_ticks)
				return fail(rk, NULL, -ETIMEDOUT);
			idle(rk);
		}
	}
	return stalled_wait(rk, now);
}

/*
 * A datagram flow that has received nothing, not even an end marker, for stall_ticks since
 * the phase began: its path drops everything (a blackhole from the start, or one that came
 * up before the phase). It is stalled, as a TCP flow is, while the rank's other flows go on;
 * its sources' counts say what it lost.
 */
static bool silent(struct rank *rk, struct lflow *f, uint64_t now, uint64_t t0)
{
	if (!rk->stall_ticks || f->n || f->end_at || now - t0 <= rk->stall_ticks)
		return false;
	f->last_prog = t0;
	set_stalled(rk, f, now);
	return true;
}

/* The deadline passed: every source flow has sent what it will send. */
static void stop_sources(struct rank *rk)
{
	for (unsigned i = 0; i < rk->nlf; i++)
		if (rk->lf[i].src && rk->lf[i].target > rk->lf[i].n)
			rk->lf[i].target = rk->lf[i].n;
	rk->stop_at = UINT64_MAX;
}

/*
 * Datagram bandwidth: sources send `target` frames, paced from the clock when there is a
 * rate, then an end marker; destinations count what arrives and stop at `target`, or a
 * drain time after the end marker. What was lost is sent minus received.
 * --report-interval: every rank stops at rep_next (stopped) and goes on (resume) where it
 * was after the report; the clock runs shifted by the time that took.
 */
static int dgram_loop(struct rank *rk, size_t size, idle_fn idle, uint64_t *t0)
{
	const struct fp_engine_ops *ops = &rk->ops;
	uint64_t now = fp_clock_ticks(&rk->clk) - rk->shift, last = now;
	double fps = rk->rate_pps ? rk->rate_pps : rk->rate_bps / ((double)(size + 20) * 8);
	double gap = 0; /* ticks between two frames of one flow */
	unsigned left = 0, nsrc = 0;
	int k;

	for (unsigned i = 0; i < rk->nlf; i++)
		nsrc += rk->lf[i].src;
	if (fps > 0 && nsrc)
		gap = (double)rk->clk.hz * nsrc / fps;
	for (unsigned i = 0; i < rk->nlf && rk->resume; i++)
		left += !rk->lf[i].done;
	if (!rk->resume)
		ops->begin(rk->eng, false);
	for (unsigned i = 0; i < rk->nlf && !rk->resume; i++) {
		struct lflow *f = &rk->lf[i];

		ops->reset(f->c);
		f->n = 0;
		f->end_at = f->last_rx = 0;
		f->ends = 0;
		f->done = !f->target || f->stalled; /* stalled in the warm-up: reported after */
		f->t_end = now;
		memset(&f->dg, 0, sizeof(f->dg));
		fp_series_start(&f->series, now, rk->interval_ticks);
		left += !f->done;
	}
	if (!rk->resume)
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
					f->t_end = fp_clock_ticks(&rk->clk) - rk->shift;
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
			if (silent(rk, f, now, *t0)) {
				left--;
				continue;
			}
			/* done: the end marker and a drain time, or a long silence after
			 * frames came (every end marker lost); silence from the start is
			 * silent() above (a dead peer is the rendezvous's to find) */
			if ((f->end_at && now - f->end_at > rk->drain_ticks) ||
			    (f->last_rx && now - f->last_rx > rk->quiet_ticks + (uint64_t)gap)) {
				f->done = true;
				left--;
			}
		}
		now = fp_clock_ticks(&rk->clk) - rk->shift;
		if (fp_stop)
			return fail(rk, NULL, -EINTR);
		if (now >= rk->stop_at) /* wall clock: what went is the count; end markers follow */
			stop_sources(rk);
		if (rk->rep_next && now >= rk->rep_next) { /* an interval report, then on */
			rk->stopped = true;
			return 0;
		}
		if (progress) {
			last = now;
		} else {
			if (now - last > rk->timeout_ticks + (uint64_t)gap)
				return fail(rk, NULL, -ETIMEDOUT);
			idle(rk);
		}
	}
	k = stalled_wait(rk, now);
	if (k || rk->stopped)
		return k;
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

#define LAT_STALLED 1 /* whole(): the flow stalled, and the rank goes on to its next one */
#define LAT_CUT	    2 /* whole(): the chunk's time is up while waiting for a message */

/*
 * Spin on one whole message in one direction; the clock is only read while stalled. A
 * latency flow that moves nothing for stall_ticks (no message, no byte: quiet(), the
 * bandwidth rule, from when this wait began) is stalled as a bandwidth flow is: done for
 * this phase, reported after it, while the rank's other flows go on. Its peer, waiting on
 * it, sees the same.
 */
static inline int whole(struct rank *rk, struct lflow *f, bool send, size_t size, idle_fn idle)
{
	uint64_t spins = 0, now;
	bool waiting = false;
	int k;

	for (;;) {
		k = send ? rk->ops.tx(f->c, rk->txbuf, size, 1)
			 : rk->ops.rx(f->c, rk->rxbuf, size, 1);
		if (k > 0) {
			f->held = false;
			return 0;
		}
		if (k < 0) {
			now = fp_clock_ticks(&rk->clk);
			if (!waiting && !f->held)
				f->last_prog = now;
			if ((k = broken(rk, f, k, now)))
				return k;
			f->t_end = f->last_prog;
			return LAT_STALLED;
		}
		if (++spins & 255)
			continue;
		if (fp_stop)
			return fail(rk, f, -EINTR);
		now = fp_clock_ticks(&rk->clk);
		if (!waiting) {
			waiting = true;
			if (!f->held) {
				f->last_prog = now;
				f->moved_marked = false;
			}
		} else if (rk->stall_ticks && quiet(rk, f, now) == STALLED) {
			f->t_end = f->last_prog;
			return LAT_STALLED;
		} else if (now - f->last_prog > rk->timeout_ticks) {
			return fail(rk, f, -ETIMEDOUT);
		}
		/* a responder awaiting a ping is cut at cut_at; an initiator awaiting a reply a
		 * grace later, so that its round trip is not cut when the reply is on its way */
		if (!send && rk->cut_at && now >= rk->cut_at + (f->src ? rk->cut_grace : 0)) {
			f->held = true;
			return LAT_CUT;
		}
		idle(rk);
	}
}

/*
 * Latency, initiator: one round trip per message; one clock read per round trip. At the
 * chunk's cut no ping goes; one whose reply the cut left (out) is finished in the next
 * chunk, and timed as what it waited before the cut plus what it waits after the exchange:
 * every round trip is a sample, and none holds an exchange's time.
 */
static int lat_init_loop(struct rank *rk, struct lflow *f, size_t size, idle_fn idle,
			 struct fp_hist *h)
{
	uint64_t t = fp_clock_ticks(&rk->clk) - (f->out ? f->out_el : 0), t2;
	int ret;

	for (; f->n < f->target; f->n++) {
		if (!f->out) {
			if (rk->cut_at && t >= rk->cut_at) {
				f->t_end = t;
				return LAT_CUT;
			}
			if ((ret = whole(rk, f, true, size, idle)))
				return ret;
			f->out = true;
		}
		if ((ret = whole(rk, f, false, size, idle))) {
			if (ret == LAT_CUT) {
				f->t_end = t;
				f->out_el = fp_clock_ticks(&rk->clk) - t;
			}
			return ret;
		}
		f->out = false;
		t2 = fp_clock_ticks(&rk->clk);
		fp_hist_add(h, t2 - t);
		t = t2;
	}
	f->t_end = t;
	return 0;
}

/* Latency, responder: a cut while a ping is awaited; never between a ping and its reply */
static int lat_resp_loop(struct rank *rk, struct lflow *f, size_t size, idle_fn idle)
{
	int ret;

	for (; f->n < f->target; f->n++)
		if ((ret = whole(rk, f, false, size, idle)) ||
		    (ret = whole(rk, f, true, size, idle)))
			return ret;
	f->t_end = fp_clock_ticks(&rk->clk);
	return 0;
}

/* Collect this rank's flows of round r; for latency only the lower rank's direction. */
void fp_run_round_flows(struct rank *rk, uint32_t r, bool lat)
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
		f->stalled = f->dead = f->out = f->held = false;
	}
}

/*
 * Latency: every flow of this rank in turn, from where its count stands to its target; a
 * flow that stalled (now, or earlier in this phase) is left for the report after it.
 */
int fp_run_lat(struct rank *rk, size_t size)
{
	idle_fn idle = rk->cfg->poll ? idle_event : idle_busy;
	int ret = 0;

	for (unsigned i = 0; i < rk->nlf && !ret; i++) {
		struct lflow *f = &rk->lf[i];

		if (f->stalled)
			continue;
		if (f->src)
			ret = lat_init_loop(rk, f, size, idle, rk->hist);
		else
			ret = lat_resp_loop(rk, f, size, idle);
		if (ret == LAT_STALLED || ret == LAT_CUT)
			ret = 0;
	}
	return ret;
}

int fp_run_loops(struct rank *rk, size_t size, uint64_t *t0)
{
	idle_fn idle = rk->cfg->poll ? idle_event : idle_busy;

	/* what an engine writes here from now on explains a failure (a resumed loop keeps
	 * what it wrote before the report or check-in, for broken() to say) */
	if (!rk->resume) {
		rk->err[0] = 0;
		rk->ops.begin(rk->eng, false);
	}
	if (rk->dgram)
		return dgram_loop(rk, size, idle, t0);
	return bw_loop(rk, size, (uint64_t)rk->cfg->window, idle,
		       rk->cfg->count_wrong ? verify_bytes : verify_none, t0);
}

int fp_run_dgram(struct rank *rk, size_t size, uint64_t *t0)
{
	return dgram_loop(rk, size, rk->cfg->poll ? idle_event : idle_busy, t0);
}
