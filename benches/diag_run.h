/* SPDX-License-Identifier: MIT */
/*
 * The real runner as the diagnosis's executor (issue 22). Every rank meets once, connects K
 * connections per ordered pair of ranks once and traces the ones it sources; rank 0 runs
 * fp_diagnose() and sends each step's schedule (connection ids per round, a duration) over
 * the rendezvous; every rank runs the rounds with the runner's timed loop, and rank 0
 * gathers what each connection moved. An empty schedule ends every rank.
 */
#ifndef FP_DIAG_RUN_H
#define FP_DIAG_RUN_H

#include "diagnose.h"
#include "runner.h"

struct fp_diag_run_cfg {
	const struct fp_topo *t; /* the fabric; one rank per host, matched by hostname */
	struct fp_router *r;
	const char *hops;   /* "ADDRESS NODE" lines for traced hops (hopmap.h); NULL: none */
	const char *output; /* DIR: DIR/diagnosis.json and DIR/step-N/ (rank 0) */
	unsigned paths;	    /* connections per ordered host pair */
	struct fp_diag_cfg dc;
	int format; /* 0 text, 1 json, on stdout (rank 0) */
};

/*
 * This process's rank of the diagnosis, under the launcher cfg describes (--rank/--size or
 * the launcher's environment). Exit status: 0 done, 1 the diagnosis failed (rank 0 writes
 * what it has, marked incomplete), 2 bad input.
 */
int fp_diag_run(struct fp_run_cfg *cfg, const struct fp_diag_run_cfg *dc);

#endif
