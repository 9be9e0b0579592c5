/* SPDX-License-Identifier: MIT */
/*
 * The analyzer's core: from observations (flow endpoints, measured and predicted rates,
 * the links each flow may cross with their probabilities) to ranked suspects.
 *
 * 1. Normalise: q = (measured / predicted) / median(measured / predicted): the run's own
 *    efficiency is the baseline. The noise is estimated from the run's fast side: sigma =
 *    median(q - 1 over q >= 1) / 0.4758 (the 87.5th less the 75th percentile of a normal).
 *    A flow is bad when q < 1 - 0.6745 sigma - max(3 sigma, 0.08): 3 sigma below the
 *    healthy flows' centre.
 * 2. Hosts: a host whose flows are mostly bad (>= 70%, at least 3 flows) toward many peers
 *    is a host, NIC or host-cable problem, and explains those flows; unless one switch link
 *    carries exactly its bad flows and none of its (two or more) good ones: then the fault is
 *    upstream (a leaf's last uplink, its sibling down), and the links' methods judge it.
 * 3. Links, by three methods over the rest:
 *    - votes (as 007): each bad flow spreads its weight over the links it may cross,
 *      normalised by the link's expected traffic: the share of its flows that are bad;
 *    - a non-negative fit (as NetBouncer): log q_f = sum_l P(f,l) x_l, x_l <= 0, by projected
 *      coordinate descent with a small L1 penalty; link health = exp(x_l);
 *    - greedy set cover of the bad flows by links, each pick weighted by its vote.
 *    A link is a suspect when the cover picks it, its fitted health is below
 *    1 - (1 - threshold) / 2 (within 0.9..0.95), and its count of bad flows passes the
 *    multiple-testing bound (FP_FAMILY_ALPHA below). With no suspect, a link is also named
 *    when two or more of its flows went deeper than noise went on the fast side (below the
 *    mirror of the run's fastest flow): for symmetric noise any k given flows of n are
 *    there by chance 1 / C(n, k), so its m flows give P <= C(m, k) / C(n, k), held to the
 *    same bound (a few deep flows on a thinly crossed link, where the count cannot pass).
 *    Paths known (recorded, traced, routed) weigh 1 in the votes and the fit, expected
 *    (ECMP-averaged) ones FP_EXPECTED_WEIGHT when the data has both; a link suspect's
 *    confidence is scaled by (1 + k) / 2, k the share of its bad flows' evidence that
 *    comes from known paths: named from expected paths alone, it has half the confidence.
 * Loss: in a datagram run (DPDK, UDP) a flow that lost frames is evidence however fast it
 *    was: one losing more than three times the run's median loss is bad, and weighs in the
 *    fit as a flow at FP_LOSS_Q of its rate (a lost frame is the clearer signal). TCP
 *    flows that resent more segments than their run's congestion explains are lossy the
 *    same way (analyze_retx.c).
 * 4. Ambiguity: suspects whose P-vectors over the observed flows are the same (cosine >=
 *    0.999) cannot be told apart by this data; the analysis says so and plans host pairs
 *    whose paths cross one and not the other.
 */
#ifndef FP_ANALYZE_H
#define FP_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>

#include "route.h"
#include "topo.h"

/*
 * Where a flow's path came from (issue 17): the simulator's own (recorded in run.json),
 * traced with the flow's 5-tuple (paths.json), routed by the subnet manager's tables
 * (--routes), or expected: the ECMP average over every shortest path.
 */
enum fp_path_src {
	FP_PATH_EXPECTED,
	FP_PATH_ROUTED,
	FP_PATH_TRACED,
	FP_PATH_RECORDED,
	FP_PATH_NSRC
};

/* "expected", "routed", "traced", "recorded" */
const char *fp_path_src_name(enum fp_path_src s);

/* an expected-path flow weighs this much in localisation; one with its path known, 1 */
#define FP_EXPECTED_WEIGHT 0.5
/* a flow that lost frames weighs in the fit as one at this share of its rate */
#define FP_LOSS_Q 0.5

struct fp_obs {
	int src, dst;	   /* topology nodes */
	double meas, pred; /* Gb/s */
	unsigned run, round, size_idx;
	unsigned np;	/* links this flow may cross */
	unsigned *link; /* np link indices (undirected) */
	double *prob;	/* np probabilities */
	double loss;	/* share of its frames lost (datagram runs), 0: none or not counted */
	bool lossy;	/* lost frames or resent segments beyond the run's own (fp_analyze) */
	/* TCP: segments its source retransmitted and sent (segs 0: not counted) */
	double retrans, segs;
	/* its run's share of segments resent beyond congestion, the binomial's share and its
	 * bound (fp_analyze_retx) */
	double retx_thr, retx_base, retx_alpha;
	double q; /* normalised ratio, filled by fp_analyze */
	bool bad, explained;
	unsigned char path_src; /* enum fp_path_src */
	bool failed;		/* could not connect: rate 0 (fp_analyze_blackhole) */
};

#define FP_MAX_SUSPECTS 32
#define FP_MAX_THIN	8

struct fp_suspect {
	bool host; /* a host (NIC or its cable), else a link */
	bool down; /* a link that carried none of the flows hashed over it (fp_analyze_down) */
	double expected; /* down: the flows the ECMP expectation sends over it */
	bool blackhole;	 /* up and routed over, where the flows that failed meet */
	int node, link;
	double health;	     /* fitted fraction of capacity left (links) or median q (hosts) */
	double votes;	     /* share of its expected flows that are bad */
	unsigned bad, total; /* flows */
	double q_median;     /* of its bad flows */
	double confidence;   /* 0..1 */
	int twins[4];	     /* links it cannot be told apart from */
	unsigned ntwins;
	unsigned twins_more; /* more such links past the 4 listed: counted (and in confidence) */
	bool server;	     /* host: every NIC of the server (node: its first) is slow */
	unsigned nnics;	     /* server: its NICs */
	int cable;	     /* host: its one cable, which its flows cannot tell from it; -1 */
};

struct fp_analysis {
	unsigned nobs, nbad;
	unsigned paths[FP_PATH_NSRC]; /* flows by where their path came from */
	double calib, sigma, threshold;
	/* loss evidence (datagram runs): flows losing more than loss_threshold count as bad */
	unsigned nlossy;
	double loss_threshold;
	/* TCP retransmissions (analyze_retx.c): ntcp flows with counts; each run's median
	 * share of segments resent and the share above which a flow is lossy, reported for
	 * the run with the lowest threshold */
	unsigned ntcp, nretx;
	double retx_base, retx_threshold;
	struct fp_suspect s[FP_MAX_SUSPECTS];
	unsigned n;
	unsigned more; /* suspects found beyond the FP_MAX_SUSPECTS listed */
	/* the multiple-testing bound: the run's rate of bad flows, links and hosts tested */
	double p0;
	unsigned links_tested, hosts_tested;
	unsigned nfailed; /* flows that could not connect (fp_analyze_blackhole) */
	/* suspects whose bad flows all crossed links a down link's share moved to: not named
	 * (fp_analyze_down_explain) */
	unsigned down_explained;
	/*
	 * Coverage (issue 18): no suspect, yet links whose bad flows are too few to pass the
	 * bound although unlikely for noise (P below FP_COVER_ALPHA / links tested): the
	 * schedule crossed them with too few flows to tell. The verdict abstains and names
	 * them, most unlikely first; fp_analyze_cover_plan gives pairs that would cover them.
	 */
	int thin[FP_MAX_THIN];
	unsigned nthin;
	unsigned thin_more; /* thin links past the FP_MAX_THIN listed: counted, not listed */
};

/*
 * A link's (host's) bad flows count only when P(Binomial(flows, p0) >= bad) is below
 * FP_FAMILY_ALPHA / (links or hosts tested): a Bonferroni bound, so that the chance of any
 * false suspect in a run stays near FP_FAMILY_ALPHA however many links there are. p0 is the
 * run's own share of flows noise makes bad, counted on the fast side faults cannot reach
 * (flows as far above the healthy median as the threshold is below it), at least FP_P0_MIN.
 */
#define FP_FAMILY_ALPHA 0.01
#define FP_COVER_ALPHA	0.05
#define FP_DEEP_ALPHA	0.001
#define FP_P0_MIN	0.001
double fp_binom_tail(double n, double k, double p);

int fp_analyze(const struct fp_topo *t, struct fp_obs *obs, unsigned n, struct fp_analysis *a);
/*
 * TCP retransmissions (analyze_retx.c): each run's threshold into its observations'
 * retx_thr, reported in a (ntcp, retx_base, retx_threshold); 0 or -ENOMEM.
 * fp_obs_retx_lossy: flow o resent more than its run's congestion explains. fp_analyze
 * calls both.
 */
#define FP_RETX_K 12
/* a flow alone at line rate still resends now and then (its own probing overflows the
 * shaper): the binomial test's share is at least this many segments of the median flow */
#define FP_RETX_FLOOR_SEGS 4
/* in a run with some flows alone, the flows sharing a link form their own baseline when at
 * least this many, their median flow resends at most the floor above, and at most this
 * share of them resend more than the floor (analyze_retx.c) */
#define FP_RETX_MIN_SHARED  16
#define FP_RETX_SHARED_OVER 0.05
int fp_analyze_retx(const struct fp_topo *t, struct fp_obs *o, unsigned n, struct fp_analysis *a);
bool fp_obs_retx_lossy(const struct fp_obs *o);
/*
 * Hosts (analyze_host.c): the suspects of every NIC of one server (the topology's "host")
 * become one server suspect; a host suspect with one cable gets it in .cable (ambiguous:
 * the flows cross both). fp_analyze calls it.
 */
void fp_analyze_servers(const struct fp_topo *t, struct fp_analysis *a);
/*
 * Links down (analyze_down.c): up in the topology, crossed by none of the flows whose paths
 * were hashed by the fabric (recorded, traced), although their ECMP expectation crosses it;
 * reported when the chance of that, times the links tested, is below FP_DOWN_ALPHA.
 * Added to a by confidence (1 - that adjusted chance). 0 or -ENOMEM.
 */
#define FP_DOWN_ALPHA 0.01
/* insert s into a by confidence, or count it in a->more when the list is full */
void fp_analysis_add(struct fp_analysis *a, const struct fp_suspect *s);
int fp_analyze_down(struct fp_router *r, const struct fp_obs *obs, unsigned n,
		    struct fp_analysis *a);
/*
 * After fp_analyze_down: a suspect of the rate rule (link or host) every bad flow of which
 * crossed the reroute of a link found down (a link sharing a switch with it: the switch's
 * other uplinks and its hosts' cables) took its slowness from the reroute (a leaf left
 * one uplink of two: TCP shares it, and the hosts' cables behind it, less evenly than
 * max-min predicts, more so on a busy host), not from a fault of its own: it is taken off
 * the list and counted (a->down_explained). Unless it is far slower than predicted over
 * the paths its flows took (the reroute's extra flows included): a median q of its bad
 * flows under FP_REROUTE_MARGIN is a second fault in the reroute, kept. 0 or -ENOMEM.
 */
#define FP_REROUTE_MARGIN 0.25
int fp_analyze_down_explain(const struct fp_topo *t, const struct fp_obs *o, unsigned n,
			    struct fp_analysis *a);
/* the median of v[0..n) (v is sorted); 0 for none */
double fp_analyze_median(double *v, size_t n);
/* flow o's probability of crossing link l */
double fp_obs_crosses(const struct fp_obs *o, unsigned l);
/*
 * Blackholes (analyze_blackhole.c): from flows that could not connect (failed) and those
 * that did (with their known paths), the links that explain the failed ones; each named
 * with the links it cannot be told from. Replaces a down suspect on the same link. 0 or
 * -ENOMEM.
 */
int fp_analyze_blackhole(struct fp_router *r, const struct fp_obs *obs, unsigned n,
			 struct fp_analysis *a);
/*
 * Up to max host pairs (a, b) whose flows cross link l, those most likely to first
 * (analyze_cover.c): the pairs that would cover a thin link, with the chance that each
 * pair's flow crosses it under ECMP in prob (or NULL). How many, or -ENOMEM.
 */
int fp_analyze_cover_plan(struct fp_router *r, int l, int *pa, int *pb, double *prob, unsigned max);
/*
 * Sensitivity (analyze_untested.c): untested[l] (nlinks entries) is 1 for each link this
 * run could not have named had its capacity fallen to x of its rate: its flows' predicted
 * rates, water-filled round by round into the cut capacity, slow too few of them below
 * the noise to pass the multiple-testing bound (or none crossed it). A clean verdict is
 * clean for the other links only. How many untested, or -ENOMEM.
 */
#define FP_UNTESTED_AT 0.5
int fp_analyze_untested(struct fp_router *r, const struct fp_obs *o, unsigned n,
			const struct fp_analysis *a, double x, unsigned char *untested);
/*
 * No suspect and no thin link, yet one flow so far below the healthy centre that noise
 * would not do it (n x the normal tail at its depth below FP_DEEP_ALPHA, and no flow as
 * far above the centre, so heavy-tailed noise does not count): a fault its few flows
 * cannot localise. Its links become the thin ones (analyze_cover.c); fp_analyze calls it.
 */
void fp_analyze_deep(const struct fp_topo *t, const struct fp_obs *o, unsigned n,
		     struct fp_analysis *a);
/* Up to max host pairs (a, b) whose flows would cross link l1 and not l2, or the reverse. */
unsigned fp_analyze_plan(struct fp_router *r, int l1, int l2, int *pa, int *pb, unsigned max);

#endif
