/* SPDX-License-Identifier: MIT */
/*
 * Flapping by the rates on the flows' paths: the links every flow of which dipped and
 * recovered twice (result_dippath.c says how they are chosen).
 */
#ifndef FP_RESULT_DIPPATH_H
#define FP_RESULT_DIPPATH_H

#include <stdbool.h>

#include "../fabric/model/analyze.h"
#include "../fabric/model/topo.h"
#include "result_flap.h"

#define FP_DIPLINK_MIN 2 /* flows of known path through a link before it is named */

#define FP_DIP_OUTAGES 4 /* outages kept per link (the rest counted) */

struct fp_dip_outage {
	unsigned dipped, off; /* flows through the link that dipped, and elsewhere */
	double t0, t1;	      /* the first pass's interval, seconds */
};

struct fp_dip_link {
	int link;
	unsigned flows;	 /* of known path through it */
	unsigned steady; /* of known path not through it */
	unsigned events; /* outages (passes next to each other are one) */
	unsigned last;	 /* the last outage's last pass */
	struct fp_dip_outage ev[FP_DIP_OUTAGES];
	int also; /* a link the same dipped flows cross, as many flows: -1 none */
};

/*
 * The flows of a soak (d, ranks to nodes by node_of) joined with the run's observations
 * o[0..n) by their end nodes: the switch links that flapped, up to max of them to
 * out, *nout of them, *nall found in all. Nothing past FP_DIP_MAXCELLS passes x flows. 0 or -ENOMEM.
 */
int fp_dip_links(const struct fp_topo *t, const struct fp_dips *d, const int *node_of,
		 const struct fp_obs *o, unsigned n, struct fp_dip_link *out, unsigned max,
		 unsigned *nout, unsigned *nall);

#endif
