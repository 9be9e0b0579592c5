// SPDX-License-Identifier: MIT
/*
 * The DPDK engine's single-rank packet test (`fabprobe pkt`) and its ops table.
 */
#include "priv.h"

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

static bool pkt_stop(const struct fp_pkt_cfg *c, uint64_t start)
{
	return c->duration_ns && fp_dpdk_now_ns() - start > c->duration_ns;
}

static int dpdk_pkt(const struct fp_pkt_cfg *c, struct fp_pkt_result *r, char *err, size_t errlen)
{
	struct dpdk_opts o = { .eal = c->eal,
			       .port = c->port,
			       .dst_mac = c->dst_mac,
			       .check = c->check,
			       .skip_seq = -1 };
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
	struct fp_flow flow = { 0, 0, 0 };
	struct fp_conn *conn;
	struct fp_engine *e;
	struct in_addr ia;
	uint64_t start;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = fp_dpdk_open(&p, &e);
	if (ret)
		return ret;
	ret = fp_dpdk_connect(e, &flow, 1, &conn);
	if (!ret && c->peer_ip) {
		if (inet_pton(AF_INET, c->peer_ip, &ia) != 1) {
			fp_dpdk_say(e, "--peer-ip '%s' is not IPv4", c->peer_ip);
			ret = -EINVAL;
		} else {
			conn->ends.dip = ntohl(ia.s_addr);
		}
	}
	if (!ret && c->tx &&
	    (c->size < FP_UDPF_MIN + FP_UDPF_FCS || c->size - FP_UDPF_FCS > e->max_frame)) {
		fp_dpdk_say(e, "size %llu: frames here are %d to %zu bytes with the FCS",
			    (unsigned long long)c->size, FP_UDPF_MIN + FP_UDPF_FCS,
			    e->max_frame + FP_UDPF_FCS);
		ret = -EMSGSIZE;
	}
	if (ret)
		goto out;
	fp_dpdk_reset(conn);
	start = fp_dpdk_now_ns();
	if (c->tx) {
		double fps = c->pps ? c->pps : c->bps / ((double)(c->size + 20) * 8);
		double tsc_per_frame = fps > 0 ? (double)rte_get_tsc_hz() / fps : 0;
		uint64_t t0 = rte_rdtsc(), t1 = t0, spins = 0;

		while (r->frames < c->count && ((++spins & 1023) || !pkt_stop(c, start))) {
			uint64_t want = c->count - r->frames;
			int k;

			if (tsc_per_frame > 0) {
				uint64_t due =
					(uint64_t)((double)(rte_rdtsc() - t0) / tsc_per_frame) + 1;

				want = due > r->frames ? due - r->frames : 0;
				if (want > c->count - r->frames)
					want = c->count - r->frames;
			}
			if (!want)
				continue;
			k = fp_dpdk_tx(conn, NULL, c->size,
				       (unsigned)(want < BURST ? want : BURST));
			if (k < 0) {
				ret = k;
				break;
			}
			r->frames += (uint64_t)k;
			if (k)
				t1 = rte_rdtsc();
		}
		r->bytes = r->frames * c->size;
		r->seconds = (double)(t1 - t0) / (double)rte_get_tsc_hz();
		for (int i = 0; i < 5; i++) {
			fp_dpdk_finish(conn);
			usleep(2000);
		}
	} else {
		for (;;) {
			unsigned n = fp_dpdk_poll_port(e);

			if (c->count && e->frames >= c->count)
				break;
			if (pkt_stop(c, start))
				break;
			if (!n && e->frames && c->idle_ns &&
			    (double)(rte_rdtsc() - e->last_tsc) / (double)rte_get_tsc_hz() * 1e9 >
				    (double)c->idle_ns)
				break;
		}
		r->frames = e->frames;
		r->probe = conn->st.pkts;
		r->bytes = conn->st.bytes;
		r->foreign = e->foreign;
		r->bad = e->bad;
		r->stale = e->stale;
		r->reordered = conn->st.reordered;
		r->duplicates = conn->st.duplicates;
		if (conn->st.end_seen && conn->st.peer_sent > conn->st.pkts)
			r->lost = conn->st.peer_sent - conn->st.pkts;
		r->seconds = (double)(e->last_tsc - e->first_tsc) / (double)rte_get_tsc_hz();
	}
	if (!ret && c->report) {
		c->report(r, c->arg);
		/* a peer such as testpmd loses its port counters when we disconnect: let it
		 * print them first */
		if (c->linger_ns)
			usleep((useconds_t)(c->linger_ns / 1000));
	}
out:
	fp_dpdk_close(e);
	return ret;
}

const struct fp_engine_ops fp_dpdk_ops = {
	.name = "dpdk",
	.desc = "DPDK: UDP frames on a PMD port (NIC, memif, af_xdp, af_packet, null, ring)",
	.flags = FP_ENG_DGRAM,
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
	.begin = fp_dpdk_begin,
	.opts = fp_dpdk_opts,
	.cfg_size = sizeof(struct dpdk_opts),
	.pkt = dpdk_pkt,
};
