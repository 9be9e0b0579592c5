/* SPDX-License-Identifier: MIT */
/* For the topology fuzz targets: whatever a loader accepts, fabprobe writes loadable. */
#ifndef FP_TOPO_ROUND_TRIP_H
#define FP_TOPO_ROUND_TRIP_H

#include <stdio.h>
#include <stdlib.h>

#include "../../fabric/model/topo.h"

/* a loaded model's links join nodes that exist */
static inline void links_in_range(const struct fp_topo *t)
{
	for (unsigned i = 0; i < t->nlinks; i++)
		if (t->links[i].a < 0 || (unsigned)t->links[i].a >= t->nnodes ||
		    t->links[i].b < 0 || (unsigned)t->links[i].b >= t->nnodes)
			abort();
}

/* every file fabprobe writes loads in fabprobe, to the same counts */
static inline void round_trip(const struct fp_topo *t)
{
	struct fp_topo u;
	char err[256], *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	fp_topo_write_yaml(t, f);
	fclose(f);
	fp_topo_init(&u);
	if (fp_topo_load_yaml(&u, buf, len, "written", err, sizeof(err)) || u.nnodes != t->nnodes ||
	    u.nlinks != t->nlinks) {
		fprintf(stderr, "written topology does not load back: %s\n%s", err, buf);
		abort();
	}
	fp_topo_destroy(&u);
	free(buf);
}

#endif
