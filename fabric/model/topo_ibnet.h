/* SPDX-License-Identifier: MIT */
/*
 * The ibnetdiscover importer's two halves: topo_ibnet.c reads the dump (default or -p
 * format) into pending nodes and port lines; topo_ibnet_build.c names the nodes, drops
 * switch-internal CAs, joins both ends of every cable and sets tiers.
 */
#ifndef FP_TOPO_IBNET_H
#define FP_TOPO_IBNET_H

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

#define FP_IB_NSPEEDS 9

extern const struct fp_ib_speed {
	const char *n;
	double g;
} fp_ib_speeds[FP_IB_NSPEEDS];

/* a node as the dump shows it */
struct fp_ib_node {
	char id[40];	/* "S-0002c903007b8b10", "H-..." */
	char desc[128]; /* its node description, "" when none */
	char pguid[24]; /* CAs: the port GUID of its (first) port, "0x..." */
	bool sw, agg;	/* agg: a switch-internal CA (SHARP aggregation node) */
	bool by_port;	/* -p format: a CA known by its port GUID only */
	int line, node; /* node: its index in the model, -1 when it is none */
};

/* one port line: the cable from node a's port pa to the node named rid, its port pb */
struct fp_ib_port {
	int a, pa, pb, lanes, speed, line;
	char rid[40];
	char rdesc[128]; /* the remote's description as this line shows it, "" when none */
};

struct fp_ib_ctx {
	const char *src;
	char *err;
	size_t errlen;
	int lineno, cur;
	struct fp_ib_node *nodes;
	unsigned nn, ncap;
	unsigned *slot, scap; /* ids hashed to their index in nodes */
	struct fp_ib_port *pend;
	unsigned np, pcap;
};

/* "src:line: what": -EINVAL */
int fp_ib_bad(struct fp_ib_ctx *c, int line, const char *fmt, const char *arg);
/* index in c->nodes of the node with this id, or -1 */
int fp_ib_find(const struct fp_ib_ctx *c, const char *id);
/* node descriptions replaced by the names map gives their GUIDs (topo_ibnet_map.c) */
void fp_ib_apply_map(struct fp_ib_ctx *c, const struct fp_ib_namemap *m);
/* The model from what was read: 0, -EINVAL with err, -ENOMEM. */
int fp_ib_build(struct fp_ib_ctx *c, struct fp_topo *t);

#endif
