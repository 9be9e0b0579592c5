// SPDX-License-Identifier: MIT
/*
 * The DPDK engine: UDP probe frames (udpframe.h) on one DPDK port, polled from this rank's
 * lcore. The only file that includes <rte_*>.
 *
 * One message is one frame; message sizes are Ethernet frame sizes with the FCS, as in
 * RFC 2544 (64 B to MTU + 18). Frames can be lost, so the engine says FP_ENG_DGRAM and the
 * runner paces and counts instead of keeping a credit window. Each flow has an epoch that
 * both ends advance at every phase; a frame of an earlier phase is counted stale.
 *
 * Set-up: rank 0 brings its port up first (a memif server must exist before its client),
 * every rank publishes IPv4 + MAC through the rendezvous, and next hops are resolved:
 * the peer's published MAC when the port has no kernel interface (memif, ring, a NIC),
 * ARP through the port otherwise (af_xdp and af_packet deliver every frame to us, ARP
 * included, so the engine answers ARP for its own address all the time).
 *
 * Exit: every rank stops sending, meets the others, then stops and closes its port and
 * cleans the EAL up; a memif peer must never disappear while the other polls.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_version.h>

#include "../../../core/hist.h"
#include "../engine.h"
#include "udpframe.h"

#define BURST	 32
#define NDESC	 1024
#define MAX_ARGS 64
#define SEQ_WIN	 1024 /* reorder/duplicate window, frames */

struct fp_conn {
	struct fp_engine *e;
	uint32_t flow;
	int peer;
	bool src;
	uint8_t epoch;
	struct fp_udpf_ends ends; /* this rank -> peer */
	struct fp_udpf_tmpl tmpl; /* for the current length and epoch */
	uint32_t tx_seq;
	/* receive side */
	uint64_t ready; /* frames counted, not yet taken by rx() */
	uint32_t next;	/* next sequence number expected */
	uint64_t win[SEQ_WIN / 64];
	struct fp_dgram_stats st;
	struct fp_flow_ident id;
};

struct hop {
	uint32_t ip;
	uint8_t mac[6];
	bool known;
};

struct fp_engine {
	int rank, size;
	uint16_t port;
	bool eal_up, port_up, kernel_if, check, offload, own_prefix;
	char rundir[256];  /* the EAL's runtime folder, ours to remove when we named it */
	uint32_t skip_seq; /* fault injection for tests: this frame "leaves" but is never sent */
	struct fp_hist *oneway; /* TX timestamp to arrival, when the clock is shared */
	struct rte_mempool *rxpool, *txpool;
	uint8_t mac[6];
	uint32_t ip;
	char ifname[32];
	uint32_t *peer_ip;
	uint8_t (*peer_mac)[6];
	struct hop *hops; /* next hop per peer rank */
	bool have_dst_mac;
	uint8_t dst_mac[6];
	struct fp_conn *conns;
	struct fp_conn **byflow;
	uint32_t nflows;
	size_t max_frame; /* without FCS */
	uint64_t frames, foreign, bad, stale, arp_replies;
	uint64_t first_tsc, last_tsc; /* first and last frame but ARP */
	uint64_t timeout_ns;
	void *xctx;
	fp_allgather_fn allgather;
	char *err;
	size_t errlen;
};

static void say(struct fp_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct fp_engine *e, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(e->err, e->errlen, "dpdk: ");

	va_start(ap, fmt);
	vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------- probe ---------- */

static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long v = -1;
	size_t kl = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

/* PCI drivers DPDK can use that are loaded. */
static int bound_ports(void)
{
	static const char *const drv[] = { "vfio-pci", "uio_pci_generic", "igb_uio" };
	char path[128];
	struct stat st;
	int n = 0;

	for (size_t i = 0; i < sizeof(drv) / sizeof(drv[0]); i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv[i]);
		n += !stat(path, &st);
	}
	return n;
}

static int dpdk_probe(char *why, size_t len)
{
	long huge = meminfo("HugePages_Free");
	bool root = geteuid() == 0;

	if (!root && access("/dev/hugepages", W_OK)) {
		snprintf(why, len,
			 "not root: DPDK needs root (or CAP_SYS_ADMIN, CAP_IPC_LOCK and access "
			 "to /dev/hugepages and the device)");
		return -EPERM;
	}
	snprintf(why, len, "%s; %s; %s", rte_version(),
		 huge > 0 ? "hugepages free"
			  : "no free hugepages: runs only with --eal '--no-huge -m 256'",
		 bound_ports() ? "a PCI driver for DPDK is loaded"
			       : "no vfio-pci/uio driver: virtual devices only "
				 "(--port net_memif0,... or net_af_xdp0,iface=...)");
	return 0;
}

/* ---------- EAL arguments ---------- */

struct args {
	char *v[MAX_ARGS + 1];
	int n;
	char buf[4096];
	size_t used;
};

static int add_arg(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add_arg(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->n >= MAX_ARGS)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, sizeof(a->buf) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->buf) - a->used)
		return -E2BIG;
	a->v[a->n++] = a->buf + a->used;
	a->used += (size_t)n + 1;
	return 0;
}

static bool has_arg(const struct args *a, const char *const *names)
{
	for (int i = 1; i < a->n; i++)
		for (const char *const *p = names; *p; p++)
			if (!strncmp(a->v[i], *p, strlen(*p)))
				return true;
	return false;
}

static bool is_pci(const char *s)
{
	unsigned d, b, dev, f;
	char tail;

	return sscanf(s, "%x:%x:%x.%x%c", &d, &b, &dev, &f, &tail) == 4 ||
	       sscanf(s, "%x:%x.%x%c", &b, &dev, &f, &tail) == 3;
}

/* The value of key= in a vdev's argument list, or "". */
static void kv(const char *spec, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	out[0] = 0;
	for (const char *p = strchr(spec, ','); p; p = strchr(p + 1, ',')) {
		if (!strncmp(p + 1, key, kl) && p[1 + kl] == '=') {
			const char *v = p + 2 + kl, *end = strchr(v, ',');
			size_t n = end ? (size_t)(end - v) : strlen(v);

			snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), v);
			return;
		}
	}
}

/* The name of the interface that holds IPv4 address ip (host order). */
static int iface_of(uint32_t ip, char *name)
{
	struct ifaddrs *ifa, *i;
	int ret = -ENODEV;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		if (ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr) == ip) {
			snprintf(name, IF_NAMESIZE, "%s", i->ifa_name);
			ret = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return ret;
}

/* The engine's own options (`fabprobe run --engine dpdk`). */
struct dpdk_opts {
	const char *port, *eal, *dst_mac;
	bool check;
	int64_t skip_seq;
};

_Static_assert(sizeof(struct dpdk_opts) <= FP_ENGINE_CFG_MAX, "dpdk options fit the runner");

#define DPDK_OPT(n, t, f, d, lo, hi, env, mv, h)                                                   \
	{                                                                                          \
		n, t, offsetof(struct dpdk_opts, f), d, lo, hi, NULL, env, mv, h                   \
	}

static const struct fp_opt dpdk_opts[] = {
	DPDK_OPT("port", FP_OPT_STRING, port, NULL, 0, 0, "FABPROBE_PORT", "SPEC",
		 "PCI address or vdev (net_memif0,socket=/tmp/m.sock | net_af_xdp0,iface=veth0 | "
		 "net_null0)"),
	DPDK_OPT("eal", FP_OPT_STRING, eal, NULL, 0, 0, "FABPROBE_EAL", "ARGS",
		 "EAL arguments, e.g. '--no-huge -m 256' (also: everything after --)"),
	DPDK_OPT("dst-mac", FP_OPT_STRING, dst_mac, NULL, 0, 0, NULL, "MAC",
		 "send every frame to this MAC instead of the resolved next hop"),
	DPDK_OPT("check", FP_OPT_BOOL, check, NULL, 0, 0, NULL, NULL,
		 "verify every payload received: UDP checksum and pattern"),
	DPDK_OPT("test-skip-seq", FP_OPT_INT, skip_seq, "-1", -1, UINT32_MAX - 1, NULL, "SEQ",
		 "testing: frame SEQ of each phase \"leaves\" but is never sent (-1: off)"),
	FP_OPT_END,
};

static int build_args(struct fp_engine *e, const struct fp_engine_params *p, struct args *a,
		      char *portname, size_t plen)
{
	static const char *const prefix[] = { "--file-prefix", NULL };
	static const char *const cores[] = { "-l", "-c", "--lcores", NULL };
	static const char *const logs[] = { "--log-level", NULL };
	static const char *const nohuge[] = { "--no-huge", "--in-memory", NULL };
	static const char *const allow[] = { "-a", "--allow", "-b", "--block", "--no-pci", NULL };
	const struct dpdk_opts *o = p->cfg;
	const char *port = o->port ? o->port : "";
	char expanded[512];
	const char *eal = o->eal ? o->eal : "";
	char tok[512], val[256];
	int ret = add_arg(a, "fabprobe");

	/* the user's EAL arguments, split on blanks */
	for (const char *s = eal; *s && !ret;) {
		size_t n;

		while (isspace((unsigned char)*s))
			s++;
		n = strcspn(s, " \t\n");
		if (!n)
			break;
		if (n >= sizeof(tok)) {
			say(e, "an EAL argument is longer than %zu bytes", sizeof(tok) - 1);
			return -E2BIG;
		}
		ret = add_arg(a, "%.*s", (int)n, s);
		s += n;
	}
	/* and those after "--", one argument each */
	for (int i = 0; i < p->nrest && !ret; i++)
		ret = add_arg(a, "%s", p->rest[i]);
	if (!ret && !has_arg(a, prefix)) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");

		ret = add_arg(a, "--file-prefix=fabprobe-%d-r%d", (int)getpid(), p->rank);
		e->own_prefix = true;
		/* where the EAL will put its runtime files (eal_get_runtime_dir's rule) */
		snprintf(e->rundir, sizeof(e->rundir), "%s/dpdk/fabprobe-%d-r%d",
			 !geteuid() ? "/var/run"
			 : xdg	    ? xdg
				    : "/tmp",
			 (int)getpid(), p->rank);
	}
	if (!ret && !has_arg(a, cores)) {
		cpu_set_t set;
		int cpu = 0;

		/* the CPU this rank was pinned to (or the first it may use) */
		if (!sched_getaffinity(0, sizeof(set), &set))
			for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
				;
		ret = add_arg(a, "-l%d", cpu < CPU_SETSIZE ? cpu : 0);
	}
	if (!ret && !has_arg(a, logs))
		ret = add_arg(a, "--log-level=*:warning");
	if (!ret)
		ret = add_arg(a, "--no-telemetry");
	if (!ret && !has_arg(a, nohuge) && meminfo("HugePages_Free") <= 0) {
		say(e, "no free hugepages; reserve some (echo 512 > /proc/sys/vm/nr_hugepages) or "
		       "run with --eal '--no-huge -m 256'");
		return -ENOMEM;
	}
	portname[0] = 0;
	/* "af_xdp" / "af_packet": the kernel interface that holds this rank's address */
	if (!ret && (!strncmp(port, "af_xdp", 6) || !strncmp(port, "af_packet", 9)) &&
	    (port[port[3] == 'x' ? 6 : 9] == 0 || port[port[3] == 'x' ? 6 : 9] == ',')) {
		char ifname[IF_NAMESIZE];
		size_t kl = port[3] == 'x' ? 6 : 9;

		if (iface_of(e->ip, ifname)) {
			say(e, "--port %.*s: no interface holds %s (--bind)", (int)kl, port,
			    p->bind);
			return -ENODEV;
		}
		snprintf(expanded, sizeof(expanded), "net_%.*s0,iface=%s%s", (int)kl, port, ifname,
			 port + kl);
		port = expanded;
	}
	if (!ret && *port) {
		snprintf(portname, plen, "%.*s", (int)strcspn(port, ","), port);
		if (is_pci(port)) {
			ret = add_arg(a, "-a%s", port);
		} else if (!strncmp(port, "net_memif", 9)) {
			/* two ranks, one link: rank 0 serves, rank 1 connects */
			char sock[256];

			kv(port, "role", val, sizeof(val));
			kv(port, "socket", sock, sizeof(sock));
			if (!val[0] && p->size != 2) {
				say(e, "memif is a point-to-point link: 2 ranks, not %d", p->size);
				return -EINVAL;
			}
			/* a stale socket file makes the client see nothing */
			if ((val[0] ? !strcmp(val, "server") : p->rank == 0) && sock[0]) {
				struct stat st;

				if (!stat(sock, &st) && S_ISSOCK(st.st_mode))
					unlink(sock);
			}
			kv(port, "socket-abstract", val, sizeof(val));
			ret = add_arg(a, "--vdev=%s%s%s", port,
				      strstr(port, "role=") ? ""
				      : p->rank == 0	    ? ",role=server"
							    : ",role=client",
				      val[0] || !sock[0] ? "" : ",socket-abstract=no");
		} else {
			ret = add_arg(a, "--vdev=%s", port);
		}
		/* a virtual device needs no PCI scan; the host's own NICs stay untouched */
		if (!ret && !is_pci(port) && !has_arg(a, allow))
			ret = add_arg(a, "--no-pci");
		kv(port, "iface", val, sizeof(val));
		if (val[0] &&
		    (!strncmp(port, "net_af_xdp", 10) || !strncmp(port, "net_af_packet", 13))) {
			e->kernel_if = true;
			snprintf(e->ifname, sizeof(e->ifname), "%s", val);
		}
	}
	if (ret == -E2BIG)
		say(e, "too many EAL arguments");
	a->v[a->n] = NULL;
	return ret;
}

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
			say(e,
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
			say(e, "no DPDK port: bind a NIC to vfio-pci or give --port "
			       "net_memif0,socket=/tmp/x.sock (a vdev)");
			return -ENODEV;
		}
	}
	ret = rte_eth_dev_info_get(e->port, &info);
	if (ret) {
		say(e, "port %u: no device info: %s", e->port, rte_strerror(-ret));
		return ret;
	}
	if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) &&
	    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) {
		conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		e->offload = true;
	}
	ret = rte_eth_dev_configure(e->port, 1, 1, &conf);
	if (!ret)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(e->port, &nrx, &ntx);
	if (ret) {
		say(e, "port %u (%s): configure: %s", e->port, info.driver_name,
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
	/* af_xdp fills its own fill ring (up to 2048 frames) from this pool before the rx ring */
	n = 2 * nrx + 2048 + 4 * BURST + 256;
	e->rxpool = rte_pktmbuf_pool_create("fp_rx", n, 256, 0, (uint16_t)room, sock);
	n = 2 * ntx + 4 * BURST + 256; /* a looped-back port holds tx mbufs on its rx ring */
	e->txpool = rte_pktmbuf_pool_create("fp_tx", n, 256, 0, (uint16_t)room, sock);
	if (!e->rxpool || !e->txpool) {
		say(e, "cannot create mbuf pools: %s (more memory: --eal '-m 512')",
		    rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rte_mempool_obj_iter(e->txpool, fill_pattern, NULL);
	ret = rte_eth_rx_queue_setup(e->port, 0, nrx, (unsigned)sock, NULL, e->rxpool);
	if (!ret)
		ret = rte_eth_tx_queue_setup(e->port, 0, ntx, (unsigned)sock, NULL);
	if (!ret)
		ret = rte_eth_dev_start(e->port);
	if (ret) {
		say(e, "port %u (%s): start: %s", e->port, info.driver_name, rte_strerror(-ret));
		return ret;
	}
	e->port_up = true;
	rte_eth_macaddr_get(e->port, &mac);
	memcpy(e->mac, mac.addr_bytes, 6);
	return 0;
}

static int link_wait(struct fp_engine *e)
{
	uint64_t start = now_ns(), end = start + e->timeout_ns, kick = start;
	struct rte_eth_link link;

	for (;;) {
		/* a memif client that knocked before its server was ready never knocks
		 * again: restarting the port makes it connect anew */
		if (now_ns() - kick > 2000000000ull) {
			rte_eth_dev_stop(e->port);
			rte_eth_dev_start(e->port);
			kick = now_ns();
		}
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(e->port, &link);
		if (link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (now_ns() > end) {
			say(e, "port %u: link still down after the timeout (is the peer up?)",
			    e->port);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}

/* ---------- receive ---------- */

static void send_raw(struct fp_engine *e, const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->txpool);

	if (!m)
		return;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), f, len);
	m->data_len = m->pkt_len = (uint32_t)len;
	if (!rte_eth_tx_burst(e->port, 0, &m, 1))
		rte_pktmbuf_free(m);
}

static void learn(struct fp_engine *e, uint32_t ip, const uint8_t *mac)
{
	for (int r = 0; e->hops && r < e->size; r++) {
		if (e->hops[r].ip == ip && !e->hops[r].known) {
			memcpy(e->hops[r].mac, mac, 6);
			e->hops[r].known = true;
		}
	}
}

static void track(struct fp_conn *c, uint32_t seq, size_t bytes)
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
		return;
	} else {
		c->st.reordered++;
	}
	w[seq / 64 % (SEQ_WIN / 64)] |= 1ull << (seq % 64);
	c->st.pkts++;
	c->st.bytes += bytes + FP_UDPF_FCS;
	c->ready++;
}

static void handle(struct fp_engine *e, const uint8_t *f, size_t len)
{
	struct fp_udpf_info in;
	struct fp_conn *c;
	uint8_t out[FP_UDPF_ARPLEN];

	int kind = fp_udpf_parse(f, len, e->check, &in);

	if (kind != FP_UDPF_ARP_REQ && kind != FP_UDPF_ARP_REPLY) {
		e->last_tsc = rte_rdtsc();
		if (!e->frames++)
			e->first_tsc = e->last_tsc;
	}
	switch (kind) {
	case FP_UDPF_ARP_REQ:
		if (in.arp_tip == e->ip) {
			send_raw(e, out,
				 fp_udpf_arp(out, true, e->mac, e->ip, in.e.smac, in.arp_sip));
			e->arp_replies++;
		}
		learn(e, in.arp_sip, in.e.smac);
		return;
	case FP_UDPF_ARP_REPLY:
		learn(e, in.arp_sip, in.e.smac);
		return;
	case FP_UDPF_DATA:
	case FP_UDPF_END:
		c = in.flow < e->nflows ? e->byflow[in.flow] : NULL;
		if (!c || in.e.dip != e->ip) {
			e->foreign++;
			return;
		}
		if (in.epoch != c->epoch) {
			c->st.stale++;
			e->stale++;
			return;
		}
		if (in.kind == FP_UDPF_END) {
			c->st.end_seen = true;
			c->st.peer_sent = in.seq;
		} else {
			track(c, in.seq, in.len);
			/* the sender's TSC is ours: the delay is one-way, NIC to NIC and back
			 * through both stacks */
			if (e->oneway) {
				uint64_t now = rte_rdtsc();

				if (now > in.ts)
					fp_hist_add(e->oneway, now - in.ts);
			}
		}
		return;
	case FP_UDPF_BAD:
		e->bad++;
		return;
	default:
		e->foreign++;
	}
}

static unsigned poll_port(struct fp_engine *e)
{
	struct rte_mbuf *m[BURST];
	uint8_t scratch[9216];
	uint16_t n = rte_eth_rx_burst(e->port, 0, m, BURST);

	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *f = rte_pktmbuf_read(
			m[i], 0, m[i]->pkt_len <= sizeof(scratch) ? m[i]->pkt_len : sizeof(scratch),
			scratch);

		if (f)
			handle(e, f,
			       m[i]->pkt_len <= sizeof(scratch) ? m[i]->pkt_len : sizeof(scratch));
	}
	if (n)
		rte_pktmbuf_free_bulk(m, n);
	return n;
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
	ret = e->allgather(e->xctx, "dpdk: exchange of IPv4 and MAC addresses", mine, sizeof(mine),
			   &all);
	if (ret)
		return ret;
	for (int r = 0; r < e->size; r++) {
		if (all.len[r] != sizeof(mine)) {
			fp_rv_blobs_free(&all);
			say(e, "rank %d published a malformed address", r);
			return -EBADMSG;
		}
		memcpy(&e->peer_ip[r], all.data + all.off[r], 4);
		memcpy(e->peer_mac[r], all.data + all.off[r] + 4, 6);
	}
	fp_rv_blobs_free(&all);
	return 0;
}

static void dpdk_close(struct fp_engine *e);

static int dpdk_open(const struct fp_engine_params *p, struct fp_engine **out)
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
	e->rank = p->rank;
	e->size = p->size;
	e->err = p->err;
	e->errlen = p->errlen;
	e->xctx = p->xctx;
	e->allgather = p->allgather;
	e->timeout_ns = p->timeout_ns;
	e->check = o->check;
	if (p->x && p->x->same_clock) {
		e->oneway = malloc(sizeof(*e->oneway));
		if (!e->oneway)
			goto err;
		fp_hist_reset(e->oneway);
	}
	e->skip_seq = (uint32_t)o->skip_seq; /* -1: UINT32_MAX, never */
	e->peer_ip = calloc((size_t)p->size, sizeof(*e->peer_ip));
	e->peer_mac = calloc((size_t)p->size, sizeof(*e->peer_mac));
	e->hops = calloc((size_t)p->size, sizeof(*e->hops));
	if (!e->peer_ip || !e->peer_mac || !e->hops)
		goto err;
	if (!p->bind || inet_pton(AF_INET, p->bind, &ia) != 1) {
		say(e, "the data address '%s' is not IPv4 (--bind)", p->bind ? p->bind : "");
		ret = -EINVAL;
		goto err;
	}
	e->ip = ntohl(ia.s_addr);
	if (o->dst_mac && *o->dst_mac) {
		if (parse_mac(o->dst_mac, e->dst_mac)) {
			say(e, "--dst-mac '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
			    o->dst_mac);
			ret = -EINVAL;
			goto err;
		}
		e->have_dst_mac = true;
	}
	ret = build_args(e, p, a, portname, sizeof(portname));
	if (ret)
		goto err;
	/* rank 0 first: a memif server must listen before its client starts */
	if (p->rank && (ret = e->allgather(e->xctx, "dpdk: rank 0's port is up", "", 1, &none)))
		goto err;
	if (rte_eal_init(a->n, a->v) < 0) {
		say(e, "EAL start failed: %s (--port '%s', --eal '%s')", rte_strerror(rte_errno),
		    o->port ? o->port : "", o->eal ? o->eal : "");
		ret = -ENODEV;
		/* the others wait for rank 0's port; tell them nothing will come */
		goto err;
	}
	e->eal_up = true;
	ret = port_up(e, portname);
	if (ret)
		goto err;
	if (!p->rank && (ret = e->allgather(e->xctx, "dpdk: rank 0's port is up", "", 1, &none)))
		goto err;
	fp_rv_blobs_free(&none);
	ret = link_wait(e);
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
	if (e && !e->err[0] && ret)
		say(e, "open failed: %s", strerror(-ret));
	if (e)
		dpdk_close(e);
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
	uint64_t start = now_ns(), last = 0, done_at = 0, grace = 500000000ull;
	uint8_t f[FP_UDPF_ARPLEN];

	for (;;) {
		bool all = true;
		uint64_t t = now_ns();

		for (int r = 0; r < e->size; r++)
			all &= !need[r] || e->hops[r].known;
		if (all && !done_at)
			done_at = t;
		if (done_at && t - done_at > grace)
			return 0;
		if (t - start > e->timeout_ns) {
			for (int r = 0; r < e->size; r++) {
				struct in_addr ia = { htonl(e->hops[r].ip) };

				if (need[r] && !e->hops[r].known) {
					say(e, "no ARP reply from %s (next hop to rank %d) on %s",
					    inet_ntoa(ia), r, e->ifname);
					return -EHOSTUNREACH;
				}
			}
		}
		if (!all && t - last > 100000000ull) {
			for (int r = 0; r < e->size; r++)
				if (need[r] && !e->hops[r].known)
					send_raw(e, f,
						 fp_udpf_arp(f, false, e->mac, e->ip, e->mac,
							     e->hops[r].ip));
			last = t;
		}
		if (!poll_port(e))
			usleep(200);
	}
}

static int dpdk_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
			struct fp_conn **conns)
{
	bool *need = calloc((size_t)e->size, sizeof(*need));
	unsigned nc = 0;
	int ret;

	e->nflows = n;
	e->byflow = calloc(n ? n : 1, sizeof(*e->byflow));
	for (unsigned i = 0; i < n; i++)
		nc += flows[i].src == e->rank || flows[i].dst == e->rank;
	e->conns = calloc(nc ? nc : 1, sizeof(*e->conns));
	if (!need || !e->byflow || !e->conns) {
		free(need);
		return -ENOMEM;
	}
	for (int r = 0; r < e->size; r++) {
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
		if (fl->src != e->rank && fl->dst != e->rank)
			continue;
		c = &e->conns[nc++];
		c->e = e;
		c->flow = fl->id;
		c->src = fl->src == e->rank;
		c->peer = c->src ? fl->dst : fl->src;
		need[c->peer] = true;
		/* the source port names the flow, so an ECMP fabric spreads flows */
		c->ends.sport = (uint16_t)(49152 + (fl->id * 2654435761u >> 18) % 16384);
		c->ends.dport = FP_UDPF_DPORT;
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
	return ret;
}

/* ---------- data path ---------- */

static void dpdk_limits(const struct fp_engine *e, size_t *min, size_t *max)
{
	*min = FP_UDPF_MIN + FP_UDPF_FCS;
	*max = e->max_frame + FP_UDPF_FCS;
}

static void dpdk_reset(struct fp_conn *c)
{
	c->epoch = (uint8_t)((c->epoch + 1) & 0x3f);
	c->tmpl.len = 0;
	c->tx_seq = 0;
	c->next = 0;
	c->ready = 0;
	memset(c->win, 0, sizeof(c->win));
	memset(&c->st, 0, sizeof(c->st));
}

static void dpdk_begin(struct fp_engine *e, bool lat)
{
	(void)lat;
	if (e->oneway)
		fp_hist_reset(e->oneway);
}

static int send_frames(struct fp_conn *c, size_t len, uint8_t kind, unsigned n, uint32_t seq0)
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
	if (c->tmpl.len != flen || (c->tmpl.b[43] >> 6) != kind)
		fp_udpf_tmpl_init(&c->tmpl, &c->ends, flen, kind, c->epoch, c->flow);
	if (rte_mempool_get_bulk(e->txpool, (void **)m, n))
		return 0; /* the ring still holds them all: try again */
	for (unsigned i = 0; i < n; i++) {
		uint8_t *f;

		/* a fresh mbuf from our own pool: only the fields a transmit reads */
		rte_pktmbuf_reset(m[i]);
		f = rte_pktmbuf_mtod(m[i], uint8_t *);

		fp_udpf_emit(f, &c->tmpl, seq0 + (kind == FP_UDPF_DATA ? i : 0), ts);
		m[i]->data_len = m[i]->pkt_len = (uint32_t)flen;
		if (e->offload) {
			/* the NIC fills both checksums; UDP wants the pseudo header sum */
			uint8_t *ip = f + 14;
			uint32_t s = ((uint32_t)ip[12] << 8 | ip[13]) +
				     ((uint32_t)ip[14] << 8 | ip[15]) +
				     ((uint32_t)ip[16] << 8 | ip[17]) +
				     ((uint32_t)ip[18] << 8 | ip[19]) + 17 + (uint32_t)(flen - 34);

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
	sent = rte_eth_tx_burst(e->port, 0, m, (uint16_t)n);
	if (sent < n)
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	return sent;
}

static int dpdk_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	int k;

	(void)buf;
	if (c->tx_seq == c->e->skip_seq && len >= FP_UDPF_MIN + FP_UDPF_FCS) {
		c->tx_seq++; /* a planted loss: counted as sent, never on the wire */
		return 1;
	}
	if (c->tx_seq < c->e->skip_seq && c->tx_seq + n > c->e->skip_seq)
		n = c->e->skip_seq - c->tx_seq;
	k = send_frames(c, len, FP_UDPF_DATA, n, c->tx_seq);
	if (k > 0)
		c->tx_seq += (uint32_t)k;
	return k;
}

/* The runner calls this a few times, spaced out: one copy may meet a full queue. */
static int dpdk_finish(struct fp_conn *c)
{
	int k = send_frames(c, FP_UDPF_MIN + FP_UDPF_FCS, FP_UDPF_END, 1, c->tx_seq);

	return k < 0 ? k : 0;
}

static int dpdk_rx(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	uint64_t k;

	(void)buf;
	(void)len;
	if (!c->ready)
		poll_port(c->e);
	k = c->ready < n ? c->ready : n;
	c->ready -= k;
	return (int)k;
}

static void dpdk_stats(const struct fp_conn *c, struct fp_dgram_stats *st)
{
	*st = c->st;
	st->oneway = c->e->oneway;
}

static int dpdk_ident(const struct fp_conn *c, struct fp_flow_ident *id)
{
	*id = c->id;
	return 0;
}

/* Idle mode: a short sleep between empty polls lets ranks share cores. */
static int dpdk_wait(struct fp_engine *e, int timeout_ms)
{
	(void)e;
	usleep(timeout_ms > 0 ? 100 : 10);
	return 0;
}

/* The EAL leaves its runtime folder (sockets, config) behind; remove the one we named. */
static void remove_rundir(const char *dir)
{
	DIR *d = dir[0] ? opendir(dir) : NULL;
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

static void dpdk_close(struct fp_engine *e)
{
	if (!e)
		return;
	if (e->port_up) {
		struct fp_rv_blobs none = { 0 };

		/* nobody stops polling while a peer may still be sending, or the reverse */
		e->allgather(e->xctx, "dpdk: traffic stopped", "", 1, &none);
		fp_rv_blobs_free(&none);
		rte_eth_dev_stop(e->port);
		rte_eth_dev_close(e->port);
	}
	rte_mempool_free(e->rxpool);
	rte_mempool_free(e->txpool);
	if (e->eal_up)
		rte_eal_cleanup();
	if (e->own_prefix)
		remove_rundir(e->rundir);
	free(e->peer_ip);
	free(e->peer_mac);
	free(e->hops);
	free(e->conns);
	free(e->byflow);
	free(e->oneway);
	free(e);
}


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
	return c->duration_ns && now_ns() - start > c->duration_ns;
}

static int dpdk_pkt(const struct fp_pkt_cfg *c, struct fp_pkt_result *r, char *err, size_t errlen)
{
	struct dpdk_opts o = {
		.eal = c->eal, .port = c->port, .dst_mac = c->dst_mac, .check = c->check, .skip_seq = -1
	};
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
	ret = dpdk_open(&p, &e);
	if (ret)
		return ret;
	ret = dpdk_connect(e, &flow, 1, &conn);
	if (!ret && c->peer_ip) {
		if (inet_pton(AF_INET, c->peer_ip, &ia) != 1) {
			say(e, "--peer-ip '%s' is not IPv4", c->peer_ip);
			ret = -EINVAL;
		} else {
			conn->ends.dip = ntohl(ia.s_addr);
		}
	}
	if (!ret && c->tx &&
	    (c->size < FP_UDPF_MIN + FP_UDPF_FCS || c->size - FP_UDPF_FCS > e->max_frame)) {
		say(e, "size %llu: frames here are %d to %zu bytes with the FCS",
		    (unsigned long long)c->size, FP_UDPF_MIN + FP_UDPF_FCS,
		    e->max_frame + FP_UDPF_FCS);
		ret = -EMSGSIZE;
	}
	if (ret)
		goto out;
	dpdk_reset(conn);
	start = now_ns();
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
			k = dpdk_tx(conn, NULL, c->size, (unsigned)(want < BURST ? want : BURST));
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
			dpdk_finish(conn);
			usleep(2000);
		}
	} else {
		for (;;) {
			unsigned n = poll_port(e);

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
	dpdk_close(e);
	return ret;
}

const struct fp_engine_ops fp_dpdk_ops = {
	.name = "dpdk",
	.desc = "DPDK: UDP frames on a PMD port (NIC, memif, af_xdp, af_packet, null, ring)",
	.flags = FP_ENG_DGRAM,
	.probe = dpdk_probe,
	.open = dpdk_open,
	.close = dpdk_close,
	.connect = dpdk_connect,
	.ident = dpdk_ident,
	.tx = dpdk_tx,
	.rx = dpdk_rx,
	.wait = dpdk_wait,
	.limits = dpdk_limits,
	.reset = dpdk_reset,
	.finish = dpdk_finish,
	.dgram_stats = dpdk_stats,
	.begin = dpdk_begin,
	.opts = dpdk_opts,
	.cfg_size = sizeof(struct dpdk_opts),
	.pkt = dpdk_pkt,
};
