// SPDX-License-Identifier: MIT
/*
 * The verbs engine's connections: one RC QP per flow, brought to RTS with the peer's
 * record from the rendezvous, and its identity (QPN, GID, flow label, UDP source port).
 * --transport ud: a UD QP per flow end instead, with an address handle to the peer (ud.c).
 */
#include "priv.h"

#include "../../numa.h"

/* ---------- connect ---------- */

/* What every QP of the engine asks for: with or without rdma_cm. */
void fp_verbs_qp_attr(const struct fp_engine *e, struct ibv_qp_init_attr *ia)
{
	*ia = (struct ibv_qp_init_attr){
		.send_cq = e->cq,
		.recv_cq = e->cq,
		.qp_type = e->ud ? IBV_QPT_UD : IBV_QPT_RC,
		.cap = { .max_send_wr = e->tx_depth,
			 .max_recv_wr = e->nslots + 1,
			 .max_send_sge = 2,
			 .max_recv_sge = 1,
			 .max_inline_data = e->max_inline },
	};
}

static int qp_init(struct fp_engine *e, struct fp_conn *c)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT,
				 .pkey_index = 0,
				 .port_num = e->port,
				 .qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
						    IBV_ACCESS_REMOTE_WRITE |
						    IBV_ACCESS_REMOTE_READ };

	fp_verbs_qp_attr(e, &ia);
	c->qp = ibv_create_qp(e->pd, &ia);
	if (!c->qp && e->max_inline) {
		ia.cap.max_inline_data = 0; /* the device takes no inline data */
		c->qp = ibv_create_qp(e->pd, &ia);
	}
	if (!c->qp) {
		fp_verbs_say(e, "%s: cannot create a QP for flow %u: %s", e->dev, c->flow,
			     strerror(errno));
		return -errno;
	}
	if (ia.cap.max_inline_data < e->max_inline)
		e->max_inline = ia.cap.max_inline_data;
	c->psn = (uint32_t)(rand() & 0xffffff);
	if (e->ud)
		return fp_verbs_ud_init(e, c);
	if (ibv_modify_qp(c->qp, &a,
			  IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS)) {
		fp_verbs_say(e, "QP 0x%x to INIT: %s", c->qp->qp_num, strerror(errno));
		return -errno;
	}
	return 0;
}

/* A flow label per QP: on RoCE v2 the UDP source port follows it (ECMP spread). */
uint32_t fp_verbs_flow_label(uint32_t flow)
{
	uint32_t fl = (flow * 2654435761u) >> 12;

	return fl ? fl : 1;
}

/* What Linux derives from a flow label for the RoCE v2 UDP source port. */
static uint16_t label_port(uint32_t fl)
{
	return (uint16_t)(0xC000 | ((fl & 0x3fff) ^ ((fl >> 14) & 0x3fff)));
}

static int qp_connect(struct fp_engine *e, struct fp_conn *c, const struct fp_qp_rec *rec)
{
	struct ibv_qp_attr a;
	uint32_t rqpn = rec->qpn, rpsn = rec->psn;
	int ret;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = e->mtu;
	a.dest_qp_num = rqpn;
	a.rq_psn = rpsn;
	a.max_dest_rd_atomic = (uint8_t)e->rd_atom;
	a.min_rnr_timer = 12;
	a.ah_attr.port_num = e->port;
	a.ah_attr.dlid = rec->lid;
	a.ah_attr.sl = e->sl;
	if (e->roce || a.ah_attr.dlid == 0) {
		a.ah_attr.is_global = 1;
		memcpy(a.ah_attr.grh.dgid.raw, rec->gid, 16);
		a.ah_attr.grh.sgid_index = e->gid_index;
		a.ah_attr.grh.hop_limit = 64;
		a.ah_attr.grh.flow_label = fp_verbs_flow_label(c->key);
		a.ah_attr.grh.traffic_class = e->tclass;
	}
	ret = ibv_modify_qp(c->qp, &a,
			    IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
				    IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
				    IBV_QP_MIN_RNR_TIMER);
	if (ret) {
		fp_verbs_say(e, "QP 0x%x to RTR (peer QP 0x%x, rank %d): %s", c->qp->qp_num, rqpn,
			     c->peer, strerror(ret));
		return -ret;
	}
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14; /* 67 ms; 7 retries: a peer gone is known within a second */
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = c->psn;
	a.max_rd_atomic = (uint8_t)e->rd_atom;
	ret = ibv_modify_qp(c->qp, &a,
			    IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
				    IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
	if (ret) {
		fp_verbs_say(e, "QP 0x%x to RTS: %s", c->qp->qp_num, strerror(ret));
		return -ret;
	}
	return 0;
}

/* The peer's ring (where writes and reads go) and, for --cm, where it listens. */
static int peer_ring(struct fp_engine *e, struct fp_conn *c, const struct fp_qp_rec *rec)
{
	c->raddr = rec->addr;
	c->rkey = rec->rkey;
	if (e->bad_rkey)
		c->rkey ^= 0x5a5a00; /* test hook: a key the peer never handed out */
	memcpy(c->peer_gid, rec->gid, 16);
	c->cm_port = rec->cm_port;
	if (!e->ud && (rec->slots != e->nslots || rec->stride != e->stride)) {
		fp_verbs_say(e,
			     "rank %d has rings of %u x %u bytes, this rank %u x %zu (different "
			     "options?)",
			     c->peer, rec->slots, rec->stride, e->nslots, e->stride);
		return -EINVAL;
	}
	if (e->cm && c->src && !rec->cm_port) {
		fp_verbs_say(e,
			     "rank %d does not listen for rdma_cm (was it started without --cm?)",
			     c->peer);
		return -EINVAL;
	}
	return 0;
}

int fp_verbs_post_recv(struct fp_conn *c, uint64_t seq)
{
	struct fp_engine *e = c->e;
	bool stage = e->op == OP_READ; /* acknowledgements only: the ring is the pattern */
	struct ibv_sge sge = { .addr = (uintptr_t)(stage ? c->ring + e->nslots * e->stride +
								   (seq % e->nslots) * STAGE
							 : c->ring + (seq % e->nslots) * e->stride),
			       .length = (uint32_t)(stage ? STAGE : e->stride),
			       .lkey = c->mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = (uintptr_t)c | WR_RECV,
				  .sg_list = &sge,
				  /* carry: a source's receives hold credits, no bytes */
				  .num_sge = (e->op == OP_SEND || e->op == OP_READ) &&
							     !(e->carry && c->src)
						     ? 1
						     : 0 },
			   *bad;

	return ibv_post_recv(c->qp, &wr, &bad);
}

void fp_verbs_ident(struct fp_engine *e, struct fp_conn *c, const uint8_t *peer_gid)
{
	union ibv_gid pg;

	memcpy(pg.raw, peer_gid, 16);
	fp_verbs_ident_gids(e, c, &e->gid, &pg, fp_verbs_flow_label(c->key));
}

/* The flow's identity from both GIDs and the flow label of its QP (the sender's side). */
void fp_verbs_ident_gids(struct fp_engine *e, struct fp_conn *c, const union ibv_gid *mine,
			 const union ibv_gid *peer, uint32_t label)
{
	const union ibv_gid *a = c->src ? mine : peer, *b = c->src ? peer : mine;
	uint32_t ip;

	snprintf(c->id.proto, sizeof(c->id.proto), e->roce ? "rocev2" : "ib");
	if (fp_verbs_gid_v4(a, &ip))
		inet_ntop(AF_INET, &ip, c->id.src_ip, sizeof(c->id.src_ip));
	else
		inet_ntop(AF_INET6, a->raw, c->id.src_ip, sizeof(c->id.src_ip));
	if (fp_verbs_gid_v4(b, &ip))
		inet_ntop(AF_INET, &ip, c->id.dst_ip, sizeof(c->id.dst_ip));
	else
		inet_ntop(AF_INET6, b->raw, c->id.dst_ip, sizeof(c->id.dst_ip));
	c->id.src_port = e->roce ? label_port(label) : 0;
	c->id.dst_port = e->roce ? ROCE_PORT : 0;
}

/* One QP of flow fl (the q-th of --qps), with its ring; its record into rec. */
static int conn_make(struct fp_engine *e, const struct fp_flow *fl, unsigned q,
		     struct fp_qp_rec *rec)
{
	struct fp_conn *c = &e->conns[e->nconns++];
	size_t ringlen = e->nslots * (e->stride + STAGE) + SMALL;
	int ret;

	c->e = e;
	c->flow = fl->id;
	c->key = fl->id * e->nqps + q;
	c->src = fl->src == e->b.rank;
	c->peer = c->src ? fl->dst : fl->src;
	c->cover = calloc(e->tx_depth + 1, sizeof(*c->cover));
	c->ring = fp_numa_alloc(e->ringlen);
	if (e->carry && !c->src)
		c->lens = calloc(e->nslots, sizeof(*c->lens));
	if (!c->cover || !c->ring || (e->carry && !c->src && !c->lens))
		return -ENOMEM;
	/* read: the pattern is what the peer pulls; the others start from zeros,
	 * where no trailer can be seen by accident */
	memset(c->ring, 0, ringlen);
	for (size_t k = 0; e->op == OP_READ && k < e->nslots; k++)
		memcpy(c->ring + k * e->stride, e->slab, e->stride);
	c->mr = fp_verbs_reg(e, c->ring, ringlen);
	if (!c->mr)
		return -ENOMEM;
	/* --cm: the QP is made on its rdma_cm id, once the rendezvous has said where to go */
	ret = e->cm ? 0 : qp_init(e, c);
	if (ret)
		return ret;
	*rec = (struct fp_qp_rec){ .flow = c->key,
				   .qpn = c->qp ? c->qp->qp_num : 0,
				   .psn = c->psn,
				   .lid = e->lid,
				   .cm_port = e->cm ? e->cm_port : 0,
				   /* UD: no ring to write to; the Q_Key and tag instead */
				   .rkey = e->ud ? c->qkey : c->mr->rkey,
				   .addr = e->ud ? c->tag : (uintptr_t)c->ring,
				   .slots = e->nslots,
				   .stride = (uint32_t)e->stride };
	memcpy(rec->gid, e->cm ? e->cm_addr : e->gid.raw, 16);
	return 0;
}

int fp_verbs_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		     struct fp_conn **conns)
{
	struct fp_rv_blobs all = { 0 }, none = { 0 };
	uint8_t *mine = NULL;
	unsigned nc = 0, cqe;
	int ret = 0;

	for (unsigned i = 0; i < n; i++)
		nc += flows[i].src == e->b.rank || flows[i].dst == e->b.rank;
	if ((uint64_t)n * e->nqps > UINT32_MAX) {
		fp_verbs_say(e, "%u flows x --qps %u QPs: too many to name", n, e->nqps);
		return -E2BIG;
	}
	nc *= e->nqps;
	e->conns = calloc(nc ? nc : 1, sizeof(*e->conns));
	mine = malloc(4 + (size_t)nc * FP_QP_REC);
	if (!e->conns || !mine) {
		free(mine);
		return -ENOMEM;
	}
	/* data buffers from here on: the runner has placed this rank (--numa) by now, and
	 * fresh pages follow its memory policy */
	e->slab = fp_numa_alloc(e->stride);
	for (size_t i = 0; e->slab && i < e->stride; i++)
		e->slab[i] = pattern(i);
	e->slab_mr = e->slab ? fp_verbs_reg(e, e->slab, e->stride) : NULL;
	if (!e->slab_mr) {
		free(mine);
		return -ENOMEM;
	}
	cqe = nc * (e->tx_depth + e->nslots + 2) + 16;
	e->cq = ibv_create_cq(e->ctx, (int)cqe, NULL, e->ch, 0);
	if (!e->cq) {
		fp_verbs_say(e, "%s: cannot create a CQ of %u entries: %s", e->dev, cqe,
			     strerror(errno));
		free(mine);
		return -ENOMEM;
	}
	e->ringlen = (e->nslots * (e->stride + STAGE) + SMALL + 4095) / 4096 * 4096;
	fp_put_u32(mine, nc);
	for (unsigned i = 0; i < n && !ret; i++) {
		const struct fp_flow *fl = &flows[i];

		conns[i] = NULL;
		if (fl->src != e->b.rank && fl->dst != e->b.rank)
			continue;
		/* the flow's first QP stands for it; the others follow it in conns[] */
		conns[i] = &e->conns[e->nconns];
		for (unsigned q = 0; q < e->nqps && !ret; q++) {
			struct fp_qp_rec rec;

			ret = conn_make(e, fl, q, &rec);
			if (!ret)
				fp_qp_rec_put(mine + 4 + (size_t)(e->nconns - 1) * FP_QP_REC, &rec);
		}
	}
	/* after a local failure this rank skips the exchange; the runner then aborts the
	 * rendezvous, which ends the others' wait in it */
	if (!ret)
		ret = e->b.allgather(e->b.xctx, "verbs: exchange of QP numbers, GIDs and keys",
				     mine, 4 + (size_t)e->nconns * FP_QP_REC, &all);
	free(mine);
	for (unsigned i = 0; i < e->nconns && !ret; i++) {
		struct fp_conn *c = &e->conns[i];
		struct fp_qp_rec peer;

		ret = fp_qp_table_find(all.data + all.off[c->peer], all.len[c->peer], c->key,
				       &peer);
		if (ret) {
			fp_verbs_say(e, "rank %d %s", c->peer,
				     ret == -ENOENT ? "has no QP for this flow (different options?)"
						    : "published a malformed QP table");
			break;
		}
		ret = peer_ring(e, c, &peer);
		if (!ret && e->ud)
			ret = fp_verbs_ud_connect(e, c, &peer);
		else if (!ret && !e->cm)
			ret = qp_connect(e, c, &peer);
	}
	/* --cm: every QP of this rank made and connected through rdma_cm, at once */
	if (!ret && e->cm)
		ret = fp_verbs_cm_connect(e);
	for (unsigned i = 0; i < e->nconns && !ret; i++) {
		struct fp_conn *c = &e->conns[i];

		if (e->cm)
			fp_verbs_cm_ident(e, c);
		else
			fp_verbs_ident(e, c, c->peer_gid);
		c->id.qpn = c->qp->qp_num;
		/* carry: the source's receives take the receiver's credits, on write too */
		for (unsigned k = 0;
		     !ret && (e->op != OP_WRITE || (e->carry && c->src)) && k < e->nslots; k++)
			if (fp_verbs_post_recv(c, k)) {
				fp_verbs_say(e, "cannot post receives on QP 0x%x: %s",
					     c->qp->qp_num, strerror(errno));
				ret = -EIO;
			}
	}
	fp_rv_blobs_free(&all);
	/* nobody sends before every QP is ready to receive */
	if (!ret)
		ret = e->b.allgather(e->b.xctx, "verbs: every QP ready", "", 1, &none);
	fp_rv_blobs_free(&none);
	if (!ret && e->event && ibv_req_notify_cq(e->cq, 0))
		ret = -errno;
	return ret;
}
