/* SPDX-License-Identifier: MIT */
/* The water-filling step of fp_sim_maxmin (sim.c), event by event (sim_fill.c). */
#ifndef FP_SIM_FILL_H
#define FP_SIM_FILL_H

#include "sim.h"

/*
 * rem[d]: capacity of each of the nd directed links; cnt[d]: flows crossing it that are not
 * frozen (flows with frozen[f] set take no part); ceil_[f]: a flow's own bound (INFINITY:
 * none); left: the flows not frozen. Writes every such flow's max-min rate to rate[f]; rem,
 * cnt and frozen are consumed. 0 or -ENOMEM.
 */
int fp_sim_fill(const struct fp_sim_flows *fl, unsigned nd, double *rem, unsigned *cnt,
		const double *ceil_, unsigned char *frozen, unsigned left, double *rate);

#endif
