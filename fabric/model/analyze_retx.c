// SPDX-License-Identifier: MIT
/*
 * TCP retransmissions as loss evidence (issue 18). TCP hides a lossy link in its rate (1%
 * random loss on a 100 Mbit/s lab link kept 92 Mbit/s), yet its source resends every lost
 * segment, and the sockets engine records how many (run.json's "retrans" of "segs_out").
 * Congestion also drops segments (a full shaper queue), so the rule is the run's own:
 * RULE_PLACEHOLDER
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

bool fp_obs_retx_lossy(const struct fp_obs *o, const struct fp_analysis *a)
{
	if (!(o->segs > 0) || !a->ntcp || ratio(o) <= a->retx_threshold)
		return false;
	return fp_binom_tail(o->segs, o->retrans, a->retx_base) < FP_FAMILY_ALPHA / a->ntcp;
}

int fp_analyze_retx(const struct fp_obs *o, unsigned n, struct fp_analysis *a)
{
	double *r = malloc(sizeof(double) * (n ? n : 1)), *s = malloc(sizeof(double) * (n ? n : 1));
	unsigned k = 0;

	a->ntcp = 0;
	a->retx_base = a->retx_threshold = 0;
	if (!r || !s) {
		free(r);
		free(s);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		if (o[i].segs > 0) {
			r[k] = ratio(&o[i]);
			s[k++] = o[i].segs;
		}
	a->ntcp = k;
	if (k) {
		qsort(r, k, sizeof(*r), cmp_d);
		qsort(s, k, sizeof(*s), cmp_d);
		double med = k % 2 ? r[k / 2] : (r[k / 2 - 1] + r[k / 2]) / 2;
		double segs = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;

		/* a run whose median flow resent nothing: one segment of its median flow */
		a->retx_base = fmax(med, 1 / segs);
		a->retx_threshold = FP_RETX_FACTOR * a->retx_base;
	}
	free(r);
	free(s);
	return 0;
}
