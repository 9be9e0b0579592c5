/* SPDX-License-Identifier: MIT */
/*
 * Latency under load: which queue (a link in one direction) holds the spike. Pairs whose
 * latency rose under load share links; every bulk flow that crossed the same link in the
 * same direction went slower than the others. Pure: observations in, ranked queues out.
 */
#ifndef FP_ANALYZE_QUEUE_H
#define FP_ANALYZE_QUEUE_H

#include <stdint.h>

#define FP_QOBS_HOPS 16

/* a directed link: link index * 2, plus 1 when it is crossed from its b end to its a end */
struct fp_qobs {
	double bloat_us; /* a latency flow: its p99 loaded - idle, us; NaN: a bulk flow */
	double gbps;	 /* a bulk flow: its average rate; NaN: a latency flow */
	unsigned nhop;
	unsigned hop[FP_QOBS_HOPS];
};

struct fp_queue {
	unsigned hop;	/* directed link */
	double score;	/* rise x (1 + deficit, at least -0.5): the ranking */
	double rise_us; /* mean bloat of latency flows crossing it minus the rest's */
	double deficit; /* 1 - the fastest bulk flow crossing it / all bulk flows' mean rate;
			 * NaN: no bulk flow crossed it, or none moved */
	unsigned lat_flows, bulk_flows; /* how many crossed it */
};

/*
 * Rank every directed link that a latency flow crossed by score, best first, into out (at
 * most max). hop values must be < 2 * nlinks (others are ignored). Returns how many were
 * written, or -ENOMEM.
 */
int fp_queue_rank(unsigned nlinks, const struct fp_qobs *o, unsigned n, struct fp_queue *out,
		  unsigned max);

#endif
