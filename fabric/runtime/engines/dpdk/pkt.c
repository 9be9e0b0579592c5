// SPDX-License-Identifier: MIT
/*
 * The DPDK engine's single-rank packet test (`fabprobe pkt`) and its ops table.
 */
#include "priv.h"

#include "../../../../core/err.h"

/* ---------- fabprobe pkt ---------- */

static int self_allgather(void *ctx, const char *what, const void *mine, size_t len,
			  struct fp_rv_blobs *out)
{
	(void)ctx;
	(void)what;
	memset(out, 0, sizeof(*out));
	out->data = malloc(len ? len : 1);
	out->off = calloc(1, sizeof(*out->off));
	out->len = calloc(1, sizeof(*out->len));
	if (!out->data || !out->off || !out->len) {
		fp_rv_blobs_free(out);
		return -ENOMEM;
	}
	memcpy(out->data, mine, len);
	out->len[0] = (uint32_t)len;
	out->n = 1;
	return 0;
}

/* What every queue's lcore shares: frames counted so far and when the last one came. */
struct pkt_share {
	uint64_t total, last_tsc, start_ns;
};

/* One queue of `fabprobe pkt`, run by one lcore: lcore 0 (the main one) runs queue 0. */
struct pkt_job {
	struct fp_engine *e;
	const struct fp_pkt_cfg *c;
	struct pkt_share *sh;
	uint16_t q;
	/* tx */
	struct fp_conn *conn;
	uint64_t count;
	double tsc_per_frame;
	uint64_t t0, t1;
	/* rx: this queue's own copy of every flow's state */
	struct fp_rxq rxq;
	struct fp_conn conns[FP_PKT_MAXQ];
	struct fp_conn *byflow[FP_PKT_MAXQ];
	uint64_t frames;
	bool share_cpu; /* more queues than CPUs: an idle lcore yields */
	int ret;
};

static bool pkt_stop(const struct fp_pkt_cfg *c, uint64_t start)
{
	return c->duration_ns && fp_dpdk_now_ns() - start > c->duration_ns;
}

static int tx_queue(void *arg)
{
	struct pkt_job *j = arg;
	const struct fp_pkt_cfg *c = j->c;
	/* with a mix, the frame's size comes from its sequence number; this one is checked */
	uint64_t len = c->mix ? c->mix->size[0] : c->size, spins = 0;

	j->t0 = j->t1 = rte_rdtsc();
	while (j->frames < j->count && ((++spins & 1023) || !pkt_stop(c, j->sh->start_ns))) {
		uint64_t want = j->count - j->frames;
		int k;

		if (j->tsc_per_frame > 0) {
			uint64_t due =
				(uint64_t)((double)(rte_rdtsc() - j->t0) / j->tsc_per_frame) + 1;

			want = due > j->frames ? due - j->frames : 0;
			if (want > j->count - j->frames)
				want = j->count - j->frames;
		}
		if (!want) {
			/* several lcores may float over fewer CPUs: give a paced one's turn away */
			if (j->share_cpu)
				sched_yield();
			continue;
		}
		k = fp_dpdk_tx(j->conn, NULL, len, (unsigned)(want < BURST ? want : BURST));
		if (k < 0) {
			j->ret = k;
			break;
		}
		j->frames += (uint64_t)k;
		if (k)
			j->t1 = rte_rdtsc();
	}
	for (int i = 0; i < 5; i++) {
		fp_dpdk_finish(j->conn);
		usleep(2000);
	}
	return 0;
}

static int rx_queue(void *arg)
{
	struct pkt_job *j = arg;
	const struct fp_pkt_cfg *c = j->c;
	struct pkt_share *sh = j->sh;
	double ns_per_tick = 1e9 / (double)rte_get_tsc_hz();

	for (;;) {
		uint64_t before = j->rxq.frames, total, last, now;
		unsigned n = fp_dpdk_poll_queue(j->e, &j->rxq, j->q);

		if (j->rxq.frames != before) {
			__atomic_add_fetch(&sh->total, j->rxq.frames - before, __ATOMIC_RELAXED);
			__atomic_store_n(&sh->last_tsc, j->rxq.last_tsc, __ATOMIC_RELAXED);
		}
		if (!n && j->share_cpu)
			sched_yield();
		total = __atomic_load_n(&sh->total, __ATOMIC_RELAXED);
		if (c->count && total >= c->count)
			break;
		if (pkt_stop(c, sh->start_ns))
			break;
		last = __atomic_load_n(&sh->last_tsc, __ATOMIC_RELAXED);
		now = rte_rdtsc();
		if (!n && total && c->idle_ns && now > last &&
		    (double)(now - last) * ns_per_tick > (double)c->idle_ns)
			break;
	}
	return 0;
}

/* Every flow's counts summed over the queues that saw it. */
static void rx_sum(struct pkt_job *jobs, unsigned nq, unsigned nflows, struct fp_pkt_result *r)
{
	uint64_t first = UINT64_MAX, last = 0;

	for (unsigned q = 0; q < nq; q++) {
		const struct fp_rxq *x = &jobs[q].rxq;

		r->q_frames[q] = x->probe;
		r->frames += x->frames;
		r->foreign += x->foreign;
		r->bad += x->bad;
		r->stale += x->stale;
		for (unsigned k = 0; k < FP_IMIX_MAX; k++)
			r->size_frames[k] += x->by_size[k];
		if (x->frames) {
			first = x->first_tsc < first ? x->first_tsc : first;
			last = x->last_tsc > last ? x->last_tsc : last;
		}
	}
	for (unsigned f = 0; f < nflows; f++) {
		uint64_t pkts = 0, sent = 0;
		bool end = false;

		for (unsigned q = 0; q < nq; q++) {
			const struct fp_dgram_stats *st = &jobs[q].conns[f].st;

			pkts += st->pkts;
			r->bytes += st->bytes;
			r->reordered += st->reordered;
			r->duplicates += st->duplicates;
			if (st->end_seen) {
				end = true;
				sent = st->peer_sent;
			}
		}
		r->probe += pkts;
		if (end && sent > pkts)
			r->lost += sent - pkts;
	}
	r->wire_bits = (double)(r->bytes + 20 * r->probe) * 8;
	r->seconds = last > first ? (double)(last - first) / (double)rte_get_tsc_hz() : 0;
}

static void tx_sum(struct pkt_job *jobs, unsigned nq, const struct fp_pkt_cfg *c,
		   struct fp_pkt_result *r)
{
	uint64_t t0 = UINT64_MAX, t1 = 0;

	for (unsigned q = 0; q < nq; q++) {
		r->q_frames[q] = jobs[q].frames;
		r->frames += jobs[q].frames;
		for (unsigned k = 0; c->mix && k < c->mix->n; k++) {
			uint64_t n = fp_imix_count(c->mix, k, jobs[q].frames);

			r->size_frames[k] += n;
			r->bytes += n * c->mix->size[k];
		}
		t0 = jobs[q].t0 < t0 ? jobs[q].t0 : t0;
		t1 = jobs[q].t1 > t1 ? jobs[q].t1 : t1;
	}
	if (!c->mix)
		r->bytes = r->frames * c->size;
	r->wire_bits = (double)(r->bytes + 20 * r->frames) * 8;
	r->seconds = (double)(t1 - t0) / (double)rte_get_tsc_hz();
}

/* Queue q on lcore q: the main lcore runs queue 0 itself, the workers the others. */
static int run_queues(struct fp_engine *e, struct pkt_job *jobs, unsigned nq, bool tx)
{
	unsigned q = 1, lc;
	int ret = 0;

	RTE_LCORE_FOREACH_WORKER(lc)
	{
		if (q == nq)
			break;
		ret = rte_eal_remote_launch(tx ? tx_queue : rx_queue, &jobs[q++], lc);
		if (ret) {
			fp_dpdk_say(e, "cannot start lcore %u: %s", lc, rte_strerror(-ret));
			break;
		}
	}
	if (!ret)
		(tx ? tx_queue : rx_queue)(&jobs[0]);
	rte_eal_mp_wait_lcore();
	for (unsigned i = 0; i < nq && !ret; i++)
		ret = jobs[i].ret;
	return ret;
}

/* The flows of `fabprobe pkt`: tx sends flow q on queue q, its source port chosen so that
 * port mod queues is q; rx knows every flow id a sender may use. */
static int pkt_flows(struct fp_engine *e, const struct fp_pkt_cfg *c, unsigned nq,
		     struct fp_conn **conns, unsigned *nflows)
{
	struct fp_flow flows[FP_PKT_MAXQ];
	unsigned n = c->tx ? nq : FP_PKT_MAXQ;
	uint16_t base = (uint16_t)((49152 + nq - 1) / nq * nq);
	struct in_addr ia;
	int ret;

	for (unsigned i = 0; i < n; i++)
		flows[i] = (struct fp_flow){ i, 0, 0 };
	ret = fp_dpdk_connect(e, flows, n, conns);
	if (ret)
		return ret;
	if (c->peer_ip && inet_pton(AF_INET, c->peer_ip, &ia) != 1) {
		fp_dpdk_say(e, "--peer-ip '%s' is not IPv4", c->peer_ip);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		if (c->peer_ip)
			conns[i]->ends.dip = ntohl(ia.s_addr);
		if (c->tx) {
			conns[i]->ends.sport = (uint16_t)(base + i);
			conns[i]->id.src_port = conns[i]->ends.sport;
			conns[i]->queue = (uint16_t)i;
		}
		fp_dpdk_reset(conns[i]);
	}
	*nflows = n;
	return 0;
}

static int dpdk_pkt(const struct fp_pkt_cfg *c, struct fp_pkt_result *r, char *err, size_t errlen)
{
	unsigned nq = c->queues > 1 ? c->queues : 1, nflows = 0;
	struct dpdk_opts o = { .eal = c->eal,
			       .port = c->port,
			       .dst_mac = c->dst_mac,
			       .check = c->check,
			       .skip_seq = -1,
			       .queues = nq,
			       .lcore_per_queue = true,
			       .mix = c->mix };
	struct fp_engine_xopts xo = { .local_rank = 0 };
	struct fp_engine_params p = { .rank = 0,
				      .size = 1,
				      .bind = c->ip,
				      .timeout_ns = 10000000000ull,
				      .x = &xo,
				      .cfg = &o,
				      .allgather = self_allgather,
				      .err = err,
				      .errlen = errlen };
	struct fp_conn *conns[FP_PKT_MAXQ];
	struct pkt_share sh = { 0 };
	struct pkt_job *jobs = NULL;
	struct fp_engine *e;
	cpu_set_t cpus;
	bool share;
	double fps;
	int ret;

	memset(r, 0, sizeof(*r));
	CPU_ZERO(&cpus);
	if (nq > FP_PKT_MAXQ)
		return fp_say(err, errlen, "--queues %u: at most %d", nq, FP_PKT_MAXQ);
	ret = fp_dpdk_open(&p, &e);
	if (ret)
		return ret;
	if (rte_lcore_count() < nq) {
		fp_dpdk_say(e,
			    "--queues %u needs %u lcores, the EAL has %u (--lcores '(0-%u)@(0)')",
			    nq, nq, rte_lcore_count(), nq - 1);
		ret = -EINVAL;
		goto out;
	}
	ret = pkt_flows(e, c, nq, conns, &nflows);
	if (!ret && c->tx && !c->mix &&
	    (c->size < FP_UDPF_MIN + FP_UDPF_FCS || c->size - FP_UDPF_FCS > e->max_frame)) {
		fp_dpdk_say(e, "size %llu: frames here are %d to %zu bytes with the FCS",
			    (unsigned long long)c->size, FP_UDPF_MIN + FP_UDPF_FCS,
			    e->max_frame + FP_UDPF_FCS);
		ret = -EMSGSIZE;
	}
	jobs = ret ? NULL : calloc(nq, sizeof(*jobs));
	if (!ret && !jobs)
		ret = -ENOMEM;
	if (ret)
		goto out;
	fps = c->pps ? c->pps
		     : c->bps / (((c->mix ? fp_imix_mean(c->mix) : (double)c->size) + 20) * 8);
	sh.start_ns = fp_dpdk_now_ns();
	share = sched_getaffinity(0, sizeof(cpus), &cpus) || CPU_COUNT(&cpus) < (int)nq;
	for (unsigned q = 0; q < nq; q++) {
		struct pkt_job *j = &jobs[q];

		*j = (struct pkt_job){
			.e = e, .c = c, .sh = &sh, .q = (uint16_t)q, .share_cpu = share
		};
		if (c->tx) {
			j->conn = conns[q];
			j->count = c->count / nq + (q < c->count % nq);
			j->tsc_per_frame = fps > 0 ? (double)rte_get_tsc_hz() * nq / fps : 0;
			continue;
		}
		for (unsigned f = 0; f < nflows; f++) {
			j->conns[f] = *conns[f];
			j->byflow[f] = &j->conns[f];
		}
		j->rxq.byflow = j->byflow;
	}
	ret = run_queues(e, jobs, nq, c->tx);
	r->nq = nq;
	if (c->tx)
		tx_sum(jobs, nq, c, r);
	else
		rx_sum(jobs, nq, nflows, r);
	if (!ret && c->report) {
		c->report(r, c->arg);
		/* a peer such as testpmd loses its port counters when we disconnect: let it
		 * print them first */
		if (c->linger_ns)
			usleep((useconds_t)(c->linger_ns / 1000));
	}
out:
	free(jobs);
	fp_dpdk_close(e);
	return ret;
}

const struct fp_engine_ops fp_dpdk_ops = {
	.name = "dpdk",
	.desc = "DPDK: UDP frames on a PMD port (NIC, memif, af_xdp, af_packet, null, ring); "
		"datagrams: a dead path shows as loss (a flow silent from the start as a timeout)",
	.flags = FP_ENG_DGRAM | FP_ENG_QUEUES,
	.probe = fp_dpdk_probe,
	.open = fp_dpdk_open,
	.close = fp_dpdk_close,
	.connect = fp_dpdk_connect,
	.ident = fp_dpdk_ident,
	.identity = fp_dpdk_identity,
	.tx = fp_dpdk_tx,
	.rx = fp_dpdk_rx,
	.wait = fp_dpdk_wait,
	.limits = fp_dpdk_limits,
	.reset = fp_dpdk_reset,
	.finish = fp_dpdk_finish,
	.dgram_stats = fp_dpdk_stats,
	.queue_stats = fp_dpdk_queue_stats,
	.begin = fp_dpdk_begin,
	.opts = fp_dpdk_opts,
	.cfg_size = sizeof(struct dpdk_opts),
	.pkt = dpdk_pkt,
};
