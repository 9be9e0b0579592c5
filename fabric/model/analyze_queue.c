// SPDX-License-Identifier: MIT
/*
 * Naming the queue behind a latency spike. A rise shared by the pairs that cross one
 * directed link, and absent from the pairs that avoid it, points at that link's egress
 * queue; when several links carry the same pairs (a path's every hop does), the bulk flows
 * tell them apart. A full queue slows every flow through it, so the one to name is the one
 * whose fastest bulk flow was slowest: a hop that also carried a flow at full rate (the far
 * leaf's downlink, which flows from healthy leaves reach too) was not the limit. A mean
 * would mix those flows with the slowed ones and can rank that hop first.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_queue.h"

struct acc {
	double lat_sum, bulk_max;
	unsigned lat_n, bulk_n;
};

static int by_score(const void *a, const void *b)
{
	const struct fp_queue *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->hop < y->hop ? -1 : x->hop > y->hop;
}

int fp_queue_rank(unsigned nlinks, const struct fp_qobs *o, unsigned n, struct fp_queue *out,
		  unsigned max)
{
	struct acc *a = calloc((size_t)nlinks * 2 + 1, sizeof(*a));
	struct fp_queue *q;
	double lat_all = 0, bulk_all = 0;
	unsigned lat_n = 0, bulk_n = 0, nq = 0;

	if (!a)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		bool lat = !isnan(o[i].bloat_us), bulk = !isnan(o[i].gbps);

		lat_all += lat ? o[i].bloat_us : 0;
		lat_n += lat;
		bulk_all += bulk ? o[i].gbps : 0;
		bulk_n += bulk;
		for (unsigned k = 0; k < o[i].nhop && k < FP_QOBS_HOPS; k++) {
			unsigned h = o[i].hop[k];
			bool seen = h >= 2 * nlinks;

			/* a hop twice in one path counts once */
			for (unsigned m = 0; m < k; m++)
				seen |= o[i].hop[m] == h;
			if (seen)
				continue;
			a[h].lat_sum += lat ? o[i].bloat_us : 0;
			a[h].lat_n += lat;
			if (bulk && (!a[h].bulk_n || o[i].gbps > a[h].bulk_max))
				a[h].bulk_max = o[i].gbps;
			a[h].bulk_n += bulk;
		}
	}
	q = calloc((size_t)nlinks * 2 + 1, sizeof(*q));
	if (!q) {
		free(a);
		return -ENOMEM;
	}
	for (unsigned h = 0; h < 2 * nlinks; h++) {
		struct fp_queue *x;
		double rest;

		if (!a[h].lat_n)
			continue;
		x = &q[nq++];
		x->hop = h;
		x->lat_flows = a[h].lat_n;
		x->bulk_flows = a[h].bulk_n;
		rest = lat_n > a[h].lat_n ? (lat_all - a[h].lat_sum) / (lat_n - a[h].lat_n) : 0;
		x->rise_us = a[h].lat_sum / a[h].lat_n - rest;
		x->deficit =
			a[h].bulk_n && bulk_all > 0 ? 1 - a[h].bulk_max / (bulk_all / bulk_n) : NAN;
		/* the bulk flows weigh the rise, never turn it over: one flow far above the
		 * others' mean (a TCP flow that got more than its share) costs half at most */
		x->score = x->rise_us > 0
				   ? x->rise_us *
					     (1 + (isnan(x->deficit) ? 0 : fmax(x->deficit, -0.5)))
				   : x->rise_us;
	}
	qsort(q, nq, sizeof(*q), by_score);
	if (nq > max)
		nq = max;
	memcpy(out, q, nq * sizeof(*q));
	free(q);
	free(a);
	return (int)nq;
}
