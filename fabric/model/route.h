/* SPDX-License-Identifier: MIT */
/*
 * Routing over a topology: shortest paths over the links that are up, hosts never
 * forwarding. ECMP is modelled as a per-flow hash choosing uniformly among the equal-cost
 * next hops at each hop, as a 5-tuple hash in a Clos does.
 */
#ifndef FP_ROUTE_H
#define FP_ROUTE_H

#include <stdint.h>

#include "topo.h"

struct fp_routes;

#define FP_DIST_INF UINT16_MAX

struct fp_router {
	const struct fp_topo *t;
	uint16_t **dist; /* per destination node, built on first use */
	int *queue;
	/*
	 * A single-homed host is reached through its one switch: routes toward the host are
	 * routes toward that switch, then its link. Distances are kept per switch, so 8192
	 * hosts under 256 edge switches cost 256 searches, not 8192.
	 */
	int *attach;
	/* per adjacency slot (fp_topo adj), the node at the other end: routing reads it
	 * instead of the link record, which is hundreds of bytes (a cache miss a neighbour) */
	int *peer;
	unsigned *byp;		/* per node, its adjacency slots sorted by peer (then slot) */
	unsigned char *is_host; /* per node: a host (never a transit), without reading the node */
	/* per link: up when the router was made (its distances are cached from then on too) */
	unsigned char *up;
	/* fp_sim_path_probs's scratch, per node: zero between calls (NULL until first use) */
	double *mass;
	int *order;
	/* when set, paths are the subnet manager's (fp_router_use_lft), not ECMP's */
	const struct fp_routes *lft;
};

int fp_router_init(struct fp_router *r, const struct fp_topo *t);
void fp_router_destroy(struct fp_router *r);
/* Hop counts from every node to dst (FP_DIST_INF: unreachable); NULL on -ENOMEM. */
const uint16_t *fp_router_dist(struct fp_router *r, int dst);
/* Links leaving node on a shortest path to dst; returns how many (<= max written). */
unsigned fp_route_nexthops(struct fp_router *r, int node, int dst, unsigned *links, unsigned max);
/*
 * Route by the fabric's own forwarding tables (joined to r->t) from now on: fp_route_path
 * then follows the tables to dst's LID (with LMC, the hash picks one of its LIDs, as a
 * flow's DLID does). NULL returns to ECMP.
 */
void fp_router_use_lft(struct fp_router *r, const struct fp_routes *lft);
/* One ECMP (or LFT) path src -> dst chosen by hash: its links in order. Returns the hop count, or
 * -EHOSTUNREACH, or -E2BIG when longer than max. */
int fp_route_path(struct fp_router *r, int src, int dst, uint64_t hash, unsigned *links,
		  unsigned max);

#endif
