// SPDX-License-Identifier: MIT
#include "analyze.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

const char *fp_path_src_name(enum fp_path_src s)
{
	static const char *const names[FP_PATH_NSRC] = { "expected", "routed", "traced",
							 "recorded" };

	return (unsigned)s < FP_PATH_NSRC ? names[s] : "?";
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double fp_analyze_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * P(X >= k) for X ~ Binomial(n, p): the chance that noise alone makes k of a link's (or a
 * host's) n flows bad. Summed in logs from k up, until the terms stop mattering (past the
 * mode they fall geometrically). 1 when k is not above the mean or an input is not a number.
 * When the sum has not settled after FP_BINOM_TERMS terms (huge n, k near the mean), the
 * Chernoff bound exp(-n D(k/n || p)) stands in: never below the tail, so never more
 * significant than the truth.
 */
#define FP_BINOM_TERMS 100000
double fp_binom_tail(double n, double k, double p)
{
	double sum = 0, lp, lq, a;
	unsigned terms = 0;

	if (!isfinite(n) || !isfinite(k) || !isfinite(p))
		return 1;
	if (k <= 0 || k <= n * p || p <= 0)
		return k <= 0 || p > 0 ? 1 : 0;
	if (p >= 1 || k > n)
		return p >= 1 ? 1 : 0;
	lp = log(p);
	lq = log1p(-p);
	for (double i = ceil(k); i <= n; i++) {
		double term = exp(lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) + i * lp +
				  (n - i) * lq);

		sum += term;
		if (term == 0 || term < sum * 1e-12) /* i >= k > mean: the rest are smaller */
			return fmin(sum, 1);
		if (++terms == FP_BINOM_TERMS)
			break;
	}
	if (terms < FP_BINOM_TERMS)
		return fmin(sum, 1);
	a = k / n;
	return fmin(exp(-n * (a * log(a / p) + (a < 1 ? (1 - a) * log((1 - a) / (1 - p)) : 0))), 1);
}

/*
 * The multiple-testing bound (issue 18): with many links, noise alone leaves a few links
 * with a bad flow or two (65 k endpoints, 5% noise: 4,600 bad flows, 41 suspects, all
 * false). A link (or host) is a candidate only when its count of bad flows is unlikely for
 * the run's own rate of bad flows p0: binomial tail below FP_FAMILY_ALPHA / (links tested).
 */
static bool significant(double total, double bad, double p0, unsigned tested)
{
	return fp_binom_tail(round(total), round(bad), p0) <
	       FP_FAMILY_ALPHA / (tested ? tested : 1);
}

double fp_obs_crosses(const struct fp_obs *o, unsigned l)
{
	double p = 0;

	for (unsigned k = 0; k < o->np; k++)
		p += o->link[k] == l ? o->prob[k] : 0;
	return p;
}

/*
 * Host h's bad flows all cross one switch link (no host at either end) that none of its good
 * flows crosses, and it has good flows of known path (at least 2, more than chance leaves a
 * sick NIC): the fault is there, upstream, not in the host. A leaf whose last uplink is
 * slow (its sibling down) slows every flow of its hosts but those to their neighbours
 * under it; a sick NIC slows those too. The host is left to the links' methods, which
 * weigh that link against the others.
 */
static bool upstream(const struct fp_topo *t, const struct fp_obs *o, unsigned n, unsigned h)
{
	const struct fp_obs *first = NULL;
	unsigned good = 0;

	for (unsigned i = 0; i < n; i++)
		if (o[i].src == (int)h || o[i].dst == (int)h) {
			good += !o[i].bad && o[i].np > 0;
			if (o[i].bad && !first)
				first = &o[i];
		}
	if (good < 2)
		return false;
	for (unsigned k = 0; first && k < first->np; k++) {
		unsigned l = first->link[k];
		bool all = first->prob[k] >= 0.5 && t->nodes[t->links[l].a].kind != FP_HOST &&
			   t->nodes[t->links[l].b].kind != FP_HOST;

		for (unsigned i = 0; i < n && all; i++)
			if (o[i].src == (int)h || o[i].dst == (int)h)
				all = o[i].np > 0 && o[i].bad == (fp_obs_crosses(&o[i], l) >= 0.5);
		if (all)
			return true;
	}
	return false;
}

/* Hosts whose flows are mostly bad. */
static void find_hosts(const struct fp_topo *t, struct fp_obs *o, unsigned n, struct fp_analysis *a)
{
	unsigned *bad = calloc(t->nnodes, sizeof(*bad)), *tot = calloc(t->nnodes, sizeof(*tot));
	double *qs = malloc(sizeof(*qs) * (n ? n : 1));

	if (!bad || !tot || !qs)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		tot[o[i].src]++;
		tot[o[i].dst]++;
		bad[o[i].src] += o[i].bad;
		bad[o[i].dst] += o[i].bad;
	}
	for (unsigned h = 0; h < t->nnodes; h++)
		a->hosts_tested += t->nodes[h].kind == FP_HOST && tot[h] > 0;
	for (unsigned h = 0; h < t->nnodes; h++) {
		unsigned k = 0;

		if (t->nodes[h].kind != FP_HOST || tot[h] < 3 || bad[h] < 0.7 * tot[h] ||
		    !significant(tot[h], bad[h], a->p0, a->hosts_tested) || upstream(t, o, n, h))
			continue;
		for (unsigned i = 0; i < n; i++)
			if (o[i].src == (int)h || o[i].dst == (int)h) {
				qs[k++] = o[i].q;
				o[i].explained = true;
			}
		if (a->n >= FP_MAX_SUSPECTS) {
			a->more++; /* found, explains its flows, not listed: counted */
			continue;
		}
		struct fp_suspect *s = &a->s[a->n++];

		memset(s, 0, sizeof(*s));
		s->host = true;
		s->node = (int)h;
		s->link = (int)t->adj[t->adj_off[h]];
		s->bad = bad[h];
		s->total = tot[h];
		s->votes = (double)bad[h] / tot[h];
		s->health = s->q_median = fp_analyze_median(qs, k);
		s->confidence = s->votes;
	}
out:
	free(bad);
	free(tot);
	free(qs);
}

/* Per link, the observations that may cross it: CSR over (obs, probability). */
struct colidx {
	unsigned *off, *obs;
	double *p;
};

static int build_index(unsigned L, const struct fp_obs *o, unsigned n, struct colidx *c)
{
	size_t nnz = 0;
	unsigned *fill;

	for (unsigned i = 0; i < n; i++)
		if (!o[i].explained)
			nnz += o[i].np;
	c->off = calloc(L + 1, sizeof(*c->off));
	c->obs = malloc(sizeof(*c->obs) * (nnz ? nnz : 1));
	c->p = malloc(sizeof(*c->p) * (nnz ? nnz : 1));
	fill = calloc(L + 1, sizeof(*fill));
	if (!c->off || !c->obs || !c->p || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < o[i].np && !o[i].explained; k++)
			c->off[o[i].link[k] + 1]++;
	for (unsigned l = 0; l < L; l++)
		c->off[l + 1] += c->off[l];
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < o[i].np && !o[i].explained; k++) {
			unsigned l = o[i].link[k], at = c->off[l] + fill[l]++;

			c->obs[at] = i;
			c->p[at] = o[i].prob[k];
		}
	free(fill);
	return 0;
}

/* cosine of two links' columns: merge of two sorted lists of observations */
static double cosine(const struct colidx *c, int l1, int l2)
{
	double ab = 0, aa = 0, bb = 0;
	unsigned i = c->off[l1], j = c->off[l2];

	for (unsigned e = c->off[l1]; e < c->off[l1 + 1]; e++)
		aa += c->p[e] * c->p[e];
	for (unsigned e = c->off[l2]; e < c->off[l2 + 1]; e++)
		bb += c->p[e] * c->p[e];
	while (i < c->off[l1 + 1] && j < c->off[l2 + 1]) {
		if (c->obs[i] < c->obs[j]) {
			i++;
		} else if (c->obs[i] > c->obs[j]) {
			j++;
		} else {
			ab += c->p[i++] * c->p[j++];
		}
	}
	return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* of the bad flows' probability mass on link l, the share from flows with a known path */
static double known_share(const struct colidx *c, const struct fp_obs *o, int l)
{
	double all = 0, known = 0;

	for (unsigned e = c->off[l]; e < c->off[l + 1]; e++) {
		if (!o[c->obs[e]].bad)
			continue;
		all += c->p[e];
		known += o[c->obs[e]].path_src != FP_PATH_EXPECTED ? c->p[e] : 0;
	}
	return all > 0 ? known / all : 0;
}

/*
 * No suspect: the links whose bad flows are unlikely for noise, though too few for the
 * bound (tail below FP_COVER_ALPHA / links tested, at least two bad flows), most unlikely
 * first. The verdict abstains on them rather than guess or call the fabric clean.
 */
static void thin_links(struct fp_analysis *a, double *tl, unsigned L)
{
	double lim = FP_COVER_ALPHA / (a->links_tested ? a->links_tested : 1);

	while (a->nthin < FP_MAX_THIN) {
		int best = -1;

		for (unsigned l = 0; l < L; l++)
			if (tl[l] < lim && (best < 0 || tl[l] < tl[best]))
				best = (int)l;
		if (best < 0)
			break;
		a->thin[a->nthin++] = best;
		tl[best] = 1;
	}
	for (unsigned l = 0; l < L; l++) /* the rest: counted, never dropped silently */
		a->thin_more += tl[l] < lim;
}

/* the links no observation tells apart from suspect s: 4 named, the rest counted */
static void twins_of(const struct colidx *c, const double *vb, unsigned L, struct fp_suspect *s)
{
	for (unsigned l = 0; l < L; l++) {
		if ((int)l == s->link || vb[l] <= 0 || cosine(c, s->link, (int)l) < 0.999)
			continue;
		if (s->ntwins < 4)
			s->twins[s->ntwins++] = (int)l;
		else
			s->twins_more++; /* counted, and shares the confidence */
	}
}

/*
 * A mild fault on a link many flows cross slows only those it holds back: in a k=8
 * alltoall a link at 80% made 66 of its 209 flows bad (noise would make one in 10^137 so)
 * yet fitted 0.959, above the gate. Such a link may be named with a fitted health up to
 * FP_GATE_STRONG when its bad flows no earlier suspect explains pass the square of the
 * multiple-testing bound: the links its flows also cross keep only the few bad flows
 * noise gives them once it is picked.
 */
#define FP_GATE_STRONG 0.99
static bool strong(double flows, double uncovered, const struct fp_analysis *a)
{
	double bound = FP_FAMILY_ALPHA / (a->links_tested ? a->links_tested : 1);

	return fp_binom_tail(round(flows), round(uncovered), a->p0) < bound * bound;
}

/* link l's bad flows no pick explains yet; 0 above the gate unless they are strong */
static double uncovered(const struct colidx *c, const struct fp_obs *o,
			const unsigned char *covered, unsigned l, bool above,
			const struct fp_analysis *a)
{
	double cw = 0, fa = 0;

	for (unsigned e = c->off[l]; e < c->off[l + 1]; e++) {
		fa += c->p[e];
		if (o[c->obs[e]].bad && !covered[c->obs[e]])
			cw += c->p[e];
	}
	return above && !strong(fa, cw, a) ? 0 : cw;
}

/* log C(n, k) */
static double lchoose(double n, double k)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/*
 * Flows deeper than noise went on the fast side: bad, no pick explains them, and below
 * the mirror of the run's fastest flow about the healthy centre. How many flows had a
 * rate (the n the chance below counts over), or 0.
 */
static unsigned mark_deep(const struct fp_obs *o, unsigned n, const struct fp_analysis *a,
			  unsigned char *deep)
{
	double centre = 1 - 0.6745 * a->sigma, top = -INFINITY;
	unsigned nq = 0;

	for (unsigned i = 0; i < n; i++)
		if (o[i].pred > 0) {
			top = fmax(top, o[i].q);
			nq++;
		}
	for (unsigned i = 0; i < n; i++)
		deep[i] = o[i].pred > 0 && o[i].bad && !o[i].explained && o[i].q < 2 * centre - top;
	return nq;
}

/*
 * No suspect by the count of bad flows, yet a link two or more of whose flows went deeper
 * than noise went on the fast side. For noise independent per flow and symmetric about
 * the centre, any k given flows of n all lie below the mirror of the fastest with chance
 * exactly 1 / C(n, k) whatever the noise's shape (ranked by distance from the centre, the
 * k flows and every flow ranked above them must be on the slow side: the sum over ranks
 * is 1 / C(n, k)); so a link with m flows has P <= C(m, k) / C(n, k), held to the count's
 * bound. A k=16 4-round permutation's link at 50% often slows 2 of its ~5 flows that deep:
 * P 1e-6, where the count at the run's share of bad flows (>= 0.001) gives 1e-5, above
 * the bound's 3e-6, and the verdict abstained. Of links tied on their deep flows the one
 * the fit puts lowest is named (twins_of lists those no flow tells apart). Real noise is
 * neither symmetric (line rate caps the fast side) nor independent (a loaded host slows
 * its flows together), and then many flows go deep: the chance is taken given how many
 * did, D, as the hypergeometric tail of k of the link's m among D deep of n (for D = k,
 * the bound above).
 */
static double deep_tail(double n, double d, double m, double k)
{
	double p = 0;

	for (double j = k; j <= m && j <= d; j++)
		if (n - d >= m - j)
			p += exp(lchoose(d, j) + lchoose(n - d, m - j) - lchoose(n, m));
	return p;
}

static void deep_links(const struct colidx *c, const struct fp_obs *o, unsigned n, const double *x,
		       const double *va, const double *vb, unsigned L, struct fp_analysis *a)
{
	unsigned char *deep = calloc(n ? n : 1, 1);
	unsigned nq = deep ? mark_deep(o, n, a, deep) : 0;
	double lim = FP_FAMILY_ALPHA / (a->links_tested ? a->links_tested : 1);

	while (nq && a->n < FP_MAX_SUSPECTS) {
		double bt = lim, d = 0;
		int bl = -1;

		for (unsigned i = 0; i < n; i++)
			d += deep[i];
		for (unsigned l = 0; l < L; l++) {
			double m = 0, k = 0, t;

			if (va[l] <= 0 || vb[l] <= 0)
				continue;
			for (unsigned e = c->off[l]; e < c->off[l + 1]; e++) {
				m += c->p[e];
				k += deep[c->obs[e]] ? c->p[e] : 0;
			}
			m = round(m);
			k = round(k);
			if (k < 2 || k > m)
				continue;
			t = deep_tail(nq, d, m, k);
			if (t < bt * (1 - 1e-9) ||
			    (bl >= 0 && t <= bt * (1 + 1e-9) && x[l] < x[bl])) {
				bt = fmin(bt, t);
				bl = (int)l;
			}
		}
		if (bl < 0)
			break;
		struct fp_suspect *s = &a->s[a->n++];

		memset(s, 0, sizeof(*s));
		s->node = -1;
		s->link = bl;
		s->health = s->q_median = exp(x[bl]);
		s->votes = vb[bl] / va[bl];
		for (unsigned e = c->off[bl]; e < c->off[bl + 1]; e++) {
			bool on = c->p[e] >= 0.5;

			s->total += on;
			s->bad += on && o[c->obs[e]].bad;
			deep[c->obs[e]] = 0; /* explained by this pick, which is not picked again */
		}
	}
	free(deep);
}

static void find_links(const struct fp_topo *t, struct fp_obs *o, unsigned n, struct fp_analysis *a)
{
	unsigned L = t->nlinks;
	struct colidx c = { 0 };
	double *vb = calloc(L, sizeof(double)), *va = calloc(L, sizeof(double));
	double *x = calloc(L, sizeof(double)), *pp = calloc(L, sizeof(double));
	double *resid = malloc(sizeof(double) * (n ? n : 1)),
	       *y = malloc(sizeof(double) * (n ? n : 1));
	unsigned char *covered = calloc(n ? n : 1, 1), *picked = calloc(L, 1), *sig = calloc(L, 1);
	double *tl = malloc(sizeof(double) * (L ? L : 1));
	unsigned found = a->n;
	/* the fit must put a link halfway to the threshold (0.9 to 0.95): a mild fault under
	 * low noise (80% at 2%) fits near 0.92 */
	double gate = fmin(fmax(1 - (1 - a->threshold) / 2, 0.9), 0.95);
	double lambda = 0.02, *w = malloc(sizeof(double) * (n ? n : 1));
	bool mixed = a->paths[FP_PATH_EXPECTED] && a->paths[FP_PATH_EXPECTED] < n;

	if (!vb || !va || !x || !pp || !resid || !y || !covered || !picked || !w || !sig || !tl ||
	    build_index(L, o, n, &c))
		goto out;
	/* votes, and the fit's column norms; a flow whose path is only expected weighs less */
	for (unsigned i = 0; i < n; i++) {
		if (o[i].explained)
			continue;
		w[i] = mixed && o[i].path_src == FP_PATH_EXPECTED ? FP_EXPECTED_WEIGHT : 1;
		y[i] = o[i].q < 1 ? log(o[i].q > 0.01 ? o[i].q : 0.01) : 0;
		if (o[i].lossy)
			y[i] = fmin(y[i], log(FP_LOSS_Q));
		resid[i] = y[i];
		for (unsigned k = 0; k < o[i].np; k++) {
			va[o[i].link[k]] += w[i] * o[i].prob[k];
			if (o[i].bad)
				vb[o[i].link[k]] += w[i] * o[i].prob[k];
			pp[o[i].link[k]] += w[i] * o[i].prob[k] * o[i].prob[k];
		}
	}
	for (unsigned l = 0; l < L; l++)
		a->links_tested += va[l] > 0;
	/* flows (unweighted) and bad flows per link: the counts the bound tests */
	for (unsigned l = 0; l < L; l++) {
		double fa = 0, fb = 0;

		for (unsigned e = c.off[l]; e < c.off[l + 1] && vb[l] > 0; e++) {
			fa += c.p[e];
			fb += o[c.obs[e]].bad ? c.p[e] : 0;
		}
		tl[l] = vb[l] > 0 ? fp_binom_tail(round(fa), round(fb), a->p0) : 1;
		sig[l] = tl[l] < FP_FAMILY_ALPHA / (a->links_tested ? a->links_tested : 1);
		if (round(fb) < 2)
			tl[l] = 1; /* one bad flow localises nothing: never a thin link */
	}
	/* projected coordinate descent: x_l <= 0, min |y - P x|^2 + lambda * sum(-x) */
	for (int sweep = 0; sweep < 60; sweep++) {
		double moved = 0;

		for (unsigned l = 0; l < L; l++) {
			double g = 0, nx;

			if (pp[l] <= 0 || vb[l] <= 0)
				continue; /* a link no bad flow may cross stays healthy */
			for (unsigned e = c.off[l]; e < c.off[l + 1]; e++)
				g += w[c.obs[e]] * c.p[e] * (resid[c.obs[e]] + c.p[e] * x[l]);
			nx = (g + lambda) / pp[l];
			if (nx > 0)
				nx = 0;
			if (nx == x[l])
				continue;
			for (unsigned e = c.off[l]; e < c.off[l + 1]; e++)
				resid[c.obs[e]] -= c.p[e] * (nx - x[l]);
			moved += fabs(nx - x[l]);
			x[l] = nx;
		}
		if (moved < 1e-6)
			break;
	}
	/* greedy cover of the bad flows, each candidate weighted by its vote share */
	for (;;) {
		double best = 0;
		int bl = -1;

		for (unsigned l = 0; l < L; l++) {
			double cw;

			if (picked[l] || va[l] <= 0 || exp(x[l]) >= FP_GATE_STRONG || !sig[l])
				continue;
			cw = uncovered(&c, o, covered, l, exp(x[l]) >= gate, a) * vb[l] / va[l];
			if (cw > best) {
				best = cw;
				bl = (int)l;
			}
		}
		if (bl < 0 || best < 0.5)
			break;
		picked[bl] = 1;
		for (unsigned e = c.off[bl]; e < c.off[bl + 1]; e++)
			if (o[c.obs[e]].bad && c.p[e] >= 0.5)
				covered[c.obs[e]] = 1;
		if (a->n >= FP_MAX_SUSPECTS) {
			a->more++; /* the list is full: counted, never dropped silently */
			continue;
		}
		struct fp_suspect *s = &a->s[a->n++];

		memset(s, 0, sizeof(*s));
		s->node = -1;
		s->link = bl;
		s->health = exp(x[bl]);
		s->votes = vb[bl] / va[bl];
		for (unsigned e = c.off[bl]; e < c.off[bl + 1]; e++) {
			bool on = c.p[e] >= 0.5;

			s->total += on;
			s->bad += on && o[c.obs[e]].bad;
		}
		s->q_median = s->health;
	}
	if (a->n == found && !found)
		deep_links(&c, o, n, x, va, vb, L, a);
	if (a->n == found && !found)
		thin_links(a, tl, L);
	/* twins: links no observation tells apart from a suspect; only links sharing a bad
	 * flow can be twins, and those are few */
	for (unsigned k = 0; k < a->n; k++) {
		struct fp_suspect *s = &a->s[k];

		if (s->host)
			continue;
		twins_of(&c, vb, L, s);
		/* confidence: how much of its traffic is bad, how clear the fit, shared by every
		 * twin, and how much of the evidence comes from flows whose path is known */
		s->confidence = s->votes * fmin(1, (1 - s->health) / 0.3) /
				(1 + s->ntwins + s->twins_more) *
				(1 + known_share(&c, o, s->link)) / 2;
	}
out:
	free(c.off);
	free(c.obs);
	free(c.p);
	free(vb);
	free(va);
	free(x);
	free(pp);
	free(resid);
	free(y);
	free(covered);
	free(picked);
	free(w);
	free(sig);
	free(tl);
}

/*
 * The run's own rate of flows that noise alone makes bad, read where faults cannot reach:
 * a fault only slows flows, so the flows as far above the healthy ones' median as the
 * threshold is below it count the noise's tail (the 65 k-endpoint rail without a fault:
 * 7% of its flows are below the threshold, 4% as far above it).
 */
static double false_rate(const struct fp_obs *o, unsigned n, double thr)
{
	double *q = malloc(sizeof(double) * (n ? n : 1)), m;
	unsigned k = 0, up = 0;

	if (!q)
		return FP_P0_MIN;
	for (unsigned i = 0; i < n; i++)
		if (!o[i].bad)
			q[k++] = o[i].q;
	m = fp_analyze_median(q, k);
	for (unsigned i = 0; i < n; i++)
		up += o[i].q >= 2 * m - thr;
	free(q);
	return fmax(n ? (double)up / n : 0, FP_P0_MIN);
}

static int cmp_suspect(const void *a, const void *b)
{
	const struct fp_suspect *x = a, *y = b;

	return x->confidence > y->confidence ? -1 : x->confidence < y->confidence;
}

int fp_analyze(const struct fp_topo *t, struct fp_obs *obs, unsigned n, struct fp_analysis *a)
{
	double *r = malloc(sizeof(double) * (n ? n : 1));
	unsigned k = 0;

	memset(a, 0, sizeof(*a));
	if (!r)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if (obs[i].pred > 0 && obs[i].meas >= 0)
			r[k++] = obs[i].meas / obs[i].pred;
	a->nobs = n;
	for (unsigned i = 0; i < n; i++)
		a->paths[obs[i].path_src < FP_PATH_NSRC ? obs[i].path_src : FP_PATH_EXPECTED]++;
	/*
	 * The baseline is the 75th percentile of measured/predicted, not the median: a fault
	 * can slow half the flows of a run, never three quarters of them without being a host.
	 */
	qsort(r, k, sizeof(*r), cmp_d);
	a->calib = k ? r[(size_t)(0.75 * (k - 1))] : 1;
	if (a->calib <= 0)
		a->calib = 1;
	/*
	 * The noise from the upper side only, which faults do not reach: the flows above the
	 * baseline (the 75th percentile) have their median at the 87.5th, 1.1503 - 0.6745 =
	 * 0.4758 sigma above it for normal noise. The healthy flows' centre is then 0.6745
	 * sigma below the baseline, and the threshold 3 sigma (at least 8%) below that centre:
	 * measured from the baseline itself it made 5% of a clean k=16 run's flows bad.
	 */
	k = 0;
	for (unsigned i = 0; i < n; i++) {
		obs[i].q = obs[i].pred > 0 ? obs[i].meas / obs[i].pred / a->calib : 1;
		if (obs[i].q >= 1)
			r[k++] = obs[i].q - 1;
	}
	a->sigma = fp_analyze_median(r, k) / 0.4758;
	if (a->sigma < 0.01)
		a->sigma = 0.01;
	a->threshold = 1 - 0.6745 * a->sigma - fmin(fmax(3 * a->sigma, 0.08), 0.3);
	/* loss: the run's median share of frames lost is its own congestion baseline */
	k = 0;
	for (unsigned i = 0; i < n; i++)
		r[k++] = obs[i].loss;
	a->loss_threshold = 3 * fp_analyze_median(r, k);
	free(r);
	if (fp_analyze_retx(t, obs, n, a))
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		bool retx = fp_obs_retx_lossy(&obs[i]);

		obs[i].lossy = obs[i].loss > a->loss_threshold || retx;
		obs[i].bad = obs[i].q < a->threshold || obs[i].lossy;
		obs[i].explained = false;
		a->nbad += obs[i].bad;
		a->nlossy += obs[i].lossy;
		a->nretx += retx;
	}
	if (!a->nbad)
		return 0;
	a->p0 = false_rate(obs, n, a->threshold);
	find_hosts(t, obs, n, a);
	find_links(t, obs, n, a);
	fp_analyze_servers(t, a);
	if (!a->n && !a->nthin)
		fp_analyze_deep(t, obs, n, a);
	qsort(a->s, a->n, sizeof(a->s[0]), cmp_suspect);
	return 0;
}

struct pcoll {
	double p1, p2;
	int l1, l2;
};

static void collect(void *ctx, unsigned dl, double p)
{
	struct pcoll *c = ctx;

	if ((int)(dl / 2) == c->l1)
		c->p1 += p;
	if ((int)(dl / 2) == c->l2)
		c->p2 += p;
}

unsigned fp_analyze_plan(struct fp_router *r, int l1, int l2, int *pa, int *pb, unsigned max)
{
	const struct fp_topo *t = r->t;
	unsigned n = 0;

	for (unsigned a = 0; a < t->nnodes && n < max; a++) {
		if (t->nodes[a].kind != FP_HOST)
			continue;
		for (unsigned b = 0; b < t->nnodes && n < max; b++) {
			struct pcoll c = { 0, 0, l1, l2 };

			if (a == b || t->nodes[b].kind != FP_HOST)
				continue;
			if (fp_sim_path_probs(r, (int)a, (int)b, collect, &c))
				continue;
			if (fabs(c.p1 - c.p2) >= 0.45) {
				pa[n] = (int)a;
				pb[n++] = (int)b;
			}
		}
	}
	return n;
}
