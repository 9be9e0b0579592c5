// SPDX-License-Identifier: MIT
/*
 * Flapping by the rates, localised on the flows' paths (issue 18): a link that goes down
 * and comes back while routing still sends flows over it (a blackhole while it is down)
 * stalls the flows hashed over it and no other. Its host ends see no carrier change: only
 * the rates and the paths name it.
 *
 * An outage is a pass in which flows of known path (traced, recorded, routed) fell below
 * half their own median rate together: at least FP_DIPLINK_MIN of them, crossing one link
 * and holding at least half of its flows, so many that the pass's own rate of dips
 * elsewhere (at least one in twenty) makes them unlikely (a binomial tail under
 * FP_FAMILY_ALPHA over the links between switches), while of the flows not crossing it at
 * most one in ten (and one) fell too. A stall rarely fills a
 * pass (a soak's phase waits for its flows to drain, so a stalled flow's rate in it is
 * that of the part before the stall over the whole), hence half the median and not near
 * zero: measured in the lab, a 2 s blackhole left a flow 15-20% of its rate and left
 * every flow elsewhere above half its own. A link with outages in two passes that are not
 * neighbours went down and came back twice: FLAPPING. Of links equally placed (the same
 * dipped flows, as many flows), the first is named and the other said. Only links between
 * switches: a host's link that goes down drops its carrier (the counters' rule) and
 * stalls every flow of its rank (the rank rule), and a rank descheduled on a busy machine
 * would look the same to this rule.
 */
#include "result_dippath.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct pairkey {
	int src, dst;
	unsigned idx; /* 1 + the observation; 0: empty */
	bool dup;     /* two observations join these nodes: no one path for the pair */
};

static size_t pair_hash(int s, int d, size_t nslot)
{
	uint64_t h = ((uint64_t)(uint32_t)s << 32 | (uint32_t)d) * 0x9e3779b97f4a7c15ull;

	h ^= h >> 29;
	return (size_t)h & (nslot - 1);
}

static struct pairkey *pair_slot(struct pairkey *tab, size_t nslot, int s, int d)
{
	size_t i = pair_hash(s, d, nslot);

	while (tab[i].idx && (tab[i].src != s || tab[i].dst != d))
		i = (i + 1) & (nslot - 1);
	return &tab[i];
}

/* the flow's path is known and certain: every link it may cross, it crosses */
static bool known_path(const struct fp_obs *o)
{
	if (o->path_src == FP_PATH_EXPECTED || !o->np)
		return false;
	for (unsigned k = 0; k < o->np; k++)
		if (o->prob[k] < 1)
			return false;
	return true;
}

/* the observation of each series of d, -1 when none or not one with a known path */
static int join(const struct fp_dips *d, const int *node_of, const struct fp_obs *o, unsigned n,
		int *obs_of)
{
	size_t nslot = 16;
	struct pairkey *tab;
	uint64_t top = 0; /* the observations are of the run's largest size: its series only */

	while (nslot < 2 * (size_t)n)
		nslot *= 2;
	if (!(tab = calloc(nslot, sizeof(*tab))))
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		struct pairkey *k = pair_slot(tab, nslot, o[i].src, o[i].dst);

		k->dup = k->idx != 0;
		k->src = o[i].src;
		k->dst = o[i].dst;
		k->idx = i + 1;
	}
	for (size_t i = 0; i < d->n; i++)
		top = d->d[i].size > top ? d->d[i].size : top;
	for (size_t i = 0; i < d->n; i++) {
		const struct fp_dip *s = &d->d[i];
		const struct pairkey *k = pair_slot(tab, nslot, node_of[s->src], node_of[s->dst]);

		obs_of[i] = s->size == top && k->idx && !k->dup && known_path(&o[k->idx - 1])
				    ? (int)k->idx - 1
				    : -1;
	}
	free(tab);
	return 0;
}

struct usable {
	int obs;    /* its observation, -1: not usable */
	float half; /* half its median rate */
};

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* half of series s's median rate over its passes, 0 with fewer than 3 */
static float half_median(const struct fp_dip *s, float *tmp)
{
	unsigned n = 0;

	for (unsigned p = 0; p < s->nrate; p++)
		if (!isnan(s->rate[p]))
			tmp[n++] = s->rate[p];
	if (n < 3)
		return 0;
	qsort(tmp, n, sizeof(*tmp), cmp_float);
	return tmp[n / 2] / 2;
}

static bool dipped(const struct fp_dip *s, const struct usable *u, unsigned p)
{
	return u->obs >= 0 && p < s->nrate && !isnan(s->rate[p]) && s->rate[p] < u->half;
}

#define FP_DIP_PERPASS 4 /* links one pass can explain */

struct pass_ctx {
	const struct fp_topo *t;
	const struct fp_dips *d;
	const struct fp_obs *o;
	const struct usable *u;
	const unsigned *cross;
	unsigned nuse;
	unsigned nsw; /* links between switches: the family the outage test is bounded over */
	unsigned *c;  /* per link: dipped flows not yet explained that cross it */
	bool *expl;   /* per series: explained by a link taken in this pass */
};

/* the switch link most of pass p's unexplained dipped flows cross (fewest flows on a tie),
 * -1 when none; *also: one equally placed */
static int best_link(struct pass_ctx *x, unsigned p, unsigned *nd, int *also)
{
	const struct fp_topo *t = x->t;
	unsigned best = 0;
	int l = -1;

	memset(x->c, 0, sizeof(*x->c) * t->nlinks);
	*nd = 0;
	for (size_t i = 0; i < x->d->n; i++)
		if (!x->expl[i] && dipped(&x->d->d[i], &x->u[i], p)) {
			const struct fp_obs *f = &x->o[x->u[i].obs];

			(*nd)++;
			for (unsigned k = 0; k < f->np; k++)
				x->c[f->link[k]]++;
		}
	*also = -1;
	for (unsigned k = 0; k < t->nlinks; k++) {
		const struct fp_link *lk = &t->links[k];

		/* a host's link going down is its carrier's to tell (and the rank rule's) */
		if (t->nodes[lk->a].kind == FP_HOST || t->nodes[lk->b].kind == FP_HOST)
			continue;
		if (!x->c[k] ||
		    (l >= 0 && (x->c[k] < best || (x->c[k] == best && x->cross[k] > x->cross[l]))))
			continue;
		if (l >= 0 && x->c[k] == best && x->cross[k] == x->cross[l]) {
			*also = *also < 0 ? (int)k : *also;
			continue;
		}
		l = (int)k;
		best = x->c[k];
		*also = -1;
	}
	return l;
}

/* the series of pass p's dipped flows that cross link l are explained */
static void explain(struct pass_ctx *x, unsigned p, int l)
{
	for (size_t i = 0; i < x->d->n; i++) {
		const struct fp_obs *f;

		if (x->expl[i] || !dipped(&x->d->d[i], &x->u[i], p))
			continue;
		f = &x->o[x->u[i].obs];
		for (unsigned k = 0; k < f->np; k++)
			if (f->link[k] == (unsigned)l)
				x->expl[i] = true;
	}
}

/*
 * The links that explain pass p's dipped flows (the rule above), taken greedily, up to
 * FP_DIP_PERPASS to ev with also[]: how many; 0 when the dips are not theirs (noise, a
 * host, too many flows left unexplained)
 */
static unsigned outages(struct pass_ctx *x, unsigned p, struct fp_dip_link *ev, int *also)
{
	unsigned left, n = 0, on = 0, rest, kept = 0;
	double q;

	memset(x->expl, 0, sizeof(*x->expl) * x->d->n);
	for (;;) {
		int l = best_link(x, p, &left, &also[n]);

		if (n == FP_DIP_PERPASS || l < 0 || x->c[l] < FP_DIPLINK_MIN ||
		    2 * x->c[l] < x->cross[l])
			break;
		ev[n] = (struct fp_dip_link){ .link = l,
					      .flows = x->cross[l],
					      .steady = x->nuse - x->cross[l] };
		ev[n].ev[0] = (struct fp_dip_outage){ .dipped = x->c[l],
						      .t0 = x->d->pt0[p],
						      .t1 = x->d->pt1[p] };
		on += x->cross[l];
		n++;
		explain(x, p, l);
	}
	/* left: dipped flows no link took; few against the flows elsewhere (one in ten and
	 * one), else the pass slowed everywhere (the lab, loaded: 5 of 45 flows elsewhere
	 * just under half their median, 0.42-0.49, beside 11 of 11 deep in the link's hole) */
	rest = x->nuse > on ? x->nuse - on : 0;
	if (!n || 10 * left > rest + 10)
		return 0;
	/* and a link's dips unlikely by the pass's own rate of dips elsewhere (one in twenty
	 * at least), under the family's bound over the links between switches: on a busy
	 * host a few flows dip anywhere in any pass (the lab: up to 3 of 45 beside an 11-flow
	 * outage, which a rule of all the dipped flows but a tenth missed) */
	q = fmax(rest ? (double)left / rest : 0, 0.05);
	for (unsigned k = 0; k < n; k++) {
		if (fp_binom_tail(ev[k].flows, ev[k].ev[0].dipped, q) >=
		    FP_FAMILY_ALPHA / (x->nsw ? x->nsw : 1))
			continue;
		ev[kept] = ev[k];
		also[kept] = also[k];
		ev[kept++].ev[0].off = left;
	}
	return kept;
}

int fp_dip_links(const struct fp_topo *t, const struct fp_dips *d, const int *node_of,
		 const struct fp_obs *o, unsigned n, struct fp_dip_link *out, unsigned max,
		 unsigned *nout, unsigned *nall)
{
	struct usable *u = calloc(d->n ? d->n : 1, sizeof(*u));
	unsigned *cross = calloc(t->nlinks ? t->nlinks : 1, sizeof(*cross));
	unsigned *c = calloc(t->nlinks ? t->nlinks : 1, sizeof(*c));
	int *obs_of = malloc(sizeof(int) * (d->n ? d->n : 1));
	float *tmp = malloc(sizeof(float) * (d->npass ? d->npass : 1));
	bool *expl = calloc(d->n ? d->n : 1, sizeof(*expl));
	struct fp_dip_link *all = calloc(t->nlinks ? t->nlinks : 1, sizeof(*all));
	unsigned nuse = 0, nsw = 0;
	int ret = -ENOMEM;

	*nout = *nall = 0;
	if (!u || !cross || !c || !obs_of || !tmp || !expl || !all ||
	    join(d, node_of, o, n, obs_of))
		goto out;
	ret = 0;
	for (unsigned k = 0; k < t->nlinks; k++)
		nsw += t->nodes[t->links[k].a].kind != FP_HOST &&
		       t->nodes[t->links[k].b].kind != FP_HOST;
	/* every pass is a walk over every series: bounded as the rates kept are, so a file
	 * naming one pass far out cannot make it run for hours */
	if (d->no_rates || (uint64_t)d->npass * d->n > FP_DIP_MAXCELLS)
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		u[i].obs = -1;
		if (obs_of[i] < 0 || !d->d[i].rate || !(u[i].half = half_median(&d->d[i], tmp)))
			continue;
		u[i].obs = obs_of[i];
		nuse++;
		for (unsigned k = 0; k < o[obs_of[i]].np; k++)
			cross[o[obs_of[i]].link[k]]++;
	}
	for (unsigned p = 0; p < d->npass; p++) {
		struct pass_ctx x = { t, d, o, u, cross, nuse, nsw, c, expl };
		struct fp_dip_link ev[FP_DIP_PERPASS];
		int also[FP_DIP_PERPASS + 1];
		unsigned ne = outages(&x, p, ev, also);

		for (unsigned e = 0; e < ne; e++) {
			struct fp_dip_link *k = &all[ev[e].link];

			if (!k->events) {
				*k = ev[e];
				k->also = also[e];
			} else if (k->last + 1 == p) { /* the pass after its last: one outage */
				k->last = p;
				continue;
			} else if (k->events < FP_DIP_OUTAGES) {
				k->ev[k->events] = ev[e].ev[0];
			}
			k->events++;
			k->last = p;
		}
	}
	/* flapping: two outages or more; one is a stall */
	for (unsigned l = 0; l < t->nlinks; l++)
		if (all[l].events >= 2 && (*nall)++ < max)
			out[(*nout)++] = all[l];
out:
	free(u);
	free(cross);
	free(c);
	free(obs_of);
	free(tmp);
	free(expl);
	free(all);
	return ret;
}
