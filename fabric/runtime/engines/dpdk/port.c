// SPDX-License-Identifier: MIT
/*
 * The DPDK engine's control path: bringing the port up, exchanging addresses through
 * the rendezvous, resolving next hops, connecting flows, and closing in order.
 */
#include "priv.h"

#include "../../netid.h"

/* ---------- port ---------- */

static void fill_pattern(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct rte_mbuf *m = obj;
	size_t room = m->buf_len - RTE_PKTMBUF_HEADROOM;
	uint8_t *d = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;

	(void)mp;
	(void)arg;
	(void)idx;
	fp_udpf_fill_pattern(d, FP_UDPF_MIN, room);
}

static int port_up(struct fp_engine *e, const char *portname)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t nrx = NDESC, ntx = NDESC, mtu = 1500;
	int sock, ret;
	unsigned room, n;

	if (portname[0]) {
		ret = rte_eth_dev_get_port_by_name(portname, &e->port);
		if (ret) {
			fp_dpdk_say(
				e,
				"no port '%s' after EAL start (is the PMD installed? the address "
				"right?)",
				portname);
			return -ENODEV;
		}
	} else {
		uint16_t pid;
		bool found = false;

		RTE_ETH_FOREACH_DEV(pid)
		{
			e->port = pid;
			found = true;
			break;
		}
		if (!found) {
			fp_dpdk_say(e, "no DPDK port: bind a NIC to vfio-pci or give --port "
				       "net_memif0,socket=/tmp/x.sock (a vdev)");
			return -ENODEV;
		}
	}
	ret = rte_eth_dev_info_get(e->port, &info);
	if (ret) {
		fp_dpdk_say(e, "port %u: no device info: %s", e->port, rte_strerror(-ret));
		return ret;
	}
	if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) &&
	    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) {
		conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		e->offload = true;
	}
	if (e->nq > info.max_rx_queues || e->nq > info.max_tx_queues) {
		fp_dpdk_say(e, "port %u (%s): --queues %u, but it has %u rx and %u tx queues%s",
			    e->port, info.driver_name, e->nq, info.max_rx_queues,
			    info.max_tx_queues,
			    !strcmp(info.driver_name, "net_af_packet") ? " (add qpairs=N to --port)"
								       : "");
		return -EINVAL;
	}
	/* several queues: the port's RSS spreads flows on receive where it has one (memif has
	 * none: there the sender's queue is the receiver's) */
	if (e->nq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
	}
	ret = rte_eth_dev_configure(e->port, e->nq, e->nq, &conf);
	if (!ret)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(e->port, &nrx, &ntx);
	if (ret) {
		fp_dpdk_say(e, "port %u (%s): configure: %s", e->port, info.driver_name,
			    rte_strerror(-ret));
		return ret;
	}
	rte_eth_dev_get_mtu(e->port, &mtu);
	if (mtu < 46)
		mtu = 1500;
	e->max_frame = (size_t)mtu + 14;
	room = (unsigned)e->max_frame + RTE_PKTMBUF_HEADROOM;
	if (room < RTE_MBUF_DEFAULT_BUF_SIZE)
		room = RTE_MBUF_DEFAULT_BUF_SIZE;
	sock = rte_eth_dev_socket_id(e->port);
	if (sock < 0)
		sock = (int)rte_socket_id();
	/* sized from the rings: what the NIC can hold, plus bursts in our hands */
	/* af_xdp fills its own fill ring (up to 2048 frames per queue) from this pool before
	 * the rx ring */
	n = e->nq * (2 * nrx + (strcmp(info.driver_name, "net_af_xdp") ? 0 : 2048) + 4 * BURST) +
	    256 * (e->nq + 1);
	e->rxpool = rte_pktmbuf_pool_create("fp_rx", n, 256, 0, (uint16_t)room, sock);
	/* a looped-back port holds tx mbufs on its rx ring */
	n = e->nq * (2 * ntx + 4 * BURST) + 256 * (e->nq + 1);
	e->txpool = rte_pktmbuf_pool_create("fp_tx", n, 256, 0, (uint16_t)room, sock);
	if (!e->rxpool || !e->txpool) {
		fp_dpdk_say(e, "cannot create mbuf pools: %s (more memory: --eal '-m 512')",
			    rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rte_mempool_obj_iter(e->txpool, fill_pattern, NULL);
	ret = 0;
	for (uint16_t q = 0; q < e->nq && !ret; q++) {
		ret = rte_eth_rx_queue_setup(e->port, q, nrx, (unsigned)sock, NULL, e->rxpool);
		if (!ret)
			ret = rte_eth_tx_queue_setup(e->port, q, ntx, (unsigned)sock, NULL);
	}
	if (!ret)
		ret = rte_eth_dev_start(e->port);
	if (ret) {
		fp_dpdk_say(e, "port %u (%s): start: %s", e->port, info.driver_name,
			    rte_strerror(-ret));
		return ret;
	}
	e->port_up = true;
	rte_eth_macaddr_get(e->port, &mac);
	memcpy(e->mac, mac.addr_bytes, 6);
	return 0;
}

static int link_wait(struct fp_engine *e)
{
	uint64_t start = fp_dpdk_now_ns(), end = start + e->b.timeout_ns, kick = start;
	struct rte_eth_link link;

	for (;;) {
		/* a memif client that knocked before its server was ready never knocks
		 * again: restarting the port makes it connect anew */
		if (!e->memif_server && fp_dpdk_now_ns() - kick > 2000000000ull) {
			rte_eth_dev_stop(e->port);
			rte_eth_dev_start(e->port);
			kick = fp_dpdk_now_ns();
		}
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(e->port, &link);
		if (link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (fp_dpdk_now_ns() > end) {
			fp_dpdk_say(e,
				    "port %u: link still down after the timeout (is the peer up?)",
				    e->port);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}

/* ---------- set-up ---------- */

static int parse_mac(const char *s, uint8_t *m)
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

static int exchange(struct fp_engine *e)
{
	struct fp_rv_blobs all = { 0 };
	uint8_t mine[10];
	int ret;

	memcpy(mine, &e->ip, 4);
	memcpy(mine + 4, e->mac, 6);
	ret = e->b.allgather(e->b.xctx, "dpdk: exchange of IPv4 and MAC addresses", mine,
			     sizeof(mine), &all);
	if (ret)
		return ret;
	for (int r = 0; r < e->b.size; r++) {
		if (all.len[r] != sizeof(mine)) {
			fp_rv_blobs_free(&all);
			fp_dpdk_say(e, "rank %d published a malformed address", r);
			return -EBADMSG;
		}
		memcpy(&e->peer_ip[r], all.data + all.off[r], 4);
		memcpy(e->peer_mac[r], all.data + all.off[r] + 4, 6);
	}
	fp_rv_blobs_free(&all);
	return 0;
}

static bool mix_fits(struct fp_engine *e)
{
	for (unsigned k = 0; k < e->mix->n; k++) {
		if (e->mix->size[k] < FP_UDPF_MIN + FP_UDPF_FCS ||
		    e->mix->size[k] - FP_UDPF_FCS > e->max_frame) {
			fp_dpdk_say(e,
				    "size %u of the mix: frames here are %d to %zu bytes with "
				    "the FCS",
				    e->mix->size[k], FP_UDPF_MIN + FP_UDPF_FCS,
				    e->max_frame + FP_UDPF_FCS);
			return false;
		}
	}
	return true;
}

int fp_dpdk_open(const struct fp_engine_params *p, struct fp_engine **out)
{
	const struct dpdk_opts *o = p->cfg;
	struct fp_engine *e = calloc(1, sizeof(*e));
	struct args *a = calloc(1, sizeof(*a));
	struct fp_rv_blobs none = { 0 };
	char portname[128];
	struct in_addr ia;
	int ret = -ENOMEM;

	if (!e || !a)
		goto err;
	fp_engine_base_init(&e->b, p);
	e->check = o->check;
	e->nq = o->queues > 1 ? (uint16_t)o->queues : 1;
	/* run: a worker lcore per queue (lcores.c); pkt runs its own */
	e->nw = e->nq > 1 && !o->lcore_per_queue ? e->nq : 0;
	e->mix = o->mix;
	if (p->x && p->x->same_clock) {
		e->oneway = malloc(sizeof(*e->oneway));
		if (!e->oneway)
			goto err;
		fp_hist_reset(e->oneway);
	}
	e->skip_seq = (uint32_t)o->skip_seq; /* -1: UINT32_MAX, never */
	e->tos = (uint8_t)(o->dscp << 2);
	e->peer_ip = calloc((size_t)p->size, sizeof(*e->peer_ip));
	e->peer_mac = calloc((size_t)p->size, sizeof(*e->peer_mac));
	e->hops = calloc((size_t)p->size, sizeof(*e->hops));
	if (!e->peer_ip || !e->peer_mac || !e->hops)
		goto err;
	if (!p->bind || inet_pton(AF_INET, p->bind, &ia) != 1) {
		fp_dpdk_say(e, "the data address '%s' is not IPv4 (--bind)",
			    p->bind ? p->bind : "");
		ret = -EINVAL;
		goto err;
	}
	e->ip = ntohl(ia.s_addr);
	if (o->dst_mac && *o->dst_mac) {
		if (parse_mac(o->dst_mac, e->dst_mac)) {
			fp_dpdk_say(e, "--dst-mac '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
				    o->dst_mac);
			ret = -EINVAL;
			goto err;
		}
		e->have_dst_mac = true;
	}
	ret = fp_dpdk_build_args(e, p, a, portname, sizeof(portname));
	if (ret)
		goto err;
	/* rank 0 first: a memif server must listen before its client starts */
	if (p->rank && (ret = e->b.allgather(e->b.xctx, "dpdk: rank 0's port is up", "", 1, &none)))
		goto err;
	if (rte_eal_init(a->n, a->v) < 0) {
		fp_dpdk_say(e, "EAL start failed: %s (--port '%s', --eal '%s')",
			    rte_strerror(rte_errno), o->port ? o->port : "", o->eal ? o->eal : "");
		ret = -ENODEV;
		/* the others wait for rank 0's port; tell them nothing will come */
		goto err;
	}
	e->eal_up = true;
	ret = fp_dpdk_workers_check(e);
	if (!ret)
		ret = port_up(e, portname);
	if (ret)
		goto err;
	if (!p->rank &&
	    (ret = e->b.allgather(e->b.xctx, "dpdk: rank 0's port is up", "", 1, &none)))
		goto err;
	fp_rv_blobs_free(&none);
	ret = link_wait(e);
	if (!ret && e->mix && !mix_fits(e))
		ret = -EMSGSIZE;
	if (!ret)
		ret = exchange(e);
	if (ret)
		goto err;
	free(a);
	*out = e;
	return 0;
err:
	fp_rv_blobs_free(&none);
	free(a);
	if (e && !e->b.err[0] && ret)
		fp_dpdk_say(e, "open failed: %s", strerror(-ret));
	if (e)
		fp_dpdk_close(e);
	return ret;
}

/* Next hop towards ip from the kernel's IPv4 table for our interface: 0 for on-link. */
static uint32_t kernel_gateway(const char *ifname, uint32_t ip)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], name[64];
	unsigned dst, gw, flags, mask;
	uint32_t best_gw = 0;
	int best = -1;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", name, &dst, &gw, &flags, &mask) !=
			    5 ||
		    strcmp(name, ifname) || !(flags & 1))
			continue;
		/* /proc/net/route prints addresses in host byte order of a big-endian value */
		dst = ntohl(dst);
		mask = ntohl(mask);
		gw = ntohl(gw);
		if ((ip & mask) == dst && __builtin_popcount(mask) > best) {
			best = __builtin_popcount(mask);
			best_gw = (flags & 2) ? gw : 0;
		}
	}
	fclose(f);
	return best_gw;
}

/* ARP for every next hop we lack; keep answering a while so slower ranks resolve us too. */
static int resolve(struct fp_engine *e, const bool *need)
{
	uint64_t start = fp_dpdk_now_ns(), last = 0, done_at = 0, grace = 500000000ull;
	uint8_t f[FP_UDPF_ARPLEN];

	for (;;) {
		bool all = true;
		uint64_t t = fp_dpdk_now_ns();

		for (int r = 0; r < e->b.size; r++)
			all &= !need[r] || e->hops[r].known;
		if (all && !done_at)
			done_at = t;
		if (done_at && t - done_at > grace)
			return 0;
		if (t - start > e->b.timeout_ns) {
			for (int r = 0; r < e->b.size; r++) {
				struct in_addr ia = { htonl(e->hops[r].ip) };

				if (need[r] && !e->hops[r].known) {
					fp_dpdk_say(
						e,
						"no ARP reply from %s (next hop to rank %d) on %s",
						inet_ntoa(ia), r, e->ifname);
					return -EHOSTUNREACH;
				}
			}
		}
		if (!all && t - last > 100000000ull) {
			for (int r = 0; r < e->b.size; r++)
				if (need[r] && !e->hops[r].known)
					fp_dpdk_send_raw(e, 0, f,
							 fp_udpf_arp(f, false, e->mac, e->ip,
								     e->mac, e->hops[r].ip));
			last = t;
		}
		if (!fp_dpdk_poll_port(e))
			usleep(200);
	}
}

int fp_dpdk_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		    struct fp_conn **conns)
{
	bool *need = calloc((size_t)e->b.size, sizeof(*need));
	unsigned nc = 0;
	int ret;

	e->nflows = n;
	e->byflow = calloc(n ? n : 1, sizeof(*e->byflow));
	for (unsigned i = 0; i < n; i++)
		nc += flows[i].src == e->b.rank || flows[i].dst == e->b.rank;
	e->conns = calloc(nc ? nc : 1, sizeof(*e->conns));
	if (e->mix)
		e->mixt = calloc((size_t)(nc ? nc : 1) * e->mix->n, sizeof(*e->mixt));
	if (!need || !e->byflow || !e->conns || (e->mix && !e->mixt)) {
		free(need);
		return -ENOMEM;
	}
	for (int r = 0; r < e->b.size; r++) {
		uint32_t gw = e->kernel_if ? kernel_gateway(e->ifname, e->peer_ip[r]) : 0;

		e->hops[r].ip = gw ? gw : e->peer_ip[r];
		if (e->have_dst_mac) {
			memcpy(e->hops[r].mac, e->dst_mac, 6);
			e->hops[r].known = true;
		} else if (!e->kernel_if) {
			memcpy(e->hops[r].mac, e->peer_mac[r], 6);
			e->hops[r].known = true;
		}
	}
	nc = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct fp_flow *fl = &flows[i];
		struct fp_conn *c;
		struct in_addr ia;

		conns[i] = NULL;
		if (fl->src != e->b.rank && fl->dst != e->b.rank)
			continue;
		c = &e->conns[nc];
		c->idx = nc++;
		c->e = e;
		c->flow = fl->id;
		c->src = fl->src == e->b.rank;
		c->peer = c->src ? fl->dst : fl->src;
		need[c->peer] = true;
		/* the source port names the flow, so an ECMP fabric spreads flows */
		c->ends.sport = (uint16_t)(49152 + (fl->id * 2654435761u >> 18) % 16384);
		c->ends.dport = FP_UDPF_DPORT;
		c->ends.tos = e->tos;
		c->queue = (uint16_t)(c->ends.sport % e->nq);
		if (e->mixt)
			c->mixt = e->mixt + (size_t)(nc - 1) * e->mix->n;
		c->ends.sip = e->ip;
		c->ends.dip = e->peer_ip[c->peer];
		memcpy(c->ends.smac, e->mac, 6);
		snprintf(c->id.proto, sizeof(c->id.proto), "udp");
		ia.s_addr = htonl(c->src ? e->ip : e->peer_ip[c->peer]);
		inet_ntop(AF_INET, &ia, c->id.src_ip, sizeof(c->id.src_ip));
		ia.s_addr = htonl(c->src ? e->peer_ip[c->peer] : e->ip);
		inet_ntop(AF_INET, &ia, c->id.dst_ip, sizeof(c->id.dst_ip));
		c->id.src_port = c->ends.sport;
		c->id.dst_port = c->ends.dport;
		if (fl->id < n)
			e->byflow[fl->id] = c;
		conns[i] = c;
	}
	ret = e->kernel_if && !e->have_dst_mac ? resolve(e, need) : 0;
	for (unsigned i = 0; i < nc && !ret; i++)
		memcpy(e->conns[i].ends.dmac, e->hops[e->conns[i].peer].mac, 6);
	free(need);
	e->nconns = nc;
	if (!ret)
		ret = fp_dpdk_workers_start(e);
	return ret;
}

void fp_dpdk_close(struct fp_engine *e)
{
	if (!e)
		return;
	fp_dpdk_workers_stop(e); /* no lcore but this one polls from here */
	if (e->port_up) {
		struct fp_rv_blobs none = { 0 };

		/* nobody stops polling while a peer may still be sending, or the reverse */
		e->b.allgather(e->b.xctx, "dpdk: traffic stopped", "", 1, &none);
		fp_rv_blobs_free(&none);
		rte_eth_dev_stop(e->port);
		rte_eth_dev_close(e->port);
	}
	rte_mempool_free(e->rxpool);
	rte_mempool_free(e->txpool);
	if (e->eal_up)
		rte_eal_cleanup();
	if (e->own_prefix)
		fp_dpdk_remove_rundir(e->rundir);
	free(e->peer_ip);
	free(e->peer_mac);
	free(e->hops);
	free(e->conns);
	free(e->byflow);
	free(e->mixt);
	free(e->oneway);
	free(e);
}

/*
 * The endpoint: the port's MAC and address, its device (a PCI address for a NIC, the vdev
 * name otherwise) and NUMA node, and the kernel interface under af_xdp or af_packet.
 */
int fp_dpdk_identity(struct fp_engine *e, char *buf, size_t len)
{
	char v[RTE_ETH_NAME_MAX_LEN], x;
	struct in_addr ia = { htonl(e->ip) };
	unsigned dom, bus, dev, fn;
	size_t o = 0;
	int sock;

	buf[0] = 0;
	if (!e->port_up)
		return -ENODEV;
	snprintf(v, sizeof(v), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1], e->mac[2],
		 e->mac[3], e->mac[4], e->mac[5]);
	fp_netid_put(buf, len, &o, "mac", v);
	fp_netid_put(buf, len, &o, "ip", inet_ntoa(ia));
	if (!rte_eth_dev_get_name_by_port(e->port, v)) {
		bool pci = sscanf(v, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &x) == 4;

		fp_netid_put(buf, len, &o, pci ? "pci" : "dpdk_device", v);
	}
	sock = rte_eth_dev_socket_id(e->port);
	snprintf(v, sizeof(v), "%d", sock);
	if (sock >= 0)
		fp_netid_put(buf, len, &o, "numa_node", v);
	/* where the mbufs live (the pools are made on the port's socket) and this lcore's */
	if (e->rxpool && e->rxpool->socket_id >= 0) {
		snprintf(v, sizeof(v), "%d", e->rxpool->socket_id);
		fp_netid_put(buf, len, &o, "numa_buf", v);
	}
	if ((int)rte_socket_id() >= 0) { /* not for an lcore floating over several nodes */
		snprintf(v, sizeof(v), "%d", (int)rte_socket_id());
		fp_netid_put(buf, len, &o, "numa_cpu", v);
	}
	if (e->kernel_if)
		fp_netid_netdev("", e->ifname, buf, len, &o);
	return 0;
}
