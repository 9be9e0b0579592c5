// SPDX-License-Identifier: MIT
/*
 * Flapping by the rates, localised on the flows' paths (issue 18): a link that goes down
 * and comes back, and is not withdrawn from routing (a blackhole while it is down), stalls
 * every flow hashed over it and no other. Its host ends see no carrier change: only the
 * rates and the paths name it. A link is named when at least FP_DIPLINK_MIN flows of known
 * path (traced, recorded or routed) cross it, every one of them dipped and recovered twice
 * or more (fp_dip_add), and flows elsewhere stayed steady. The links are taken greedily,
 * most flows first, and a link only names flows no earlier link explained: the other links
 * on the same flows' way are the same evidence, so each is said ("the same flows also
 * cross"), never named on its own. Host links are left to the rank rule (every flow to or
 * from the rank) when it named the host.
 */
#include "result_dippath.h"

#include <errno.h>
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

static bool crosses(const struct fp_obs *o, unsigned l)
{
	for (unsigned k = 0; k < o->np; k++)
		if (o->link[k] == l)
			return true;
	return false;
}

/* every flow of d that crosses link b crosses link a */
static bool same_flows(const struct fp_dips *d, const struct fp_obs *o, const int *obs_of,
		       unsigned a, unsigned b)
{
	for (size_t i = 0; i < d->n; i++)
		if (obs_of[i] >= 0 && crosses(&o[obs_of[i]], b) && !crosses(&o[obs_of[i]], a))
			return false;
	return true;
}

struct tally {
	unsigned cross, dipped;
};

static int by_dipped(const void *a, const void *b, void *ctx)
{
	const struct tally *t = ctx;
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	if (t[x].dipped != t[y].dipped)
		return t[x].dipped < t[y].dipped ? 1 : -1;
	return x < y ? -1 : x > y;
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

int fp_dip_links(const struct fp_topo *t, const struct fp_dips *d, const int *node_of,
		 const struct fp_obs *o, unsigned n, const bool *host_named,
		 struct fp_dip_link *out, unsigned max, unsigned *nout)
{
	struct tally *ty = calloc(t->nlinks ? t->nlinks : 1, sizeof(*ty));
	int *obs_of = malloc(sizeof(int) * (d->n ? d->n : 1));
	bool *done = calloc(d->n ? d->n : 1, sizeof(bool));
	unsigned *cand = malloc(sizeof(unsigned) * (t->nlinks ? t->nlinks : 1)), nc = 0;
	unsigned steady = 0;
	int ret = -ENOMEM;

	*nout = 0;
	if (!ty || !obs_of || !done || !cand || join(d, node_of, o, n, obs_of))
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		const struct fp_obs *f = obs_of[i] >= 0 ? &o[obs_of[i]] : NULL;

		steady += f && !d->d[i].flaps;
		for (unsigned k = 0; f && k < f->np; k++) {
			ty[f->link[k]].cross++;
			ty[f->link[k]].dipped += d->d[i].flaps > 1;
		}
	}
	for (unsigned l = 0; l < t->nlinks; l++) {
		const struct fp_link *lk = &t->links[l];
		bool by_host = (t->nodes[lk->a].kind == FP_HOST && host_named[lk->a]) ||
			       (t->nodes[lk->b].kind == FP_HOST && host_named[lk->b]);

		if (ty[l].cross >= FP_DIPLINK_MIN && ty[l].dipped == ty[l].cross && steady &&
		    !by_host)
			cand[nc++] = l;
	}
	qsort_r(cand, nc, sizeof(*cand), by_dipped, ty);
	for (unsigned c = 0; c < nc; c++) {
		unsigned l = cand[c], fresh = 0;
		const struct fp_dip *first = NULL;

		for (size_t i = 0; i < d->n; i++)
			if (obs_of[i] >= 0 && !done[i] && crosses(&o[obs_of[i]], l)) {
				fresh++;
				first = first ? first : &d->d[i];
			}
		if (fresh < FP_DIPLINK_MIN) { /* flows a link named before it explains */
			for (unsigned k = 0; k < *nout; k++)
				if (out[k].also < 0 && out[k].flows == ty[l].cross &&
				    same_flows(d, o, obs_of, (unsigned)out[k].link, l)) {
					out[k].also = (int)l;
					break;
				}
			continue;
		}
		if (*nout == max)
			break;
		for (size_t i = 0; i < d->n; i++)
			if (obs_of[i] >= 0 && crosses(&o[obs_of[i]], l))
				done[i] = true;
		out[(*nout)++] = (struct fp_dip_link){ .link = (int)l,
						       .flows = ty[l].cross,
						       .steady = steady,
						       .first = first,
						       .also = -1 };
	}
	ret = 0;
out:
	free(ty);
	free(obs_of);
	free(done);
	free(cand);
	return ret;
}
