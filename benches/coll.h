/* SPDX-License-Identifier: MIT */
/*
 * The collectives of training as traffic patterns (nccl-tests' allreduce, allgather and
 * reducescatter): schedules, and each rank's plan of the messages each algorithm's steps
 * move. Pure: no transport, no clock. The runner executes plans in run_coll.c.
 *
 * Buffers are out of place, as nccl-tests': `in` (count floats, the rank's input) and `out`
 * (count floats). count = message size / 4. Chunk k of n is floats [k*count/n, (k+1)*count/n).
 *   allreduce      out = the sum over ranks of in
 *   allgather      out chunk k = rank k's in chunk k
 *   reducescatter  out chunk r (rank r's own) = the sum over ranks of in chunk r
 * Algorithms: ring (every collective) and double binary tree (allreduce only, as NCCL's:
 * two trees, the second mirrored, each carrying half the buffer, so a rank is an interior
 * node of at most one; reduce up, then broadcast down).
 */
#ifndef FP_COLL_H
#define FP_COLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched.h"

enum fp_coll_kind { FP_COLL_ALLREDUCE, FP_COLL_ALLGATHER, FP_COLL_REDUCESCATTER };
enum fp_coll_algo { FP_COLL_RING, FP_COLL_TREE };

#define FP_COLL_LOCAL UINT32_MAX /* an op's flow: a copy in memory, no message */

/*
 * One message this rank sends or receives (or a local copy). Ops of one lane run stage by
 * stage; those of a stage run at once. Lanes (the two trees) run side by side; on a flow
 * both lanes use, messages go in plan order (seq), which sender and receiver share.
 */
struct fp_coll_op {
	uint32_t flow; /* schedule flow, or FP_COLL_LOCAL */
	uint32_t seq;  /* this op's turn among the ops on its flow and direction */
	uint8_t lane;
	uint16_t stage;
	bool tx;
	bool sum;	   /* rx: out = base + message; else the message lands in out */
	bool base_out;	   /* tx: send from out (else in); rx sum: add to out (else in) */
	uint64_t off, len; /* floats */
};

struct fp_coll_plan {
	struct fp_coll_op *ops; /* by lane, then stage */
	unsigned n, cap;
	unsigned nlanes;
	uint64_t count;
};

/* The collective a pattern names (-1: not a collective). */
int fp_coll_kind_of(const char *pattern);
/* Schedules: ring i -> i+1, or both trees' edges in both directions. */
int fp_coll_sched(struct fp_sched *s, int kind, int algo, char *err, size_t el);
/* The patterns' builders (sched.c's table) */
int fp_coll_build_allreduce(struct fp_sched *s, const struct fp_pattern_opts *o, char *err,
			    size_t el);
int fp_coll_build_allgather(struct fp_sched *s, const struct fp_pattern_opts *o, char *err,
			    size_t el);
int fp_coll_build_reducescatter(struct fp_sched *s, const struct fp_pattern_opts *o, char *err,
				size_t el);
/* Rank r's plan for count floats over schedule s. 0 or -errno. */
int fp_coll_plan(struct fp_coll_plan *p, const struct fp_sched *s, int kind, int algo, int r,
		 uint64_t count);
void fp_coll_plan_free(struct fp_coll_plan *p);

/* Rank r's input float i: (r % 32 + 1) x (i % 7 + 1), small integers at most
 * FP_COLL_INPUT_MAX, so every partial sum over n ranks is exact in float (below 2^24) as long
 * as fp_coll_checkable(n): beyond it --check would count rounding as wrong. */
#define FP_COLL_INPUT_MAX 224
float fp_coll_input(int r, uint64_t i);
bool fp_coll_checkable(int64_t n);
/* The floats of out that differ from what the collective must leave on rank r. */
uint64_t fp_coll_wrong(int kind, int n, int r, const float *out, uint64_t count);
/*
 * What an engine that paces its own flows needs to carry a collective: the longest message
 * (floats) of count over n ranks, and the messages one flow carries per collective at most
 * (ring: one per step; tree: one per tree, the two trees sharing an edge at most once each).
 */
uint64_t fp_coll_max_len(int algo, int n, uint64_t count);
unsigned fp_coll_flow_msgs(int kind, int algo, int n);

/* nccl-tests' busbw / algbw: 2(n-1)/n for allreduce, (n-1)/n for the others. */
double fp_coll_bus_factor(int kind, int n);

#endif
