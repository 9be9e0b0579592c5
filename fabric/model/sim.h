/* SPDX-License-Identifier: MIT */
/*
 * The flow-level simulator: each flow of a round gets its max-min fair rate by progressive
 * filling over directed link capacities, with ECMP paths hashed per flow (or given).
 *
 * Loss model (issue 18): a flow crossing links with loss rates p_i sees the compounded
 * p = 1 - prod(1 - p_i); what that costs depends on the transport (fp_sim_net.transport):
 *  - TCP: capped at the Mathis et al. bound MSS / RTT * C / sqrt(p), C = sqrt(3/2), MSS
 *    1448 B, RTT from the options (10 us by default), inside the max-min fill (a capped flow
 *    leaves its share to the others), then (1 - p) of that is goodput;
 *  - RC (RDMA verbs, go-back-N): every loss resends the window behind it, so of the wire
 *    share only (1 - p) / (1 + (W - 1) p) is goodput, W = the flow's share x RTT in
 *    FP_SIM_RC_MTU packets (the textbook go-back-N utilisation with a window of 2a + 1);
 *    the resends keep the wire busy, so the share itself is unchanged;
 *  - UDP (DPDK frames, sockets datagrams): (1 - p) of the share arrives, and the frames lost
 *    are reported per flow.
 */
#ifndef FP_SIM_H
#define FP_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "route.h"
#include "topo.h"

enum fp_sim_transport { FP_SIM_TCP, FP_SIM_RC, FP_SIM_UDP };

#define FP_SIM_MSS    1448 /* TCP payload per segment, bytes */
#define FP_SIM_RC_MTU 4096 /* RoCE/IB payload per packet, bytes */

/* a blackhole: up and routed over, passing nothing (every flow on it gets rate 0) */
enum fp_fault_kind {
	FP_FAULT_DEGRADE,
	FP_FAULT_LOSS,
	FP_FAULT_DOWN,
	FP_FAULT_SLOWHOST,
	FP_FAULT_BLACKHOLE
};

struct fp_fault {
	enum fp_fault_kind kind;
	int link;     /* degrade, loss, down, blackhole */
	int host;     /* slowhost: node index */
	double value; /* degrade/slowhost: fraction of capacity left; loss: probability */
};

/* Capacities per directed link (2 per link: a->b, b->a) in Gb/s, faults applied. */
struct fp_sim_net {
	const struct fp_topo *t;
	double *cap;	     /* 2 * nlinks */
	double *loss;	     /* 2 * nlinks */
	unsigned char *hole; /* 2 * nlinks: a blackhole (routed over, passing nothing) */
	double rtt_us;
	enum fp_sim_transport transport; /* TCP unless the caller sets it */
};

/* 0, -ENOMEM, or -EINVAL for a fault on no link or host, or a value outside 0..1 (NaN too) */
int fp_sim_net_init(struct fp_sim_net *n, const struct fp_topo *t, const struct fp_fault *f,
		    unsigned nf, double rtt_us);
void fp_sim_net_destroy(struct fp_sim_net *n);
/*
 * Apply link-down faults to a copy of the topology's state (routes change): the caller
 * routes with a router built on the result.
 */
int fp_sim_apply_down(struct fp_topo *t, const struct fp_fault *f, unsigned nf);

/* The Mathis et al. bound (Gb/s) of a TCP flow at loss p and this RTT; INFINITY at p = 0. */
double fp_sim_mathis_gbps(double p, double rtt_us);
/* The share of a go-back-N flow's wire rate share_gbps that is goodput at loss p. */
double fp_sim_gbn_goodput(double share_gbps, double p, double rtt_us);
/* The loss a flow sees over its directed links: 1 - prod(1 - p_i). */
double fp_sim_path_loss(const struct fp_sim_net *n, const unsigned *dlinks, unsigned hops);
/* Whether a flow's directed links cross a blackhole: it moves nothing, and stalls. */
bool fp_sim_path_holed(const struct fp_sim_net *n, const unsigned *dlinks, unsigned hops);
/* "tcp", "rc", "udp" */
const char *fp_sim_transport_name(enum fp_sim_transport t);

/* Flows of one round, between topology nodes. */
struct fp_sim_flows {
	unsigned n;
	const int *src, *dst; /* node indices */
	/* paths as directed links (2*link + dir), filled by fp_sim_paths or the caller */
	unsigned *path; /* n * FP_SIM_MAXHOPS */
	unsigned *hops; /* n */
};

#define FP_SIM_MAXHOPS 16

/* ECMP: one path per flow, hashed from seed and the flow's index. -EHOSTUNREACH + which. */
int fp_sim_paths(struct fp_router *r, struct fp_sim_flows *fl, uint64_t seed, unsigned *bad);
/* Max-min fair rates (Gb/s) for the flows on their paths. 0 or -ENOMEM. */
int fp_sim_maxmin(const struct fp_sim_net *n, const struct fp_sim_flows *fl, double *rate);
/* Probability that each flow crosses each directed link under per-hop uniform ECMP:
 * calls fn(ctx, flow, dlink, p) for every non-zero probability. */
int fp_sim_path_probs(struct fp_router *r, int src, int dst,
		      void (*fn)(void *ctx, unsigned dlink, double p), void *ctx);

#endif
