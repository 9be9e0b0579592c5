/* SPDX-License-Identifier: MIT */
/*
 * The diagnosis planner (issue 22): hypotheses (a link, or a host with its one cable) that
 * the analyzer raised, and the flows that test them. Pure model: topology and routing in,
 * host pairs out; the loop that runs them is benches/diagnose.c.
 *
 * A flow is steered: it carries the ECMP hash that puts it on the path the planner wants,
 * as a UDP source port (or a RoCE flow label) picked for its traced path does on a real
 * fabric. A targeted flow crosses exactly one open candidate; a cover flow crosses a link
 * the steps so far left uncrossed.
 */
#ifndef FP_DIAG_PLAN_H
#define FP_DIAG_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze.h"
#include "route.h"
#include "topo.h"

struct fp_diag_flow {
	int src, dst;  /* topology nodes (hosts) */
	uint64_t hash; /* ECMP hash: fp_route_path(r, src, dst, hash) is its path */
	int hyp;       /* the hypothesis it tests, -1 for screening and cover flows */
	uint32_t round;
};

enum fp_hyp_state { FP_HYP_OPEN, FP_HYP_CONFIRMED, FP_HYP_CLEARED };

struct fp_hyp {
	bool host;	/* a host, NIC or its one cable (the traffic cannot tell them apart) */
	int node, link; /* host: node and its cable; link: node -1 */
	enum fp_hyp_state state;
	unsigned opened, closed; /* step numbers */
	unsigned probes, bad;	 /* targeted flows that crossed it, and how many were bad */
	double q_median;	 /* of its probes */
	int twin_of;		 /* raised as a twin of this hypothesis, -1 */
};

#define FP_DIAG_MAXHYP 64
/* a hypothesis is judged on at least this many targeted flows */
#define FP_DIAG_PROBES 3

struct fp_diag_hyps {
	struct fp_hyp h[FP_DIAG_MAXHYP];
	unsigned n;
	unsigned dropped; /* raised beyond FP_DIAG_MAXHYP */
};

const char *fp_hyp_state_name(enum fp_hyp_state s);

/*
 * Open a hypothesis for every suspect of a (and every twin of a link suspect) not already
 * held; a link with a host at one end becomes that host's hypothesis. Returns how many
 * were opened.
 */
unsigned fp_diag_raise(const struct fp_topo *t, const struct fp_analysis *a,
		       struct fp_diag_hyps *hs, unsigned step);

/*
 * Screening and cover flows (fl[i].hyp < 0) that cross no open or confirmed hypothesis are
 * not explained yet: open a hypothesis for each link (never one held before) that at least
 * two of the bad ones cross, and that at least half of the unexplained flows over it are
 * bad (noise makes one in many bad, a fault most), the most crossed first, at most max.
 * Returns how many were opened.
 */
unsigned fp_diag_residual(const struct fp_topo *t, const struct fp_obs *obs,
			  const struct fp_diag_flow *fl, unsigned n, struct fp_diag_hyps *hs,
			  unsigned step, unsigned max);

/*
 * One flow between hosts whose path crosses link `want` and none of the links marked in
 * avoid (NULL: none): up to `tries` host pairs drawn from seed (near the link's lower end
 * first), each with up to 64 hashes. 0 with *f filled, -ENOENT when none was found.
 */
int fp_diag_steer(struct fp_router *r, const int *hosts, unsigned nh, int want,
		  const unsigned char *avoid, uint64_t *seed, unsigned tries,
		  struct fp_diag_flow *f);

/*
 * Targeted flows: per open hypothesis, per probes flows crossing it and no other open or
 * confirmed hypothesis; a host is probed against a peer on its own leaf first, then
 * against others, in both directions. Appends to f (at most max); returns how many.
 */
unsigned fp_diag_plan_target(struct fp_router *r, const struct fp_diag_hyps *hs, unsigned per,
			     uint64_t seed, struct fp_diag_flow *f, unsigned max);

/* Cover flows: one per link crossed by fewer than min flows so far (cover[link]). */
unsigned fp_diag_plan_cover(struct fp_router *r, const unsigned *cover, unsigned min, uint64_t seed,
			    struct fp_diag_flow *f, unsigned max);

/* Flow f's path as directed links (2 * link + direction): hops, or -errno. */
int fp_diag_path(struct fp_router *r, const struct fp_diag_flow *f, unsigned *dlinks);

/*
 * Pick each flow's hash (of up to 16 drawn from seed) so that no two flows of the same
 * f[].round share a directed link, where one can: a permutation routed as a non-blocking
 * fabric can route it, so that a slow part is not hidden behind an ECMP collision.
 */
void fp_diag_spread(struct fp_router *r, struct fp_diag_flow *f, unsigned n, uint64_t seed);

/*
 * Rounds: each flow in the first round where no other flow shares its source, its
 * destination or a directed link, so that a flow alone on its path measures that path.
 * Sets f[i].round; returns the number of rounds, or -ENOMEM / -EHOSTUNREACH.
 */
int fp_diag_rounds(struct fp_router *r, struct fp_diag_flow *f, unsigned n);

/*
 * Judge the open hypotheses on the targeted flows: obs[i] is flow fl[i] (bad as the last
 * joint analysis set it, below thr). A hypothesis with at least FP_DIAG_PROBES probes that
 * crossed it is cleared when at most one third are bad; confirmed when two thirds are and
 * their median is below the threshold by twice its margin, 1 - 2 (1 - thr): a median
 * nearer the threshold is noise as likely as a fault, and stays open for a longer step.
 * Returns how many hypotheses are still open.
 */
unsigned fp_diag_judge(struct fp_diag_hyps *hs, const struct fp_obs *obs,
		       const struct fp_diag_flow *fl, unsigned n, unsigned step, double thr);

#endif
