// SPDX-License-Identifier: MIT
/* Straggler detection on synthetic matrices with a planted slow rank and a planted slow pair. */
#include <math.h>

#include "../../benches/straggler.h"
#include "t.h"

static uint64_t st = 12345;

/* +-2% noise, deterministic */
static double noise(void)
{
	st = st * 6364136223846793005ull + 1442695040888963407ull;
	return 1.0 + ((double)(st >> 40) / (double)(1ull << 24) - 0.5) * 0.04;
}

static size_t alltoall(int n, struct fp_pair_rate *r, int slow_rank, int ps, int pd)
{
	size_t k = 0;

	for (int a = 0; a < n; a++)
		for (int b = 0; b < n; b++) {
			double v = 10.0 * noise();

			if (a == b)
				continue;
			if (a == slow_rank || b == slow_rank)
				v *= 0.5;
			if (a == ps && b == pd)
				v *= 0.3;
			r[k++] = (struct fp_pair_rate){ a, b, v };
		}
	return k;
}

int main(void)
{
	static struct fp_pair_rate r[64 * 64];
	struct fp_stragglers s;
	size_t k;
	double v[] = { 5, 1, 3, 2, 4 }, w[] = { 4, 1, 3, 2 };

	CHECK(fp_median(v, 5) == 3, "odd median");
	CHECK(fp_median(w, 4) == 2.5, "even median");

	/* nothing planted: nothing flagged */
	k = alltoall(16, r, -1, -1, -1);
	CHECK(!fp_stragglers_find(16, r, k, &s), "find");
	for (unsigned i = 0; i < s.npairs; i++)
		CHECK(!s.pairs[i].outlier, "clean run flags pair %d->%d z %.1f", s.pairs[i].src,
		      s.pairs[i].dst, s.pairs[i].z);
	for (unsigned i = 0; i < s.nranks; i++)
		CHECK(!s.ranks[i].outlier, "clean run flags rank %d", s.ranks[i].rank);
	fp_stragglers_free(&s);

	/* a slow rank and, elsewhere, a slow pair */
	k = alltoall(16, r, 5, 9, 12);
	CHECK(!fp_stragglers_find(16, r, k, &s), "find");
	CHECK(s.ranks[0].rank == 5 && s.ranks[0].outlier, "slowest rank %d", s.ranks[0].rank);
	for (unsigned i = 1; i < s.nranks; i++)
		CHECK(!s.ranks[i].outlier, "only rank 5 is an outlier, not %d (z %.1f)",
		      s.ranks[i].rank, s.ranks[i].z);
	CHECK(s.pairs[0].src == 9 && s.pairs[0].dst == 12 && s.pairs[0].outlier,
	      "slowest pair %d->%d", s.pairs[0].src, s.pairs[0].dst);
	/* every pair through rank 5 is slow and flagged; the rest are not */
	for (unsigned i = 0; i < s.npairs; i++) {
		bool planted = s.pairs[i].src == 5 || s.pairs[i].dst == 5 ||
			       (s.pairs[i].src == 9 && s.pairs[i].dst == 12);

		CHECK(s.pairs[i].outlier == planted, "pair %d->%d outlier %d", s.pairs[i].src,
		      s.pairs[i].dst, s.pairs[i].outlier);
	}
	fp_stragglers_free(&s);

	/* a uniform run with no noise: the MAD floor keeps everyone in */
	for (size_t i = 0; i < k; i++)
		r[i].rate = 7.0;
	r[3].rate = 6.99;
	CHECK(!fp_stragglers_find(16, r, k, &s), "find");
	CHECK(!s.pairs[0].outlier, "a 0.1%% dip is not an outlier");
	fp_stragglers_free(&s);
	CHECK(!fp_stragglers_find(4, r, 0, &s) && s.npairs == 0 && s.nranks == 0, "empty");
	fp_stragglers_free(&s);
	return t_done("straggler");
}
