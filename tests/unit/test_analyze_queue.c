// SPDX-License-Identifier: MIT
/* The queue behind a latency spike: shared rise first; the bulk flows break ties (the fastest). */
#include <math.h>
#include <stdio.h>

#include "../../fabric/model/analyze_queue.h"
#include "t.h"

static struct fp_qobs lat(double bloat, unsigned n, const unsigned *hop)
{
	struct fp_qobs o = { .bloat_us = bloat, .gbps = NAN, .nhop = n };

	for (unsigned k = 0; k < n; k++)
		o.hop[k] = hop[k];
	return o;
}

static struct fp_qobs bulk(double gbps, unsigned n, const unsigned *hop)
{
	struct fp_qobs o = lat(NAN, n, hop);

	o.gbps = gbps;
	return o;
}

int main(void)
{
	/* links 0 h0-leaf, 1 leaf-spineA, 2 leaf-spineB, 3 spineA-far, 4 spineB-far, 5 far-h1 */
	const unsigned via_a[] = { 0, 2, 6, 10 }, via_b[] = { 0, 4, 8, 10 };
	const unsigned back_a[] = { 11, 7, 3, 1 }, dup[] = { 2, 2, 2 }, bad[] = { 99 };
	struct fp_qobs o[8];
	struct fp_queue q[8];
	int n;

	/* the pair through spine A rose; the one through B did not; bulk through A crawled */
	o[0] = lat(40000, 4, via_a);
	o[1] = lat(500, 4, via_b);
	o[2] = bulk(0.002, 4, via_a);
	o[3] = bulk(0.010, 4, via_b);
	o[4] = bulk(0.009, 4, back_a);
	n = fp_queue_rank(6, o, 5, q, 8);
	CHECK(n == 6, "six directed links carried latency flows: %d", n);
	CHECK(n > 0 && q[0].hop == 2, "leaf -> spine A first, not %u", n > 0 ? q[0].hop : 0);
	CHECK(n > 0 && fabs(q[0].rise_us - 39500) < 1e-6 && q[0].lat_flows == 1 &&
		      q[0].bulk_flows == 1,
	      "rise %g over %u/%u flows", q[0].rise_us, q[0].lat_flows, q[0].bulk_flows);
	CHECK(n > 1 && q[1].hop == 6, "spine A -> far second (bulk there too, as slow): %u",
	      q[1].hop);
	/* the host links both pairs crossed: their mean rise, nothing to contrast; then B's */
	CHECK(n == 6 && q[2].rise_us == 20250 && (q[2].hop == 0 || q[2].hop == 10), "%u %g",
	      q[2].hop, q[2].rise_us);
	CHECK(n == 6 && q[5].rise_us == -39500 && (q[5].hop == 4 || q[5].hop == 8), "%u %g",
	      q[5].hop, q[5].rise_us);
	/* the reverse direction (odd hops) has no latency flow: not ranked */
	for (int i = 0; i < n; i++)
		CHECK(q[i].hop % 2 == 0, "hop %u ranked without a latency flow", q[i].hop);
	/* max bounds the output; a repeated hop counts once; out-of-range hops are ignored */
	CHECK(fp_queue_rank(6, o, 5, q, 1) == 1 && q[0].hop == 2, "max 1");
	o[5] = lat(100, 3, dup);
	o[6] = lat(100, 1, bad);
	n = fp_queue_rank(6, o + 5, 2, q, 8);
	CHECK(n == 1 && q[0].hop == 2 && q[0].lat_flows == 1, "%d %u", n, q[0].lat_flows);
	CHECK(fp_queue_rank(6, o, 0, q, 8) == 0, "no observation, no queue");

	/*
	 * The lab's leaf-spine, leaf0-spine0 cut (CI once named spine0 -> leaf1): links 0 h0-leaf0,
	 * 1 leaf0-spine0, 2 spine0-leaf1, 3 leaf1-h2, 4 leaf0-h1, 5 h4-leaf2, 6 leaf2-spine0,
	 * 7 spine0-leaf3. Both rising pairs cross h0 -> leaf0 -> spine0 -> leaf1, the same
	 * latency flows on three hops. h0's bulk to leaf1 got the least of the cut link; its bulk
	 * to leaf3 more; h4's bulk into leaf1 through spine0 and h0's to h1 ran at full rate. The
	 * mean rate through spine0 -> leaf1 (1.6) is below leaf0 -> spine0's (1.86), but only
	 * leaf0 -> spine0 slowed every flow it carried.
	 */
	{
		const unsigned h0_h2[] = { 0, 2, 4, 6 }, h0_l3[] = { 0, 2, 14 };
		const unsigned h4_h2[] = { 10, 12, 4, 6 }, h0_h1[] = { 0, 8 },
			       h4_l3[] = { 10, 12, 14 };
		struct fp_qobs c[12];
		unsigned m = 0;

		c[m++] = lat(60000, 4, h0_h2);
		c[m++] = lat(61000, 4, h0_h2);
		c[m++] = lat(100, 3, h4_l3);
		for (int k = 0; k < 4; k++)
			c[m++] = bulk(1.0, 4, h0_h2);
		for (int k = 0; k < 3; k++)
			c[m++] = bulk(3.0, 3, h0_l3);
		c[m++] = bulk(4.0, 4, h4_h2);
		c[m++] = bulk(4.0, 2, h0_h1);
		n = fp_queue_rank(8, c, m, q, 8);
		CHECK(n > 0 && q[0].hop == 2, "leaf0 -> spine0 first, not hop %u",
		      n > 0 ? q[0].hop : 0);
		CHECK(n > 0 && q[0].bulk_flows == 7 &&
			      fabs(q[0].deficit - (1 - 3.0 / (21.0 / 9))) < 1e-9,
		      "%u bulk flows, deficit %g", q[0].bulk_flows, q[0].deficit);
	}
	/*
	 * One bulk flow far above the others' mean through the hop that rose (a TCP flow that
	 * got more than its share) weighs its rise down by half at most, never below a hop
	 * that barely rose: links 0 and 1, each its own pair
	 */
	{
		const unsigned h0[] = { 0 }, h1[] = { 2 };
		struct fp_qobs c[6];

		c[0] = lat(50000, 1, h0);
		c[1] = lat(100, 1, h1);
		c[2] = bulk(10, 1, h0);
		for (int k = 3; k < 6; k++)
			c[k] = bulk(0.1, 1, h1);
		n = fp_queue_rank(2, c, 6, q, 8);
		CHECK(n == 2 && q[0].hop == 0 && q[0].score >= 0.5 * q[0].rise_us &&
				      q[0].deficit<-1,
						   "the rise first whatever one fast flow (%u, "
						   "deficit %g)",
						   n> 0
			      ? q[0].hop
			      : 9,
		      n > 0 ? q[0].deficit : 0);
		/* no bulk flow at all: NaN, the rise alone */
		n = fp_queue_rank(2, c, 2, q, 8);
		CHECK(n == 2 && isnan(q[0].deficit) && q[0].score == q[0].rise_us, "no bulk: %g",
		      n > 0 ? q[0].deficit : 0);
	}
	return t_done("analyze_queue");
}
