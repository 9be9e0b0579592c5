// SPDX-License-Identifier: MIT
/*
 * The worker lcores of `fabprobe run --engine dpdk --queues N` (N > 1): worker q owns
 * transmit and receive queue q; the main lcore runs the runner (pacing, counting, the
 * rendezvous) and hands frames over.
 *
 * Transmit: the runner's tx() on a flow adds to the flow's tx_req, at most BACKLOG frames
 * ahead of what its queue's worker has sent (tx_done), and returns how many it added; the
 * worker sends them in bursts from the flow's template, then any end markers finish() asked
 * for, so an end marker never passes the flow's frames.
 * Receive: each worker polls its queue into its own copy of every flow's state (a flow's
 * frames may come on several queues: af_packet's fanout rolls over) and counts the unique
 * frames in the copy's ready; rx() takes from each queue's count in turn, so the frames
 * taken per queue (q_taken, run.json ranks[].queues) sum to what rx() returned.
 * Latency phases (begin(lat)) park the workers and poll every queue from the main lcore.
 *
 * The workers read a command word: a generation and PAUSE, RUN or EXIT. A worker acks a
 * PAUSE once it has finished the iteration it was in, so after fp_dpdk_workers_pause() no
 * worker touches a flow (reset() rewrites them there).
 */
#include "priv.h"

#define BACKLOG (4 * BURST) /* frames handed over, not yet sent, per flow */

static uint32_t next_cmd(const struct fp_engine *e, uint32_t what)
{
	return (((e->cmd >> 2) + 1) << 2) | what;
}

static void resume(struct fp_engine *e)
{
	if ((e->cmd & 3) != FP_W_RUN)
		__atomic_store_n(&e->cmd, next_cmd(e, FP_W_RUN), __ATOMIC_SEQ_CST);
}

void fp_dpdk_workers_pause(struct fp_engine *e)
{
	uint32_t cmd;

	if (!e->w || (e->cmd & 3) != FP_W_RUN)
		return;
	cmd = next_cmd(e, FP_W_PAUSE);
	__atomic_store_n(&e->cmd, cmd, __ATOMIC_SEQ_CST);
	for (uint16_t q = 0; q < e->nw; q++)
		while (e->w[q].launched && __atomic_load_n(&e->w[q].ack, __ATOMIC_ACQUIRE) != cmd)
			sched_yield();
}

/* One burst of what the runner handed this flow, or one end marker once those are out. */
static unsigned send_some(struct fp_conn *c)
{
	uint64_t req = __atomic_load_n(&c->tx_req, __ATOMIC_ACQUIRE);
	uint32_t ends;
	int k;

	if (req != c->tx_done) {
		uint64_t want = req - c->tx_done;

		k = fp_dpdk_tx_direct(c, c->tx_len, (unsigned)(want < BURST ? want : BURST));
		/* the length was checked when it was handed over: k < 0 cannot happen; were it
		 * to, the frames are dropped rather than retried for ever */
		if (k < 0)
			k = (int)want;
		if (k)
			__atomic_store_n(&c->tx_done, c->tx_done + (uint64_t)k, __ATOMIC_RELEASE);
		return (unsigned)k;
	}
	ends = __atomic_load_n(&c->end_req, __ATOMIC_ACQUIRE);
	if (ends == c->end_done)
		return 0;
	/* each copy is one try, as the runner's calls were: one may meet a full queue */
	fp_dpdk_send_frames(c, FP_UDPF_MIN + FP_UDPF_FCS, FP_UDPF_END, 1, c->tx_seq);
	__atomic_store_n(&c->end_done, ends, __ATOMIC_RELEASE);
	return 1;
}

static int worker_main(void *arg)
{
	struct fp_worker *w = arg;
	struct fp_engine *e = w->e;
	unsigned idle = 0;

	for (;;) {
		uint32_t cmd = __atomic_load_n(&e->cmd, __ATOMIC_ACQUIRE);
		unsigned work;

		if ((cmd & 3) == FP_W_EXIT)
			break;
		if ((cmd & 3) != FP_W_RUN) {
			if (w->ack != cmd)
				__atomic_store_n(&w->ack, cmd, __ATOMIC_RELEASE);
			usleep(100);
			continue;
		}
		work = fp_dpdk_poll_queue(e, &w->rxq, w->q);
		for (unsigned i = 0; i < w->ntx; i++)
			work += send_some(w->txc[i]);
		/* lcores may float over fewer CPUs than there are (--lcores '(0-2)@(0,1)'): an
		 * idle one gives its CPU away, and sleeps a little when it stays idle */
		if (work)
			idle = 0;
		else if (++idle < 256)
			sched_yield();
		else
			usleep(20);
	}
	return 0;
}

int fp_dpdk_workers_check(struct fp_engine *e)
{
	if (!e->nw || rte_lcore_count() > e->nw)
		return 0;
	fp_dpdk_say(e,
		    "--queues %u runs a worker lcore per queue and the main one: %u lcores, the "
		    "EAL has %u (--lcores '(0-%u)@(0,1)', or leave -l/--lcores out)",
		    e->nw, e->nw + 1, rte_lcore_count(), e->nw);
	return -EINVAL;
}

static int setup(struct fp_engine *e, struct fp_worker *w, uint16_t q)
{
	w->e = e;
	w->q = q;
	w->copies = calloc(e->nconns ? e->nconns : 1, sizeof(*w->copies));
	w->byflow = calloc(e->nflows ? e->nflows : 1, sizeof(*w->byflow));
	w->txc = calloc(e->nconns ? e->nconns : 1, sizeof(*w->txc));
	if (!w->copies || !w->byflow || !w->txc)
		return -ENOMEM;
	for (uint32_t i = 0; i < e->nconns; i++) {
		struct fp_conn *c = &e->conns[i];

		w->copies[i] = *c;
		if (c->src && c->queue == q)
			w->txc[w->ntx++] = c;
	}
	for (uint32_t f = 0; f < e->nflows; f++)
		w->byflow[f] = e->byflow[f] ? &w->copies[e->byflow[f]->idx] : NULL;
	w->rxq.byflow = w->byflow;
	w->rxq.oneway = e->oneway ? &w->oneway : NULL;
	w->rxq.qid = q;
	fp_hist_reset(&w->oneway);
	return 0;
}

/* After connect: a worker per queue on the EAL's worker lcores, parked. */
int fp_dpdk_workers_start(struct fp_engine *e)
{
	uint16_t q = 0;
	unsigned lc;
	int ret;

	if (!e->nw)
		return 0;
	e->w = calloc(e->nw, sizeof(*e->w));
	if (!e->w)
		return -ENOMEM;
	for (q = 0; q < e->nw; q++)
		if ((ret = setup(e, &e->w[q], q)))
			return ret;
	e->cmd = FP_W_PAUSE;
	q = 0;
	RTE_LCORE_FOREACH_WORKER(lc)
	{
		if (q == e->nw)
			break;
		e->w[q].lcore = lc;
		ret = rte_eal_remote_launch(worker_main, &e->w[q], lc);
		if (ret) {
			fp_dpdk_say(e, "cannot start lcore %u: %s", lc, rte_strerror(-ret));
			return ret;
		}
		e->w[q++].launched = true;
	}
	if (q < e->nw) { /* fp_dpdk_workers_check() counted them: not reached */
		fp_dpdk_say(e, "%u worker lcores for %u queues", q, e->nw);
		return -EINVAL;
	}
	return 0;
}

void fp_dpdk_workers_stop(struct fp_engine *e)
{
	if (!e->w)
		return;
	__atomic_store_n(&e->cmd, next_cmd(e, FP_W_EXIT), __ATOMIC_SEQ_CST);
	for (uint16_t q = 0; q < e->nw; q++) {
		if (e->w[q].launched)
			rte_eal_wait_lcore(e->w[q].lcore);
		free(e->w[q].copies);
		free(e->w[q].byflow);
		free(e->w[q].txc);
	}
	free(e->w);
	e->w = NULL;
}

/* After reset() (the workers parked): every queue's copy starts the phase as the flow. */
void fp_dpdk_workers_reset(struct fp_conn *c)
{
	struct fp_engine *e = c->e;

	for (uint16_t q = 0; e->w && q < e->nw; q++)
		e->w[q].copies[c->idx] = *c;
}

int fp_dpdk_workers_tx(struct fp_conn *c, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	uint64_t done, room;

	if (len < FP_UDPF_MIN + FP_UDPF_FCS || len - FP_UDPF_FCS > e->max_frame)
		return -EMSGSIZE;
	resume(e);
	done = __atomic_load_n(&c->tx_done, __ATOMIC_ACQUIRE);
	if (c->tx_len != len) {
		if (done != c->tx_req) { /* a new length once the worker has sent the old */
			sched_yield();
			return 0;
		}
		c->tx_len = len;
	}
	room = BACKLOG - (c->tx_req - done);
	if (!room) {
		sched_yield(); /* the worker may need this CPU */
		return 0;
	}
	if (n > room)
		n = (unsigned)room;
	__atomic_store_n(&c->tx_req, c->tx_req + n, __ATOMIC_RELEASE);
	return (int)n;
}

int fp_dpdk_workers_finish(struct fp_conn *c)
{
	resume(c->e);
	__atomic_store_n(&c->end_req, c->end_req + 1, __ATOMIC_RELEASE);
	return 0;
}

int fp_dpdk_workers_rx(struct fp_conn *c, unsigned n)
{
	struct fp_engine *e = c->e;
	uint64_t left = n;

	resume(e);
	for (uint16_t q = 0; q < e->nw && left; q++) {
		uint64_t got = __atomic_load_n(&e->w[q].copies[c->idx].ready, __ATOMIC_ACQUIRE);
		uint64_t t = got - c->q_taken[q];

		t = t < left ? t : left;
		c->q_taken[q] += t;
		left -= t;
	}
	if (left == n)
		sched_yield();
	return (int)(n - left);
}

/* The flow's counts over every queue's copy (read while the workers count on: each field
 * is written by one worker only, and the runner reads them for the record at the end).
 * Not parked here: parking the workers on every idle sweep lost memif frames (4744 of
 * 5000 at 1518 B). The one-way histogram merged here can meet a frame landing mid-merge;
 * the record's merge comes after the drain, when frames have stopped. */
void fp_dpdk_workers_stats(const struct fp_conn *c, struct fp_dgram_stats *st)
{
	struct fp_engine *e = c->e;

	memset(st, 0, sizeof(*st));
	if (e->oneway)
		fp_hist_reset(e->oneway);
	for (uint16_t q = 0; q < e->nw; q++) {
		const struct fp_dgram_stats *x = &e->w[q].copies[c->idx].st;

		st->pkts += x->pkts;
		st->bytes += x->bytes;
		st->reordered += x->reordered;
		st->duplicates += x->duplicates;
		st->stale += x->stale;
		if (x->end_seen) {
			st->end_seen = true;
			st->peer_sent = x->peer_sent;
		}
		if (e->oneway)
			fp_hist_merge(e->oneway, &e->w[q].oneway);
	}
	st->oneway = e->oneway;
}

/* Who serves queue q: its worker, or with none the main lcore; and the CPUs it may use. */
void fp_dpdk_lcore_of(const struct fp_engine *e, uint16_t q, struct fp_queue_stats *qs)
{
	unsigned lc = e->w ? e->w[q].lcore : rte_get_main_lcore();
	rte_cpuset_t set = rte_lcore_cpuset(lc);

	qs->lcore[q] = (int)lc;
	qs->ncpu[q] = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE && qs->ncpu[q] < FP_QS_MAXCPU; cpu++)
		if (CPU_ISSET(cpu, &set))
			qs->cpu[q][qs->ncpu[q]++] = (uint16_t)cpu;
}
