// SPDX-License-Identifier: MIT
/* The queue behind a latency spike: shared rise first, the bulk flows' deficit breaks ties. */
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
	return t_done("analyze_queue");
}
