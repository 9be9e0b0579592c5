/* SPDX-License-Identifier: MIT */
/*
 * A topology's link ends as the fabric's own port counters see them (fabric/inventory/
 * ibpma): snapshots, and the differences between two, for fabprobe fabric-counters and
 * for `fabprobe run --fabric-counters`.
 */
#ifndef FP_FABCTR_H
#define FP_FABCTR_H

#include <stddef.h>

#include "../../core/json.h"
#include "../inventory/ibpma.h"
#include "topo.h"

struct fp_fabctr {
	struct fp_topo t;
	char path[256];
	struct fp_pma_node *nodes;
	struct fp_pma_link *links;
	struct fp_pma_end *before, *after; /* 2 x nlinks each; NULL until read */
	double t_before, t_after;	   /* CLOCK_REALTIME seconds */
};

/* Load the topology and its link ends. 0, or -errno with one line in err. */
int fp_fabctr_open(struct fp_fabctr **out, const char *topo_path, char *err, size_t el);
void fp_fabctr_close(struct fp_fabctr *f);
/* read every end into before (after=false) or after. 0 or -errno with err. */
int fp_fabctr_snap(struct fp_fabctr *f, const struct fp_pma_opts *o, bool after, char *err,
		   size_t el);
/* growth of a counter; one that went backwards was reset and reads as its new value */
uint64_t fp_fabctr_delta(uint64_t now, uint64_t before);
/* "fabric_counters": per link end, the differences between the two snapshots */
void fp_fabctr_json(struct fp_json *j, const struct fp_fabctr *f);

#endif
