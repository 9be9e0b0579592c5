// SPDX-License-Identifier: MIT
#include "qptab.h"

#include <errno.h>
#include <string.h>

#include "../../../core/wire.h"

void fp_qp_rec_put(uint8_t *p, const struct fp_qp_rec *r)
{
	fp_put_u32(p, r->flow);
	fp_put_u32(p + 4, r->qpn);
	fp_put_u32(p + 8, r->psn);
	fp_put_u16(p + 12, r->lid);
	memcpy(p + 14, r->gid, 16);
	fp_put_u32(p + 30, r->rkey);
	fp_put_u64(p + 34, r->addr);
	fp_put_u32(p + 42, r->slots);
	fp_put_u32(p + 46, r->stride);
	fp_put_u16(p + 50, r->cm_port);
}

static void get(const uint8_t *p, struct fp_qp_rec *r)
{
	r->flow = fp_get_u32(p);
	r->qpn = fp_get_u32(p + 4);
	r->psn = fp_get_u32(p + 8);
	r->lid = fp_get_u16(p + 12);
	memcpy(r->gid, p + 14, 16);
	r->rkey = fp_get_u32(p + 30);
	r->addr = fp_get_u64(p + 34);
	r->slots = fp_get_u32(p + 42);
	r->stride = fp_get_u32(p + 46);
	r->cm_port = fp_get_u16(p + 50);
}

int fp_qp_table_find(const uint8_t *tab, size_t len, uint32_t flow, struct fp_qp_rec *out)
{
	uint32_t n, lo = 0, hi;

	if (len < 4)
		return -EBADMSG;
	n = fp_get_u32(tab);
	if ((len - 4) / FP_QP_REC < n || len != 4 + (size_t)n * FP_QP_REC)
		return -EBADMSG;
	/* records go in flow order: a binary search; out of order is malformed */
	for (hi = n; lo < hi;) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t f = fp_get_u32(tab + 4 + (size_t)mid * FP_QP_REC);

		if (mid && fp_get_u32(tab + 4 + (size_t)(mid - 1) * FP_QP_REC) >= f)
			return -EBADMSG;
		if (f == flow) {
			get(tab + 4 + (size_t)mid * FP_QP_REC, out);
			/* a QPN has 24 bits, a PSN too; a ring must exist */
			if (out->qpn > 0xffffff || out->psn > 0xffffff || !out->slots ||
			    !out->stride)
				return -EBADMSG;
			return 0;
		}
		if (f < flow)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

void fp_cm_hello_put(uint8_t p[FP_CM_HELLO], const struct fp_cm_hello *h)
{
	fp_put_u32(p, FP_CM_HELLO_MAGIC);
	fp_put_u32(p + 4, h->key);
	fp_put_u32(p + 8, h->src);
	fp_put_u32(p + 12, h->dst);
	fp_put_u64(p + 16, h->tag);
}

int fp_cm_hello_get(const void *data, size_t len, struct fp_cm_hello *out)
{
	const uint8_t *p = data;

	if (!p || len < FP_CM_HELLO || fp_get_u32(p) != FP_CM_HELLO_MAGIC)
		return -EBADMSG;
	out->key = fp_get_u32(p + 4);
	out->src = fp_get_u32(p + 8);
	out->dst = fp_get_u32(p + 12);
	out->tag = fp_get_u64(p + 16);
	return 0;
}
