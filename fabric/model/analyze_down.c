// SPDX-License-Identifier: MIT
/*
 * A link that is down carries no flow, and the flows hashed onto its siblings instead run
 * at the rates their paths predict: the rate analysis sees nothing wrong. What shows is the
 * absence. With the paths the flows really took (recorded by the simulator, or traced: both
 * hashed by the fabric, unlike routed paths, which the SM may legitimately leave off a
 * link), a link up in the topology that none of them crossed, although the ECMP
 * expectation of the same flows sends P_f of each over it, had probability
 * prod_f (1 - P_f) of staying empty by chance. Below FP_DOWN_ALPHA / (links tested), a
 * Bonferroni bound over every link that could have been empty, it is reported as down.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "sim.h"

struct down_acc {
	double *logp0, *expect;
	double mult;
};

static void down_add(void *ctx, unsigned dl, double p)
{
	struct down_acc *d = ctx;

	d->expect[dl / 2] += d->mult * p;
	d->logp0[dl / 2] += p >= 1 ? -INFINITY : d->mult * log1p(-p);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static bool hashed(const struct fp_obs *o)
{
	return o->path_src == FP_PATH_RECORDED || o->path_src == FP_PATH_TRACED;
}

/*
 * The expectation per pair of attachment switches (hosts under one leaf share it), each
 * distinct pair routed once and weighted by its flows: 0 or -ENOMEM.
 */
static int expect(struct fp_router *r, const struct fp_obs *o, unsigned n, struct down_acc *d)
{
	uint64_t *key = malloc(sizeof(*key) * (n ? n : 1));
	unsigned k = 0;
	int ret = 0;

	if (!key)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		if (hashed(&o[i]))
			key[k++] = (uint64_t)(uint32_t)r->attach[o[i].src] << 32 |
				   (uint32_t)r->attach[o[i].dst];
	qsort(key, k, sizeof(*key), cmp_u64);
	for (unsigned i = 0; i < k && !ret;) {
		unsigned j = i;

		while (j < k && key[j] == key[i])
			j++;
		d->mult = j - i;
		if ((key[i] >> 32) != (uint32_t)key[i])
			ret = fp_sim_path_probs(r, (int)(key[i] >> 32), (int)(uint32_t)key[i],
						down_add, d);
		if (ret == -EHOSTUNREACH)
			ret = 0; /* the expectation knows no path: nothing is missing */
		i = j;
	}
	free(key);
	return ret;
}

void fp_analysis_add(struct fp_analysis *a, const struct fp_suspect *s)
{
	unsigned at = 0;

	if (a->n >= FP_MAX_SUSPECTS) {
		a->more++;
		return;
	}
	while (at < a->n && a->s[at].confidence >= s->confidence)
		at++;
	memmove(&a->s[at + 1], &a->s[at], sizeof(a->s[0]) * (a->n - at));
	a->s[at] = *s;
	a->n++;
}

/*
 * A traced path names nodes, not cables: a hop between two switches joined by parallel
 * links says one of them carried the flow, not which. Every up link between the two counts
 * as seen, so the ones the trace could not name are never taken for down.
 */
static void siblings_seen(const struct fp_topo *t, unsigned l, unsigned char *seen)
{
	int a = t->links[l].a, b = t->links[l].b;

	if (!t->adj_off)
		return;
	for (unsigned j = t->adj_off[a]; j < t->adj_off[a + 1]; j++) {
		const struct fp_link *s = &t->links[t->adj[j]];

		if (s->up && ((s->a == a && s->b == b) || (s->a == b && s->b == a)))
			seen[t->adj[j]] = 1;
	}
}

int fp_analyze_down(struct fp_router *r, const struct fp_obs *o, unsigned n, struct fp_analysis *a)
{
	const struct fp_topo *t = r->t;
	unsigned L = t->nlinks, tested = 0;
	struct down_acc d = { calloc(L + 1, sizeof(double)), calloc(L + 1, sizeof(double)), 1 };
	unsigned char *seen = calloc(L + 1, 1);
	int ret = -ENOMEM;

	if (!d.logp0 || !d.expect || !seen)
		goto out;
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < o[i].np && hashed(&o[i]); k++) {
			seen[o[i].link[k]] = 1;
			if (o[i].path_src == FP_PATH_TRACED)
				siblings_seen(t, (unsigned)o[i].link[k], seen);
		}
	ret = expect(r, o, n, &d);
	for (unsigned l = 0; l < L && !ret; l++)
		tested += t->links[l].up && d.expect[l] > 0; /* any of them could be empty */
	for (unsigned l = 0; l < L && !ret; l++) {
		double padj = exp(d.logp0[l]) * tested;
		struct fp_suspect s = { .node = -1, .link = (int)l, .down = true, .cable = -1 };

		if (seen[l] || !t->links[l].up || d.expect[l] <= 0 || padj >= FP_DOWN_ALPHA)
			continue;
		s.expected = d.expect[l];
		s.confidence = 1 - padj;
		fp_analysis_add(a, &s);
	}
out:
	free(d.logp0);
	free(d.expect);
	free(seen);
	return ret;
}

/* flow o is one of suspect s's bad flows */
static bool bad_of(const struct fp_obs *o, const struct fp_suspect *s)
{
	if (!o->bad)
		return false;
	if (s->host)
		return o->src == s->node || o->dst == s->node;
	return fp_obs_crosses(o, (unsigned)s->link) >= 0.5;
}

/* the links in a down link's reroute: the switch links that took its share (those sharing a
 * switch with it), and the cables of the hosts on either switch (a leaf that lost an
 * uplink: its hosts' flows meet the rerouted ones there) */
static void took_share(const struct fp_topo *t, const struct fp_analysis *a, unsigned char *moved)
{
	for (unsigned k = 0; k < a->n; k++) {
		const struct fp_link *d = a->s[k].down ? &t->links[a->s[k].link] : NULL;

		for (unsigned l = 0; d && l < t->nlinks; l++) {
			const struct fp_link *x = &t->links[l];

			if ((int)l == a->s[k].link || !x->up)
				continue;
			moved[l] |= x->a == d->a || x->a == d->b || x->b == d->a || x->b == d->b;
		}
	}
}

/*
 * Suspect s's bad flows, if every one crossed a link the reroute moved flows to: the median
 * of their q. NaN when one of them crossed none (the reroute cannot explain it). Their
 * predictions are over the paths they took, reroute included: what is left is how unevenly
 * TCP shares the busier links, not the extra flows themselves.
 */
static double in_reroute(const struct fp_obs *o, unsigned n, const struct fp_suspect *s,
			 const unsigned char *moved, double *v)
{
	unsigned nb = 0;

	for (unsigned i = 0; i < n; i++) {
		bool on = false;

		if (!bad_of(&o[i], s))
			continue;
		for (unsigned q = 0; q < o[i].np && !on; q++)
			on = moved[o[i].link[q]] && o[i].prob[q] >= 0.5;
		if (!on)
			return NAN;
		v[nb++] = o[i].q;
	}
	return nb ? fp_analyze_median(v, nb) : NAN;
}

int fp_analyze_down_explain(const struct fp_topo *t, const struct fp_obs *o, unsigned n,
			    struct fp_analysis *a)
{
	unsigned char *moved = calloc(t->nlinks + 1, 1);
	double *v = calloc(n + 1, sizeof(double));
	unsigned kept = 0;
	bool any = false;

	if (!moved || !v) {
		free(moved);
		free(v);
		return -ENOMEM;
	}
	for (unsigned k = 0; k < a->n; k++)
		any |= a->s[k].down;
	if (any)
		took_share(t, a, moved);
	for (unsigned k = 0; k < a->n; k++) {
		const struct fp_suspect *s = &a->s[k];
		double m = !any || s->down || s->blackhole ? NAN : in_reroute(o, n, s, moved, v);

		/* explained unless far below its prediction: a second fault (a cable at a tenth,
		 * say) on the reroute stays under FP_REROUTE_MARGIN */
		if (m >= FP_REROUTE_MARGIN) {
			a->down_explained++;
			continue;
		}
		a->s[kept++] = *s;
	}
	a->n = kept;
	free(moved);
	free(v);
	return 0;
}
