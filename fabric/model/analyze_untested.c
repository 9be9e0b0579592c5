// SPDX-License-Identifier: MIT
/*
 * Sensitivity (issue 18): which links could this run have named, had one lost capacity?
 * A clean verdict is only as good as the flows behind it: a link whose flows were already
 * held back elsewhere (an ECMP collision upstream) can lose half its capacity and slow
 * none of them. For each round, each direction of each link is cut to x of its rate and
 * its flows' predicted rates are water-filled into it (max-min: the flows below the fair
 * share keep their rate, the rest get the share); a flow is slowed when the share is
 * below the bad threshold less one sigma (so noise seldom hides it), relative to the
 * healthy centre. A link is tested at x when its slowed flows over every round would pass
 * the multiple-testing bound that naming it needs (fp_analyze's), untested otherwise.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "analyze.h"

/* water-filling stops here; it moves the share up only, so more sweeps only untest more */
#define FP_FILL_SWEEPS 64

struct ent {
	unsigned run, round, i;
};

static int cmp_ent(const void *x, const void *y)
{
	const struct ent *a = x, *b = y;

	if (a->run != b->run)
		return a->run < b->run ? -1 : 1;
	if (a->round != b->round)
		return a->round < b->round ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

struct fill {
	const struct fp_obs *o;
	const struct ent *e;
	unsigned ne;
	const unsigned char *dir; /* per (obs, hop): 1 when the flow crosses b to a */
	const size_t *at;	  /* each obs' first hop in dir */
	double *cap, *w, *ws, *ls, *share, *fa, *fs;
};

static unsigned dl_of(const struct fill *f, unsigned i, unsigned k)
{
	return 2 * f->o[i].link[k] + f->dir[f->at[i] + k];
}

/* one sweep: the share of each directed link given the flows below the last share */
static bool sweep(struct fill *f)
{
	bool moved = false;

	for (unsigned j = 0; j < f->ne; j++)
		for (unsigned k = 0, i = f->e[j].i; k < f->o[i].np; k++) {
			unsigned d = dl_of(f, i, k);

			f->ws[d] = f->ls[d] = 0;
		}
	for (unsigned j = 0; j < f->ne; j++)
		for (unsigned k = 0, i = f->e[j].i; k < f->o[i].np; k++) {
			unsigned d = dl_of(f, i, k);

			if (f->o[i].pred < f->share[d]) {
				f->ws[d] += f->o[i].prob[k];
				f->ls[d] += f->o[i].prob[k] * f->o[i].pred;
			}
		}
	for (unsigned j = 0; j < f->ne; j++)
		for (unsigned k = 0, i = f->e[j].i; k < f->o[i].np; k++) {
			unsigned d = dl_of(f, i, k);
			double left = f->w[d] - f->ws[d],
			       s = left > 1e-9 ? (f->cap[d] - f->ls[d]) / left : INFINITY;

			if (s > f->share[d] * (1 + 1e-9)) {
				f->share[d] = s;
				moved = true;
			}
		}
	return moved;
}

/* one round's flows: water-fill, then count each link's flows and slowed flows */
static void fill_round(struct fill *f, double lim)
{
	for (unsigned j = 0; j < f->ne; j++)
		for (unsigned k = 0, i = f->e[j].i; k < f->o[i].np; k++)
			f->w[dl_of(f, i, k)] = 0;
	for (unsigned j = 0; j < f->ne; j++)
		for (unsigned k = 0, i = f->e[j].i; k < f->o[i].np; k++)
			f->w[dl_of(f, i, k)] += f->o[i].prob[k];
	for (unsigned j = 0; j < f->ne; j++)
		for (unsigned k = 0, i = f->e[j].i; k < f->o[i].np; k++) {
			unsigned d = dl_of(f, i, k);

			f->share[d] = f->w[d] > 0 ? f->cap[d] / f->w[d] : INFINITY;
		}
	for (unsigned s = 0; s < FP_FILL_SWEEPS && sweep(f); s++)
		;
	for (unsigned j = 0; j < f->ne; j++)
		for (unsigned k = 0, i = f->e[j].i; k < f->o[i].np; k++) {
			unsigned d = dl_of(f, i, k);

			f->fa[d / 2] += f->o[i].prob[k];
			if (f->o[i].pred > 0 && f->share[d] < lim * f->o[i].pred)
				f->fs[d / 2] += f->o[i].prob[k];
		}
}

/* which way each flow crosses each of its links: from the end nearer its source */
static int directions(struct fp_router *r, const struct fp_obs *o, unsigned n, unsigned char **dir,
		      size_t **at)
{
	const struct fp_topo *t = r->t;
	size_t nnz = 0;

	*at = malloc(sizeof(size_t) * (n ? n : 1));
	if (!*at)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		(*at)[i] = nnz;
		nnz += o[i].np;
	}
	*dir = calloc(nnz ? nnz : 1, 1);
	if (!*dir)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < o[i].np; k++) {
			const struct fp_link *lk = &t->links[o[i].link[k]];
			const uint16_t *da = fp_router_dist(r, lk->a), *db;

			if (!da)
				return -ENOMEM;
			db = fp_router_dist(r, lk->b); /* da stays: each array is kept per node */
			if (!db)
				return -ENOMEM;
			(*dir)[(*at)[i] + k] = db[o[i].src] < da[o[i].src];
		}
	return 0;
}

/* per link, the flows that cross it (fa) and those a cut to x would slow (fs) */
static int slowed(struct fp_router *r, const struct fp_obs *o, unsigned n,
		  const struct fp_analysis *a, double x, double *fa, double *fs)
{
	unsigned L = r->t->nlinks;
	struct ent *e = malloc(sizeof(*e) * (n ? n : 1));
	struct fill f = { .o = o, .fa = fa, .fs = fs };
	unsigned char *dir = NULL;
	size_t *at = NULL;
	unsigned ne = 0;
	double centre = 1 - 0.6745 * a->sigma, lim = (a->threshold - a->sigma) / centre;
	int ret = -ENOMEM;

	f.cap = malloc(sizeof(double) * 2 * (L ? L : 1));
	f.w = malloc(sizeof(double) * 2 * (L ? L : 1));
	f.ws = malloc(sizeof(double) * 2 * (L ? L : 1));
	f.ls = malloc(sizeof(double) * 2 * (L ? L : 1));
	f.share = malloc(sizeof(double) * 2 * (L ? L : 1));
	if (!e || !f.cap || !f.w || !f.ws || !f.ls || !f.share || directions(r, o, n, &dir, &at))
		goto out;
	/* noise this wide leaves no healthy centre to slow flows from: no link is tested */
	if (!(centre > 0.05) || !isfinite(lim)) {
		ret = 0;
		goto out;
	}
	f.dir = dir;
	f.at = at;
	for (unsigned l = 0; l < L; l++)
		f.cap[2 * l] = f.cap[2 * l + 1] = x * fp_link_rate(&r->t->links[l]);
	for (unsigned i = 0; i < n; i++) /* a flow that never connected predicts nothing */
		if (o[i].pred > 0 && isfinite(o[i].pred))
			e[ne++] = (struct ent){ o[i].run, o[i].round, i };
	qsort(e, ne, sizeof(*e), cmp_ent);
	for (unsigned j = 0, k; j < ne; j = k) {
		for (k = j; k < ne && e[k].run == e[j].run && e[k].round == e[j].round; k++)
			;
		f.e = e + j;
		f.ne = k - j;
		fill_round(&f, lim);
	}
	ret = 0;
out:
	free(e);
	free(dir);
	free(at);
	free(f.cap);
	free(f.w);
	free(f.ws);
	free(f.ls);
	free(f.share);
	return ret;
}

int fp_analyze_untested(struct fp_router *r, const struct fp_obs *o, unsigned n,
			const struct fp_analysis *a, double x, unsigned char *untested)
{
	unsigned L = r->t->nlinks, covered = 0, count = 0;
	double *fa = calloc(L ? L : 1, sizeof(double)), *fs = calloc(L ? L : 1, sizeof(double));
	double p0 = a->p0 > 0 ? a->p0 : FP_P0_MIN;
	int ret = -ENOMEM;

	if (!fa || !fs || slowed(r, o, n, a, x, fa, fs))
		goto out;
	for (unsigned l = 0; l < L; l++)
		covered += round(fa[l]) > 0;
	for (unsigned l = 0; l < L; l++) {
		double tail = fp_binom_tail(round(fa[l]), round(fs[l]), p0);

		untested[l] = round(fs[l]) < 1 || tail >= FP_FAMILY_ALPHA / (covered ? covered : 1);
		count += untested[l];
	}
	ret = (int)count;
out:
	free(fa);
	free(fs);
	return ret;
}
