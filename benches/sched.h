/* SPDX-License-Identifier: MIT */
/*
 * Schedules: who talks to whom, round by round. A schedule is a list of unique directed
 * flows (src -> dst) and a list of rounds, each a set of flow ids that run at once. A flow
 * that appears in several rounds is one connection, set up once.
 *
 * Patterns are pure functions of (ranks, options): no transport, no clock. They cost
 * O(flows) time and memory, and flows are at most n*(n-1).
 */
#ifndef FP_SCHED_H
#define FP_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../fabric/runtime/engine.h"

enum fp_measure {
	FP_MEASURE_BW = 1,   /* bandwidth phase: every flow of the round streams */
	FP_MEASURE_LAT = 2,  /* latency phase: every flow of the round ping-pongs */
	FP_MEASURE_COLL = 4, /* a collective (coll.h): its algorithm's messages, reduced */
};

struct fp_sched {
	int n;
	unsigned measure; /* FP_MEASURE_* bits */
	uint32_t nflows, cap_flows;
	struct fp_flow *flows;
	uint32_t nrounds, cap_rounds;
	uint32_t *rstart; /* round r is rflows[rstart[r] .. rstart[r+1]) */
	uint64_t *rseed;  /* the seed that drew round r, 0 where none */
	int32_t *rroot;	  /* incast/broadcast root of round r, -1 where none */
	uint32_t nentries, cap_entries;
	uint32_t *rflows;
	/* (src, dst) -> flow id, for patterns that repeat a pair across rounds */
	uint64_t *hkey;
	uint32_t *hval, hcap;
};

struct fp_pattern_opts {
	bool bidir;	    /* stream, bisection: both directions at once */
	bool alone;	    /* pairs: one pair per round, measured alone */
	bool rotate;	    /* incast, broadcast: every rank takes a turn as root */
	int rounds;	    /* permutation, bisection: how many rounds */
	int shift;	    /* ring: rank -> rank + shift */
	int root;	    /* incast, broadcast */
	uint64_t seed;	    /* permutation: round r uses seed + r */
	const char *groups; /* bisection: a group label per rank, "a,a,b,b"; NULL: by rank */
	bool reverse;	    /* every flow turned round: the pattern's receivers send (iperf3 -R) */
	int algo;	    /* collectives: 0 ring, 1 double binary tree (coll.h) */
};

struct fp_pattern {
	const char *name;
	const char *summary;
	unsigned measure;
	int min_ranks;
	bool even_ranks;
	int (*build)(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t errlen);
};

const struct fp_pattern *fp_patterns(unsigned *n);
const struct fp_pattern *fp_pattern_find(const char *name);

/* Build pattern p for n ranks into s (which the caller destroys). 0 or -errno + err. */
int fp_sched_build(struct fp_sched *s, const struct fp_pattern *p, int n,
		   const struct fp_pattern_opts *o, char *err, size_t errlen);
void fp_sched_destroy(struct fp_sched *s);

/* Builders' helpers. */
int fp_sched_round_begin(struct fp_sched *s, uint64_t seed, int root);
/* Add src -> dst to the open round; dedupe reuses an earlier flow with the same pair. */
int fp_sched_add(struct fp_sched *s, int src, int dst, bool dedupe);

/*
 * Check the invariants every consumer relies on: flow ids dense and in range, no self
 * flow, no duplicate directed pair, no flow twice in a round. 0 or -EINVAL + err.
 */
int fp_sched_check(const struct fp_sched *s, char *err, size_t errlen);

/* A uniformly random derangement of 0..n-1 (n >= 2), reproducible from seed. */
void fp_derangement(uint32_t *perm, uint32_t n, uint64_t seed);
/* splitmix64: the seeded generator behind every random choice in a schedule */
uint64_t fp_rand_next(uint64_t *state);

#endif
