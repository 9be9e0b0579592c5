/* SPDX-License-Identifier: MIT */
/*
 * fabprobe fleet under a launcher: one rank per host, each reads its inventory and sends the
 * document to rank 0 through the rendezvous, as `run` gathers results; rank 0 compares.
 */
#ifndef FP_FLEET_JOB_H
#define FP_FLEET_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "../fabric/inventory/fleet.h"
#include "runner.h"

struct fp_fleet_job {
	/* rank, size, rendezvous, token, require_token, timeout_ns, and given: which of rank and
	 * size were flags (bits of fp_run_opts), as for run */
	struct fp_run_cfg run;
	const char *root;     /* sysfs root, "/" live */
	const char *hostname; /* NULL: the host's own */
	uint64_t settle_ns;   /* pause counters sampled this far apart at idle; 0 off */
};

/*
 * Every rank: 0 or -errno with err (the rendezvous names a silent peer). On rank 0 *verdict
 * is true and f holds every host's properties, compared; elsewhere f stays empty.
 */
int fp_fleet_gather(const struct fp_fleet_job *j, struct fp_fleet *f, bool *verdict, char *err,
		    size_t el);

#endif
