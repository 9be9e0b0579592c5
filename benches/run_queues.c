// SPDX-License-Identifier: MIT
/*
 * Per-queue counts of a bandwidth phase, gathered on rank 0 (run_queues.h). The engine says,
 * per flow, the transmit queue its source used and, at its destination, how many of the
 * frames rx() returned came on each receive queue; the receive counts are those the runner
 * counted (rx_msgs), so a rank's queues sum exactly to its flows' totals.
 *
 * A record per local flow, little-endian:
 *  0 flow u32  4 entry u32  8 role u8 (1: receive)  9 nq u8  10 txq u8  11 pad u8
 * 12 receive records only: nq x u64, frames per receive queue.
 * First, when the rank has flows, one record of who polled its queues (role 2, flow and
 * entry 0, txq 0): per queue, lcore u16, ncpu u8 (<= FP_QS_MAXCPU), ncpu x cpu u16.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/wire.h"
#include "run_queues.h"

#define QREC_HEAD 12

#define QREC_LCORES (QREC_HEAD + FP_PKT_MAXQ * (3 + 2 * FP_QS_MAXCPU))

/* The rank's lcores, from its first flow's word (the same for every flow) */
static size_t pack_lcores(struct rank *rk, uint8_t *p)
{
	struct fp_queue_stats qs;
	size_t o = QREC_HEAD;

	memset(&qs, 0, sizeof(qs));
	for (unsigned q = 0; q < FP_PKT_MAXQ; q++)
		qs.lcore[q] = -1;
	if (!rk->nlf || rk->ops.queue_stats(rk->lf[0].c, &qs) || !qs.nq || qs.nq > FP_PKT_MAXQ)
		return 0;
	for (unsigned q = 0; q < qs.nq; q++)
		if (qs.lcore[q] < 0 || qs.lcore[q] >= 0xffff || qs.ncpu[q] > FP_QS_MAXCPU)
			return 0; /* the engine did not say */
	memset(p, 0, QREC_HEAD);
	p[8] = 2;
	p[9] = (uint8_t)qs.nq;
	for (unsigned q = 0; q < qs.nq; q++) {
		fp_put_u16(p + o, (uint16_t)qs.lcore[q]);
		p[o + 2] = (uint8_t)qs.ncpu[q];
		o += 3;
		for (unsigned k = 0; k < qs.ncpu[q]; k++, o += 2)
			fp_put_u16(p + o, qs.cpu[q][k]);
	}
	return o;
}

static size_t pack(struct rank *rk, uint8_t *buf)
{
	size_t o = pack_lcores(rk, buf);

	for (unsigned i = 0; i < rk->nlf; i++) {
		const struct lflow *f = &rk->lf[i];
		struct fp_queue_stats qs = { 0 };
		uint8_t *p = buf + o;

		/* the engine's word is checked like a peer's: rank 0 refuses what is off */
		if (rk->ops.queue_stats(f->c, &qs) || !qs.nq || qs.nq > FP_PKT_MAXQ)
			qs.nq = 0;
		fp_put_u32(p, f->flow);
		fp_put_u32(p + 4, f->entry);
		p[8] = !f->src;
		p[9] = (uint8_t)qs.nq;
		p[10] = (uint8_t)(qs.txq < 256 ? qs.txq : 255);
		p[11] = 0;
		o += QREC_HEAD;
		for (unsigned q = 0; !f->src && q < qs.nq; q++, o += 8)
			fp_put_u64(buf + o, qs.rx[q]);
	}
	return o;
}

/* the run's arrays, made when the first records come (nq from them; every rank's the same) */
static int make(struct fp_run_data *d, unsigned nq)
{
	struct fp_run_queues *qd = d->queues;
	size_t ne = d->sched->nentries, n = (size_t)d->nres * ne;

	if (qd)
		return qd->nq == nq ? 0 : -EBADMSG;
	qd = calloc(1, sizeof(*qd));
	if (!qd)
		return -ENOMEM;
	qd->nq = nq;
	qd->txq = malloc(n ? n : 1);
	qd->rx = calloc(n ? n * nq : 1, sizeof(*qd->rx));
	qd->lc = calloc((size_t)(d->sched->n > 0 ? d->sched->n : 1) * nq, sizeof(*qd->lc));
	if (!qd->txq || !qd->rx || !qd->lc) {
		fp_run_queues_free(qd);
		return -ENOMEM;
	}
	memset(qd->txq, 0xff, n);
	for (size_t i = 0; i < (size_t)(d->sched->n > 0 ? d->sched->n : 1) * nq; i++)
		qd->lc[i].lcore = -1;
	d->queues = qd;
	return 0;
}

/* A rank's lcore record (after its head): how long it is, or -EBADMSG. */
static int parse_lcores(struct fp_run_data *d, uint32_t r, unsigned nq, const uint8_t *p,
			size_t len, size_t *used)
{
	struct fp_queue_lcore lc[FP_PKT_MAXQ];
	size_t o = 0;
	int ret;

	if (r >= (uint32_t)d->sched->n)
		return -EBADMSG;
	for (unsigned q = 0; q < nq; q++) {
		if (len - o < 3 || p[o + 2] > FP_QS_MAXCPU || len - o - 3 < 2 * (size_t)p[o + 2])
			return -EBADMSG;
		lc[q].lcore = fp_get_u16(p + o);
		lc[q].ncpu = p[o + 2];
		o += 3;
		for (unsigned k = 0; k < lc[q].ncpu; k++, o += 2)
			lc[q].cpu[k] = fp_get_u16(p + o);
		if (lc[q].lcore == 0xffff)
			return -EBADMSG;
	}
	ret = make(d, nq);
	if (ret)
		return ret;
	memcpy(d->queues->lc + (size_t)r * nq, lc, nq * sizeof(*lc));
	*used = o;
	return 0;
}

int fp_run_queues_parse(struct fp_run_data *d, struct fp_size_res *sr, uint32_t r, const uint8_t *p,
			size_t len)
{
	const struct fp_sched *s = d->sched;
	const uint8_t *end = p + len;
	size_t si = (size_t)(sr - d->res);

	while (p < end) {
		uint32_t flow, entry;
		unsigned nq;
		uint64_t sum = 0;
		bool rx;
		int ret;

		if ((size_t)(end - p) < QREC_HEAD)
			return -EBADMSG;
		flow = fp_get_u32(p);
		entry = fp_get_u32(p + 4);
		rx = p[8];
		nq = p[9];
		if (p[8] == 2) {
			size_t used = 0;

			if (flow || entry || p[10] || p[11] || !nq || nq > FP_PKT_MAXQ)
				return -EBADMSG;
			ret = parse_lcores(d, r, nq, p + QREC_HEAD, (size_t)(end - p) - QREC_HEAD,
					   &used);
			if (ret)
				return ret;
			p += QREC_HEAD + used;
			continue;
		}
		if (p[8] > 1 || !nq || nq > FP_PKT_MAXQ || p[10] >= nq || entry >= s->nentries ||
		    s->rflows[entry] != flow ||
		    (rx ? s->flows[flow].dst : s->flows[flow].src) != (int)r ||
		    (rx && (size_t)(end - p) < QREC_HEAD + 8 * (size_t)nq))
			return -EBADMSG;
		ret = make(d, nq);
		if (ret)
			return ret;
		if (!rx) {
			d->queues->txq[si * s->nentries + entry] = p[10];
			p += QREC_HEAD;
			continue;
		}
		uint64_t *q = d->queues->rx + (si * s->nentries + entry) * nq;

		for (unsigned k = 0; k < nq; k++) {
			q[k] = fp_get_u64(p + QREC_HEAD + 8 * k);
			if (q[k] > UINT64_MAX - sum)
				return -EBADMSG;
			sum += q[k];
		}
		/* the frames by queue are the frames the flow's record counted */
		if (!sr->fr[entry].have_rx || sum != sr->fr[entry].rx_msgs)
			return -EBADMSG;
		p += QREC_HEAD + 8 * (size_t)nq;
	}
	return 0;
}

int fp_run_queues_gather(struct rank *rk, struct fp_size_res *sr, const char *what)
{
	struct fp_rv_blobs all = { 0 };
	uint8_t *buf;
	char label[160];
	int ret = 0;

	if (!(fp_engine_flags(&rk->ops, rk->cfg->engine_cfg) & FP_ENG_QUEUES))
		return 0;
	buf = malloc((size_t)(rk->nlf ? rk->nlf : 1) * (QREC_HEAD + 8 * FP_PKT_MAXQ) + QREC_LCORES);
	if (!buf) {
		fp_say(rk->err, ERR_LEN, "%s: out of memory for the queue counts", what);
		return -ENOMEM;
	}
	snprintf(label, sizeof(label), "%s, queues", what);
	ret = fp_rv_gather(rk->rv, label, buf, pack(rk, buf), &all, rk->err, ERR_LEN);
	free(buf);
	for (uint32_t r = 0; !ret && rk->data && r < all.n; r++) {
		ret = fp_run_queues_parse(rk->data, sr, r, all.data + all.off[r], all.len[r]);
		if (ret == -EBADMSG)
			fp_say(rk->err, ERR_LEN, "%s: rank %u sent malformed queue counts", what,
			       r);
		else if (ret)
			fp_say(rk->err, ERR_LEN, "%s: out of memory for the queue counts", what);
	}
	fp_rv_blobs_free(&all);
	return ret;
}
