// SPDX-License-Identifier: MIT
/*
 * The verbs engine's data path: posting sends, writes and reads in bursts, polling
 * completions, verifying payloads, and the engine's ops table.
 */
#include "priv.h"

/* ---------- data path ---------- */

/* Post a chain of n requests on c's QP; -EIO with the error said (what: "post", "credit"). */
static int post(struct fp_conn *c, struct ibv_send_wr *wr, unsigned n, const char *what)
{
	struct ibv_send_wr *bad;

	if (ibv_post_send(c->qp, wr, &bad)) {
		fp_verbs_say(c->e, "%s on QP 0x%x (flow %u, rank %d): %s", what, c->qp->qp_num,
			     c->flow, c->peer, strerror(errno));
		return -EIO;
	}
	c->tx_out += n;
	return 0;
}

static int wc_error(struct fp_engine *e, const struct ibv_wc *wc)
{
	struct fp_conn *c = (struct fp_conn *)(uintptr_t)(wc->wr_id & ~(uint64_t)7);
	int ret = wc->status == IBV_WC_RETRY_EXC_ERR || wc->status == IBV_WC_RNR_RETRY_EXC_ERR
			  ? -ECONNRESET
		  : wc->status == IBV_WC_REM_ACCESS_ERR || wc->status == IBV_WC_REM_INV_REQ_ERR
			  ? -EACCES
			  : -EIO;

	if (wc->status == IBV_WC_WR_FLUSH_ERR && (e->failed || (c && c->failed)))
		return e->failed ? e->failed : c->failed; /* the first status said why */
	fp_verbs_say(e, "%s on QP 0x%x (flow %u, %s rank %d, %s): %s%s", c && c->qp ? e->dev : "?",
		     wc->qp_num, c ? c->flow : 0, c && c->src ? "to" : "from", c ? c->peer : -1,
		     fp_verbs_op_names[e->op], ibv_wc_status_str(wc->status),
		     wc->status == IBV_WC_RETRY_EXC_ERR ? " (the peer vanished or its link is down)"
		     : wc->status == IBV_WC_REM_ACCESS_ERR
			     ? " (the peer refused the key or address)"
			     : "");
	return ret;
}

/* A completion status that a path or a peer causes, not this rank: it fails one flow */
static bool flow_alone(const struct ibv_wc *wc)
{
	switch (wc->status) {
	case IBV_WC_RETRY_EXC_ERR:
	case IBV_WC_RNR_RETRY_EXC_ERR:
	case IBV_WC_REM_ACCESS_ERR:
	case IBV_WC_REM_INV_REQ_ERR:
	case IBV_WC_REM_OP_ERR:
	case IBV_WC_WR_FLUSH_ERR: /* the QP already in error: what follows its first status */
		return true;
	default:
		return false;
	}
}

static void poll_cq(struct fp_engine *e)
{
	struct ibv_wc wc[BURST];
	int n = ibv_poll_cq(e->cq, BURST, wc);

	for (int i = 0; i < n; i++) {
		struct fp_conn *c = (struct fp_conn *)(uintptr_t)(wc[i].wr_id & ~(uint64_t)7);

		if (wc[i].status != IBV_WC_SUCCESS) {
			/* RC bandwidth and ping-pong, the fabric or the peer failing: the QP's
			 * flow alone; a local error (ours), UD and collectives: the engine */
			if (c && !e->carry && !e->ud && !e->failed && flow_alone(&wc[i])) {
				if (!c->failed)
					c->failed = wc_error(e, &wc[i]);
			} else if (!e->failed) {
				e->failed = wc_error(e, &wc[i]);
			}
			continue;
		}
		if ((wc[i].wr_id & 7) == WR_RECV) {
			if (e->ud)
				fp_verbs_ud_recv(c, &wc[i]);
			else if (e->op == OP_READ && !c->src &&
				 (wc[i].wc_flags & IBV_WC_WITH_IMM)) {
				/* the sender's notice: this many more messages to pull */
				c->avail += ntohl(wc[i].imm_data);
				if (fp_verbs_post_recv(c, 0) && !e->failed) {
					fp_verbs_say(e, "cannot repost a receive on QP 0x%x",
						     c->qp->qp_num);
					e->failed = -EIO;
				}
			} else if (e->carry && c->src) {
				/* the receiver took this many more: their slots are free */
				c->credit += ntohl(wc[i].imm_data);
				if (fp_verbs_post_recv(c, 0) && !e->failed) {
					fp_verbs_say(e, "cannot repost a receive on QP 0x%x",
						     c->qp->qp_num);
					e->failed = -EIO;
				}
			} else {
				if (c->lens)
					c->lens[(c->rx_seq + c->ready) % e->nslots] =
						wc[i].byte_len;
				c->ready++;
			}
			continue;
		}
		/* a signalled send-queue request completes those before it on its QP */
		uint64_t cv = c->cover[c->cov_head];

		c->ready += cv >> 32; /* READs: their data is in place */
		c->cov_head = (c->cov_head + 1) % (e->tx_depth + 1);
		c->cov_n--;
		c->tx_out -= (uint32_t)cv;
	}
}

void fp_verbs_poll(struct fp_engine *e)
{
	poll_cq(e);
}

static bool payload_ok(struct fp_engine *e, struct fp_conn *c, const uint8_t *p, size_t len,
		       uint64_t seq)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != pattern(i)) {
			fp_verbs_say(
				e,
				"payload check: message %llu of flow %u from rank %d differs at "
				"byte %zu (0x%02x, expected 0x%02x)",
				(unsigned long long)seq, c->flow, c->peer, i, p[i], pattern(i));
			return false;
		}
	}
	return true;
}

/*
 * Requests nobody waits on the completion of: a write ping-pong's writes (the reply says they
 * landed) and a read flow's acknowledgements. They are signalled every cq_mod only: a
 * completion per message is work for the device and for the poller (in event mode a wake-up)
 * that the round trip or the READs wait behind. What is left unsignalled at the end of a
 * phase is covered by the next signal (a probe's, say); an error completes them all the same.
 * READs always end their post signalled: their completion is their data's arrival.
 */
static bool lazy(const struct fp_conn *c, bool pull)
{
	const struct fp_engine *e = c->e;

	return !pull && !e->carry && ((e->lat && e->op == OP_WRITE) || e->op == OP_READ);
}

/* Post up to n requests of one kind on c (READs if pull); returns how many, or -errno. */
int fp_verbs_post(struct fp_conn *c, const void *buf, size_t len, unsigned n, bool pull)
{
	struct fp_engine *e = c->e;
	struct ibv_send_wr wr[BURST];
	struct ibv_sge sge[BURST][2];
	unsigned room = e->tx_depth - c->tx_out;
	bool small = len <= SMALL;

	if (n > room)
		n = room;
	if (n > e->post_list)
		n = e->post_list;
	if (!n)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t seq = (pull ? c->rd_seq : c->tx_seq) + i;
		size_t slot = seq % e->nslots;
		uint8_t *stage = c->ring + e->nslots * e->stride + slot * STAGE;

		memset(&wr[i], 0, sizeof(wr[i]));
		wr[i].wr_id = (uintptr_t)c | WR_SEND;
		wr[i].sg_list = sge[i];
		wr[i].next = i + 1 < n ? &wr[i + 1] : NULL;
		if (pull) {
			/* the peer's slot into ours; a big message unchecked from the first slot
			 * into the first, as writes and sends go from one slab and ib_read_bw
			 * reads one buffer: its bytes are the pattern either way */
			size_t at = small || e->check ? slot * e->stride : 0;

			sge[i][0] = (struct ibv_sge){ .addr = (uintptr_t)(c->ring + at),
						      .length = (uint32_t)len,
						      .lkey = c->mr->lkey };
			wr[i].num_sge = 1;
			wr[i].opcode = IBV_WR_RDMA_READ;
			wr[i].wr.rdma.remote_addr = c->raddr + at;
			wr[i].wr.rdma.rkey = c->rkey;
		} else {
			if (small) {
				memcpy(stage, buf, len);
				sge[i][0] = (struct ibv_sge){ .addr = (uintptr_t)stage,
							      .length = (uint32_t)len,
							      .lkey = c->mr->lkey };
			} else {
				sge[i][0] = (struct ibv_sge){ .addr = (uintptr_t)e->slab,
							      .length = (uint32_t)len,
							      .lkey = e->slab_mr->lkey };
			}
			wr[i].num_sge = 1;
			if (e->op == OP_SEND || e->op == OP_READ) {
				wr[i].opcode = IBV_WR_SEND;
			} else {
				wr[i].opcode = e->op == OP_WRITE_IMM ? IBV_WR_RDMA_WRITE_WITH_IMM
								     : IBV_WR_RDMA_WRITE;
				wr[i].imm_data = htonl((uint32_t)seq);
				wr[i].wr.rdma.remote_addr = c->raddr + slot * e->stride;
				wr[i].wr.rdma.rkey = c->rkey;
			}
			if (e->op == OP_WRITE) {
				/* the trailer after the message names it: length and sequence.
				 * A small message's sits right after it in the stage, so message
				 * and trailer go as one piece, as ib_write_lat writes one buffer. */
				uint64_t t = trailer(len, seq);

				if (small) {
					memcpy(stage + len, &t, TRAILER);
					sge[i][0].length += TRAILER;
				} else {
					memcpy(stage + SMALL, &t, TRAILER);
					sge[i][1] = (struct ibv_sge){ .addr = (uintptr_t)(stage +
											  SMALL),
								      .length = TRAILER,
								      .lkey = c->mr->lkey };
					wr[i].num_sge = 2;
				}
			}
			if (len + (e->op == OP_WRITE ? TRAILER : 0) <= e->max_inline)
				wr[i].send_flags |= IBV_SEND_INLINE;
		}
		/* the last of each post is signalled, unless lazy() */
		c->unsig_rd += pull;
		if (++c->unsig >= e->cq_mod || (i + 1 == n && !lazy(c, pull)))
			signal_wr(c, &wr[i]);
	}
	if (post(c, wr, n, "post"))
		return -EIO;
	if (pull)
		c->rd_seq += n;
	else
		c->tx_seq += n;
	return (int)n;
}

/*
 * carry: up to n of the caller's messages, each copied into this end's ring slot of its
 * turn (a write's trailer after it) and sent from there, as far as the receiver's credits
 * leave slots free; returns how many, or -errno.
 */
static int carry_post(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	struct ibv_send_wr wr[BURST];
	struct ibv_sge sge[BURST];
	uint64_t free_slots = e->nslots - (c->tx_seq - c->credit);
	unsigned room = e->tx_depth - c->tx_out;

	n = n < room ? n : room;
	n = n < e->post_list ? n : e->post_list;
	n = n < free_slots ? n : (unsigned)free_slots;
	for (unsigned i = 0; i < n; i++) {
		uint64_t seq = c->tx_seq + i;
		uint8_t *slot = c->ring + seq % e->nslots * e->stride;
		size_t wire = e->op == OP_WRITE ? carry_toff(len) + TRAILER : len;

		memcpy(slot, buf, len);
		if (seq == e->corrupt_at) { /* test hook: the receiver's --check must see it */
			slot[len / 2] ^= 0x40;
			e->corrupt_at = UINT64_MAX;
		}
		if (e->op == OP_WRITE) {
			uint64_t t = trailer(len, seq);

			memcpy(slot + carry_toff(len), &t, TRAILER);
		}
		sge[i] = (struct ibv_sge){ .addr = (uintptr_t)slot,
					   .length = (uint32_t)wire,
					   .lkey = c->mr->lkey };
		wr[i] = (struct ibv_send_wr){
			.wr_id = (uintptr_t)c | WR_SEND,
			.next = i + 1 < n ? &wr[i + 1] : NULL,
			.sg_list = &sge[i],
			.num_sge = 1,
			.opcode = e->op == OP_SEND	  ? IBV_WR_SEND
				  : e->op == OP_WRITE_IMM ? IBV_WR_RDMA_WRITE_WITH_IMM
							  : IBV_WR_RDMA_WRITE,
			.imm_data = htonl((uint32_t)seq),
			.send_flags = wire <= e->max_inline ? IBV_SEND_INLINE : 0,
			.wr.rdma = { .remote_addr = c->raddr + seq % e->nslots * e->stride,
				     .rkey = c->rkey },
		};
		if (++c->unsig >= e->cq_mod || i + 1 == n)
			signal_wr(c, &wr[i]);
	}
	if (n && post(c, wr, n, "post"))
		return -EIO;
	c->tx_seq += n;
	return (int)n;
}

/* carry, receiver: tell the source how many more it took, every credit_every (0 or -errno). */
static int give_credit(struct fp_conn *c)
{
	struct fp_engine *e = c->e;
	uint64_t k = c->rx_seq - c->credited;
	struct ibv_send_wr wr = { .wr_id = (uintptr_t)c | WR_SEND,
				  .opcode = IBV_WR_SEND_WITH_IMM,
				  .imm_data = htonl((uint32_t)k) };

	if (k < e->credit_every)
		return 0;
	if (c->tx_out >= e->tx_depth)
		poll_cq(e);
	if (c->tx_out >= e->tx_depth) /* not yet: the next take or receive tries again */
		return e->failed;
	c->unsig++;
	signal_wr(c, &wr);
	if (post(c, &wr, 1, "credit"))
		return -EIO;
	c->credited = c->rx_seq;
	return 0;
}

/* read: tell the receiver n more messages are in place (one request, no payload). */
static int notify(struct fp_conn *c, unsigned n)
{
	struct fp_engine *e = c->e;
	struct ibv_send_wr wr = { .wr_id = (uintptr_t)c | WR_SEND,
				  .opcode = IBV_WR_SEND_WITH_IMM,
				  .imm_data = htonl(n) };

	if (c->tx_out >= e->tx_depth)
		return 0;
	if (++c->unsig >= e->cq_mod) /* lazy(): nobody waits on a notice's completion */
		signal_wr(c, &wr);
	if (post(c, &wr, 1, "post"))
		return -EIO;
	return 1;
}

static int verbs_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	int k;

	if (fp_verbs_dead(c))
		return fp_verbs_dead(c);
	if (e->op == OP_READ && (e->lat || c->src)) {
		/* passive: the peer pulls; a small message's bytes go in its slot first,
		 * then (bandwidth) the notice that they are there */
		for (unsigned i = 0; len <= SMALL && i < n; i++)
			memcpy(c->ring + (c->tx_seq + i) % e->nslots * e->stride, buf, len);
		if (!e->lat) {
			k = notify(c, n);
			if (k == 0) {
				poll_cq(e);
				k = fp_verbs_dead(c) ? fp_verbs_dead(c) : notify(c, n);
			}
			if (k <= 0)
				return k;
		}
		c->tx_seq += n;
		return (int)n;
	}
	if (!e->carry && c->tx_seq + n > e->corrupt_at && c->tx_seq <= e->corrupt_at) {
		e->slab[e->stride / 2 < len ? e->stride / 2 : len - 1] ^= 0x40; /* test hook */
		e->corrupt_at = UINT64_MAX;
	}
	k = e->carry ? carry_post(c, buf, len, n) : fp_verbs_post(c, buf, len, n, false);
	if (k == 0) {
		poll_cq(e); /* send-queue room, or (carry) the receiver's credits */
		if (fp_verbs_dead(c))
			return fp_verbs_dead(c);
		k = e->carry ? carry_post(c, buf, len, n) : fp_verbs_post(c, buf, len, n, false);
	}
	if (c->tx_out > e->tx_depth / 2)
		poll_cq(e);
	/* what was posted counts (its peer may get it); the next call says the failure */
	if (e->failed) /* the engine's own failure: at once, with its text */
		return e->failed;
	return k > 0 || !c->failed ? k : FP_ECONN_DEAD;
}

static int take(struct fp_conn *c, void *buf, size_t len, unsigned n, bool pulled)
{
	struct fp_engine *e = c->e;
	unsigned k = 0;

	for (; k < n && c->ready; k++, c->ready--, c->rx_seq++) {
		size_t slot = c->rx_seq % e->nslots;
		/* read mode: what came by SEND sits in the staging slot (the ring is the
		 * pattern the peer pulls) */
		const uint8_t *p = e->op == OP_READ && !pulled
					   ? c->ring + e->nslots * e->stride + slot * STAGE
					   : c->ring + slot * e->stride;

		if (c->lens && c->lens[slot] != len) {
			fp_verbs_say(e, "message %llu of flow %u from rank %d is %u bytes, not %zu",
				     (unsigned long long)c->rx_seq, c->flow, c->peer, c->lens[slot],
				     len);
			return -EBADMSG;
		}
		if (len <= SMALL || e->carry)
			memcpy(buf, p, len);
		else if (e->check && !payload_ok(e, c, p, len, c->rx_seq))
			return -EBADMSG;
		if (e->op != OP_WRITE && !pulled && fp_verbs_post_recv(c, c->rx_seq)) {
			fp_verbs_say(e, "cannot repost a receive on QP 0x%x: %s", c->qp->qp_num,
				     strerror(errno));
			return -EIO;
		}
	}
	if (e->carry) {
		int ret = give_credit(c);

		if (ret)
			return ret;
	}
	return (int)k;
}

static int rx_once(struct fp_conn *c, void *buf, size_t len, unsigned n);

/*
 * read: keep reads in flight for the n messages the caller still wants, and (bandwidth)
 * only for messages the sender has said are in place.
 */
static int pull_ahead(struct fp_conn *c, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	uint64_t inflight = c->rd_seq - c->rx_seq - c->ready;
	uint64_t want = n > c->ready + inflight ? n - c->ready - inflight : 0;
	uint64_t can = c->avail > c->rd_seq ? c->avail - c->rd_seq : 0;

	if (!e->lat && want > can)
		want = can;
	return want ? fp_verbs_post(c, NULL, len, (unsigned)want, true) : 0;
}

/*
 * A receiver that hears nothing may be waiting on a peer that is gone, and a peer that is
 * gone sends no error. A one-byte RDMA WRITE into the peer's mailbox (the end of its ring,
 * which nothing reads) finds out: the transport retries, then says "retry exceeded", which
 * the completion reports as a vanished peer. Not zero bytes: rxe in Linux 6.1 answered
 * zero-length WRITEs with "remote invalid request" now and then, failing a healthy run.
 */
static void probe_peer(struct fp_conn *c)
{
	struct fp_engine *e = c->e;
	size_t box = e->nslots * (e->stride + STAGE);
	struct ibv_sge sge = { .addr = (uintptr_t)(c->ring + box),
			       .length = 1,
			       .lkey = c->mr->lkey };
	struct ibv_send_wr wr = { .wr_id = (uintptr_t)c | WR_SEND,
				  .sg_list = &sge,
				  .num_sge = 1,
				  .opcode = IBV_WR_RDMA_WRITE,
				  .send_flags = IBV_SEND_SIGNALED,
				  .wr.rdma = { .remote_addr = c->raddr + box, .rkey = c->rkey } },
			   *bad;

	c->idle = 0;
	/* nothing in flight but requests left unsignalled (lazy()): the probe covers them */
	if (c->tx_out > c->unsig || ibv_post_send(c->qp, &wr, &bad))
		return;
	c->unsig++;
	cover_push(c);
	c->tx_out++;
}

static int verbs_rx(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	int k = rx_once(c, buf, len, n);

	if (k == 0 && ++c->idle > IDLE_PROBE)
		probe_peer(c);
	else if (k > 0)
		c->idle = 0;
	return k;
}

static int rx_once(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;

	if (fp_verbs_dead(c))
		return fp_verbs_dead(c);
	if (e->op == OP_WRITE) {
		/* the trailer after each message says it has landed */
		unsigned k = 0;

		for (; k < n; k++) {
			size_t slot = c->rx_seq % e->nslots;
			uint8_t *mark =
				c->ring + slot * e->stride + (e->carry ? carry_toff(len) : len);
			uint64_t t, want = trailer(len, c->rx_seq);

			__atomic_load((uint64_t *)(void *)mark, &t, __ATOMIC_ACQUIRE);
			if (t != want)
				break;
			if (len <= SMALL || e->carry)
				memcpy(buf, c->ring + slot * e->stride, len);
			else if (e->check &&
				 !payload_ok(e, c, c->ring + slot * e->stride, len, c->rx_seq))
				return -EBADMSG;
			memset(mark, 0, TRAILER);
			c->rx_seq++;
		}
		/* our own writes' completions; a ping-pong spins here for its reply, and
		 * looks at the CQ only now and then so that a landed reply is seen at once
		 * (the sender reaps when its queue is half full) */
		if (!k && (!e->lat || e->carry || (c->idle & 15) == 15))
			poll_cq(e);
		if (e->carry && !e->failed) {
			int ret = give_credit(c);

			if (ret)
				return ret;
		}
		if (e->failed)
			return e->failed;
		return k || !c->failed ? (int)k : FP_ECONN_DEAD;
	}
	bool pull = e->op == OP_READ && (e->lat || !c->src);

	if (pull) {
		int k = pull_ahead(c, len, n);

		if (k < 0)
			return k;
	}
	if (!c->ready)
		poll_cq(e);
	if (fp_verbs_dead(c))
		return fp_verbs_dead(c);
	return take(c, buf, len, n, pull);
}

/*
 * --qps N: a flow's N QPs sit together in conns[], the first standing for the flow. A
 * source's data messages go round-robin, message m on QP m mod N, each QP with its own ring
 * and sequence, and the receiver takes them in that same order: the runner's credit window
 * then bounds what is in flight on each QP, so no ring slot is reused before it is read.
 * What needs one order stays on the first QP: acknowledgements (the runner keeps the last
 * count it read) and ping-pong, where one message is in flight.
 */
static bool spread(const struct fp_conn *c)
{
	/* carry: one QP's ring paces a collective's flow (credits count its slots) */
	return c->e->nqps > 1 && !c->e->lat && !c->e->carry;
}

/* The next n messages' share per QP, as far as every QP has room for its own. */
static unsigned tx_plan(const struct fp_conn *c, unsigned n, unsigned *need)
{
	unsigned nq = c->e->nqps, i;

	memset(need, 0, nq * sizeof(*need));
	for (i = 0; i < n; i++) {
		const struct fp_conn *q = c + (c->rr + i) % nq;

		if (need[q - c] + 1 > c->e->tx_depth - q->tx_out)
			break;
		need[q - c]++;
	}
	return i;
}

static int flow_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	unsigned need[64], total;

	if (e->ud)
		return fp_verbs_ud_tx(c, len, n);
	if (!spread(c) || !c->src)
		return verbs_tx(c, buf, len, n);
	for (unsigned q = 0; q < e->nqps; q++) /* one QP in error: the flow is */
		if (fp_verbs_dead(c + q))
			return fp_verbs_dead(c + q);
	total = tx_plan(c, n, need);
	if (!total) {
		poll_cq(e);
		total = tx_plan(c, n, need);
	}
	for (unsigned q = 0; q < e->nqps && !e->failed; q++)
		for (unsigned done = 0; done < need[q];) {
			int k = verbs_tx(c + q, buf, len, need[q] - done);

			if (k <= 0) { /* room was counted: a full queue here is a bug */
				if (!k)
					fp_verbs_say(e,
						     "QP 0x%x: send queue full with room counted",
						     c[q].qp->qp_num);
				return k ? k : -EIO;
			}
			done += (unsigned)k;
		}
	c->rr = (c->rr + total) % e->nqps;
	return e->failed ? e->failed : (int)total;
}

static int flow_rx(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	unsigned nq = e->nqps, total = 0;

	if (e->ud)
		return fp_verbs_ud_rx(c, len, n);
	if (!spread(c) || c->src)
		return verbs_rx(c, buf, len, n);
	for (unsigned q = 0; q < nq; q++)
		if (fp_verbs_dead(c + q))
			return fp_verbs_dead(c + q);
	if (e->op == OP_READ) /* reads for each QP's share in flight first */
		for (unsigned i = 0; i < nq && i < n; i++) {
			int k = pull_ahead(c + (c->rr + i) % nq, len, n / nq + (i < n % nq));

			if (k < 0)
				return k;
		}
	for (; total < n; total++) {
		int k = verbs_rx(c + c->rr, buf, len, 1);

		if (k < 0)
			return k;
		if (!k)
			break;
		c->rr = (c->rr + 1) % nq;
	}
	return (int)total;
}

static int verbs_wait(struct fp_engine *e, int timeout_ms)
{
	struct pollfd pfd;
	struct ibv_cq *cq;
	void *ctx;

	if (!e->ch || e->op == OP_WRITE) {
		usleep(100); /* trailer polling has no completion to wait for */
		return 0;
	}
	pfd.fd = e->ch->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) > 0 && !ibv_get_cq_event(e->ch, &cq, &ctx)) {
		ibv_ack_cq_events(cq, 1);
		ibv_req_notify_cq(cq, 0);
	}
	return 0;
}

static void verbs_begin(struct fp_engine *e, bool lat)
{
	e->lat = lat;
	/* ping-pong pulls without notices: what it read counts as announced */
	for (unsigned i = 0; i < e->nconns; i++)
		e->conns[i].avail = e->conns[i].rd_seq;
}

static int verbs_ident(const struct fp_conn *c, struct fp_flow_ident *id)
{
	*id = c->id;
	return 0;
}

const struct fp_engine_ops fp_verbs_ops = {
	.name = "verbs",
	.desc = "RDMA verbs (rdma-core): RC QPs (--qps N per flow), send/write/write_imm/read, "
		"collectives (allreduce, allgather, reducescatter: RC, send/write/write_imm), "
		"--transport rc|ud (ud: UD QPs, send, one packet per message, loss counted), "
		"--tclass/--sl/--mtu, NUMA-local MRs"
#if HAVE_RDMACM
		", --cm (rdma_cm connection set-up)"
#endif
		"; RC: a QP whose retries run out (7 x 67 ms) or that its peer refuses fails its "
		"flow alone (failed_flows), the others go on, but a collective's fails the run; a "
		"silent flow stalls at half of --timeout; a local error fails the run; UD: a dead "
		"path is loss",
	.probe = fp_verbs_probe,
	.open = fp_verbs_open,
	.close = fp_verbs_close,
	.connect = fp_verbs_connect,
	.ident = verbs_ident,
	.identity = fp_verbs_identity,
	.tx = flow_tx,
	.rx = flow_rx,
	.wait = verbs_wait,
	.begin = verbs_begin,
	.reset = fp_verbs_ud_reset,
	.finish = fp_verbs_ud_finish,
	.dgram_stats = fp_verbs_ud_stats,
	.limits = fp_verbs_ud_limits,
	.cfg_flags = fp_verbs_cfg_flags,
	.opts = fp_verbs_opts,
	.cfg_size = sizeof(struct verbs_opts),
};
