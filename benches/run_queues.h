/* SPDX-License-Identifier: MIT */
/*
 * Per-queue counts (engines with FP_ENG_QUEUES: dpdk --queues N): after each bandwidth phase
 * every rank sends where its flows' frames went, and rank 0 keeps them per size and schedule
 * entry in d->queues for run.json's ranks[].queues.
 */
#ifndef FP_RUN_QUEUES_H
#define FP_RUN_QUEUES_H

#include "run_priv.h"

/* Every rank joins (or none: the engine has no queues). 0 or -errno, the line in rk->err. */
int fp_run_queues_gather(struct rank *rk, struct fp_size_res *sr, const char *what);

#endif
