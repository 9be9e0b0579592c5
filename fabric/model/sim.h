/* SPDX-License-Identifier: MIT */
/*
 * The flow-level simulator: each flow of a round gets its max-min fair rate by progressive
 * filling over directed link capacities, with ECMP paths hashed per flow (or given).
 *
 * Loss model: a flow crossing links with loss rates p_i sees p = 1 - prod(1 - p_i) and is
 * capped at the Mathis et al. TCP bound, MSS * 1.22 / (RTT * sqrt(p)) (MSS 1448 B, RTT from
 * the options, 10 us by default), and at (1 - p) of its fair share: losses cost goodput and
 * stall the window. It is a model of TCP or of RoCE with selective repeat; go-back-N RDMA
 * collapses harder.
 */
#ifndef FP_SIM_H
#define FP_SIM_H

#include <stdint.h>

#include "route.h"
#include "topo.h"

enum fp_fault_kind { FP_FAULT_DEGRADE, FP_FAULT_LOSS, FP_FAULT_DOWN, FP_FAULT_SLOWHOST };

struct fp_fault {
	enum fp_fault_kind kind;
	int link;     /* degrade, loss, down */
	int host;     /* slowhost: node index */
	double value; /* degrade/slowhost: fraction of capacity left; loss: probability */
};

/* Capacities per directed link (2 per link: a->b, b->a) in Gb/s, faults applied. */
struct fp_sim_net {
	const struct fp_topo *t;
	double *cap;  /* 2 * nlinks */
	double *loss; /* 2 * nlinks */
	double rtt_us;
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
