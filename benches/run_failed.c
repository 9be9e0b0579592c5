// SPDX-License-Identifier: MIT
/*
 * A failed connect is evidence (issue 18). An engine that fails flow by flow (conn_error)
 * connects what it can; then every rank tells all the others which of its flows could not
 * connect and why, so that every rank fails the run together and rank 0 writes those flows
 * into run.json (failed_flows: rate 0, the error) for the analyzer to localise the link
 * that explains them. Engines that fail as a whole keep the old path (abort at once).
 *
 * A rank's report: u32 status (0: connected what it could; else the rank failed as a
 * whole and its text follows as one entry for flow UINT32_MAX), u32 count, then count
 * entries of u32 flow, u8 length, that many bytes of text.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/json.h"
#include "../core/units.h"
#include "../core/wire.h"
#include "run_priv.h"

#define WHY_MAX 95

static size_t put_entry(uint8_t *b, uint32_t flow, const char *why)
{
	size_t l = strnlen(why, WHY_MAX);

	fp_put_u32(b, flow);
	b[4] = (uint8_t)l;
	memcpy(b + 5, why, l);
	return 5 + l;
}

/*
 * this rank's report, or NULL on no memory: sized to its failures as they are found (the
 * header alone when it connected everything), never to every flow of the schedule
 */
static uint8_t *report(struct rank *rk, int ret, size_t *len)
{
	const struct fp_sched *s = &rk->sched;
	size_t o = 8, cap = ret ? 8 + 5 + WHY_MAX : 8;
	uint8_t *b = malloc(cap);
	uint32_t n = 0, whole = 0;
	char why[WHY_MAX + 1];

	if (!b)
		return NULL;
	for (uint32_t i = 0; ret && i < s->nflows; i++) {
		int e;

		if (!rk->conns[i])
			continue;
		e = rk->ops.conn_error(rk->conns[i], why, sizeof(why));
		if (e == -EOPNOTSUPP) {
			whole = 1;
			break;
		}
		if (e) {
			if (cap - o < 5 + WHY_MAX) {
				uint8_t *q = realloc(b, cap * 2);

				if (!q) {
					free(b);
					return NULL;
				}
				b = q;
				cap *= 2;
			}
			o += put_entry(b + o, i, why);
			n++;
		}
	}
	if (ret && (whole || !n)) { /* failed, but not flow by flow */
		o = 8 + put_entry(b + 8, UINT32_MAX, rk->err[0] ? rk->err : strerror(-ret));
		n = 1;
		whole = 1;
	}
	fp_put_u32(b, whole);
	fp_put_u32(b + 4, n);
	*len = o;
	return b;
}

/*
 * A new entry of d->failed for flow fl, zeroed (a connect failure has no stall fields), its
 * place plus one in slot[fl->id]; NULL on no memory. The list grows with the failures, not
 * with the schedule, and doubles: a run that loses thousands of flows copies it rarely.
 */
struct fp_failed_flow *fp_run_add_failed(struct fp_run_data *d, const struct fp_flow *fl,
					 uint32_t *slot)
{
	struct fp_failed_flow *x;

	if (d->nfailed == d->failed_cap) {
		unsigned c = d->failed_cap ? d->failed_cap * 2 : 64;
		void *q = realloc(d->failed, sizeof(*x) * c);

		if (!q)
			return NULL;
		d->failed = q;
		d->failed_cap = c;
	}
	x = &d->failed[d->nfailed];
	memset(x, 0, sizeof(*x));
	x->flow = fl->id;
	x->src = fl->src;
	x->dst = fl->dst;
	slot[fl->id] = ++d->nfailed;
	return x;
}

/*
 * rank 0 keeps flow f's failure, the source's word over the destination's. slot[f] is its
 * place in d->failed plus one (0: not kept yet), so a report of many failures costs one
 * step each, not a scan: the other ranks wait on rank 0 in fp_run_gather_idents. 0 or
 * -ENOMEM.
 */
static int keep(struct fp_run_data *d, const struct fp_sched *s, uint32_t *slot, int from,
		uint32_t f, const uint8_t *why, unsigned wl)
{
	struct fp_failed_flow *x;

	if (slot[f] && from != s->flows[f].src)
		return 0;
	if (!slot[f] && !fp_run_add_failed(d, &s->flows[f], slot))
		return -ENOMEM;
	x = &d->failed[slot[f] - 1];
	memcpy(x->error, why, wl);
	x->error[wl] = 0;
	return 0;
}

/*
 * every report: the flows that failed (rank 0 keeps them), a rank that failed as a whole.
 * slot[f]: nonzero once flow f was told (on rank 0, its place in d->failed plus one).
 */
static int tally(struct rank *rk, const struct fp_rv_blobs *all, uint32_t *slot, unsigned *nflows,
		 int *whole, char *first, size_t fl)
{
	const struct fp_sched *s = &rk->sched;

	for (uint32_t r = 0; r < all->n; r++) {
		const uint8_t *b = all->data + all->off[r], *end = b + all->len[r];
		uint32_t n, st;

		if (all->len[r] < 8)
			continue;
		st = fp_get_u32(b);
		n = fp_get_u32(b + 4);
		b += 8;
		for (uint32_t k = 0; k < n && b + 5 <= end && b + 5 + b[4] <= end; k++) {
			uint32_t f = fp_get_u32(b);
			unsigned wl = b[4] > WHY_MAX ? WHY_MAX : b[4];
			char why[WHY_MAX + 1];

			memcpy(why, b + 5, wl);
			why[wl] = 0;
			for (unsigned c = 0; c < wl; c++) /* a peer's text: printable only */
				if ((unsigned char)why[c] < 32 || (unsigned char)why[c] > 126)
					why[c] = '?';
			b += 5 + b[4];
			if (st && *whole < 0) {
				*whole = (int)r;
				snprintf(first, fl, "rank %u: %s", r, why);
			}
			if (st || f >= s->nflows ||
			    (s->flows[f].src != (int)r && s->flows[f].dst != (int)r))
				continue;
			if (!*nflows && *whole < 0)
				snprintf(first, fl, "flow %u (rank %d to %d): %s", f,
					 s->flows[f].src, s->flows[f].dst, why);
			*nflows += !slot[f]; /* told by its source and its destination */
			if (!rk->data)
				slot[f] = 1;
			else if (keep(rk->data, s, slot, (int)r, f, (const uint8_t *)why, wl))
				return -ENOMEM;
		}
	}
	return 0;
}

int fp_run_connect_report(struct rank *rk, int ret)
{
	struct fp_rv_blobs all = { 0 };
	char first[ERR_LEN / 2] = "";
	unsigned nflows = 0;
	int whole = -1, r;
	size_t len;
	uint8_t *mine;
	uint32_t *slot;

	if (!(rk->ops.flags & FP_ENG_FLOW_FAIL) || !rk->rv)
		return ret;
	mine = report(rk, ret, &len);
	if (!mine)
		return -ENOMEM;
	r = fp_rv_allgather(rk->rv, "connect report", mine, len, &all, rk->err, ERR_LEN);
	free(mine);
	if (r)
		return r;
	slot = calloc(rk->sched.nflows + 1, sizeof(*slot));
	r = slot ? tally(rk, &all, slot, &nflows, &whole, first, sizeof(first)) : -ENOMEM;
	free(slot);
	fp_rv_blobs_free(&all);
	if (r)
		return r;
	if (whole < 0 && nflows) {
		char keep_err[ERR_LEN];

		/* the flows that did connect can still be traced: their identities too */
		snprintf(keep_err, sizeof(keep_err), "%s", rk->err);
		if (fp_run_gather_idents(rk))
			whole = 0;
		snprintf(rk->err, ERR_LEN, "%s", keep_err);
	}
	if (whole >= 0 || nflows) {
		if (whole >= 0 && !nflows)
			fp_say(rk->err, ERR_LEN, "connect failed: %s", first);
		else
			fp_say(rk->err, ERR_LEN,
			       "%u flow%s could not connect (in failed_flows of run.json); "
			       "first: %s",
			       nflows, nflows > 1 ? "s" : "", first);
		return ret ? ret : -EHOSTUNREACH;
	}
	return 0;
}

/*
 * A flow that stalls mid-run (a link that blackholes after the connections are up) is the
 * same evidence: after each bandwidth phase every rank tells the others which of its flows
 * made no progress for stall_ticks (run_loops.c). A rank's stall report: u32 count, then
 * count entries of u32 flow, u64 bytes it moved in the phase, f64 seconds from the phase's
 * start to its last progress, f64 seconds since that progress, u8 1 when its engine said its
 * connection broke (FP_ECONN_DEAD) rather than the clock that it stalled.
 */
#define STALL_REC 29

static uint8_t *stall_report(const struct rank *rk, bool lat, uint64_t size, uint64_t t0,
			     size_t *len)
{
	uint8_t *b = malloc(4 + (size_t)rk->nlf * STALL_REC), *p;
	uint64_t now = fp_mono_ns();

	if (!b)
		return NULL;
	p = b + 4;
	for (unsigned i = 0; i < rk->nlf; i++) {
		const struct lflow *f = &rk->lf[i];

		if (!f->stalled)
			continue;
		fp_put_u32(p, f->flow);
		/* a latency flow's round trips: the bytes it sent each way */
		fp_put_u64(p + 4, (f->src && !lat ? f->acked : f->n) * size);
		/* a flow that stalled in the warm-up stalled at the start */
		fp_put_f64(p + 12,
			   f->last_prog > t0 ? fp_clock_ns(&rk->clk, f->last_prog - t0) / 1e9 : 0);
		fp_put_f64(p + 20, now > f->stall_mono ? (double)(now - f->stall_mono) / 1e9 : 0);
		p[28] = f->dead;
		p += STALL_REC;
	}
	fp_put_u32(b, (uint32_t)((size_t)(p - b - 4) / STALL_REC));
	*len = (size_t)(p - b);
	return b;
}

/* rank 0: flow f stalled (slot[f]: its place in d->failed plus one); both ends' word kept */
static int keep_stall(struct fp_run_data *d, uint32_t *slot, const struct fp_flow *fl,
		      const uint8_t *q, double ago)
{
	struct fp_failed_flow *x;
	uint64_t bytes = fp_get_u64(q + 4);
	double after = fp_get_f64(q + 12);
	struct timespec ts;
	time_t t;
	struct tm tm;

	if (!(after >= 0 && after < 1e9) || !(ago >= 0 && ago < 1e9) || q[28] > 1)
		return -EBADMSG;
	if (!slot[fl->id]) {
		if (!(x = fp_run_add_failed(d, fl, slot)))
			return -ENOMEM;
		x->stalled = true;
		x->after_s = -1;
	}
	x = &d->failed[slot[fl->id] - 1];
	x->dead |= q[28];
	if (bytes > x->bytes)
		x->bytes = bytes;
	if (after > x->after_s) { /* the later end's last progress: the source's last ack */
		x->after_s = after;
		clock_gettime(CLOCK_REALTIME, &ts);
		t = (time_t)floor((double)ts.tv_sec + ts.tv_nsec / 1e9 - ago);
		gmtime_r(&t, &tm);
		strftime(x->at, sizeof(x->at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	return 0;
}

int fp_run_stall_parse(const struct fp_sched *s, struct fp_run_data *d,
		       const struct fp_rv_blobs *all, uint64_t size, uint32_t r, unsigned *n,
		       uint32_t *first)
{
	uint32_t *slot = calloc(s->nflows + 1, sizeof(*slot));
	int ret = slot ? 0 : -ENOMEM;

	for (uint32_t k = 0; k < all->n && !ret; k++) {
		const uint8_t *q = all->data + all->off[k];
		uint32_t c = all->len[k] >= 4 ? fp_get_u32(q) : 0;

		if (all->len[k] < 4 || (all->len[k] - 4) / STALL_REC != c ||
		    (all->len[k] - 4) % STALL_REC) {
			ret = -EBADMSG;
			break;
		}
		for (q += 4; c-- && !ret; q += STALL_REC) {
			uint32_t f = fp_get_u32(q);
			const struct fp_flow *fl = &s->flows[f < s->nflows ? f : 0];

			if (f >= s->nflows || (fl->src != (int)k && fl->dst != (int)k)) {
				ret = -EBADMSG;
				break;
			}
			if (!*n || f < *first)
				*first = f;
			*n += !slot[f];
			if (!d)
				slot[f] = 1;
			else
				ret = keep_stall(d, slot, fl, q, fp_get_f64(q + 20));
			if (!ret && d) {
				d->failed[slot[f] - 1].size = size;
				d->failed[slot[f] - 1].round = r;
			}
		}
	}
	free(slot);
	return ret;
}

int fp_run_stall_report(struct rank *rk, bool lat, uint64_t size, uint32_t r, uint64_t t0)
{
	struct fp_rv_blobs all = { 0 };
	struct fp_size_res *sr = NULL; /* rank 0: the size cut short, which keeps the rest */
	double stall_s = fp_clock_ns(&rk->clk, rk->stall_ticks) / 1e9;
	uint32_t first = 0;
	unsigned n = 0;
	size_t len;
	uint8_t *mine;
	char sz[16];
	int ret;

	if (!rk->stall_ticks)
		return 0;
	mine = stall_report(rk, lat, size, t0, &len);
	if (!mine)
		return -ENOMEM;
	ret = fp_rv_allgather(rk->rv, "stall report", mine, len, &all, rk->err, ERR_LEN);
	free(mine);
	if (!ret)
		ret = fp_run_stall_parse(&rk->sched, rk->data, &all, size, r, &n, &first);
	fp_rv_blobs_free(&all);
	if (ret == -EBADMSG)
		fp_say(rk->err, ERR_LEN, "stall report: a rank sent a malformed one");
	if (ret || !n)
		return ret;
	rk->stall_ended = true;
	for (unsigned i = 0; rk->data && i < rk->data->nres; i++)
		if (rk->data->res[i].size == size && !rk->data->res[i].done)
			sr = &rk->data->res[i];
	for (unsigned k = 0; rk->data && k < rk->data->nfailed; k++) {
		const struct fp_failed_flow *x = &rk->data->failed[k];

		if (!x->stalled)
			continue;
		if (x->dead)
			snprintf(rk->data->failed[k].error, sizeof(rk->data->failed[k].error),
				 "its connection broke mid-run (%s: the error is on its rank's "
				 "stderr)",
				 rk->ops.name);
		else
			snprintf(rk->data->failed[k].error, sizeof(rk->data->failed[k].error),
				 "stalled: no progress for %.3g s", stall_s);
		/* a stalled flow is in failed_flows; the size's results keep the others' */
		for (uint32_t e = rk->sched.rstart[r];
		     sr && x->round == r && x->size == size && e < rk->sched.rstart[r + 1]; e++)
			if (rk->sched.rflows[e] == x->flow)
				memset(&sr->fr[e], 0, sizeof(sr->fr[e]));
	}
	fp_size_label(size, sz, sizeof(sz));
	fp_say(rk->err, ERR_LEN,
	       "%u flow%s stalled in %s %s round %u/%u: no progress for %.3g s (half "
	       "of --timeout; in failed_flows of run.json); first: flow %u (rank %d to %d)",
	       n, n > 1 ? "s" : "", lat ? "latency" : "bandwidth", sz, r + 1, rk->sched.nrounds,
	       stall_s, first, rk->sched.flows[first].src, rk->sched.flows[first].dst);
	return -ETIMEDOUT;
}

void fp_results_json_failed(struct fp_json *j, const struct fp_run_data *d)
{
	if (!d->nfailed)
		return;
	fp_json_arr(j, "failed_flows");
	for (unsigned k = 0; k < d->nfailed; k++) {
		const struct fp_failed_flow *x = &d->failed[k];

		fp_json_obj(j, NULL);
		fp_json_u64(j, "flow", d->failed[k].flow);
		fp_json_i64(j, "src", d->failed[k].src);
		fp_json_i64(j, "dst", d->failed[k].dst);
		fp_json_num(j, "avg_Gbps", 0);
		fp_json_str(j, "error", d->failed[k].error);
		if (x->stalled) {
			fp_json_bool(j, "stalled", true);
			fp_json_u64(j, "size", x->size);
			fp_json_u64(j, "round", x->round);
			fp_json_u64(j, "bytes", x->bytes);
			fp_json_num(j, "stalled_after_s", x->after_s);
			fp_json_num(j, "Gbps_until_stall",
				    x->after_s > 0 ? (double)x->bytes * 8 / x->after_s / 1e9 : 0);
			fp_json_str(j, "stalled_at", x->at);
		}
		fp_json_end(j);
	}
	fp_json_end(j);
}
