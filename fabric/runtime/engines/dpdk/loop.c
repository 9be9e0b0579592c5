// SPDX-License-Identifier: MIT
/*
 * The DPDK engine's data path: receiving and classifying frames (ARP, probe frames,
 * sequence tracking per flow) and sending bursts of probe frames.
 */
#include "priv.h"

/* ---------- receive ---------- */

void fp_dpdk_send_raw(struct fp_engine *e, uint16_t qid, const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->txpool);

	if (!m)
		return;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), f, len);
	m->data_len = m->pkt_len = (uint32_t)len;
	if (!rte_eth_tx_burst(e->port, qid, &m, 1))
		rte_pktmbuf_free(m);
}

static void learn(struct fp_engine *e, uint32_t ip, const uint8_t *mac)
{
	for (int r = 0; e->hops && r < e->b.size; r++) {
		if (e->hops[r].ip == ip && !e->hops[r].known) {
			memcpy(e->hops[r].mac, mac, 6);
			e->hops[r].known = true;
		}
	}
}

/* true when the frame is new (not a duplicate) */
static bool track(struct fp_conn *c, uint32_t seq, size_t bytes)
{
	int32_t d = (int32_t)(seq - c->next);
	uint64_t *w = c->win;

	if (d >= 0) {
		/* forward: clear the window slots skipped over, then mark this one */
		if (d >= SEQ_WIN)
			memset(c->win, 0, sizeof(c->win));
		else
			for (uint32_t s = c->next; s != seq; s++)
				w[s / 64 % (SEQ_WIN / 64)] &= ~(1ull << (s % 64));
		c->next = seq + 1;
	} else if (-d > SEQ_WIN) {
		c->st.reordered++; /* too old to tell a duplicate from a late frame */
	} else if (w[seq / 64 % (SEQ_WIN / 64)] >> (seq % 64) & 1) {
		c->st.duplicates++;
		return false;
	} else {
		c->st.reordered++;
	}
	w[seq / 64 % (SEQ_WIN / 64)] |= 1ull << (seq % 64);
	c->st.pkts++;
	c->st.bytes += bytes + FP_UDPF_FCS;
	/* a worker's copy: the main lcore reads it (lcores.c) */
	__atomic_store_n(&c->ready, c->ready + 1, __ATOMIC_RELEASE);
	return true;
}

static void count_size(const struct fp_imix *m, struct fp_rxq *q, size_t len)
{
	for (unsigned k = 0; k < m->n; k++)
		if (m->size[k] == len + FP_UDPF_FCS)
			q->by_size[k]++;
}

static void handle(struct fp_engine *e, struct fp_rxq *q, const uint8_t *f, size_t len)
{
	struct fp_conn *const *byflow = q->byflow ? q->byflow : e->byflow;
	struct fp_hist *oneway = q->oneway ? q->oneway : e->oneway;
	struct fp_udpf_info in;
	struct fp_conn *c;
	uint8_t out[FP_UDPF_ARPLEN];

	int kind = fp_udpf_parse(f, len, e->check, &in);

	if (kind != FP_UDPF_ARP_REQ && kind != FP_UDPF_ARP_REPLY) {
		q->last_tsc = rte_rdtsc();
		if (!q->frames++)
			q->first_tsc = q->last_tsc;
	}
	switch (kind) {
	case FP_UDPF_ARP_REQ:
		if (in.arp_tip == e->ip) {
			/* on this queue's own tx queue: its lcore is the only one on it */
			fp_dpdk_send_raw(
				e, q->qid, out,
				fp_udpf_arp(out, true, e->mac, e->ip, in.e.smac, in.arp_sip));
			q->arp_replies++;
		}
		learn(e, in.arp_sip, in.e.smac);
		return;
	case FP_UDPF_ARP_REPLY:
		learn(e, in.arp_sip, in.e.smac);
		return;
	case FP_UDPF_DATA:
	case FP_UDPF_END:
		c = in.flow < e->nflows ? byflow[in.flow] : NULL;
		if (!c || in.e.dip != e->ip) {
			q->foreign++;
			return;
		}
		if (in.epoch != c->epoch) {
			c->st.stale++;
			q->stale++;
			return;
		}
		if (in.kind == FP_UDPF_END) {
			c->st.end_seen = true;
			c->st.peer_sent = in.seq;
		} else {
			if (track(c, in.seq, in.len)) {
				c->q_ready[q->qid]++;
				q->probe++;
				if (e->mix)
					count_size(e->mix, q, in.len);
			}
			/* the sender's TSC is ours: the delay is one-way, NIC to NIC and back
			 * through both stacks */
			if (oneway) {
				uint64_t now = rte_rdtsc();

				if (now > in.ts)
					fp_hist_add(oneway, now - in.ts);
			}
		}
		return;
	case FP_UDPF_BAD:
		q->bad++;
		return;
	default:
		q->foreign++;
	}
}

unsigned fp_dpdk_poll_port(struct fp_engine *e)
{
	unsigned n = fp_dpdk_poll_queue(e, &e->rxq, 0);

	/* the runner's single lcore polls the other queues too */
	for (uint16_t q = 1; q < e->nq; q++)
		n += fp_dpdk_poll_queue(e, &e->rxq, q);
	return n;
}

unsigned fp_dpdk_poll_queue(struct fp_engine *e, struct fp_rxq *q, uint16_t qid)
{
	struct rte_mbuf *m[BURST];
	uint8_t scratch[9216];
	uint16_t n = rte_eth_rx_burst(e->port, qid, m, BURST);

	q->qid = qid;

	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *f = rte_pktmbuf_read(
			m[i], 0, m[i]->pkt_len <= sizeof(scratch) ? m[i]->pkt_len : sizeof(scratch),
			scratch);

		if (f)
			handle(e, q, f,
			       m[i]->pkt_len <= sizeof(scratch) ? m[i]->pkt_len : sizeof(scratch));
	}
	if (n)
		rte_pktmbuf_free_bulk(m, n);
	return n;
}

/* ---------- data path ---------- */

void fp_dpdk_limits(const struct fp_engine *e, size_t *min, size_t *max)
{
	*min = FP_UDPF_MIN + FP_UDPF_FCS;
	*max = e->max_frame + FP_UDPF_FCS;
}

void fp_dpdk_reset(struct fp_conn *c)
{
	fp_dpdk_workers_pause(c->e); /* none touches a flow from here */
	c->tx_req = c->tx_done = 0;
	c->end_req = c->end_done = 0;
	c->epoch = (uint8_t)((c->epoch + 1) & 0x3f);
	c->tmpl.len = 0;
	c->mixt_ok = false;
	c->tx_seq = 0;
	c->next = 0;
	c->ready = 0;
	memset(c->q_ready, 0, sizeof(c->q_ready));
	memset(c->q_taken, 0, sizeof(c->q_taken));
	memset(c->win, 0, sizeof(c->win));
	memset(&c->st, 0, sizeof(c->st));
	fp_dpdk_workers_reset(c);
}

void fp_dpdk_begin(struct fp_engine *e, bool lat)
{
	/* bandwidth phases go through the worker lcores; latency ones poll from here */
	fp_dpdk_workers_pause(e);
	e->bw = !lat;
	if (e->oneway)
		fp_hist_reset(e->oneway);
	for (uint16_t q = 0; e->w && q < e->nw; q++)
		fp_hist_reset(&e->w[q].oneway);
}

/* The template of frame seq: the flow's one, or with a size mix the one of seq's size. */
static const struct fp_udpf_tmpl *tmpl_of(struct fp_conn *c, size_t flen, uint8_t kind,
					  uint32_t seq)
{
	const struct fp_imix *m = c->e->mix;

	if (m && kind == FP_UDPF_DATA) {
		if (!c->mixt_ok) {
			for (unsigned k = 0; k < m->n; k++)
				fp_udpf_tmpl_init(&c->mixt[k], &c->ends, m->size[k] - FP_UDPF_FCS,
						  kind, c->epoch, c->flow);
			c->mixt_ok = true;
		}
		return &c->mixt[m->cycle[seq % m->total]];
	}
	if (c->tmpl.len != flen || (c->tmpl.b[43] >> 6) != kind)
		fp_udpf_tmpl_init(&c->tmpl, &c->ends, flen, kind, c->epoch, c->flow);
	return &c->tmpl;
}

int fp_dpdk_send_frames(struct fp_conn *c, size_t len, uint8_t kind, unsigned n, uint32_t seq0)
{
	struct fp_engine *e = c->e;
	struct rte_mbuf *m[BURST];
	size_t flen = len - FP_UDPF_FCS;
	uint64_t ts = rte_rdtsc();
	uint16_t sent;

	if (n > BURST)
		n = BURST;
	if (len < FP_UDPF_MIN + FP_UDPF_FCS || flen > e->max_frame)
		return -EMSGSIZE;
	if (rte_mempool_get_bulk(e->txpool, (void **)m, n))
		return 0; /* the ring still holds them all: try again */
	for (unsigned i = 0; i < n; i++) {
		uint32_t seq = seq0 + (kind == FP_UDPF_DATA ? i : 0);
		const struct fp_udpf_tmpl *t = tmpl_of(c, flen, kind, seq);
		uint8_t *f;

		/* a fresh mbuf from our own pool: only the fields a transmit reads */
		rte_pktmbuf_reset(m[i]);
		f = rte_pktmbuf_mtod(m[i], uint8_t *);

		fp_udpf_emit(f, t, seq, ts);
		m[i]->data_len = m[i]->pkt_len = t->len;
		if (e->offload) {
			/* the NIC fills both checksums; UDP wants the pseudo header sum */
			uint8_t *ip = f + 14;
			uint32_t s = ((uint32_t)ip[12] << 8 | ip[13]) +
				     ((uint32_t)ip[14] << 8 | ip[15]) +
				     ((uint32_t)ip[16] << 8 | ip[17]) +
				     ((uint32_t)ip[18] << 8 | ip[19]) + 17 +
				     (uint32_t)(t->len - 34);

			while (s >> 16)
				s = (s & 0xffff) + (s >> 16);
			ip[10] = ip[11] = 0;
			f[40] = (uint8_t)(s >> 8);
			f[41] = (uint8_t)s;
			m[i]->l2_len = 14;
			m[i]->l3_len = 20;
			m[i]->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
					  RTE_MBUF_F_TX_UDP_CKSUM;
		}
	}
	sent = rte_eth_tx_burst(e->port, c->queue, m, (uint16_t)n);
	if (sent < n)
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	return sent;
}

/* On this lcore: the runner's, or the flow's queue's worker. */
int fp_dpdk_tx_direct(struct fp_conn *c, size_t len, unsigned n)
{
	int k;

	if (c->tx_seq == c->e->skip_seq && len >= FP_UDPF_MIN + FP_UDPF_FCS) {
		c->tx_seq++; /* a planted loss: counted as sent, never on the wire */
		return 1;
	}
	if (c->tx_seq < c->e->skip_seq && c->tx_seq + n > c->e->skip_seq)
		n = c->e->skip_seq - c->tx_seq;
	k = fp_dpdk_send_frames(c, len, FP_UDPF_DATA, n, c->tx_seq);
	if (k > 0)
		c->tx_seq += (uint32_t)k;
	return k;
}

int fp_dpdk_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	(void)buf;
	if (c->e->w && c->e->bw)
		return fp_dpdk_workers_tx(c, len, n);
	return fp_dpdk_tx_direct(c, len, n);
}

/* The runner calls this a few times, spaced out: one copy may meet a full queue. */
int fp_dpdk_finish(struct fp_conn *c)
{
	int k;

	if (c->e->w && c->e->bw)
		return fp_dpdk_workers_finish(c);
	k = fp_dpdk_send_frames(c, FP_UDPF_MIN + FP_UDPF_FCS, FP_UDPF_END, 1, c->tx_seq);
	return k < 0 ? k : 0;
}

int fp_dpdk_rx(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	uint64_t k;

	(void)buf;
	(void)len;
	if (c->e->w && c->e->bw)
		return fp_dpdk_workers_rx(c, n);
	if (!c->ready)
		fp_dpdk_poll_port(c->e);
	k = c->ready < n ? c->ready : n;
	c->ready -= k;
	/* the frames taken are charged to the queues in order, each with no more than it
	 * brought: every frame counted on a queue came on it (run.json ranks[].queues) */
	for (uint64_t q = 0, left = k; left && q < c->e->nq; q++) {
		uint64_t t = c->q_ready[q] < left ? c->q_ready[q] : left;

		c->q_ready[q] -= t;
		c->q_taken[q] += t;
		left -= t;
	}
	return (int)k;
}

void fp_dpdk_stats(const struct fp_conn *c, struct fp_dgram_stats *st)
{
	if (c->e->w && c->e->bw) {
		fp_dpdk_workers_stats(c, st);
		return;
	}
	*st = c->st;
	st->oneway = c->e->oneway;
}

int fp_dpdk_queue_stats(const struct fp_conn *c, struct fp_queue_stats *qs)
{
	qs->nq = c->e->nq;
	qs->txq = c->queue;
	memcpy(qs->rx, c->q_taken, sizeof(qs->rx));
	for (uint16_t q = 0; q < c->e->nq; q++)
		fp_dpdk_lcore_of(c->e, q, qs);
	return 0;
}

int fp_dpdk_ident(const struct fp_conn *c, struct fp_flow_ident *id)
{
	*id = c->id;
	return 0;
}

/* Idle mode: a short sleep between empty polls lets ranks share cores. */
int fp_dpdk_wait(struct fp_engine *e, int timeout_ms)
{
	(void)e;
	usleep(timeout_ms > 0 ? 100 : 10);
	return 0;
}
