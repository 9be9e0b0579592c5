// SPDX-License-Identifier: MIT
#include "engine.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fp_config.h"

/*
 * The registry, one line per engine: X(name, built, why not). The line declares the
 * engine's ops table, fp_<name>_ops from engines/<name>.c, and lists it; built is the
 * HAVE_* that meson set (1 when the engine needs no outside library), and an engine not
 * built is listed with the reason and no ops (a constant 0 ? &ops : NULL leaves no
 * reference to the missing table). Adding an engine: its file, this line, and its file in
 * engines/meson.build.
 */
#define FP_ENGINES(X)                                                                              \
	X(sockets, 1, NULL)                                                                        \
	X(verbs, HAVE_VERBS, "not built: libibverbs (rdma-core) not found or -Dverbs=disabled")    \
	X(dpdk, HAVE_DPDK, "not built: libdpdk not found or -Ddpdk=disabled")                      \
	X(null, 1, NULL)

#define FP_ENGINE_DECLARE(name, built, why) extern const struct fp_engine_ops fp_##name##_ops;
#define FP_ENGINE_ENTRY(name, built, why)                                                          \
	{ (built) ? &fp_##name##_ops : NULL, #name, (built) ? NULL : (why) },

FP_ENGINES(FP_ENGINE_DECLARE)

static const struct fp_engine_entry engines[] = { FP_ENGINES(FP_ENGINE_ENTRY) };

const struct fp_engine_entry *fp_engines(unsigned *n)
{
	*n = sizeof(engines) / sizeof(engines[0]);
	return engines;
}

static int no_probe(char *why, size_t len)
{
	snprintf(why, len, "probe not implemented");
	return -EOPNOTSUPP;
}

static int no_open(const struct fp_engine_params *p, struct fp_engine **out)
{
	(void)p;
	(void)out;
	return -EOPNOTSUPP;
}

static void no_close(struct fp_engine *e)
{
	(void)e;
}

static int no_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		      struct fp_conn **conns)
{
	(void)e;
	(void)flows;
	(void)n;
	(void)conns;
	return -EOPNOTSUPP;
}

static int no_ident(const struct fp_conn *c, struct fp_flow_ident *id)
{
	(void)c;
	(void)id;
	return -EOPNOTSUPP;
}

static int no_conn_error(const struct fp_conn *c, char *buf, size_t len)
{
	(void)c;
	if (len)
		buf[0] = 0;
	return -EOPNOTSUPP;
}

static int no_xfer(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	(void)c;
	(void)buf;
	(void)len;
	(void)n;
	return -EOPNOTSUPP;
}

static int no_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	return no_xfer(c, (void *)buf, len, n);
}

static int no_wait(struct fp_engine *e, int timeout_ms)
{
	(void)e;
	(void)timeout_ms;
	return -EOPNOTSUPP;
}

static void no_limits(const struct fp_engine *e, size_t *min, size_t *max)
{
	(void)e;
	*min = 0;
	*max = SIZE_MAX;
}

static void no_reset(struct fp_conn *c)
{
	(void)c;
}

static int no_finish(struct fp_conn *c)
{
	(void)c;
	return 0;
}

static void no_dgram_stats(const struct fp_conn *c, struct fp_dgram_stats *st)
{
	(void)c;
	memset(st, 0, sizeof(*st));
}

static int no_queue_stats(const struct fp_conn *c, struct fp_queue_stats *qs)
{
	(void)c;
	(void)qs;
	return -EOPNOTSUPP;
}

static uint64_t no_moved(const struct fp_conn *c)
{
	(void)c;
	return 0;
}

static int no_tcp_stats(const struct fp_conn *c, struct fp_tcp_stats *st)
{
	(void)c;
	(void)st;
	return -EOPNOTSUPP;
}

static void no_begin(struct fp_engine *e, bool lat)
{
	(void)e;
	(void)lat;
}

static int no_identity(struct fp_engine *e, char *buf, size_t len)
{
	(void)e;
	if (len)
		buf[0] = 0;
	return -EOPNOTSUPP;
}

static int no_pkt(const struct fp_pkt_cfg *c, struct fp_pkt_result *r, char *err, size_t errlen)
{
	(void)c;
	(void)r;
	snprintf(err, errlen, "this engine cannot send or count frames on a port");
	return -EOPNOTSUPP;
}

static const struct fp_opt no_opts[] = { FP_OPT_END };

unsigned fp_engine_flags(const struct fp_engine_ops *ops, const void *cfg)
{
	return ops->flags | (ops->cfg_flags ? ops->cfg_flags(cfg) : 0);
}

void fp_engine_ops_fill(struct fp_engine_ops *dst, const struct fp_engine_ops *src)
{
	*dst = *src;
	if (!dst->probe)
		dst->probe = no_probe;
	if (!dst->open)
		dst->open = no_open;
	if (!dst->close)
		dst->close = no_close;
	if (!dst->connect)
		dst->connect = no_connect;
	if (!dst->ident)
		dst->ident = no_ident;
	if (!dst->conn_error)
		dst->conn_error = no_conn_error;
	if (!dst->tx)
		dst->tx = no_tx;
	if (!dst->rx)
		dst->rx = no_xfer;
	if (!dst->wait)
		dst->wait = no_wait;
	if (!dst->limits)
		dst->limits = no_limits;
	if (!dst->reset)
		dst->reset = no_reset;
	if (!dst->finish)
		dst->finish = no_finish;
	if (!dst->dgram_stats)
		dst->dgram_stats = no_dgram_stats;
	if (!dst->queue_stats)
		dst->queue_stats = no_queue_stats;
	if (!dst->tcp_stats)
		dst->tcp_stats = no_tcp_stats;
	if (!dst->moved)
		dst->moved = no_moved;
	if (!dst->begin)
		dst->begin = no_begin;
	if (!dst->identity)
		dst->identity = no_identity;
	if (!dst->pkt)
		dst->pkt = no_pkt;
	if (!dst->opts)
		dst->opts = no_opts;
}

int fp_engine_find(const char *name, struct fp_engine_ops *out)
{
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		if (strcmp(engines[i].name, name))
			continue;
		if (!engines[i].ops)
			return -ENOSYS;
		fp_engine_ops_fill(out, engines[i].ops);
		return 0;
	}
	return -ENOENT;
}

void fp_engine_base_init(struct fp_engine_base *b, const struct fp_engine_params *p)
{
	b->rank = p->rank;
	b->size = p->size;
	b->timeout_ns = p->timeout_ns;
	b->xctx = p->xctx;
	b->allgather = p->allgather;
	b->err = p->err;
	b->errlen = p->errlen;
}

void fp_engine_vsay(const struct fp_engine_base *b, const char *prefix, const char *fmt, va_list ap)
{
	int n = snprintf(b->err, b->errlen, "%s: ", prefix);

	vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
}
