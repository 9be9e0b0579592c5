// SPDX-License-Identifier: MIT
/*
 * TCP retransmissions as loss evidence (issue 18). TCP hides a lossy link in its rate (1%
 * random loss on a 100 Mbit/s lab link kept 92 Mbit/s), yet its source resends every lost
 * segment, and the sockets engine records how many (run.json's "retrans" of "segs_out").
 *
 * Congestion resends too, where flows share a bottleneck: in the clean lab's pairs the
 * flows that resent most (5, 4, 3 of 1360 segments) each shared a link with another (an
 * ECMP collision), and of the flows alone on their path none resent more than 2; another
 * clean pairs run had 5 flows past the rule below, and a suspect, before this. So in a run
 * where some flows are alone (the model gives them their path's whole capacity), only
 * those are evidence; where all share (an alltoall), all are, against their own spread.
 * The sharing flows of a run with some alone are evidence too, as a class of their own,
 * when there are enough of them for a baseline and their median flow resends no more than
 * the floor below: their queues did not resend as congestion does (the simulator, or a
 * fabric whose queues do not drop). Without that, a 16-round permutation on k=8 whose link
 * lost 0.1% went unseen in 1 of 10 trials: every flow crossing it shared a link.
 * How much congestion resends depends on the run: on the lab's 100 Mbit/s
 * leaf-spine without a fault, an alltoall (56 flows at once, 7 into each host's shaper)
 * resent 4.5-10.8% of its segments (median flow, three runs), pairs (one flow per host)
 * 0% (median; 42 of 56 flows resent nothing, the most 0.37%). So each run is its own
 * baseline, as for the rates: a flow resent beyond congestion when its share is more than
 * FP_RETX_K spreads above its run's median. The spread is read below the median, where loss
 * cannot reach (a lossy link's flows only resend more: above, they widened a pairs run's
 * 75th percentile to 2 segments). Congestion's tail is long: the largest clean alltoall
 * flow measured stood 9.0 spreads above its median; 12 leaves room. A spread under two
 * segments of the run's median flow is the counts' graininess, not congestion (pairs: 0
 * or 1 segment), and counts 0. Then, as counts, the flow's resent segments must also be
 * unlikely for a binomial at the run's median share (at least one segment of its median
 * flow) after a Bonferroni bound over the run's flows: in pairs (median flow 0 of 1360)
 * that was 7 segments or more, where the clean lab's most was 5 and a 1% lossy link adds
 * about 14. The next clean pairs run had an alone flow resend 7 or more: the share the
 * test starts from is now at least FP_RETX_FLOOR_SEGS segments of the median flow (14 of
 * 1360 at the family's alpha, where a 1%-lossy link's alone flows resent 28 to 60).
 * The flows it marks join the datagram engines' lossy ones: bad however fast they were,
 * and localised by the same votes, fit and cover (analyze.c).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "analyze.h"

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double ratio(const struct fp_obs *o)
{
	return o->segs > 0 ? o->retrans / o->segs : 0;
}

/* the value at quantile q of k sorted values, interpolated */
static double quant(const double *v, unsigned k, double q)
{
	double x = q * (k - 1);
	unsigned i = (unsigned)x;

	return i + 1 < k ? v[i] + (x - i) * (v[i + 1] - v[i]) : v[k - 1];
}

/* a flow the model gives its path's whole capacity: no other flow shares its bottleneck */
static bool alone(const struct fp_topo *t, const struct fp_obs *o)
{
	double cap = INFINITY;

	for (unsigned k = 0; k < o->np; k++)
		if (o->prob[k] >= 0.5 && o->link[k] < t->nlinks)
			cap = fmin(cap, t->links[o->link[k]].gbps);
	return o->pred > 0 && isfinite(cap) && o->pred >= 0.75 * cap;
}

/* the flows of a run that form one class: with some flows alone in the run, the alone ones
 * and the sharing ones apart; with none alone, every flow with counts */
static bool in_class(const struct fp_topo *t, const struct fp_obs *o, unsigned run, bool lone,
		     bool cls)
{
	return o->run == run && o->segs > 0 && (!lone || alone(t, o) == cls);
}

/*
 * One class of a run's flows with counts: its threshold into every one of them (o->retx_thr),
 * unless the class is the sharing flows of a run with some alone and their resends look like
 * congestion: then they are no evidence, as the lab's pairs showed (above). Congestion
 * resends in bursts wherever queues are shared (a clean lab pairs run: most sharing flows
 * 0-2 of 1,360 segments, yet 5 of 25 resent 19-31, three of them in one round on one
 * spine), where a lossy link resends on the few flows crossing it (a 16-round permutation
 * on k=8: 2% of the sharing flows). So the class needs FP_RETX_MIN_SHARED flows, a median
 * flow at most at the floor, and at most FP_RETX_SHARED_OVER of them above it.
 */
static void one_class(const struct fp_topo *t, struct fp_obs *o, unsigned n, unsigned run,
		      bool lone, bool cls, unsigned total, double *r, double *s,
		      struct fp_analysis *a)
{
	unsigned k = 0;
	double med, seg, spread, thr, floor_share;

	for (unsigned i = 0; i < n; i++)
		if (in_class(t, &o[i], run, lone, cls)) {
			r[k] = ratio(&o[i]);
			s[k++] = o[i].segs;
		}
	if (!k || (lone && !cls && k < FP_RETX_MIN_SHARED))
		return;
	qsort(r, k, sizeof(*r), cmp_d);
	qsort(s, k, sizeof(*s), cmp_d);
	med = quant(r, k, 0.5);
	seg = 1 / quant(s, k, 0.5); /* one segment of the median flow */
	floor_share = FP_RETX_FLOOR_SEGS * seg;
	if (lone && !cls) {
		unsigned over = 0;

		for (unsigned i = 0; i < k; i++)
			over += r[i] > floor_share;
		if (med > floor_share || over > FP_RETX_SHARED_OVER * k)
			return; /* sharing queues, they resend as congestion does */
	}
	spread = med - quant(r, k, 0.25);
	if (spread < 2 * seg)
		spread = 0; /* the counts' own graininess: the binomial test's part */
	thr = med + FP_RETX_K * spread;
	for (unsigned i = 0; i < n; i++)
		if (in_class(t, &o[i], run, lone, cls)) {
			o[i].retx_thr = thr;
			o[i].retx_base = fmax(med, floor_share);
			o[i].retx_alpha = FP_FAMILY_ALPHA / total; /* both classes: one family */
		}
	/* reported: the most sensitive class's, for its median flow: the share, and the count
	 * the binomial test wants */
	double ms = 1 / seg, c = ceil(fmax(med, floor_share) * ms),
	       step = fmax(1, floor(sqrt(c) / 4));

	/* in steps of a quarter of the count's deviation, so a huge flow costs no more */
	for (int it = 0; it < 200 && c < ms &&
			 fp_binom_tail(ms, c, fmax(med, floor_share)) >= FP_FAMILY_ALPHA / total;
	     it++)
		c += step;
	thr = fmax(thr, c / ms);
	if (!a->ntcp || thr < a->retx_threshold) {
		a->retx_base = med;
		a->retx_threshold = thr;
	}
	a->ntcp += k;
}

/* a run's classes: with some flows alone, those, then the sharing ones */
static void one_run(const struct fp_topo *t, struct fp_obs *o, unsigned n, unsigned run, double *r,
		    double *s, struct fp_analysis *a)
{
	bool lone = false;
	unsigned total = 0;

	for (unsigned i = 0; i < n; i++)
		if (in_class(t, &o[i], run, false, false)) {
			total++;
			lone |= alone(t, &o[i]);
		}
	one_class(t, o, n, run, lone, true, total, r, s, a);
	if (lone)
		one_class(t, o, n, run, lone, false, total, r, s, a);
}

bool fp_obs_retx_lossy(const struct fp_obs *o)
{
	return o->segs > 0 && o->retrans / o->segs > o->retx_thr &&
	       fp_binom_tail(o->segs, o->retrans, o->retx_base) < o->retx_alpha;
}

int fp_analyze_retx(const struct fp_topo *t, struct fp_obs *o, unsigned n, struct fp_analysis *a)
{
	double *r = malloc(sizeof(double) * (n ? n : 1)), *s = malloc(sizeof(double) * (n ? n : 1));
	unsigned runs = 0;

	a->ntcp = 0;
	a->retx_base = a->retx_threshold = 0;
	if (!r || !s) {
		free(r);
		free(s);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		o[i].retx_thr = INFINITY;
		if (o[i].run + 1 > runs)
			runs = o[i].run + 1;
	}
	for (unsigned run = 0; run < runs; run++)
		one_run(t, o, n, run, r, s, a);
	free(r);
	free(s);
	return 0;
}
