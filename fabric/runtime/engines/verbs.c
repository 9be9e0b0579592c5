// SPDX-License-Identifier: MIT
/*
 * The verbs engine: RDMA over libibverbs (rdma-core) on InfiniBand, RoCE or Soft-RoCE, one
 * Reliable Connected QP per flow. The only file that includes <infiniband/verbs.h>.
 *
 * Each flow's QP has a ring of `window` slots registered on both ends (slot = the largest
 * message plus a trailer byte). How a message moves depends on --op:
 *   send       SEND into the peer's posted RECV (the slot of its turn)
 *   write_imm  RDMA WRITE WITH IMMEDIATE into the peer's slot; the RECV completion says so
 *   write      RDMA WRITE of the message and a trailer byte into the peer's slot; the
 *              receiver polls the trailer, as ib_write_lat polls its last byte
 *   read       the receiver pulls with RDMA READ from the sender's slot; the sender is
 *              passive, as in ib_read_bw, but says with a SEND WITH IMMEDIATE per burst
 *              how many messages are in place; acknowledgements go back by SEND. In
 *              ping-pong both ends just pull, so a round trip is one READ, as in
 *              ib_read_lat.
 * The runner's credit window bounds the messages in flight per flow, so a slot is never
 * reused before it is consumed. Messages up to SMALL bytes (the runner's acknowledgements)
 * carry the caller's bytes (inline when the device allows); bigger ones come from a
 * registered buffer holding the payload pattern, which --check verifies on arrival, so no
 * message is copied on the way.
 *
 * Completions: one CQ, busy-polled, or waited on through a completion channel in event
 * mode. Sends are signalled every --cq-mod work requests and at the end of each post
 * list; each signal records how many requests it covers. A completion with an error is
 * reported with the flow, the QP, the peer and the status string, and ends the run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "../../../core/wire.h"
#include "../engine.h"
#include "qptab.h"

#define SMALL	   64  /* messages this small carry the caller's bytes */
#define STAGE	   128 /* per slot: a small message, then a write's trailer */
#define TRAILER	   8
#define BURST	   32
#define MAX_DEVS   16
#define ROCE_PORT  4791
#define WR_SEND	   1
#define WR_RECV	   2
#define COVER_READ 0x80000000u
#define IDLE_PROBE 200000

enum op { OP_SEND, OP_WRITE_IMM, OP_WRITE, OP_READ };
static const char *const op_names[] = { "send", "write_imm", "write", "read" };

struct fp_conn {
	struct fp_engine *e;
	uint32_t flow;
	int peer;
	bool src;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	uint8_t *ring;	/* nslots x stride, nslots x STAGE staging, a SMALL mailbox */
	uint64_t raddr; /* the peer's ring */
	uint32_t rkey, psn;
	uint64_t tx_seq; /* messages posted (read: reads posted) */
	uint64_t rx_seq; /* messages handed to the caller */
	uint64_t ready;	 /* messages arrived, not yet handed over */
	uint64_t rd_seq; /* read: reads posted */
	uint64_t avail;	 /* read: messages the sender has said are in place */
	unsigned tx_out; /* send-queue requests not yet completed */
	unsigned idle;	 /* empty receives in a row: a probe goes out after IDLE_PROBE */
	unsigned unsig;
	uint32_t *cover; /* per signalled request, how many it completes; a FIFO */
	unsigned cov_head, cov_n;
	struct fp_flow_ident id;
};

struct fp_engine {
	int rank, size;
	enum op op;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_comp_channel *ch;
	struct ibv_mr *slab_mr;
	uint8_t *slab; /* the payload pattern, one slot long */
	uint8_t port, gid_index;
	union ibv_gid gid;
	uint16_t lid;
	enum ibv_mtu mtu;
	bool roce, check, event, lat;
	unsigned nslots, tx_depth, cq_mod, max_inline, rd_atom, post_list;
	size_t stride;
	char dev[64];
	struct fp_conn *conns;
	unsigned nconns;
	int failed;	     /* the first completion error, as -errno */
	uint64_t corrupt_at; /* test hook: spoil the pattern from this message on */
	bool bad_rkey;	     /* test hook: write with a key the peer never handed out */
	void *xctx;
	fp_allgather_fn allgather;
	char *err;
	size_t errlen;
};

static void say(struct fp_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct fp_engine *e, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(e->err, e->errlen, "verbs: ");

	va_start(ap, fmt);
	vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* A write's trailer: no stale bytes or earlier message can look like it. */
static inline uint64_t trailer(size_t len, uint64_t seq)
{
	return 0xFB5A000000000000ull ^ ((uint64_t)(len & 0xffffff) << 24) ^ (seq & 0xffffff) ^
	       0x800000;
}

static inline uint8_t pattern(size_t i)
{
	return fp_payload_byte(i);
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

static int verbs_probe(char *why, size_t len)
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
	FILE *f;

	out[0] = 0;
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/ports/%d/gid_attrs/types/%d", dev,
		 port, idx);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(out, (int)len, f))
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	fclose(f);
}

static bool gid_v4(const union ibv_gid *g, uint32_t *ip)
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
			say(e, "%s port %u has %d GIDs; --gid-index %d is past them", e->dev,
			    e->port, pa.gid_tbl_len, want);
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
			s = gid_v4(&g, &ip) ? (ip == b.s_addr ? 5 : 4) : 3;
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

/* The engine's own options (`fabprobe run --engine verbs`). */
struct verbs_opts {
	const char *port, *op;
	bool check, cm, bad_rkey;
	int64_t gid_index, inline_size, cq_mod, post_list, tx_depth, corrupt_at;
};

_Static_assert(sizeof(struct verbs_opts) <= FP_ENGINE_CFG_MAX, "verbs options fit the runner");

#define VERBS_OPT(n, t, f, d, lo, hi, env, mv, h)                                                  \
	{                                                                                          \
		n, t, offsetof(struct verbs_opts, f), d, lo, hi, NULL, env, mv, h                  \
	}

static const struct fp_opt verbs_opts[] = {
	VERBS_OPT("port", FP_OPT_STRING, port, NULL, 0, 0, "FABPROBE_PORT", "SPEC",
		  "device[:port] or netdev, or a comma list picked by local rank"),
	VERBS_OPT("op", FP_OPT_STRING, op, "write", 0, 0, NULL, "OP",
		  "write, write_imm, read or send"),
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
	VERBS_OPT("cm", FP_OPT_BOOL, cm, NULL, 0, 0, NULL, NULL,
		  "connect QPs with rdma_cm instead of the rendezvous (not yet supported)"),
	VERBS_OPT("test-corrupt-at", FP_OPT_INT, corrupt_at, "-1", -1, INT64_MAX, NULL, "N",
		  "testing: spoil the payload pattern from message N on (-1: never)"),
	VERBS_OPT("test-bad-rkey", FP_OPT_BOOL, bad_rkey, NULL, 0, 0, NULL, NULL,
		  "testing: write with a key the peer never handed out"),
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
		say(e, "no RDMA devices here (see fabprobe engines)");
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
			say(e, "no RDMA device or netdev '%s' (ibv_devices lists the devices)",
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
				say(e, "%s port %d is not ACTIVE", want, port);
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
				say(e, "%s has no ACTIVE port", want);
				ibv_free_device_list(l);
				return -ENETDOWN;
			}
			continue;
		}
		snprintf(e->dev, sizeof(e->dev), "%s", ibv_get_device_name(l[i]));
	}
	ibv_free_device_list(l);
	if (!e->ctx) {
		say(e, "no RDMA device with an ACTIVE port");
		return -ENETDOWN;
	}
	return 0;
}

/* ---------- open ---------- */

static struct ibv_mr *reg(struct fp_engine *e, void *buf, size_t len)
{
	struct ibv_mr *mr = ibv_reg_mr(e->pd, buf, len,
				       IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
					       IBV_ACCESS_REMOTE_READ);
	char ml[32];

	if (!mr) {
		memlock_text(ml, sizeof(ml));
		say(e,
		    "cannot register %zu bytes: %s (memlock limit %s; raise it with ulimit -l "
		    "unlimited, or use a smaller --window or --sizes)",
		    len, strerror(errno), ml);
	}
	return mr;
}

static void verbs_close(struct fp_engine *e);

static int verbs_open(const struct fp_engine_params *p, struct fp_engine **out)
{
	struct fp_engine *e = calloc(1, sizeof(*e));
	const struct fp_engine_xopts *x = p->x;
	const struct verbs_opts *o = p->cfg;
	struct ibv_device_attr da;
	const char *op = o->op ? o->op : "write";
	int ret;

	if (!e)
		return -ENOMEM;
	e->rank = p->rank;
	e->size = p->size;
	e->err = p->err;
	e->errlen = p->errlen;
	e->xctx = p->xctx;
	e->allgather = p->allgather;
	e->event = p->poll == FP_POLL_EVENT;
	e->check = o->check;
	e->op = (enum op)4;
	for (int i = 0; i < 4; i++)
		if (!strcmp(op, op_names[i]))
			e->op = (enum op)i;
	if (e->op == 4) {
		say(e, "--op '%s': want send, write, write_imm or read", op);
		ret = -EINVAL;
		goto err;
	}
	if (o->cm) {
		say(e, "--cm (rdma_cm) is not supported yet: QPs are connected through the "
		       "rendezvous");
		ret = -EOPNOTSUPP;
		goto err;
	}
	e->corrupt_at = (uint64_t)o->corrupt_at; /* -1: UINT64_MAX, never */
	e->bad_rkey = o->bad_rkey;
	ret = pick_device(e, p);
	if (ret)
		goto err;
	ret = pick_gid(e, (int)o->gid_index, p->bind);
	if (ret)
		goto err;
	if (ibv_query_device(e->ctx, &da)) {
		ret = -errno;
		goto err;
	}
	e->rd_atom = da.max_qp_rd_atom < 16 ? (unsigned)da.max_qp_rd_atom : 16;
	e->nslots = x && x->window > 0 ? (unsigned)x->window : 64;
	e->tx_depth = o->tx_depth > 0 ? (unsigned)o->tx_depth : 128;
	if (e->tx_depth > (unsigned)da.max_qp_wr)
		e->tx_depth = (unsigned)da.max_qp_wr;
	e->cq_mod = o->cq_mod > 0 ? (unsigned)o->cq_mod : 16;
	e->post_list = o->post_list > 0 && o->post_list < BURST ? (unsigned)o->post_list : BURST;
	if (e->cq_mod > e->tx_depth / 2)
		e->cq_mod = e->tx_depth / 2 ? e->tx_depth / 2 : 1;
	e->max_inline = (unsigned)o->inline_size;
	e->stride = ((x && x->max_size ? x->max_size : 4096) + TRAILER + 63) / 64 * 64;
	e->pd = ibv_alloc_pd(e->ctx);
	if (!e->pd) {
		say(e, "%s: cannot allocate a protection domain: %s", e->dev, strerror(errno));
		ret = -ENOMEM;
		goto err;
	}
	e->slab = aligned_alloc(64, e->stride);
	if (!e->slab) {
		ret = -ENOMEM;
		goto err;
	}
	for (size_t i = 0; i < e->stride; i++)
		e->slab[i] = pattern(i);
	e->slab_mr = reg(e, e->slab, e->stride);
	if (!e->slab_mr) {
		ret = -ENOMEM;
		goto err;
	}
	if (e->event) {
		e->ch = ibv_create_comp_channel(e->ctx);
		if (!e->ch) {
			say(e, "%s: no completion channel: %s", e->dev, strerror(errno));
			ret = -errno;
			goto err;
		}
	}
	*out = e;
	return 0;
err:
	if (!e->err[0])
		say(e, "open failed: %s", strerror(-ret));
	verbs_close(e);
	return ret;
}

/* ---------- connect ---------- */

static int qp_init(struct fp_engine *e, struct fp_conn *c)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = e->cq,
		.recv_cq = e->cq,
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = e->tx_depth,
			 .max_recv_wr = e->nslots + 1,
			 .max_send_sge = 2,
			 .max_recv_sge = 1,
			 .max_inline_data = e->max_inline },
	};
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT,
				 .pkey_index = 0,
				 .port_num = e->port,
				 .qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
						    IBV_ACCESS_REMOTE_WRITE |
						    IBV_ACCESS_REMOTE_READ };

	c->qp = ibv_create_qp(e->pd, &ia);
	if (!c->qp && e->max_inline) {
		ia.cap.max_inline_data = 0; /* the device takes no inline data */
		c->qp = ibv_create_qp(e->pd, &ia);
	}
	if (!c->qp) {
		say(e, "%s: cannot create a QP for flow %u: %s", e->dev, c->flow, strerror(errno));
		return -errno;
	}
	if (ia.cap.max_inline_data < e->max_inline)
		e->max_inline = ia.cap.max_inline_data;
	if (ibv_modify_qp(c->qp, &a,
			  IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS)) {
		say(e, "QP 0x%x to INIT: %s", c->qp->qp_num, strerror(errno));
		return -errno;
	}
	c->psn = (uint32_t)(rand() & 0xffffff);
	return 0;
}

/* A flow label per QP: on RoCE v2 the UDP source port follows it (ECMP spread). */
static uint32_t flow_label(uint32_t flow)
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
	if (e->roce || a.ah_attr.dlid == 0) {
		a.ah_attr.is_global = 1;
		memcpy(a.ah_attr.grh.dgid.raw, rec->gid, 16);
		a.ah_attr.grh.sgid_index = e->gid_index;
		a.ah_attr.grh.hop_limit = 64;
		a.ah_attr.grh.flow_label = flow_label(c->flow);
	}
	ret = ibv_modify_qp(c->qp, &a,
			    IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
				    IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
				    IBV_QP_MIN_RNR_TIMER);
	if (ret) {
		say(e, "QP 0x%x to RTR (peer QP 0x%x, rank %d): %s", c->qp->qp_num, rqpn, c->peer,
		    strerror(ret));
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
		say(e, "QP 0x%x to RTS: %s", c->qp->qp_num, strerror(ret));
		return -ret;
	}
	c->raddr = rec->addr;
	c->rkey = rec->rkey;
	if (e->bad_rkey)
		c->rkey ^= 0x5a5a00; /* test hook: a key the peer never handed out */
	if (rec->slots != e->nslots || rec->stride != e->stride) {
		say(e,
		    "rank %d has rings of %u x %u bytes, this rank %u x %zu (different options?)",
		    c->peer, rec->slots, rec->stride, e->nslots, e->stride);
		return -EINVAL;
	}
	return 0;
}

static int post_recv(struct fp_conn *c, uint64_t seq)
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
				  .num_sge = e->op == OP_SEND || e->op == OP_READ ? 1 : 0 },
			   *bad;

	return ibv_post_recv(c->qp, &wr, &bad);
}

static void ident(struct fp_engine *e, struct fp_conn *c, const uint8_t *peer_gid)
{
	const union ibv_gid *sg = &e->gid, *dg = (const union ibv_gid *)peer_gid;
	const union ibv_gid *a = c->src ? sg : dg, *b = c->src ? dg : sg;
	uint32_t ip;

	snprintf(c->id.proto, sizeof(c->id.proto), e->roce ? "rocev2" : "ib");
	if (gid_v4(a, &ip))
		inet_ntop(AF_INET, &ip, c->id.src_ip, sizeof(c->id.src_ip));
	else
		inet_ntop(AF_INET6, a->raw, c->id.src_ip, sizeof(c->id.src_ip));
	if (gid_v4(b, &ip))
		inet_ntop(AF_INET, &ip, c->id.dst_ip, sizeof(c->id.dst_ip));
	else
		inet_ntop(AF_INET6, b->raw, c->id.dst_ip, sizeof(c->id.dst_ip));
	c->id.src_port = e->roce ? label_port(flow_label(c->flow)) : 0;
	c->id.dst_port = e->roce ? ROCE_PORT : 0;
}

static int verbs_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
			 struct fp_conn **conns)
{
	struct fp_rv_blobs all = { 0 }, none = { 0 };
	uint8_t *mine = NULL;
	unsigned nc = 0, cqe;
	size_t ringlen;
	int ret = 0;

	for (unsigned i = 0; i < n; i++)
		nc += flows[i].src == e->rank || flows[i].dst == e->rank;
	e->conns = calloc(nc ? nc : 1, sizeof(*e->conns));
	mine = malloc(4 + (size_t)nc * FP_QP_REC);
	if (!e->conns || !mine) {
		free(mine);
		return -ENOMEM;
	}
	cqe = nc * (e->tx_depth + e->nslots + 2) + 16;
	e->cq = ibv_create_cq(e->ctx, (int)cqe, NULL, e->ch, 0);
	if (!e->cq) {
		say(e, "%s: cannot create a CQ of %u entries: %s", e->dev, cqe, strerror(errno));
		free(mine);
		return -ENOMEM;
	}
	ringlen = e->nslots * (e->stride + STAGE) + SMALL;
	fp_put_u32(mine, nc);
	for (unsigned i = 0; i < n && !ret; i++) {
		const struct fp_flow *fl = &flows[i];
		struct fp_qp_rec rec;
		struct fp_conn *c;

		conns[i] = NULL;
		if (fl->src != e->rank && fl->dst != e->rank)
			continue;
		c = &e->conns[e->nconns++];
		c->e = e;
		c->flow = fl->id;
		c->src = fl->src == e->rank;
		c->peer = c->src ? fl->dst : fl->src;
		c->cover = calloc(e->tx_depth + 1, sizeof(*c->cover));
		c->ring = aligned_alloc(4096, (ringlen + 4095) / 4096 * 4096);
		if (!c->cover || !c->ring) {
			ret = -ENOMEM;
			break;
		}
		/* read: the pattern is what the peer pulls; the others start from zeros,
		 * where no trailer can be seen by accident */
		memset(c->ring, 0, ringlen);
		for (size_t k = 0; e->op == OP_READ && k < e->nslots; k++)
			memcpy(c->ring + k * e->stride, e->slab, e->stride);
		c->mr = reg(e, c->ring, ringlen);
		if (!c->mr) {
			ret = -ENOMEM;
			break;
		}
		ret = qp_init(e, c);
		if (ret)
			break;
		rec = (struct fp_qp_rec){ .flow = c->flow,
					  .qpn = c->qp->qp_num,
					  .psn = c->psn,
					  .lid = e->lid,
					  .rkey = c->mr->rkey,
					  .addr = (uintptr_t)c->ring,
					  .slots = e->nslots,
					  .stride = (uint32_t)e->stride };
		memcpy(rec.gid, e->gid.raw, 16);
		fp_qp_rec_put(mine + 4 + (size_t)(e->nconns - 1) * FP_QP_REC, &rec);
		conns[i] = c;
	}
	/* after a local failure this rank skips the exchange; the runner then aborts the
	 * rendezvous, which ends the others' wait in it */
	if (!ret)
		ret = e->allgather(e->xctx, "verbs: exchange of QP numbers, GIDs and keys", mine,
				   4 + (size_t)e->nconns * FP_QP_REC, &all);
	free(mine);
	for (unsigned i = 0; i < e->nconns && !ret; i++) {
		struct fp_conn *c = &e->conns[i];
		struct fp_qp_rec peer;

		ret = fp_qp_table_find(all.data + all.off[c->peer], all.len[c->peer], c->flow,
				       &peer);
		if (ret) {
			say(e, "rank %d %s", c->peer,
			    ret == -ENOENT ? "has no QP for this flow (different options?)"
					   : "published a malformed QP table");
			break;
		}
		ret = qp_connect(e, c, &peer);
		ident(e, c, peer.gid);
		c->id.qpn = c->qp->qp_num;
		for (unsigned k = 0; !ret && e->op != OP_WRITE && k < e->nslots; k++)
			if (post_recv(c, k)) {
				say(e, "cannot post receives on QP 0x%x: %s", c->qp->qp_num,
				    strerror(errno));
				ret = -EIO;
			}
	}
	fp_rv_blobs_free(&all);
	/* nobody sends before every QP is ready to receive */
	if (!ret)
		ret = e->allgather(e->xctx, "verbs: every QP ready", "", 1, &none);
	fp_rv_blobs_free(&none);
	if (!ret && e->event && ibv_req_notify_cq(e->cq, 0))
		ret = -errno;
	return ret;
}

/* ---------- data path ---------- */

static int wc_error(struct fp_engine *e, const struct ibv_wc *wc)
{
	struct fp_conn *c = (struct fp_conn *)(uintptr_t)(wc->wr_id & ~(uint64_t)7);
	int ret = wc->status == IBV_WC_RETRY_EXC_ERR || wc->status == IBV_WC_RNR_RETRY_EXC_ERR
			  ? -ECONNRESET
		  : wc->status == IBV_WC_REM_ACCESS_ERR || wc->status == IBV_WC_REM_INV_REQ_ERR
			  ? -EACCES
			  : -EIO;

	if (wc->status == IBV_WC_WR_FLUSH_ERR && e->failed)
		return e->failed; /* the QP is already in error: the first status said why */
	say(e, "%s on QP 0x%x (flow %u, %s rank %d, %s): %s%s", c && c->qp ? e->dev : "?",
	    wc->qp_num, c ? c->flow : 0, c && c->src ? "to" : "from", c ? c->peer : -1,
	    op_names[e->op], ibv_wc_status_str(wc->status),
	    wc->status == IBV_WC_RETRY_EXC_ERR	  ? " (the peer vanished or its link is down)"
	    : wc->status == IBV_WC_REM_ACCESS_ERR ? " (the peer refused the key or address)"
						  : "");
	return ret;
}

static void poll_cq(struct fp_engine *e)
{
	struct ibv_wc wc[BURST];
	int n = ibv_poll_cq(e->cq, BURST, wc);

	for (int i = 0; i < n; i++) {
		struct fp_conn *c = (struct fp_conn *)(uintptr_t)(wc[i].wr_id & ~(uint64_t)7);

		if (wc[i].status != IBV_WC_SUCCESS) {
			if (!e->failed)
				e->failed = wc_error(e, &wc[i]);
			continue;
		}
		if ((wc[i].wr_id & 7) == WR_RECV) {
			if (e->op == OP_READ && !c->src && (wc[i].wc_flags & IBV_WC_WITH_IMM)) {
				/* the sender's notice: this many more messages to pull */
				c->avail += ntohl(wc[i].imm_data);
				if (post_recv(c, 0) && !e->failed) {
					say(e, "cannot repost a receive on QP 0x%x", c->qp->qp_num);
					e->failed = -EIO;
				}
			} else {
				c->ready++;
			}
			continue;
		}
		/* a signalled send-queue request completes those before it on its QP */
		uint32_t k = c->cover[c->cov_head] & ~COVER_READ;

		if (c->cover[c->cov_head] & COVER_READ)
			c->ready += k;
		c->cov_head = (c->cov_head + 1) % (e->tx_depth + 1);
		c->cov_n--;
		c->tx_out -= k;
	}
}

static bool payload_ok(struct fp_engine *e, struct fp_conn *c, const uint8_t *p, size_t len,
		       uint64_t seq)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != pattern(i)) {
			say(e,
			    "payload check: message %llu of flow %u from rank %d differs at "
			    "byte %zu (0x%02x, expected 0x%02x)",
			    (unsigned long long)seq, c->flow, c->peer, i, p[i], pattern(i));
			return false;
		}
	}
	return true;
}

/* A signalled request went out: its completion will stand for k requests (FIFO per QP). */
static void cover_push(struct fp_conn *c, uint32_t k)
{
	c->cover[(c->cov_head + c->cov_n) % (c->e->tx_depth + 1)] = k;
	c->cov_n++;
}

/* Post up to n requests of one kind on c (READs if pull); returns how many, or -errno. */
static int post(struct fp_conn *c, const void *buf, size_t len, unsigned n, bool pull)
{
	struct fp_engine *e = c->e;
	struct ibv_send_wr wr[BURST], *bad;
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
			/* the peer's slot into ours */
			sge[i][0] =
				(struct ibv_sge){ .addr = (uintptr_t)(c->ring + slot * e->stride),
						  .length = (uint32_t)len,
						  .lkey = c->mr->lkey };
			wr[i].num_sge = 1;
			wr[i].opcode = IBV_WR_RDMA_READ;
			wr[i].wr.rdma.remote_addr = c->raddr + slot * e->stride;
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
				/* the trailer after the message names it: length and sequence */
				uint64_t t = trailer(len, seq);

				memcpy(stage + SMALL, &t, TRAILER);
				sge[i][1] = (struct ibv_sge){ .addr = (uintptr_t)(stage + SMALL),
							      .length = TRAILER,
							      .lkey = c->mr->lkey };
				wr[i].num_sge = 2;
			}
			if (len + (e->op == OP_WRITE ? TRAILER : 0) <= e->max_inline)
				wr[i].send_flags |= IBV_SEND_INLINE;
		}
		/* the last of each post is signalled: a signal never covers two kinds */
		if (++c->unsig >= e->cq_mod || i + 1 == n) {
			wr[i].send_flags |= IBV_SEND_SIGNALED;
			cover_push(c, c->unsig | (pull ? COVER_READ : 0));
			c->unsig = 0;
		}
	}
	if (ibv_post_send(c->qp, wr, &bad)) {
		say(e, "post on QP 0x%x (flow %u, rank %d): %s", c->qp->qp_num, c->flow, c->peer,
		    strerror(errno));
		return -EIO;
	}
	c->tx_out += n;
	if (pull)
		c->rd_seq += n;
	else
		c->tx_seq += n;
	return (int)n;
}

/* read: tell the receiver n more messages are in place (one request, no payload). */
static int notify(struct fp_conn *c, unsigned n)
{
	struct fp_engine *e = c->e;
	struct ibv_send_wr wr = { .wr_id = (uintptr_t)c | WR_SEND,
				  .opcode = IBV_WR_SEND_WITH_IMM,
				  .imm_data = htonl(n),
				  .send_flags = IBV_SEND_SIGNALED },
			   *bad;

	if (c->tx_out >= e->tx_depth)
		return 0;
	if (ibv_post_send(c->qp, &wr, &bad)) {
		say(e, "post on QP 0x%x (flow %u, rank %d): %s", c->qp->qp_num, c->flow, c->peer,
		    strerror(errno));
		return -EIO;
	}
	cover_push(c, 1);
	c->tx_out++;
	return 1;
}

static int verbs_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	struct fp_engine *e = c->e;
	int k;

	if (e->failed)
		return e->failed;
	if (e->op == OP_READ && (e->lat || c->src)) {
		/* passive: the peer pulls; a small message's bytes go in its slot first,
		 * then (bandwidth) the notice that they are there */
		for (unsigned i = 0; len <= SMALL && i < n; i++)
			memcpy(c->ring + (c->tx_seq + i) % e->nslots * e->stride, buf, len);
		if (!e->lat) {
			k = notify(c, n);
			if (k == 0) {
				poll_cq(e);
				k = e->failed ? e->failed : notify(c, n);
			}
			if (k <= 0)
				return k;
		}
		c->tx_seq += n;
		return (int)n;
	}
	if (c->tx_seq + n > e->corrupt_at && c->tx_seq <= e->corrupt_at) {
		e->slab[e->stride / 2 < len ? e->stride / 2 : len - 1] ^= 0x40; /* test hook */
		e->corrupt_at = UINT64_MAX;
	}
	k = post(c, buf, len, n, false);
	if (k == 0) {
		poll_cq(e);
		if (e->failed)
			return e->failed;
		k = post(c, buf, len, n, false);
	}
	if (c->tx_out > e->tx_depth / 2)
		poll_cq(e);
	return e->failed ? e->failed : k;
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

		if (len <= SMALL)
			memcpy(buf, p, len);
		else if (e->check && !payload_ok(e, c, p, len, c->rx_seq))
			return -EBADMSG;
		if (e->op != OP_WRITE && !pulled && post_recv(c, c->rx_seq)) {
			say(e, "cannot repost a receive on QP 0x%x: %s", c->qp->qp_num,
			    strerror(errno));
			return -EIO;
		}
	}
	return (int)k;
}

static int rx_once(struct fp_conn *c, void *buf, size_t len, unsigned n);

/*
 * A receiver that hears nothing may be waiting on a peer that is gone, and a peer that is
 * gone sends no error. An empty RDMA WRITE finds out: the transport retries, then says
 * "retry exceeded", which the completion reports as a vanished peer.
 */
static void probe_peer(struct fp_conn *c)
{
	struct ibv_send_wr wr = { .wr_id = (uintptr_t)c | WR_SEND,
				  .opcode = IBV_WR_RDMA_WRITE,
				  .send_flags = IBV_SEND_SIGNALED,
				  .wr.rdma = { .remote_addr = c->raddr, .rkey = c->rkey } },
			   *bad;

	c->idle = 0;
	if (c->tx_out || ibv_post_send(c->qp, &wr, &bad))
		return;
	cover_push(c, 1);
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

	if (e->failed)
		return e->failed;
	if (e->op == OP_WRITE) {
		/* the trailer after each message says it has landed */
		unsigned k = 0;

		for (; k < n; k++) {
			size_t slot = c->rx_seq % e->nslots;
			uint8_t *mark = c->ring + slot * e->stride + len;
			uint64_t t, want = trailer(len, c->rx_seq);

			__atomic_load((uint64_t *)(void *)mark, &t, __ATOMIC_ACQUIRE);
			if (t != want)
				break;
			if (len <= SMALL)
				memcpy(buf, c->ring + slot * e->stride, len);
			else if (e->check &&
				 !payload_ok(e, c, c->ring + slot * e->stride, len, c->rx_seq))
				return -EBADMSG;
			memset(mark, 0, TRAILER);
			c->rx_seq++;
		}
		if (!k)
			poll_cq(e); /* our own writes' completions */
		return e->failed ? e->failed : (int)k;
	}
	bool pull = e->op == OP_READ && (e->lat || !c->src);

	if (pull) {
		/* keep reads in flight for what the caller still wants, and (bandwidth)
		 * only for messages the sender has said are in place */
		uint64_t inflight = c->rd_seq - c->rx_seq - c->ready;
		uint64_t want = n > c->ready + inflight ? n - c->ready - inflight : 0;
		uint64_t can = c->avail > c->rd_seq ? c->avail - c->rd_seq : 0;

		if (!e->lat && want > can)
			want = can;
		if (want) {
			int k = post(c, NULL, len, (unsigned)want, true);

			if (k < 0)
				return k;
		}
	}
	if (!c->ready)
		poll_cq(e);
	if (e->failed)
		return e->failed;
	return take(c, buf, len, n, pull);
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

static void verbs_close(struct fp_engine *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->nconns; i++) {
		struct fp_conn *c = &e->conns[i];

		if (c->qp)
			ibv_destroy_qp(c->qp);
		if (c->mr)
			ibv_dereg_mr(c->mr);
		free(c->ring);
		free(c->cover);
	}
	free(e->conns);
	if (e->cq)
		ibv_destroy_cq(e->cq);
	if (e->ch)
		ibv_destroy_comp_channel(e->ch);
	if (e->slab_mr)
		ibv_dereg_mr(e->slab_mr);
	free(e->slab);
	if (e->pd)
		ibv_dealloc_pd(e->pd);
	if (e->ctx)
		ibv_close_device(e->ctx);
	free(e);
}

const struct fp_engine_ops fp_verbs_ops = {
	.name = "verbs",
	.desc = "RDMA verbs (rdma-core): RC QPs, send/write/write_imm/read",
	.probe = verbs_probe,
	.open = verbs_open,
	.close = verbs_close,
	.connect = verbs_connect,
	.ident = verbs_ident,
	.tx = verbs_tx,
	.rx = verbs_rx,
	.wait = verbs_wait,
	.begin = verbs_begin,
	.opts = verbs_opts,
	.cfg_size = sizeof(struct verbs_opts),
};
