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

/* this rank's report, or NULL on no memory */
static uint8_t *report(struct rank *rk, int ret, size_t *len)
{
	const struct fp_sched *s = &rk->sched;
	uint8_t *b = malloc(8 + (size_t)(s->nflows + 1) * (5 + WHY_MAX));
	uint32_t n = 0, whole = 0;
	size_t o = 8;
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

/* rank 0 keeps flow f's failure, the source's word over the destination's */
static void keep(struct fp_run_data *d, const struct fp_sched *s, int from, uint32_t f,
		 const uint8_t *why, unsigned wl)
{
	struct fp_failed_flow *x = NULL;

	for (unsigned k = 0; k < d->nfailed && !x; k++)
		if (d->failed[k].flow == f)
			x = &d->failed[k];
	if (x && from != s->flows[f].src)
		return;
	if (!x)
		x = &d->failed[d->nfailed++];
	x->flow = f;
	x->src = s->flows[f].src;
	x->dst = s->flows[f].dst;
	memcpy(x->error, why, wl);
	x->error[wl] = 0;
}

/* every report: the flows that failed (rank 0 keeps them), a rank that failed as a whole */
static void tally(struct rank *rk, const struct fp_rv_blobs *all, unsigned char *seen,
		  unsigned *nflows, int *whole, char *first, size_t fl)
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
			*nflows += !seen[f]; /* told by its source and its destination */
			seen[f] = 1;
			if (rk->data && rk->data->failed)
				keep(rk->data, s, (int)r, f, (const uint8_t *)why, wl);
		}
	}
}

int fp_run_connect_report(struct rank *rk, int ret)
{
	struct fp_rv_blobs all = { 0 };
	char first[ERR_LEN / 2] = "";
	unsigned nflows = 0;
	int whole = -1, r;
	size_t len;
	uint8_t *mine, *seen;

	if (!(rk->ops.flags & FP_ENG_FLOW_FAIL) || !rk->rv)
		return ret;
	if (rk->data && !rk->data->failed &&
	    !(rk->data->failed = calloc(rk->sched.nflows + 1, sizeof(*rk->data->failed))))
		return -ENOMEM;
	mine = report(rk, ret, &len);
	if (!mine)
		return -ENOMEM;
	r = fp_rv_allgather(rk->rv, "connect report", mine, len, &all, rk->err, ERR_LEN);
	free(mine);
	if (r)
		return r;
	seen = calloc(rk->sched.nflows + 1, 1);
	if (seen)
		tally(rk, &all, seen, &nflows, &whole, first, sizeof(first));
	free(seen);
	fp_rv_blobs_free(&all);
	if (!seen)
		return -ENOMEM;
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
