/* SPDX-License-Identifier: MIT */
/*
 * `fabprobe diagnose` as a library call (issue 22): screen, analyze every step so far
 * together, plan the next probe from the suspects (fabric/model/diag_plan.c), run it, until
 * every suspect is confirmed or cleared or the budget is spent.
 *
 * Steps run through an executor: the simulator (benches/diag_sim.c) or a runner. The
 * executor measures each flow and reports the path it took (recorded by the simulator,
 * traced on a real fabric); the loop predicts each flow on the healthy model with that
 * path, so measured / predicted is what the analyzer judges.
 */
#ifndef FP_DIAGNOSE_H
#define FP_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../fabric/model/analyze.h"
#include "../fabric/model/diag_plan.h"
#include "../fabric/model/sim.h"

/* One flow's measurement: its rate, what it moved and the directed links it crossed. */
#define FP_DIAG_NOBYTES UINT64_MAX /* bytes not measured (the simulator): flow_bytes counts */
struct fp_diag_meas {
	double gbps;
	uint64_t bytes;
	unsigned hops;
	unsigned path[FP_SIM_MAXHOPS];
};

/*
 * Run n flows in nrounds rounds (f[i].round), each round for duration (a multiple of the
 * base round); fill m[i]. 0 or -errno with one line in err.
 */
typedef int (*fp_diag_exec_fn)(void *ctx, unsigned step, const struct fp_diag_flow *f, unsigned n,
			       unsigned nrounds, double duration, struct fp_diag_meas *m, char *err,
			       size_t el);

/*
 * The local step: a host's own throughput with no cable in the way (loopback inside the
 * host), measured alone for duration rounds. nic: the host's NIC below its best ("PCIe x8
 * of x16"), or "" when it reports none.
 */
struct fp_diag_loop {
	double gbps;
	uint64_t bytes;
	char nic[96];
};
typedef int (*fp_diag_local_fn)(void *ctx, unsigned step, int node, double duration,
				struct fp_diag_loop *m, char *err, size_t el);

struct fp_diag_cfg {
	unsigned screen_rounds; /* permutation rounds to screen with; 0: 4 */
	double budget_s;	/* traffic seconds in all; 0: 600 */
	double round_s;		/* one round at duration 1; 0: 1 */
	uint64_t flow_bytes;	/* what one flow moves in a round at duration 1 */
	uint64_t seed;		/* screening permutations and steering */
	unsigned max_steps;	/* 0: 12 */
	unsigned probes;	/* targeted flows per hypothesis per step; 0: 4 */
	unsigned pairs_below;	/* screen with every pair when hosts <= this; 0: 8 */
	fp_diag_local_fn local; /* the executor's loopback probe (same ctx); NULL: none */
};

enum fp_diag_kind { FP_STEP_SCREEN, FP_STEP_PAIRS, FP_STEP_COVER, FP_STEP_TARGET, FP_STEP_LOCAL };

/*
 * What the local step made of a confirmed host hypothesis: the host itself (its loopback
 * below the threshold against a healthy host's), the NIC's slot (loopback healthy, the NIC
 * below its best), else the cable (or the NIC, which loopback does not cross).
 */
enum fp_local_verdict { FP_LOCAL_HOST, FP_LOCAL_NIC, FP_LOCAL_CABLE };

struct fp_diag_local {
	unsigned hyp, step;
	int ref; /* the healthy host measured against */
	struct fp_diag_loop m, rm;
	double q; /* m.gbps / rm.gbps */
	enum fp_local_verdict v;
};

#define FP_DIAG_MAXSTEPS 32

struct fp_diag_step {
	enum fp_diag_kind kind;
	unsigned flows, rounds;
	double duration; /* the base round's multiple */
	uint64_t bytes;
	double sigma;	   /* the joint analysis's noise after this step */
	unsigned suspects; /* the joint analysis's suspects after this step */
	unsigned raised;   /* hypotheses it opened */
	char why[160];
};

struct fp_diagnosis {
	const struct fp_topo *t;
	struct fp_diag_hyps hs;
	struct fp_diag_step steps[FP_DIAG_MAXSTEPS];
	unsigned nsteps;
	/* every flow so far, its observation, and per link the flows that crossed it */
	struct fp_diag_flow *fl;
	struct fp_obs *obs;
	unsigned n, cap;
	unsigned *cover;
	unsigned hosts;
	struct fp_analysis a;	    /* the last joint analysis */
	uint64_t bytes, full_bytes; /* moved; what every ordered pair once would move */
	bool full_measured;	    /* full_bytes from the screen's median flow, not flow_bytes */
	double spent_s;
	bool clean;
	struct fp_diag_local local[FP_DIAG_MAXHYP];
	unsigned nlocal;
	char stop[160]; /* why it stopped */
	/* the executor failed (a rank died, a flow stalled): what was measured until then */
	bool incomplete;
	char error[256];
};

/*
 * Diagnose t (routed by r) through ex. 0, or -errno with err (-ENOMEM, or what the
 * executor returned); d is filled as far as it got either way and freed with
 * fp_diagnosis_free.
 */
int fp_diagnose(struct fp_diagnosis *d, const struct fp_topo *t, struct fp_router *r,
		const struct fp_diag_cfg *c, fp_diag_exec_fn ex, void *ctx, char *err, size_t el);
void fp_diagnosis_free(struct fp_diagnosis *d);

const char *fp_diag_kind_name(enum fp_diag_kind k);
/* "host h0 (or its cable ...)" or "link #3 l0:p1-s0:p2" */
void fp_hyp_name(const struct fp_topo *t, const struct fp_hyp *h, char *buf, size_t len);
/* hypothesis i as the verdict names it: the local step's answer where it ran */
void fp_diag_verdict_name(const struct fp_diagnosis *d, unsigned i, char *buf, size_t len);
/* the local step's entry for hypothesis i, NULL */
const struct fp_diag_local *fp_diag_local_of(const struct fp_diagnosis *d, unsigned i);

/* Max-min rates on net of flows f with the paths in m, round by round: 0 or -ENOMEM. */
int fp_diag_rates(const struct fp_sim_net *net, const struct fp_diag_meas *m,
		  const struct fp_diag_flow *f, unsigned n, unsigned nrounds, double *rate);

/* The steps and the verdict as text; diagnosis.json written atomically (diag_json.c). */
void fp_diagnosis_text(const struct fp_diagnosis *d, FILE *f);
void fp_diagnosis_json(const struct fp_diagnosis *d, FILE *f);
int fp_diagnosis_write(const struct fp_diagnosis *d, const char *path, char *err, size_t el);

/* The simulator as executor (diag_sim.c): faults on a copy of the capacities, noise. */
struct fp_diag_sim {
	struct fp_router *r;
	struct fp_sim_net net; /* with faults */
	double noise;	       /* sigma at duration 1; falls as 1/sqrt(duration) */
	double *loop;	       /* per node: loopback Gb/s (a slow host's scaled, its cable's not) */
	uint64_t seed;
	unsigned local_calls; /* each loopback probe its own noise */
};
int fp_diag_sim_exec(void *ctx, unsigned step, const struct fp_diag_flow *f, unsigned n,
		     unsigned nrounds, double duration, struct fp_diag_meas *m, char *err,
		     size_t el);
/* x->loop from the topology and the faults (NULL, nf 0: none): 0 or -ENOMEM */
int fp_diag_sim_loop(struct fp_diag_sim *x, const struct fp_topo *t, const struct fp_fault *f,
		     unsigned nf);
int fp_diag_sim_local(void *ctx, unsigned step, int node, double duration, struct fp_diag_loop *m,
		      char *err, size_t el);

#endif
