// SPDX-License-Identifier: MIT
/*
 * Coverage (issue 18): a flow too deep for noise that no suspect explains, and plans: when
 * the analysis abstains on a link its flows crossed too few times, the host pairs whose
 * flows would cross it. Only hosts on each side of the link are tried (a source nearer its
 * one end, a destination nearer the other), at most FP_COVER_TRIES pairs, most likely to
 * cross it first.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "analyze.h"
#include "sim.h"

#define FP_COVER_TRIES 4096
#define FP_COVER_SIDE  64

struct cross {
	int link;
	double p;
};

static void on_link(void *ctx, unsigned dl, double p)
{
	struct cross *c = ctx;

	if ((int)(dl / 2) == c->link)
		c->p += p;
}

/* up to max hosts nearer node u than node w (one hop nearer: the link is on their way) */
static unsigned side(struct fp_router *r, int u, int w, int *out, unsigned max)
{
	const struct fp_topo *t = r->t;
	const uint16_t *du = fp_router_dist(r, u), *dw;
	unsigned n = 0;

	if (!du)
		return 0;
	dw = fp_router_dist(r, w); /* may move nothing: each array is kept per node */
	if (!dw)
		return 0;
	for (unsigned h = 0; h < t->nnodes && n < max; h++)
		if (t->nodes[h].kind == FP_HOST && du[h] != FP_DIST_INF && du[h] + 1 == dw[h])
			out[n++] = (int)h;
	return n;
}

int fp_analyze_cover_plan(struct fp_router *r, int l, int *pa, int *pb, double *prob, unsigned max)
{
	const struct fp_link *lk;
	int sa[FP_COVER_SIDE], sb[FP_COVER_SIDE];
	double *best = malloc(sizeof(double) * (max ? max : 1));
	unsigned na, nb, n = 0;

	if (!best)
		return -ENOMEM;
	if (l < 0 || (unsigned)l >= r->t->nlinks) {
		free(best);
		return 0;
	}
	lk = &r->t->links[l];
	na = side(r, lk->a, lk->b, sa, FP_COVER_SIDE);
	nb = side(r, lk->b, lk->a, sb, FP_COVER_SIDE);
	/* pairs taken diagonally, so that equally likely pairs spread over the hosts */
	for (unsigned k = 0; k < na * nb && k < FP_COVER_TRIES; k++) {
		unsigned i = k % na, j = (k / na + k) % nb, at;
		struct cross c = { l, 0 };

		if (sa[i] == sb[j] || fp_sim_path_probs(r, sa[i], sb[j], on_link, &c) || c.p <= 0)
			continue;
		/* insertion into the list kept by decreasing probability */
		for (at = n; at > 0 && best[at - 1] < c.p; at--)
			if (at < max) {
				best[at] = best[at - 1];
				pa[at] = pa[at - 1];
				pb[at] = pb[at - 1];
			}
		if (at >= max)
			continue;
		best[at] = c.p;
		pa[at] = sa[i];
		pb[at] = sb[j];
		if (n < max)
			n++;
	}
	for (unsigned k = 0; prob && k < n; k++)
		prob[k] = best[k];
	free(best);
	return (int)n;
}

void fp_analyze_deep(const struct fp_topo *t, const struct fp_obs *o, unsigned n,
		     struct fp_analysis *a)
{
	double centre = 1 - 0.6745 * a->sigma, top = -INFINITY;
	int deep = -1;

	for (unsigned i = 0; i < n; i++)
		top = fmax(top, o[i].q);
	for (unsigned i = 0; i < n; i++) {
		double z = (centre - o[i].q) / a->sigma;

		/* as deep as normal noise goes once in 1 / FP_DEEP_ALPHA runs, and no mirror */
		if (o[i].bad && o[i].q < 2 * centre - top &&
		    n * 0.5 * erfc(z / sqrt(2)) < FP_DEEP_ALPHA && (deep < 0 || o[i].q < o[deep].q))
			deep = (int)i;
	}
	for (unsigned k = 0; deep >= 0 && k < o[deep].np; k++) {
		if (o[deep].prob[k] < 0.5 || o[deep].link[k] >= t->nlinks)
			continue;
		if (a->nthin < FP_MAX_THIN)
			a->thin[a->nthin++] = (int)o[deep].link[k];
		else
			a->thin_more++; /* counted, never dropped silently */
	}
}
