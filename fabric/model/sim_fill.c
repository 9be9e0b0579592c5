// SPDX-License-Identifier: MIT
/*
 * Max-min fair rates by water-filling, event by event. Every flow not yet frozen runs at
 * the same level L; a directed link d saturates at L = rem[d] / cnt[d] (its capacity less
 * the rates of the flows frozen on it, over the flows still rising on it), a value that
 * changes only when one of its flows freezes. A min-heap of those levels (and of the flows'
 * own ceilings) gives the next event: its flows freeze at L, and the links they cross get
 * a new level. O((links + hops) log) per round, where filling in equal steps scanned every
 * link and flow once per distinct level (90% of a k=16 alltoall simulation).
 */
#include "sim_fill.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct ev {
	double key;
	unsigned id; /* a directed link, or nd + flow for a flow's ceiling */
};

struct heap {
	struct ev *e;
	size_t n, cap;
};

static int push(struct heap *h, double key, unsigned id)
{
	size_t i;

	if (h->n == h->cap) {
		size_t c = h->cap ? h->cap * 2 : 1024;
		void *q = realloc(h->e, sizeof(*h->e) * c);

		if (!q)
			return -ENOMEM;
		h->e = q;
		h->cap = c;
	}
	for (i = h->n++; i && h->e[(i - 1) / 2].key > key; i = (i - 1) / 2)
		h->e[i] = h->e[(i - 1) / 2];
	h->e[i] = (struct ev){ key, id };
	return 0;
}

static struct ev pop(struct heap *h)
{
	struct ev top = h->e[0], last = h->e[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->e[c + 1].key < h->e[c].key)
			c++;
		if (h->e[c].key >= last.key)
			break;
		h->e[i] = h->e[c];
		i = c;
	}
	if (h->n)
		h->e[i] = last;
	return top;
}

struct fill {
	const struct fp_sim_flows *fl;
	double *rem, *rate;
	unsigned *cnt, nd, left;
	unsigned char *frozen;
	struct heap h;
};

/* flow f stops rising at level lv: the links it crosses get their new saturation level */
static int freeze(struct fill *s, unsigned f, double lv)
{
	const unsigned *p = s->fl->path + (size_t)f * FP_SIM_MAXHOPS;

	s->frozen[f] = 1;
	s->rate[f] = lv;
	s->left--;
	for (unsigned k = 0; k < s->fl->hops[f]; k++) {
		unsigned d = p[k];

		s->rem[d] -= lv;
		if (--s->cnt[d] && push(&s->h, s->rem[d] / s->cnt[d], d))
			return -ENOMEM;
	}
	return 0;
}

/* the flows crossing each directed link: off[d]..off[d + 1] in lst */
static int by_link(const struct fp_sim_flows *fl, const unsigned char *frozen, unsigned nd,
		   unsigned **off, unsigned **lst)
{
	size_t tot = 0;

	*off = calloc((size_t)nd + 2, sizeof(**off));
	for (unsigned f = 0; f < fl->n; f++)
		tot += frozen[f] ? 0 : fl->hops[f];
	*lst = malloc(sizeof(**lst) * (tot ? tot : 1));
	if (!*off || !*lst)
		return -ENOMEM;
	for (unsigned f = 0; f < fl->n; f++)
		for (unsigned k = 0; !frozen[f] && k < fl->hops[f]; k++)
			(*off)[fl->path[(size_t)f * FP_SIM_MAXHOPS + k] + 2]++;
	for (unsigned d = 0; d < nd; d++)
		(*off)[d + 2] += (*off)[d + 1];
	for (unsigned f = 0; f < fl->n; f++)
		for (unsigned k = 0; !frozen[f] && k < fl->hops[f]; k++)
			(*lst)[(*off)[fl->path[(size_t)f * FP_SIM_MAXHOPS + k] + 1]++] = f;
	return 0;
}

int fp_sim_fill(const struct fp_sim_flows *fl, unsigned nd, double *rem, unsigned *cnt,
		const double *ceil_, unsigned char *frozen, unsigned left, double *rate)
{
	struct fill s = { fl, rem, rate, cnt, nd, left, frozen, { 0 } };
	unsigned *off = NULL, *lst = NULL;
	double lv = 0;
	int ret = by_link(fl, frozen, nd, &off, &lst);

	for (unsigned d = 0; d < nd && !ret; d++)
		if (cnt[d])
			ret = push(&s.h, rem[d] / cnt[d], d);
	for (unsigned f = 0; f < fl->n && !ret; f++)
		if (!frozen[f] && isfinite(ceil_[f]))
			ret = push(&s.h, ceil_[f], nd + f);
	while (!ret && s.left && s.h.n) {
		struct ev e = pop(&s.h);

		if (e.id >= nd) { /* a flow's own ceiling */
			if (!frozen[e.id - nd])
				ret = freeze(&s, e.id - nd, e.key > lv ? (lv = e.key) : lv);
			continue;
		}
		/* stale: the link's level moved (or it has no rising flow) since this entry */
		if (!cnt[e.id] || e.key != rem[e.id] / cnt[e.id])
			continue;
		if (e.key > lv)
			lv = e.key;
		for (unsigned i = off[e.id]; i < off[e.id + 1] && !ret; i++)
			if (!frozen[lst[i]])
				ret = freeze(&s, lst[i], lv);
	}
	for (unsigned f = 0; f < fl->n && !ret; f++) /* nothing bounds them: cannot happen */
		if (!frozen[f])
			rate[f] = lv;
	free(s.h.e);
	free(off);
	free(lst);
	return ret;
}
