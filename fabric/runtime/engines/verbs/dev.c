// SPDX-License-Identifier: MIT
/*
 * The verbs engine's devices: probing, choosing the device, port and GID, the engine's
 * options, opening (PD, CQ, registered rings) and closing.
 */
#include "priv.h"

#include <endian.h>
#include <limits.h>

#include "../../../../core/file.h"
#include "../../netid.h"
#include "../../numa.h"

const char *const fp_verbs_op_names[] = { "send", "write_imm", "write", "read" };

void fp_verbs_say(struct fp_engine *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fp_engine_vsay(&e->b, "verbs", fmt, ap);
	va_end(ap);
}

/* ---------- devices ---------- */

static void memlock_text(char *buf, size_t len)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)rl.rlim_cur / 1024);
}

static bool memlock_low(void)
{
	struct rlimit rl;

	return !getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	       rl.rlim_cur < (64ull << 20) && geteuid() != 0;
}

static bool port_active(struct ibv_context *ctx, uint8_t *port)
{
	struct ibv_device_attr da;

	if (ibv_query_device(ctx, &da))
		return false;
	for (uint8_t p = 1; p <= da.phys_port_cnt; p++) {
		struct ibv_port_attr pa;

		if (!ibv_query_port(ctx, p, &pa) && pa.state == IBV_PORT_ACTIVE) {
			*port = p;
			return true;
		}
	}
	return false;
}

int fp_verbs_probe(char *why, size_t len)
{
	int n = 0, active = 0;
	struct ibv_device **l = ibv_get_device_list(&n);
	char ml[32], names[128] = "";
	size_t o = 0;

	if (!l || !n) {
		if (l)
			ibv_free_device_list(l);
		snprintf(why, len,
			 "no RDMA devices (no HCA driver loaded; for Soft-RoCE: "
			 "modprobe rdma_rxe; rdma link add rxe0 type rxe netdev ETH)");
		return -ENODEV;
	}
	for (int i = 0; i < n; i++) {
		struct ibv_context *c = ibv_open_device(l[i]);
		uint8_t p;

		if (c && port_active(c, &p)) {
			active++;
			o += (size_t)snprintf(names + o, o < sizeof(names) ? sizeof(names) - o : 0,
					      "%s%s", o ? "," : "", ibv_get_device_name(l[i]));
		}
		if (c)
			ibv_close_device(c);
	}
	ibv_free_device_list(l);
	memlock_text(ml, sizeof(ml));
	if (!active) {
		snprintf(why, len,
			 "%d RDMA device%s, none with an ACTIVE port (cable, subnet "
			 "manager, or the netdev under rxe down?)",
			 n, n > 1 ? "s" : "");
		return -ENETDOWN;
	}
	if (memlock_low()) {
		snprintf(why, len,
			 "memlock limit %s is too low to register buffers: raise it "
			 "(ulimit -l unlimited, or memlock in /etc/security/limits.conf)",
			 ml);
		return -EPERM;
	}
	snprintf(why, len, "%d active: %s; memlock %s", active, names, ml);
	return 0;
}

/* The device under a netdev (Soft-RoCE, RoCE), from sysfs. */
static bool dev_of_netdev(const char *netdev, char *dev, size_t len)
{
	int n = 0;
	struct ibv_device **l = ibv_get_device_list(&n);
	bool found = false;

	for (int i = 0; l && i < n && !found; i++) {
		for (int p = 1; p <= 4 && !found; p++) {
			char path[256], name[64] = "";
			FILE *f;

			snprintf(path, sizeof(path), "%s/ports/%d/gid_attrs/ndevs/0",
				 l[i]->ibdev_path, p);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(name, sizeof(name), f) && !strcmp(strtok(name, "\n"), netdev)) {
				snprintf(dev, len, "%s", ibv_get_device_name(l[i]));
				found = true;
			}
			fclose(f);
		}
	}
	if (l)
		ibv_free_device_list(l);
	return found;
}

/* RoCE: "RoCE v2" or "IB/RoCE v1" for a GID index, from sysfs; "" when not RoCE. */
static void gid_type(const char *dev, int port, int idx, char *out, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/ports/%d/gid_attrs/types/%d", dev,
		 port, idx);
	fp_read_line(path, out, len);
}

bool fp_verbs_gid_v4(const union ibv_gid *g, uint32_t *ip)
{
	static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(g->raw, pre, 12))
		return false;
	memcpy(ip, g->raw + 12, 4);
	return true;
}

/*
 * The GID: --gid-index, else the RoCE v2 IPv4 one holding --bind, else the first RoCE v2
 * IPv4, then RoCE v2 IPv6, then index 0 (InfiniBand).
 */
static int pick_gid(struct fp_engine *e, int want, const char *bind)
{
	struct ibv_port_attr pa;
	struct in_addr b = { 0 };
	int best = -1, score = 0;

	if (ibv_query_port(e->ctx, e->port, &pa))
		return -errno;
	if (want >= 0) {
		if (want >= pa.gid_tbl_len) {
			fp_verbs_say(e, "%s port %u has %d GIDs; --gid-index %d is past them",
				     e->dev, e->port, pa.gid_tbl_len, want);
			return -EINVAL;
		}
		best = want;
	}
	if (bind)
		inet_pton(AF_INET, bind, &b);
	for (int i = 0; best < 0 || (want < 0 && i < pa.gid_tbl_len); i++) {
		union ibv_gid g;
		char type[32];
		uint32_t ip;
		int s;

		if (i >= pa.gid_tbl_len)
			break;
		if (ibv_query_gid(e->ctx, e->port, i, &g))
			continue;
		if (!memcmp(g.raw, (uint8_t[16]){ 0 }, 16))
			continue;
		gid_type(e->dev, e->port, i, type, sizeof(type));
		s = 1;
		if (!strcmp(type, "RoCE v2"))
			s = fp_verbs_gid_v4(&g, &ip) ? (ip == b.s_addr ? 5 : 4) : 3;
		if (s > score) {
			score = s;
			best = i;
		}
	}
	if (best < 0)
		best = 0;
	e->gid_index = (uint8_t)best;
	if (ibv_query_gid(e->ctx, e->port, best, &e->gid))
		return -errno;
	e->lid = pa.lid;
	e->mtu = pa.active_mtu;
	e->roce = pa.link_layer == IBV_LINK_LAYER_ETHERNET;
	return 0;
}

#define VERBS_OPT(n, t, f, d, lo, hi, env, mv, h)                                                  \
	{                                                                                          \
		n, t, offsetof(struct verbs_opts, f), d, lo, hi, NULL, env, mv, h                  \
	}

const struct fp_opt fp_verbs_opts[] = {
	VERBS_OPT("port", FP_OPT_STRING, port, NULL, 0, 0, "FABPROBE_PORT", "SPEC",
		  "device[:port] or netdev, or a comma list picked by local rank"),
	VERBS_OPT("op", FP_OPT_STRING, op, "write", 0, 0, NULL, "OP",
		  "write, write_imm, read or send (--transport ud: send)"),
	{ "transport", FP_OPT_CHOICE, offsetof(struct verbs_opts, transport), "rc", 0, 0, "rc|ud",
	  NULL, NULL,
	  "rc: Reliable Connected QPs; ud: Unreliable Datagram QPs (perftest -c UD), a message "
	  "is one packet of at most the path MTU, loss counted" },
	VERBS_OPT("check", FP_OPT_BOOL, check, NULL, 0, 0, NULL, NULL,
		  "verify the contents of every buffer received"),
	VERBS_OPT("gid-index", FP_OPT_INT, gid_index, "-1", -1, 255, NULL, "N",
		  "GID index (default: RoCE v2 with the --bind IPv4, else the first RoCE v2)"),
	VERBS_OPT("inline", FP_OPT_INT, inline_size, "64", 0, 4096, NULL, "BYTES",
		  "send messages up to this size inline (clipped to the device's limit)"),
	VERBS_OPT("cq-mod", FP_OPT_INT, cq_mod, "16", 1, 4096, NULL, "N",
		  "signal a completion every N work requests"),
	VERBS_OPT("post-list", FP_OPT_INT, post_list, "32", 1, 32, NULL, "N",
		  "work requests chained per post (ibv_post_send list)"),
	VERBS_OPT("tx-depth", FP_OPT_INT, tx_depth, "128", 1, 65536, NULL, "N",
		  "send queue depth per QP"),
	VERBS_OPT("qps", FP_OPT_INT, qps, "1", 1, 64, NULL, "N",
		  "RC QPs per flow, messages spread round-robin (perftest -q)"),
	VERBS_OPT("tclass", FP_OPT_INT, tclass, "0", 0, 255, NULL, "N",
		  "traffic class in the GRH (RoCE: DSCP << 2 | ECN)"),
	VERBS_OPT("sl", FP_OPT_INT, sl, "0", 0, 15, NULL, "N", "service level (InfiniBand)"),
	VERBS_OPT("mtu", FP_OPT_INT, mtu, "0", 0, 4096, NULL, "BYTES",
		  "path MTU: 256, 512, 1024, 2048 or 4096, at most the port's (0: the port's "
		  "active MTU)"),
	VERBS_OPT("cm", FP_OPT_BOOL, cm, NULL, 0, 0, NULL, NULL,
		  "make and connect QPs through rdma_cm (librdmacm, perftest -R)"),
	VERBS_OPT("test-corrupt-at", FP_OPT_INT, corrupt_at, "-1", -1, INT64_MAX, NULL, "N",
		  "testing: spoil the payload pattern from message N on (-1: never)"),
	VERBS_OPT("test-bad-rkey", FP_OPT_BOOL, bad_rkey, NULL, 0, 0, NULL, NULL,
		  "testing: write with a key the peer never handed out"),
	VERBS_OPT("test-cm-bad-tag", FP_OPT_BOOL, cm_bad_tag, NULL, 0, 0, NULL, NULL,
		  "testing: with --cm, connect with a flow tag this job never made"),
	VERBS_OPT("test-ud-bad-tag", FP_OPT_BOOL, ud_bad_tag, NULL, 0, 0, NULL, NULL,
		  "testing: with --transport ud, send with a tag the peer never handed out"),
	FP_OPT_END,
};

/* --port "rxe0", "rxe0:1", a netdev, or a comma list chosen by local rank. */
static int pick_device(struct fp_engine *e, const struct fp_engine_params *p)
{
	const struct verbs_opts *o = p->cfg;
	const char *spec = o->port ? o->port : "";
	int lr = p->x && p->x->local_rank >= 0 ? p->x->local_rank : p->rank, n = 0, items = 1;
	struct ibv_device **l = ibv_get_device_list(&n);
	char want[64] = "", *colon;
	const char *it = spec;
	int port = 0;

	if (!l || !n) {
		if (l)
			ibv_free_device_list(l);
		fp_verbs_say(e, "no RDMA devices here (see fabprobe engines)");
		return -ENODEV;
	}
	for (const char *c = spec; *c; c++)
		items += *c == ',';
	for (int k = lr % items; k > 0; k--)
		it = strchr(it, ',') + 1;
	snprintf(want, sizeof(want), "%.*s", (int)strcspn(it, ","), it);
	colon = strchr(want, ':');
	if (colon) {
		port = atoi(colon + 1);
		*colon = 0;
	}
	if (want[0]) {
		bool is_dev = false;

		for (int i = 0; i < n; i++)
			is_dev |= !strcmp(ibv_get_device_name(l[i]), want);
		if (!is_dev && !dev_of_netdev(want, want, sizeof(want))) {
			fp_verbs_say(
				e, "no RDMA device or netdev '%s' (ibv_devices lists the devices)",
				want);
			ibv_free_device_list(l);
			return -ENODEV;
		}
	}
	for (int i = 0; i < n && !e->ctx; i++) {
		uint8_t ap;

		if (want[0] && strcmp(ibv_get_device_name(l[i]), want))
			continue;
		e->ctx = ibv_open_device(l[i]);
		if (!e->ctx)
			continue;
		if (port) {
			struct ibv_port_attr pa;

			if (ibv_query_port(e->ctx, (uint8_t)port, &pa) ||
			    pa.state != IBV_PORT_ACTIVE) {
				fp_verbs_say(e, "%s port %d is not ACTIVE", want, port);
				ibv_close_device(e->ctx);
				e->ctx = NULL;
				ibv_free_device_list(l);
				return -ENETDOWN;
			}
			e->port = (uint8_t)port;
		} else if (port_active(e->ctx, &ap)) {
			e->port = ap;
		} else {
			ibv_close_device(e->ctx);
			e->ctx = NULL;
			if (want[0]) {
				fp_verbs_say(e, "%s has no ACTIVE port", want);
				ibv_free_device_list(l);
				return -ENETDOWN;
			}
			continue;
		}
		snprintf(e->dev, sizeof(e->dev), "%s", ibv_get_device_name(l[i]));
	}
	ibv_free_device_list(l);
	if (!e->ctx) {
		fp_verbs_say(e, "no RDMA device with an ACTIVE port");
		return -ENETDOWN;
	}
	return 0;
}

/* ---------- open ---------- */

/* --qps, --tclass, --sl, --mtu (after pick_gid: the port's active MTU is known). */
int fp_verbs_settings(struct fp_engine *e, const struct verbs_opts *o)
{
	static const int mtus[] = { 256, 512, 1024, 2048, 4096 };
	int active = 128 << e->mtu, want = (int)o->mtu;

	e->nqps = o->qps > 0 ? (unsigned)o->qps : 1;
	e->tclass = (uint8_t)o->tclass;
	e->sl = (uint8_t)o->sl;
	if (!want)
		return 0;
	for (unsigned i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++)
		if (mtus[i] == want && want <= active) {
			e->mtu = (enum ibv_mtu)(IBV_MTU_256 + i);
			return 0;
		}
	fp_verbs_say(e,
		     "--mtu %d: want 256, 512, 1024, 2048 or 4096, at most %s port %u's "
		     "active MTU %d",
		     want, e->dev, e->port, active);
	return -EINVAL;
}

struct ibv_mr *fp_verbs_reg(struct fp_engine *e, void *buf, size_t len)
{
	struct ibv_mr *mr = ibv_reg_mr(e->pd, buf, len,
				       IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
					       IBV_ACCESS_REMOTE_READ);
	char ml[32];

	if (!mr) {
		memlock_text(ml, sizeof(ml));
		fp_verbs_say(
			e,
			"cannot register %zu bytes: %s (memlock limit %s; raise it with ulimit -l "
			"unlimited, or use a smaller --window or --sizes)",
			len, strerror(errno), ml);
	}
	return mr;
}

int fp_verbs_open(const struct fp_engine_params *p, struct fp_engine **out)
{
	struct fp_engine *e = calloc(1, sizeof(*e));
	const struct fp_engine_xopts *x = p->x;
	const struct verbs_opts *o = p->cfg;
	struct ibv_device_attr da;
	const char *op = o->op ? o->op : "write";
	int ret;

	if (!e)
		return -ENOMEM;
	fp_engine_base_init(&e->b, p);
	e->event = p->poll == FP_POLL_EVENT;
	e->check = o->check;
	e->op = (enum op)4;
	for (int i = 0; i < 4; i++)
		if (!strcmp(op, fp_verbs_op_names[i]))
			e->op = (enum op)i;
	if (e->op == 4) {
		fp_verbs_say(e, "--op '%s': want send, write, write_imm or read", op);
		ret = -EINVAL;
		goto err;
	}
	if (o->transport == 1 && o->cm) {
		fp_verbs_say(e, "--cm connects RC QPs through rdma_cm; --transport ud has no "
				"connections: leave out --cm");
		ret = -EINVAL;
		goto err;
	}
	e->cm = o->cm;
	e->cm_bad_tag = o->cm_bad_tag;
	if (e->cm && !HAVE_RDMACM) {
		fp_verbs_say(e, "--cm: this fabprobe was built without librdmacm (install "
				"librdmacm-dev and rebuild)");
		ret = -EOPNOTSUPP;
		goto err;
	}
	/* rdma_cm sets the path MTU from the route and the SL from the path record itself */
	if (e->cm && (o->mtu || o->sl)) {
		fp_verbs_say(e, "--cm takes the path MTU and SL from rdma_cm's route: leave out "
				"--mtu and --sl");
		ret = -EINVAL;
		goto err;
	}
	e->carry = x && x->carry;
	if (e->carry && (o->transport == 1 || e->op == OP_READ)) {
		/* the run's preflight says so first; this is for callers that skip it */
		fp_verbs_say(e, "collectives need RC with --op send, write or write_imm");
		ret = -EINVAL;
		goto err;
	}
	e->corrupt_at = (uint64_t)o->corrupt_at; /* -1: UINT64_MAX, never */
	e->bad_rkey = o->bad_rkey;
	ret = pick_device(e, p);
	if (ret)
		goto err;
	ret = pick_gid(e, (int)o->gid_index, p->bind);
	if (!ret)
		ret = fp_verbs_settings(e, o);
#if HAVE_RDMACM
	if (!ret && e->cm)
		ret = fp_verbs_cm_open(e, p);
#endif
	if (ret)
		goto err;
	if (ibv_query_device(e->ctx, &da)) {
		ret = -errno;
		goto err;
	}
	e->rd_atom = da.max_qp_rd_atom < 16 ? (unsigned)da.max_qp_rd_atom : 16;
	e->nslots = x && x->window > 0 ? (unsigned)x->window : 64;
	/* the runner gives a collective 2P + P/2 slots for P messages a flow per collective:
	 * credits every fifth keep two collectives' worth free for the source */
	e->credit_every = e->nslots / 5 ? e->nslots / 5 : 1;
	e->tx_depth = o->tx_depth > 0 ? (unsigned)o->tx_depth : 128;
	if (e->tx_depth > (unsigned)da.max_qp_wr)
		e->tx_depth = (unsigned)da.max_qp_wr;
	e->cq_mod = o->cq_mod > 0 ? (unsigned)o->cq_mod : 16;
	e->post_list = o->post_list > 0 && o->post_list < BURST ? (unsigned)o->post_list : BURST;
	if (e->cq_mod > e->tx_depth / 2)
		e->cq_mod = e->tx_depth / 2 ? e->tx_depth / 2 : 1;
	e->max_inline = (unsigned)o->inline_size;
	e->stride = ((x && x->max_size ? x->max_size : 4096) + TRAILER + 63) / 64 * 64;
	if (o->transport == 1 &&
	    (ret = fp_verbs_ud_open(e, o, x ? x->max_size : 0, (unsigned)da.max_qp_wr)))
		goto err;
	e->pd = ibv_alloc_pd(e->ctx);
	if (!e->pd) {
		fp_verbs_say(e, "%s: cannot allocate a protection domain: %s", e->dev,
			     strerror(errno));
		ret = -ENOMEM;
		goto err;
	}
	if (e->event) {
		e->ch = ibv_create_comp_channel(e->ctx);
		if (!e->ch) {
			fp_verbs_say(e, "%s: no completion channel: %s", e->dev, strerror(errno));
			ret = -errno;
			goto err;
		}
	}
	*out = e;
	return 0;
err:
	if (!e->b.err[0])
		fp_verbs_say(e, "open failed: %s", strerror(-ret));
	fp_verbs_close(e);
	return ret;
}

void fp_verbs_close(struct fp_engine *e)
{
	if (!e)
		return;
#if HAVE_RDMACM
	fp_verbs_cm_close(e); /* its QPs, before the CQ, the MRs and the PD */
#endif
	for (unsigned i = 0; i < e->nconns; i++) {
		struct fp_conn *c = &e->conns[i];

		if (c->qp)
			ibv_destroy_qp(c->qp);
		if (c->ah)
			ibv_destroy_ah(c->ah);
		if (c->mr)
			ibv_dereg_mr(c->mr);
		fp_numa_free(c->ring, e->ringlen);
		free(c->cover);
		free(c->lens);
	}
	free(e->conns);
	if (e->cq)
		ibv_destroy_cq(e->cq);
	if (e->ch)
		ibv_destroy_comp_channel(e->ch);
	if (e->slab_mr)
		ibv_dereg_mr(e->slab_mr);
	fp_numa_free(e->slab, e->stride);
	if (e->pd)
		ibv_dealloc_pd(e->pd);
	if (e->ctx && !e->ctx_cm) /* librdmacm's context stays librdmacm's */
		ibv_close_device(e->ctx);
	free(e);
}

/* "0x0002c90300a1b2c3", as ibnetdiscover and the topology write GUIDs */
static void guid_text(__be64 g, char *buf, size_t len)
{
	snprintf(buf, len, "0x%016llx", (unsigned long long)be64toh(g));
}

/* The NUMA node of every registered buffer (numa.h); -1 mixed or unknown. */
static int buf_node(const struct fp_engine *e)
{
	int node = e->slab ? fp_numa_mem_node(e->slab, e->stride) : -1;

	for (unsigned i = 0; i < e->nconns && node >= 0; i++)
		if (fp_numa_mem_node(e->conns[i].ring, e->ringlen) != node)
			node = -1;
	return node;
}

/*
 * The endpoint: device, port, GUIDs, LID (InfiniBand), the GID in use and the link layer;
 * the netdev under a RoCE GID (its MAC, addresses, PCI); the model and firmware.
 */
int fp_verbs_identity(struct fp_engine *e, char *buf, size_t len)
{
	const char *dir = e->ctx->device->ibdev_path;
	struct ibv_device_attr da;
	struct ibv_port_attr pa;
	union ibv_gid g0;
	char v[PATH_MAX], nd[64] = "";
	size_t o = 0;
	bool ib = !e->roce;

	buf[0] = 0;
	fp_netid_put(buf, len, &o, "device", e->dev);
	snprintf(v, sizeof(v), "%u", e->port);
	fp_netid_put(buf, len, &o, "port", v);
	if (!ibv_query_port(e->ctx, e->port, &pa)) {
		ib = pa.link_layer != IBV_LINK_LAYER_ETHERNET;
		fp_netid_put(buf, len, &o, "link_layer", ib ? "InfiniBand" : "Ethernet");
		snprintf(v, sizeof(v), "%u", pa.lid);
		if (ib)
			fp_netid_put(buf, len, &o, "lid", v);
	}
	if (!ibv_query_device(e->ctx, &da)) {
		guid_text(da.node_guid, v, sizeof(v));
		fp_netid_put(buf, len, &o, "node_guid", v);
		fp_netid_put(buf, len, &o, "firmware", da.fw_ver);
	}
	/* an InfiniBand port's GUID is its GID 0's interface id; RoCE ports have none */
	if (ib && !ibv_query_gid(e->ctx, e->port, 0, &g0)) {
		guid_text(g0.global.interface_id, v, sizeof(v));
		fp_netid_put(buf, len, &o, "port_guid", v);
	}
	inet_ntop(AF_INET6, e->gid.raw, v, sizeof(v));
	fp_netid_put(buf, len, &o, "gid", v);
	snprintf(v, sizeof(v), "%s/hca_type", dir);
	if (!fp_read_line(v, nd, sizeof(nd)) || !nd[0]) {
		snprintf(v, sizeof(v), "%s/board_id", dir);
		fp_read_line(v, nd, sizeof(nd));
	}
	fp_netid_put(buf, len, &o, "model", nd);
	snprintf(v, sizeof(v), "%s/ports/%u/gid_attrs/ndevs/%u", dir, e->port, e->gid_index);
	if (!ib && fp_read_line(v, nd, sizeof(nd)))
		fp_netid_netdev("", nd, buf, len, &o); /* its MAC, addresses, PCI */
	snprintf(v, sizeof(v), "%s/device", dir);
	fp_netid_pci(v, buf, len, &o); /* InfiniBand, or a RoCE netdev without one */
	snprintf(v, sizeof(v), "%d", buf_node(e));
	fp_netid_put(buf, len, &o, "numa_buf", v);
	return 0;
}
