/* SPDX-License-Identifier: MIT */
/*
 * Stragglers: which pairs and which ranks are slow, with a robust statistic. Scores are
 * robust z-scores, (x - median) / (1.4826 * MAD), so one bad pair or rank cannot hide by
 * dragging the mean down with it. A score at or below FP_STRAGGLER_Z is flagged. The MAD
 * has a floor of 1% of the median: on a perfectly uniform run, noise-sized differences are
 * not outliers.
 */
#ifndef FP_STRAGGLER_H
#define FP_STRAGGLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_STRAGGLER_Z (-3.5)

struct fp_pair_rate {
	int src, dst;
	double rate;
};

struct fp_pair_score {
	int src, dst;
	double rate, z;
	bool outlier;
};

struct fp_rank_score {
	int rank;
	double mean, z; /* mean rate over the flows it sends and receives */
	unsigned flows;
	bool outlier;
};

struct fp_stragglers {
	double pair_median, pair_mad, rank_median, rank_mad;
	unsigned npairs, nranks;
	struct fp_pair_score *pairs; /* sorted, slowest first */
	struct fp_rank_score *ranks; /* sorted, slowest first; ranks with no flows left out */
};

/* 0 or -ENOMEM. n is the number of ranks; rates[] may hold several entries per pair. */
int fp_stragglers_find(int n, const struct fp_pair_rate *rates, size_t count,
		       struct fp_stragglers *out);
void fp_stragglers_free(struct fp_stragglers *s);
/* median of v[0..n) (v is reordered); 0 for n == 0 */
double fp_median(double *v, size_t n);

#endif
