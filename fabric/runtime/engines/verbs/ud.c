// SPDX-License-Identifier: MIT
/*
 * --transport ud: one Unreliable Datagram QP per flow end (as perftest -c UD), SEND only. The
 * rendezvous hands out each QP's number, GID and LID as for RC, and in place of the ring's
 * key and address its Q_Key and a random 64-bit tag (udmsg.h); the peer's address handle is
 * made from them. A message is one packet, at most the path MTU; a receive buffer holds the
 * 40-byte GRH and a whole MTU, so nothing a stranger sends can overflow it.
 *
 * UD is unreliable, so this is a datagram engine (FP_ENG_DGRAM) to the runner: no credit
 * window, sources send, then end messages; destinations count what arrived: a datagram from
 * another QP than the flow's peer, or without this QP's tag, is dropped and counted as
 * forged; one of an older phase as stale. Receives are reposted as soon as they complete.
 */
#include "priv.h"

#include <sys/random.h>

#define UD_RQ 512 /* receive buffers per QP at least, as perftest's UD bandwidth test */

static size_t mtu_bytes(const struct fp_engine *e)
{
	return (size_t)128 << e->mtu;
}

/* After the device, --mtu and the queue sizes are known: what UD takes and how big. */
int fp_verbs_ud_open(struct fp_engine *e, const struct verbs_opts *o, uint64_t max_size,
		     unsigned max_wr)
{
	size_t mtu = mtu_bytes(e);

	if (o->qps > 1) {
		fp_verbs_say(e, "--qps %lld: --transport ud has one UD QP per flow end",
			     (long long)o->qps);
		return -EINVAL;
	}
	if (e->op != OP_SEND && e->op != OP_WRITE) {
		fp_verbs_say(e, "--op %s: --transport ud only sends (--op send)",
			     fp_verbs_op_names[e->op]);
		return -EINVAL;
	}
	if (max_size > mtu) {
		fp_verbs_say(e,
			     "--transport ud: a message is one packet: size %llu is over the path "
			     "MTU of %s port %u, %zu bytes (--sizes up to %zu)",
			     (unsigned long long)max_size, e->dev, e->port, mtu, mtu);
		return -EMSGSIZE;
	}
	e->ud = true;
	e->ud_bad_tag = o->ud_bad_tag;
	e->op = OP_SEND; /* the default --op write means send here: UD has no RDMA */
	e->stride = (FP_UD_GRH + mtu + 63) / 64 * 64;
	if (e->nslots < UD_RQ)
		e->nslots = UD_RQ;
	if (e->nslots >= max_wr)
		e->nslots = max_wr - 1;
	/* every send in flight has a header slot in the staging area */
	if (e->tx_depth > e->nslots * STAGE / FP_UD_HDR)
		e->tx_depth = e->nslots * STAGE / FP_UD_HDR;
	if (e->cq_mod > e->tx_depth / 2)
		e->cq_mod = e->tx_depth / 2 ? e->tx_depth / 2 : 1;
	return 0;
}

/* A created UD QP to RTS with a random Q_Key (not a privileged one) and tag. */
int fp_verbs_ud_init(struct fp_engine *e, struct fp_conn *c)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = e->port };

	if (getrandom(&c->qkey, sizeof(c->qkey), 0) != (ssize_t)sizeof(c->qkey) ||
	    getrandom(&c->tag, sizeof(c->tag), 0) != (ssize_t)sizeof(c->tag)) {
		fp_verbs_say(e, "getrandom: %s", strerror(errno));
		return -EIO;
	}
	c->qkey = (c->qkey & 0x7fffffffu) | 1; /* the top bit asks for a privileged Q_Key */
	a.qkey = c->qkey;
	if (ibv_modify_qp(c->qp, &a,
			  IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_QKEY)) {
		fp_verbs_say(e, "UD QP 0x%x to INIT: %s", c->qp->qp_num, strerror(errno));
		return -errno;
	}
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	if (ibv_modify_qp(c->qp, &a, IBV_QP_STATE)) {
		fp_verbs_say(e, "UD QP 0x%x to RTR: %s", c->qp->qp_num, strerror(errno));
		return -errno;
	}
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = c->psn;
	if (ibv_modify_qp(c->qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN)) {
		fp_verbs_say(e, "UD QP 0x%x to RTS: %s", c->qp->qp_num, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The peer's record: its QPN, Q_Key (in rkey) and tag (in addr), and an address handle. */
int fp_verbs_ud_connect(struct fp_engine *e, struct fp_conn *c, const struct fp_qp_rec *rec)
{
	struct ibv_ah_attr ah = { .dlid = rec->lid, .sl = e->sl, .port_num = e->port };

	/* QPs 0 and 1 are the subnet's; a privileged Q_Key cannot be sent to */
	if (rec->qpn < 2 || rec->rkey & 0x80000000u) {
		fp_verbs_say(e, "rank %d published a UD QP 0x%x with Q_Key 0x%x (malformed)",
			     c->peer, rec->qpn, rec->rkey);
		return -EBADMSG;
	}
	c->rqpn = rec->qpn;
	c->rqkey = rec->rkey;
	c->rtag = rec->addr;
	memcpy(c->peer_gid, rec->gid, 16);
	if (e->roce || ah.dlid == 0) {
		ah.is_global = 1;
		memcpy(ah.grh.dgid.raw, rec->gid, 16);
		ah.grh.sgid_index = e->gid_index;
		ah.grh.hop_limit = 64;
		ah.grh.flow_label = fp_verbs_flow_label(c->key);
		ah.grh.traffic_class = e->tclass;
	}
	c->ah = ibv_create_ah(e->pd, &ah);
	if (!c->ah) {
		fp_verbs_say(e, "%s: no address handle to rank %d (UD QP 0x%x): %s", e->dev,
			     c->peer, c->rqpn, strerror(errno));
		return -errno ? -errno : -EIO;
	}
	return 0;
}

static bool ud_payload_ok(struct fp_conn *c, const uint8_t *m, size_t len)
{
	for (size_t i = FP_UD_HDR; i < len; i++) {
		if (m[i] != pattern(i)) {
			fp_verbs_say(c->e,
				     "payload check: a UD message of flow %u from rank %d differs "
				     "at byte %zu (0x%02x, expected 0x%02x)",
				     c->flow, c->peer, i, m[i], pattern(i));
			return false;
		}
	}
	return true;
}

/* A receive completed (in posting order: buffer rx_seq of the ring): count it, repost it. */
void fp_verbs_ud_recv(struct fp_conn *c, const struct ibv_wc *wc)
{
	struct fp_engine *e = c->e;
	uint64_t seq = c->rx_seq++;
	const uint8_t *buf = c->ring + seq % e->nslots * e->stride;
	size_t got = wc->byte_len < e->stride ? wc->byte_len : e->stride;
	int fresh = 0;

	if (wc->src_qp != c->rqpn)
		c->u.st.forged++; /* the Q_Key was right, the sender is not the flow's peer */
	else
		fresh = fp_ud_take(&c->u, c->tag, buf, got, e->ud_len);
	if (fresh && e->check && !e->failed && !ud_payload_ok(c, buf + FP_UD_GRH, e->ud_len))
		e->failed = -EBADMSG;
	c->ready += (unsigned)fresh;
	if (fp_verbs_post_recv(c, seq) && !e->failed) {
		fp_verbs_say(e, "cannot repost a receive on UD QP 0x%x: %s", c->qp->qp_num,
			     strerror(errno));
		e->failed = -EIO;
	}
}

/* Post up to n messages of len bytes (kind data or end) to the peer; how many, or -errno. */
static int ud_post(struct fp_conn *c, size_t len, unsigned n, uint8_t kind)
{
	struct fp_engine *e = c->e;
	struct ibv_send_wr wr[BURST], *bad;
	struct ibv_sge sge[BURST][2];
	unsigned room = e->tx_depth - c->tx_out;
	uint8_t *stage = c->ring + e->nslots * e->stride;
	uint64_t tag = c->rtag ^ (e->ud_bad_tag ? 0x5a5a : 0); /* test hook: a stranger's */

	if (n > room)
		n = room;
	if (n > e->post_list)
		n = e->post_list;
	if (!n)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *h = stage + (c->hseq + i) % e->tx_depth * FP_UD_HDR;

		fp_ud_hdr_put(h, kind, c->u.epoch, tag, kind == FP_UD_END ? c->useq : c->useq + i);
		memset(&wr[i], 0, sizeof(wr[i]));
		sge[i][0] = (struct ibv_sge){ .addr = (uintptr_t)h,
					      .length = FP_UD_HDR,
					      .lkey = c->mr->lkey };
		sge[i][1] = (struct ibv_sge){ .addr = (uintptr_t)(e->slab + FP_UD_HDR),
					      .length = (uint32_t)(len - FP_UD_HDR),
					      .lkey = e->slab_mr->lkey };
		wr[i].wr_id = (uintptr_t)c | WR_SEND;
		wr[i].sg_list = sge[i];
		wr[i].num_sge = len > FP_UD_HDR ? 2 : 1;
		wr[i].next = i + 1 < n ? &wr[i + 1] : NULL;
		wr[i].opcode = IBV_WR_SEND;
		wr[i].wr.ud.ah = c->ah;
		wr[i].wr.ud.remote_qpn = c->rqpn;
		wr[i].wr.ud.remote_qkey = c->rqkey;
		if (len <= e->max_inline)
			wr[i].send_flags |= IBV_SEND_INLINE;
		if (++c->unsig >= e->cq_mod || i + 1 == n)
			signal_wr(c, &wr[i]);
	}
	if (ibv_post_send(c->qp, wr, &bad)) {
		fp_verbs_say(e, "post on UD QP 0x%x (flow %u, rank %d): %s", c->qp->qp_num, c->flow,
			     c->peer, strerror(errno));
		return -EIO;
	}
	c->tx_out += n;
	c->hseq += n;
	if (kind == FP_UD_DATA) {
		c->useq += n;
		c->tx_seq += n;
	}
	return (int)n;
}

int fp_verbs_ud_tx(struct fp_conn *c, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	int k;

	e->ud_len = len;
	if (e->failed)
		return e->failed;
	if (len < FP_UD_HDR)
		return -EMSGSIZE;
	k = ud_post(c, len, n, FP_UD_DATA);
	if (k == 0) {
		fp_verbs_poll(e);
		if (e->failed)
			return e->failed;
		k = ud_post(c, len, n, FP_UD_DATA);
	}
	if (k > 0 && c->tx_out > e->tx_depth / 2)
		fp_verbs_poll(e);
	return e->failed ? e->failed : k;
}

int fp_verbs_ud_rx(struct fp_conn *c, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	unsigned k;

	e->ud_len = len;
	if (!c->ready)
		fp_verbs_poll(e);
	if (e->failed)
		return e->failed;
	k = c->ready < n ? (unsigned)c->ready : n;
	c->ready -= k;
	return (int)k;
}

void fp_verbs_ud_reset(struct fp_conn *c)
{
	if (!c->e->ud)
		return;
	fp_ud_rx_reset(&c->u);
	c->useq = 0;
	c->ready = 0;
}

/* The end message: how many data messages went this epoch. A full send queue skips it (the
 * runner sends several). */
int fp_verbs_ud_finish(struct fp_conn *c)
{
	int k;

	if (!c->e->ud)
		return 0;
	k = ud_post(c, FP_UD_HDR, 1, FP_UD_END);
	if (k == 0) {
		fp_verbs_poll(c->e);
		k = c->e->failed ? c->e->failed : ud_post(c, FP_UD_HDR, 1, FP_UD_END);
	}
	return k < 0 ? k : 0;
}

void fp_verbs_ud_stats(const struct fp_conn *c, struct fp_dgram_stats *st)
{
	if (!c->e->ud) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = c->u.st;
	st->oneway = NULL;
}

/* UD: a header, then at most one packet's payload; RC: anything. */
void fp_verbs_ud_limits(const struct fp_engine *e, size_t *min, size_t *max)
{
	*min = e->ud ? FP_UD_HDR : 0;
	*max = e->ud ? mtu_bytes(e) : SIZE_MAX;
}

unsigned fp_verbs_cfg_flags(const void *cfg)
{
	const struct verbs_opts *o = cfg;

	if (o->transport == 1)
		return FP_ENG_DGRAM | FP_ENG_PAYLOAD;
	/* read pulls the engine's own pattern from the sender's slots: it carries no data */
	/* RC: a QP in error, or a flow silent for half of --timeout, fails its flow alone */
	return FP_ENG_FLOW_FAIL | (o->op && !strcmp(o->op, "read") ? 0 : FP_ENG_CARRY);
}
