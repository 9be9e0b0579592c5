/* SPDX-License-Identifier: MIT */
/* Running a schedule through the simulator: what `fabprobe sim` writes and what the
 * analyzer predicts. */
#ifndef FP_SIMRUN_H
#define FP_SIMRUN_H

#include "../fabric/model/sim.h"
#include "sched.h"

/* A standard normal draw (Box-Muller) from the seeded generator: the simulators' noise. */
double fp_sim_gauss(uint64_t *st);

/*
 * Rates (Gb/s) of the flows of round r, rank k placed on node host_of[k]. With samples
 * > 1, the mean over that many ECMP hash draws (the expectation when paths are unknown);
 * with 1, one draw from seed, whose paths land in paths (round entries x FP_SIM_MAXHOPS
 * directed links, hops[] each) when those are not NULL.
 */
int fp_simulate_round(struct fp_router *r, const struct fp_sim_net *net, const struct fp_sched *s,
		      uint32_t round, const int *host_of, uint64_t seed, unsigned samples,
		      double *rate, unsigned *paths, unsigned *hops);

/*
 * hosts[].endpoint of a simulated run: rank k's lines (results_ep.c) from the identity
 * fields of topology node host_of[k], in a world-size array the caller frees with
 * fp_endpoints_free. 0 or -ENOMEM.
 */
int fp_sim_endpoints(const struct fp_topo *t, const int *host_of, int n, char ***out);

/* fp_topo_link_find() without the message: a link index, or -1 */
int fp_link_lookup(const struct fp_topo *t, const char *spec);
/*
 * Parse "degrade:LINK:FRAC,loss:LINK:P,down:LINK,slowhost:HOST:FRAC"; LINK as
 * fp_topo_link_find() reads it (#i, a-b, a:port-b:port), parallel links refused.
 */
int fp_faults_parse(const struct fp_topo *t, const char *spec, struct fp_fault *f, unsigned max,
		    unsigned *n, char *err, size_t el);

#endif
