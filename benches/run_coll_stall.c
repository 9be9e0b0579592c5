// SPDX-License-Identifier: MIT
/*
 * A collective that stalls is evidence too (issue 18). A collective has no flow of its own to
 * time out: a blackholed ring link stops its destination, which stops the next rank one step
 * later, and so round the ring, until the ranks have waited half of --timeout without
 * progress. Which flow held them is the one whose destination waits on it while its source
 * sent more than arrived (or could not send at all, or saw the connection break); a flow
 * whose source has not sent yet waits upstream, as its destination does. A rank may also
 * have finished its loop before the stall reached it. So after the warm-up and after the
 * timed collectives every rank meets the others once: how its loop ended, its time, and for
 * each of its flows how many messages it moved on it and whether it was waiting on it.
 * Every rank judges the same way, and rank 0 writes the stalled flows into failed_flows
 * (stalled, their bytes, when) for the analyzer to localise the link, as for a bandwidth
 * phase's stalls (run_failed.c). Half of --timeout, so that a rank that finished waits for
 * the others in the meeting within the rendezvous's own timeout.
 *
 * A rank's head in the meeting: u8 1 when its loop stalled, u64 its loop's nanoseconds. When
 * any stalled, its report in a second meeting: u32 count, then count entries of COLL_REC bytes: u32 flow, u8 end (0: this rank
 * is its source, 1: its destination), u8 waiting on it, u8 its connection broke, u64
 * messages this end moved on it in the size, u64 their bytes, f64 seconds from the size's
 * start to its last message, f64 seconds since then.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/wire.h"
#include "run_priv.h"

#define COLL_REC 39

/* one end of a flow, as its rank said */
struct end {
	uint64_t msgs, bytes;
	double after, ago;
	uint8_t wait, dead, seen;
};

/* this rank's report: its length in *len */
static uint8_t *report(const struct rank *rk, const struct fp_coll_trace *t, size_t *len)
{
	const struct fp_sched *s = &rk->sched;
	uint8_t *b = malloc(4 + (size_t)s->nflows * 2 * COLL_REC), *p;
	uint64_t now = fp_clock_ticks(&rk->clk);

	if (!b)
		return NULL;
	p = b + 4;
	for (uint32_t f = 0; f < s->nflows; f++)
		for (int e = 0; e < 2; e++) {
			uint64_t last = t->last[f] > t->t0 ? t->last[f] : t->t0;

			if ((e ? s->flows[f].dst : s->flows[f].src) != rk->rank)
				continue;
			fp_put_u32(p, f);
			p[4] = (uint8_t)e;
			p[5] = t->wait[f * 2 + e];
			p[6] = t->dead[f];
			fp_put_u64(p + 7, t->msgs[f * 2 + e]);
			fp_put_u64(p + 15, t->bytes[f * 2 + e]);
			fp_put_f64(p + 23, fp_clock_ns(&rk->clk, last - t->t0) / 1e9);
			fp_put_f64(p + 31, fp_clock_ns(&rk->clk, now - last) / 1e9);
			p += COLL_REC;
		}
	fp_put_u32(b, (uint32_t)((size_t)(p - b - 4) / COLL_REC));
	*len = (size_t)(p - b);
	return b;
}

/* every report into ends[2 f + end]; -EBADMSG for one cut short, naming a flow not its
 * rank's end, or out of range */
static int read_ends(const struct fp_sched *s, const struct fp_rv_blobs *all, struct end *ends)
{
	for (uint32_t k = 0; k < all->n; k++) {
		const uint8_t *q = all->data + all->off[k];
		uint32_t c = all->len[k] >= 4 ? fp_get_u32(q) : 0;

		if (all->len[k] < 4 || (all->len[k] - 4) % COLL_REC ||
		    (all->len[k] - 4) / COLL_REC != c)
			return -EBADMSG;
		for (q += 4; c--; q += COLL_REC) {
			uint32_t f = fp_get_u32(q);
			struct end *x;

			if (f >= s->nflows || q[4] > 1 || q[5] > 1 || q[6] > 1 ||
			    (q[4] ? s->flows[f].dst : s->flows[f].src) != (int)k)
				return -EBADMSG;
			x = &ends[f * 2 + q[4]];
			if (x->seen)
				return -EBADMSG; /* one word per end */
			x->seen = 1;
			x->wait = q[5];
			x->dead = q[6];
			x->msgs = fp_get_u64(q + 7);
			x->bytes = fp_get_u64(q + 15);
			x->after = fp_get_f64(q + 23);
			x->ago = fp_get_f64(q + 31);
			if (!(x->after >= 0 && x->after < 1e9) || !(x->ago >= 0 && x->ago < 1e9))
				return -EBADMSG;
		}
	}
	return 0;
}

/* flow f stalled: its destination waits on it, and its data was sent, could not be, or
 * its connection broke */
static bool stalled(const struct end *src, const struct end *dst)
{
	if (!dst->seen || !dst->wait)
		return false;
	return src->dead || dst->dead || (src->seen && (src->msgs > dst->msgs || src->wait));
}

static void keep(struct fp_failed_flow *x, const struct end *src, const struct end *dst,
		 uint64_t size, double timeout_s)
{
	double after = fmax(src->seen ? src->after : 0, dst->after);
	double ago = fmin(src->seen ? src->ago : dst->ago, dst->ago);
	struct timespec ts;
	time_t t;
	struct tm tm;

	x->stalled = true;
	x->dead = src->dead || dst->dead;
	x->size = size;
	x->bytes = dst->bytes;
	x->after_s = after;
	clock_gettime(CLOCK_REALTIME, &ts);
	t = (time_t)floor((double)ts.tv_sec + ts.tv_nsec / 1e9 - ago);
	gmtime_r(&t, &tm);
	strftime(x->at, sizeof(x->at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (x->dead)
		snprintf(x->error, sizeof(x->error),
			 "its connection broke mid-collective (the error is on its rank's stderr)");
	else if (src->msgs > dst->msgs)
		snprintf(x->error, sizeof(x->error),
			 "stalled: %llu message%s sent never arrived in %.3g s (a collective)",
			 (unsigned long long)(src->msgs - dst->msgs),
			 src->msgs - dst->msgs > 1 ? "s" : "", timeout_s);
	else
		snprintf(x->error, sizeof(x->error),
			 "stalled: its source could not send for %.3g s (a collective)", timeout_s);
}

int fp_run_coll_stall_parse(const struct fp_sched *s, struct fp_run_data *d,
			    const struct fp_rv_blobs *all, uint64_t size, uint32_t r,
			    double timeout_s, unsigned *n, uint32_t *first)
{
	struct end *ends = calloc((size_t)s->nflows * 2 + 2, sizeof(*ends));
	uint32_t *slot = calloc(s->nflows + 1, sizeof(*slot));
	int ret = ends && slot ? read_ends(s, all, ends) : -ENOMEM;

	for (uint32_t f = 0; !ret && f < s->nflows; f++) {
		struct fp_failed_flow *x;

		if (!stalled(&ends[f * 2], &ends[f * 2 + 1]))
			continue;
		if (!*n)
			*first = f;
		++*n;
		if (!d)
			continue;
		if (!(x = fp_run_add_failed(d, &s->flows[f], slot))) {
			ret = -ENOMEM;
			break;
		}
		keep(x, &ends[f * 2], &ends[f * 2 + 1], size, timeout_s);
		x->round = r;
	}
	free(ends);
	free(slot);
	return ret;
}

/* every rank's head: whether its loop stalled, and its time (the slowest to *slowest);
 * -EBADMSG for one cut short or out of range */
static int heads(const struct fp_rv_blobs *all, bool *stalled, double *slowest)
{
	for (uint32_t k = 0; k < all->n; k++) {
		const uint8_t *q = all->data + all->off[k];

		if (all->len[k] != 9 || q[0] > 1)
			return -EBADMSG;
		*stalled |= q[0];
		if ((double)fp_get_u64(q + 1) > *slowest)
			*slowest = (double)fp_get_u64(q + 1);
	}
	return 0;
}

/* after a stall, every rank's report: the flows that stalled (*n, the first) */
static int reports(struct rank *rk, const struct fp_coll_trace *t, uint64_t size, uint32_t r,
		   double stall_s, unsigned *n, uint32_t *first)
{
	struct fp_rv_blobs all = { 0 };
	size_t len;
	uint8_t *mine = report(rk, t, &len);
	int ret;

	if (!mine)
		return -ENOMEM;
	ret = fp_rv_allgather(rk->rv, "collective stall report", mine, len, &all, rk->err, ERR_LEN);
	free(mine);
	if (!ret)
		ret = fp_run_coll_stall_parse(&rk->sched, rk->data, &all, size, r, stall_s, n,
					      first);
	fp_rv_blobs_free(&all);
	return ret;
}

int fp_run_coll_meet(struct rank *rk, const struct fp_coll_trace *t, int ret, uint64_t size,
		     uint32_t r, const char *what, uint64_t ns, double *slowest)
{
	struct fp_rv_blobs all = { 0 };
	double stall_s = fp_clock_ns(&rk->clk, rk->stall_ticks) / 1e9, top = 0;
	uint32_t first = 0;
	unsigned n = 0;
	bool stalled = false;
	uint8_t head[9];

	if (ret && (ret != -ETIMEDOUT || rk->fail_flow != UINT32_MAX || !rk->stall_ticks))
		return ret; /* a failure of its own, or an engine that fails as a whole */
	/* heads first, nine bytes a rank: the reports (about 80 bytes a flow end) go round only
	 * when some loop stalled, so a run of many ranks pays for them only then */
	head[0] = ret != 0;
	fp_put_u64(head + 1, ns);
	ret = fp_rv_allgather(rk->rv, what, head, sizeof(head), &all, rk->err, ERR_LEN);
	if (!ret)
		ret = heads(&all, &stalled, &top);
	fp_rv_blobs_free(&all);
	if (!ret && stalled)
		ret = reports(rk, t, size, r, stall_s, &n, &first);
	if (ret == -EBADMSG)
		fp_say(rk->err, ERR_LEN, "%s: a rank sent a malformed end of its collectives",
		       what);
	if (ret)
		return ret;
	if (!stalled) {
		if (slowest && top > *slowest)
			*slowest = top;
		return 0;
	}
	if (!n) { /* ranks waited, none on data sent: the timeout, as before */
		fp_say(rk->err, ERR_LEN, "rank %d: %s: no progress for %.3g s", rk->rank, what,
		       stall_s);
		return -ETIMEDOUT;
	}
	rk->stall_ended = true;
	rk->fail_ret = 0; /* said here, not blamed on a rank that died */
	fp_say(rk->err, ERR_LEN,
	       "%u flow%s stalled in %s: data sent on %s never arrived or could not be sent "
	       "for %.3g s (half of --timeout; in failed_flows of run.json); first: flow %u "
	       "(rank %d to %d)",
	       n, n > 1 ? "s" : "", what, n > 1 ? "them" : "it", stall_s, first,
	       rk->sched.flows[first].src, rk->sched.flows[first].dst);
	return -ETIMEDOUT;
}
