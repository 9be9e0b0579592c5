// SPDX-License-Identifier: MIT
/*
 * Wall-clock phases (--duration): a phase ends when the clock says so, not after a count
 * guessed from the warm-up (a warm-up that only fills socket buffers looks far faster than
 * the steady state, so a guess can be off by orders of magnitude).
 *
 * Bandwidth: sources read the clock once per sweep over their flows and stop where they are
 * at the deadline. Every rank then publishes, per source flow, the count it sent; each
 * destination takes its source's count as its target and the loop resumes until every
 * message is received and acknowledged. The time spent meeting is taken off the drain, so
 * the rates cover the transfer only.
 * Datagrams: sources stop at the deadline and send their end markers, which carry the
 * count; destinations need nothing else.
 * Latency, timed or counted: round trips go in chunks of about CHUNK_NS, each sized from the
 * measured round trip time; between chunks the initiators say how many more (0: the deadline
 * passed, or the count is reached). A chunk whose count was sized on a fast host that then
 * slowed is cut by the clock (cut_at), so that no rank waits in the exchange for long: one
 * whose flows stalled, or that has none this round, hears of the rest a cut away at most.
 * With --report-interval, rank 0 says in the same exchange when an interval is over, and
 * every rank then joins its report (run_report.c), and once more at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hist.h"
#include "../core/wire.h"
#include "run_priv.h"

#define CHUNK_NS   20000000.0 /* longest latency chunk between two count exchanges */
#define CUT_CHUNKS 10	      /* a chunk is cut at this many times CHUNK_NS, however far */
#define CNT_REC	   13	      /* flow u32, target u64, more u8 */

/*
 * Every rank publishes its source flows' targets; each destination takes its source's.
 * *more: some source said it goes on (the same answer on every rank). due: rank 0 says an
 * interval report is due; *report: rank 0 said so (every rank hears it, or NULL).
 */
static int exchange_targets(struct rank *rk, const bool *go, bool *more, bool due, bool *report,
			    const char *what)
{
	struct fp_rv_blobs all = { 0 };
	uint8_t *mine = malloc((size_t)rk->nlf * CNT_REC + 1), *p = mine;
	int ret;

	if (!mine)
		return -ENOMEM;
	*p++ = rk->rank == 0 && due;
	for (unsigned i = 0; i < rk->nlf; i++) {
		if (!rk->lf[i].src)
			continue;
		fp_put_u32(p, rk->lf[i].flow);
		fp_put_u64(p + 4, rk->lf[i].target);
		p[12] = go ? go[i] : 0;
		p += CNT_REC;
	}
	ret = fp_rv_allgather(rk->rv, what, mine, (size_t)(p - mine), &all, rk->err, ERR_LEN);
	free(mine);
	*more = false;
	for (uint32_t r = 0; !ret && r < all.n; r++) {
		const uint8_t *q = all.data + all.off[r], *end = q + all.len[r];

		if (all.len[r] < 1 || (all.len[r] - 1) % CNT_REC)
			goto bad;
		if (r == 0 && report)
			*report = q[0] != 0;
		for (q++; q < end; q += CNT_REC)
			*more |= q[12] != 0;
	}
	for (unsigned i = 0; !ret && i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];
		const uint8_t *q, *end;
		bool found = false;

		if (f->src)
			continue;
		q = all.data + all.off[f->peer] + 1;
		end = all.data + all.off[f->peer] + all.len[f->peer];
		for (; q < end && !found; q += CNT_REC) {
			if (fp_get_u32(q) != f->flow)
				continue;
			f->target = fp_get_u64(q + 4);
			found = true;
		}
		/* a destination never holds more than its source sent; but a ping-pong's
		 * responder (go: latency chunks) whose reply was lost is one round trip ahead
		 * of its initiator, which stalled (the responder too, unless the lost reply
		 * ended its chunk): nothing more is asked of it */
		/* a flow whose connection broke may have had more delivered than its source
		 * counted: it is in the stall report, not held to its counts */
		if (!found || (f->n > f->target + (go != NULL) && !f->stalled))
			goto bad;
		if (f->n > f->target)
			f->target = f->n;
	}
	fp_rv_blobs_free(&all);
	return ret;
bad:
	fp_rv_blobs_free(&all);
	fp_say(rk->err, ERR_LEN, "%s: a rank sent malformed or impossible counts", what);
	return -EBADMSG;
}

/*
 * A counted phase's check-in (bw_slices without --report-interval): every rank says whether
 * all its flows are done; *all_done when every rank's are.
 */
static int checkin(struct rank *rk, bool done, bool *all_done)
{
	struct fp_rv_blobs all = { 0 };
	uint8_t mine = done;
	int ret = fp_rv_allgather(rk->rv, "check-in", &mine, 1, &all, rk->err, ERR_LEN);

	*all_done = true;
	for (uint32_t r = 0; !ret && r < all.n; r++) {
		if (all.len[r] != 1 || all.data[all.off[r]] > 1)
			ret = fp_say(rk->err, ERR_LEN, "check-in: rank %u sent a malformed one", r);
		else
			*all_done &= all.data[all.off[r]] == 1;
	}
	fp_rv_blobs_free(&all);
	return ret;
}

/*
 * Slices of --report-interval (one slice without it) up to the deadline: every rank stops at
 * each slice's end, reports, and goes on where it was (a frame engine's clock takes the
 * reports' time off; a stream's keeps it, below).
 * A counted bandwidth phase whose flows may stall one by one (stall_ticks) goes in slices of
 * a quarter of --timeout without a report: a rank whose flows are done, some stalled, meets
 * the others at each slice's end until every rank is done, instead of waiting for them in
 * one rendezvous that gives up at --timeout, losing the stall's report.
 * Frame engines stop for reports at rep_next, while stop_at stays their deadline (the loop
 * then sends its end markers and drains by itself).
 */
static int bw_slices(struct rank *rk, size_t size, uint64_t *t0, uint64_t deadline, bool report)
{
	bool silent = !report && deadline == UINT64_MAX && rk->stall_ticks && !rk->dgram;
	uint64_t every = report ? rk->report_ticks : silent ? rk->timeout_ticks / 4 : 0;
	uint64_t start = fp_clock_ticks(&rk->clk);
	uint64_t next = every ? start + every : UINT64_MAX, paused;
	bool all_done = false;
	int ret;

	rk->rep_t = start;
	if (every && rk->rep_prev) /* rank 0: counts restart with the phase */
		memset(rk->rep_prev, 0, rk->sched.nflows * sizeof(*rk->rep_prev));
	for (;;) {
		rk->stop_at = next < deadline && !rk->dgram ? next : deadline;
		rk->rep_next = rk->dgram && every ? next : 0;
		rk->stopped = false;
		ret = fp_run_loops(rk, size, t0);
		rk->resume = true;
		rk->rep_next = 0;
		if (ret || !every)
			return ret;
		paused = fp_clock_ticks(&rk->clk);
		if (silent)
			ret = checkin(rk, !rk->stopped, &all_done);
		else
			ret = fp_run_report(rk, size,
					    !rk->stopped || (!rk->dgram && rk->stop_at == deadline),
					    &all_done, start);
		/* a meeting's time stays in a stream's rates: its transport moves on meanwhile
		 * (a socket's buffers, posted requests), and a rank held up by a long message,
		 * or a rendezvous queued behind the data, keeps the others waiting there. Taken
		 * off, a tbf-shaped 20 Mbit/s flow read 33 to 36. Frame engines pace from the
		 * clock: theirs is taken off, or they would burst what fell due meanwhile. */
		paused = fp_clock_ticks(&rk->clk) - paused; /* the meeting's length */
		if (rk->dgram)
			rk->shift += paused;
		else /* but not in a flow's quiet time: the flows waited on the meeting */
			for (unsigned i = 0; i < rk->nlf; i++) {
				rk->lf[i].last_prog += paused;
				rk->lf[i].moved_marked = false;
			}
		if (ret || all_done)
			return ret;
		next += every;
		/* a stream's clock runs on through a meeting longer than a slice: the next
		 * slice's end is still ahead (a frame engine's clock stood still) */
		while (!rk->dgram && next <= fp_clock_ticks(&rk->clk))
			next += every;
	}
}

static int bw_timed(struct rank *rk, size_t size, uint64_t *t0, const char *what, uint64_t deadline,
		    bool report)
{
	uint64_t paused;
	bool more;
	int ret;

	rk->resume = false;
	rk->shift = 0;
	ret = bw_slices(rk, size, t0, deadline, report);
	rk->stop_at = UINT64_MAX;
	if (ret || rk->dgram || deadline == UINT64_MAX)
		goto out;
	/* every rank meets, stopped or done: sources publish what they sent */
	paused = fp_clock_ticks(&rk->clk);
	for (unsigned i = 0; i < rk->nlf; i++)
		if (rk->lf[i].src)
			rk->lf[i].target = rk->lf[i].n;
	ret = exchange_targets(rk, NULL, &more, false, NULL, what);
	if (ret)
		goto out;
	rk->shift += fp_clock_ticks(&rk->clk) - paused;
	rk->draining = true;
	ret = fp_run_loops(rk, size, t0);
out:
	rk->draining = false;
	rk->resume = false;
	rk->shift = 0;
	return ret;
}

/* Round trips per source flow for the next chunk; 0 once the deadline passed or cap reached */
static void next_chunk(struct rank *rk, double ns_per_rt, bool *go)
{
	uint64_t now = fp_clock_ticks(&rk->clk);
	double left = now < rk->stop_at ? fp_clock_ns(&rk->clk, rk->stop_at - now) : 0;
	unsigned nsrc = 0;

	for (unsigned i = 0; i < rk->nlf; i++)
		nsrc += rk->lf[i].src;
	for (unsigned i = 0; i < rk->nlf; i++) {
		struct lflow *f = &rk->lf[i];
		double want;
		uint64_t k;

		go[i] = false;
		if (!f->src)
			continue;
		want = (left < CHUNK_NS ? left : CHUNK_NS) / (ns_per_rt * nsrc);
		k = want < 1 ? 1 : want > 1e6 ? 1000000 : (uint64_t)want;
		if (k > 2 * f->chunk + 1) /* the rate is a guess until a chunk measured it */
			k = 2 * f->chunk + 1;
		if (!left || f->n >= f->cap || f->stalled)
			k = 0;
		else if (k > f->cap - f->n)
			k = f->cap - f->n;
		if (f->out && !f->stalled && !k) /* a round trip the cut left is finished */
			k = 1;
		f->target = f->n + k;
		f->chunk = k;
		go[i] = k != 0;
	}
}

static int lat_timed(struct rank *rk, size_t size, uint64_t *t0, const char *what, bool report)
{
	bool *go = calloc(rk->nlf ? rk->nlf : 1, sizeof(*go)), more = true, now_rep = false;
	double ns_per_rt = rk->lat_ns > 0 ? rk->lat_ns : 1e9; /* unknown: one round trip */
	/* the cut: a chunk ten times too long, and at most an eighth of the --timeout the ranks
	 * waiting in the exchange give it; an initiator awaiting a reply as long again */
	uint64_t cut = fp_clock_from_ns(&rk->clk, CUT_CHUNKS * CHUNK_NS);
	/* --report-interval: the histogram at the last report, and room to work */
	struct fp_hist *prev = report ? malloc(2 * sizeof(*prev)) : NULL;
	int ret = 0;

	if (!go || (report && !prev)) {
		free(go);
		free(prev);
		return -ENOMEM;
	}
	rk->err[0] = 0;
	rk->cut_grace = cut < rk->timeout_ticks / 8 ? cut : rk->timeout_ticks / 8;
	rk->ops.begin(rk->eng, true);
	for (unsigned i = 0; i < rk->nlf; i++) {
		rk->ops.reset(rk->lf[i].c);
		rk->lf[i].cap = rk->lf[i].target;
		rk->lf[i].chunk = 0;
		rk->lf[i].n = rk->lf[i].target = 0;
		rk->lf[i].out = rk->lf[i].held = false; /* the warm-up's are not the phase's */
		rk->lf[i].out_el = 0;
	}
	fp_hist_reset(rk->hist);
	if (prev)
		fp_hist_reset(prev);
	*t0 = rk->rep_t = fp_clock_ticks(&rk->clk);
	while (!ret) {
		uint64_t before = 0, after = 0, t;
		bool due = report && fp_clock_ticks(&rk->clk) - rk->rep_t >= rk->report_ticks;

		next_chunk(rk, ns_per_rt, go);
		ret = exchange_targets(rk, go, &more, due, &now_rep, what);
		/* the last interval is reported when the phase ends, below */
		if (!ret && now_rep && more)
			ret = fp_run_lat_report(rk, size, *t0, prev, prev + 1);
		if (ret || !more)
			break;
		for (unsigned i = 0; i < rk->nlf; i++)
			before += rk->lf[i].src ? rk->lf[i].n : 0;
		t = fp_clock_ticks(&rk->clk);
		rk->cut_at = t + rk->cut_grace;
		ret = fp_run_lat(rk, size);
		rk->cut_at = 0;
		for (unsigned i = 0; i < rk->nlf; i++)
			after += rk->lf[i].src ? rk->lf[i].n : 0;
		if (after > before) /* what went, as a cut or a stall may leave some */
			ns_per_rt = fp_clock_ns(&rk->clk, fp_clock_ticks(&rk->clk) - t) /
				    (double)(after - before);
	}
	if (!ret && report)
		ret = fp_run_lat_report(rk, size, *t0, prev, prev + 1);
	rk->stop_at = UINT64_MAX;
	free(go);
	free(prev);
	return ret;
}

int fp_run_timed(struct rank *rk, bool lat, size_t size, uint64_t limit_ns, bool report,
		 uint64_t *t0, const char *what)
{
	uint64_t deadline = UINT64_MAX;

	report = report && rk->report_ticks;
	if (limit_ns)
		deadline = fp_clock_ticks(&rk->clk) + fp_clock_from_ns(&rk->clk, (double)limit_ns);
	/* latency goes in chunks with or without a deadline: a rank whose flows stalled, or
	 * that has none, waits for the others in an exchange at most a cut away */
	if (lat) {
		rk->stop_at = deadline;
		return lat_timed(rk, size, t0, what, report);
	}
	if (!limit_ns && !report && (!rk->stall_ticks || rk->dgram)) {
		rk->stop_at = UINT64_MAX;
		return fp_run_loops(rk, size, t0);
	}
	return bw_timed(rk, size, t0, what, deadline, report);
}
