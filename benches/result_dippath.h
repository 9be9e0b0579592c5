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

struct fp_dip_link {
	int link;
	unsigned flows;		    /* of known path through it, every one dipped twice */
	unsigned steady;	    /* flows of known path that never dipped */
	const struct fp_dip *first; /* one of its flows, for the finding's example */
	int also;		    /* a link the same flows cross, -1: none */
};

/*
 * The flows of a soak (d, ranks to nodes by node_of) joined with the run's observations
 * o[0..n) by their end nodes; host_named[node]: the rank rule named that host. Up to max
 * links to out, *nout of them. 0 or -ENOMEM.
 */
int fp_dip_links(const struct fp_topo *t, const struct fp_dips *d, const int *node_of,
		 const struct fp_obs *o, unsigned n, const bool *host_named,
		 struct fp_dip_link *out, unsigned max, unsigned *nout);

#endif
