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
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
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
 * rank 0 keeps flow f's failure, the source's word over the destination's. slot[f] is its
 * place in d->failed plus one (0: not kept yet), so a report of many failures costs one
 * step each, not a scan: the other ranks wait on rank 0 in fp_run_gather_idents. d->failed
 * grows with the failures (cap entries), not with the schedule. 0 or -ENOMEM.
 */
static int keep(struct fp_run_data *d, const struct fp_sched *s, uint32_t *slot, unsigned *cap,
		int from, uint32_t f, const uint8_t *why, unsigned wl)
{
	struct fp_failed_flow *x;

	if (slot[f] && from != s->flows[f].src)
		return 0;
	if (!slot[f]) {
		if (d->nfailed == *cap) {
			size_t c = *cap ? (size_t)*cap * 2 : 64;
			void *q;

			if (c > s->nflows) /* f < nflows, so there is still room for it */
				c = s->nflows;
			q = realloc(d->failed, sizeof(*x) * c);
			if (!q)
				return -ENOMEM;
			d->failed = q;
			*cap = (unsigned)c;
		}
		slot[f] = ++d->nfailed;
	}
	x = &d->failed[slot[f] - 1];
	x->flow = f;
	x->src = s->flows[f].src;
	x->dst = s->flows[f].dst;
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
	unsigned cap = 0;

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
			else if (keep(rk->data, s, slot, &cap, (int)r, f, (const uint8_t *)why, wl))
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

void fp_results_json_failed(struct fp_json *j, const struct fp_run_data *d)
{
	if (!d->nfailed)
		return;
	fp_json_arr(j, "failed_flows");
	for (unsigned k = 0; k < d->nfailed; k++) {
		fp_json_obj(j, NULL);
		fp_json_u64(j, "flow", d->failed[k].flow);
		fp_json_i64(j, "src", d->failed[k].src);
		fp_json_i64(j, "dst", d->failed[k].dst);
		fp_json_num(j, "avg_Gbps", 0);
		fp_json_str(j, "error", d->failed[k].error);
		fp_json_end(j);
	}
	fp_json_end(j);
}
