// SPDX-License-Identifier: MIT
/*
 * The event-driven water-filling (fabric/model/sim_fill.c) against the definition of
 * max-min fairness, not against another implementation: on random links, paths and
 * ceilings, every link carries at most its capacity, and every flow is either at its own
 * ceiling or crosses a saturated link on which no flow gets more than it does (its
 * bottleneck). That allocation is unique, so passing both is being right.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/model/sim_fill.h"
#include "t.h"

#define ND 24
#define NF 60

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int trial(uint64_t seed)
{
	static unsigned path[NF * FP_SIM_MAXHOPS], hops[NF], cnt[ND];
	static double cap[ND], rem[ND], ceil_[NF], rate[NF], load[ND];
	static unsigned char frozen[NF];
	struct fp_sim_flows fl = { .n = NF, .path = path, .hops = hops };
	unsigned left = 0;
	int bad = 0;

	memset(cnt, 0, sizeof(cnt));
	memset(load, 0, sizeof(load));
	for (unsigned d = 0; d < ND; d++) /* a few equal capacities, so levels tie */
		cap[d] = rem[d] = rnd(&seed) % 3 ? 100.0 * (1 + rnd(&seed) % 4) : 25;
	for (unsigned f = 0; f < NF; f++) {
		hops[f] = (unsigned)(rnd(&seed) % 5); /* 0: a flow to itself, no network */
		for (unsigned k = 0; k < hops[f]; k++) {
			unsigned d;
			bool dup;

			do { /* a path crosses a link once */
				d = (unsigned)(rnd(&seed) % ND);
				dup = false;
				for (unsigned j = 0; j < k; j++)
					dup |= path[f * FP_SIM_MAXHOPS + j] == d;
			} while (dup);
			path[f * FP_SIM_MAXHOPS + k] = d;
			cnt[d]++;
		}
		ceil_[f] = rnd(&seed) % 4 ? INFINITY : 1.0 + (double)(rnd(&seed) % 60);
		frozen[f] = !hops[f];
		rate[f] = 0;
		left += hops[f] > 0;
	}
	if (fp_sim_fill(&fl, ND, rem, cnt, ceil_, frozen, left, rate))
		return 1;
	for (unsigned f = 0; f < NF; f++)
		for (unsigned k = 0; k < hops[f]; k++)
			load[path[f * FP_SIM_MAXHOPS + k]] += rate[f];
	for (unsigned d = 0; d < ND; d++)
		bad += load[d] > cap[d] * (1 + 1e-9);
	for (unsigned f = 0; f < NF; f++) {
		bool ok = !hops[f] || fabs(rate[f] - ceil_[f]) <= 1e-9 * ceil_[f];

		for (unsigned k = 0; k < hops[f] && !ok; k++) {
			unsigned d = path[f * FP_SIM_MAXHOPS + k];
			bool most = load[d] >= cap[d] * (1 - 1e-9);

			for (unsigned g = 0; g < NF && most; g++)
				for (unsigned j = 0; j < hops[g]; j++)
					most &= path[g * FP_SIM_MAXHOPS + j] != d ||
						rate[g] <= rate[f] * (1 + 1e-9);
			ok = most;
		}
		bad += !ok || !(rate[f] >= 0) || (hops[f] && rate[f] > ceil_[f] * (1 + 1e-9));
	}
	return bad;
}

int main(void)
{
	unsigned bad = 0;

	for (uint64_t s = 1; s <= 300; s++) {
		int b = trial(s * 0x9e3779b97f4a7c15ull);

		CHECK(!b, "seed %llu: %d flows or links break max-min fairness",
		      (unsigned long long)s, b);
		bad += b > 0;
	}
	CHECK(!bad, "%u of 300 random cases wrong", bad);
	return t_done("sim_fill");
}
