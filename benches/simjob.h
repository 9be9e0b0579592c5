/* SPDX-License-Identifier: MIT */
/*
 * `fabprobe sim` as a library call: a pattern's schedule on a topology, with planted
 * faults, through the simulator, written as a result folder in run's schema
 * ("simulated": true) with ground_truth.json next to it.
 */
#ifndef FP_SIMJOB_H
#define FP_SIMJOB_H

#include <stdint.h>

#include "../fabric/model/route.h"
#include "../fabric/model/topo_routes.h"
#include "results.h"
#include "runner.h"
#include "sched.h"
#include "simrun.h"

#define FP_SIM_MAXFAULTS 256

struct fp_sim_cfg {
	struct fp_run_cfg run;	 /* pattern options, sizes, iters, seed, output, argv */
	const char *faults;	 /* degrade:LINK:FRAC,loss:LINK:P,down:LINK,slowhost:HOST:FRAC */
	const char *fault_range; /* "LO:HI", capacity left for random faults */
	int64_t random_faults, random_hosts; /* how many to plant, seeded */
	double noise;			     /* multiplicative, normal, sigma in 0..1 */
	double rtt_us;			     /* round trip for the loss model */
	int transport;			     /* enum fp_sim_transport: what loss costs */
	double nic_gbps;		     /* > 0: every host link capped at this */
	const char *routes; /* the SM's forwarding tables (ibroute, dump_lfts...), not ECMP */
};

/* What a simulation wrote; d is what the text renderers take. */
struct fp_sim_job {
	struct fp_run_data d;
	struct fp_topo topo;
	struct fp_sched sched;
	struct fp_router router;
	struct fp_routes lft; /* with cfg.routes: what the router follows */
	struct fp_sim_net net;
	struct fp_fault faults[FP_SIM_MAXFAULTS];
	unsigned nfaults, *paths, *hops;
	int *host_of, nhosts;
	double *rate;
};

/*
 * Simulate c's pattern on the topology file and write the folder (c->run.output, or a new
 * one under c->run.results_dir). 0, or -errno with one line in err: -ENOMEM and -EIO are
 * failures of this machine, anything else a problem with the input. j is filled either way
 * and freed with fp_sim_job_free(); c must outlive it.
 */
int fp_sim_job_run(struct fp_sim_job *j, struct fp_sim_cfg *c, const char *topology,
		   const char *pattern, char *err, size_t el);
void fp_sim_job_free(struct fp_sim_job *j);

#endif
