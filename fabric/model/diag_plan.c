// SPDX-License-Identifier: MIT
#include "diag_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

const char *fp_hyp_state_name(enum fp_hyp_state s)
{
	static const char *const names[] = { "open", "confirmed", "cleared" };

	return (unsigned)s < 3 ? names[s] : "?";
}

static int host_end(const struct fp_topo *t, int link)
{
	const struct fp_link *l = &t->links[link];

	if (t->nodes[l->a].kind == FP_HOST)
		return l->a;
	return t->nodes[l->b].kind == FP_HOST ? l->b : -1;
}

static bool held(const struct fp_diag_hyps *hs, bool host, int node, int link)
{
	for (unsigned i = 0; i < hs->n; i++)
		if (hs->h[i].host == host && (host ? hs->h[i].node == node : hs->h[i].link == link))
			return true;
	return false;
}

static bool add(const struct fp_topo *t, struct fp_diag_hyps *hs, int node, int link, unsigned step,
		int twin_of)
{
	int h = node >= 0 ? node : host_end(t, link);
	struct fp_hyp *x;

	if (h >= 0 && link < 0)
		link = (int)t->adj[t->adj_off[h]];
	if (held(hs, h >= 0, h, link))
		return false;
	if (hs->n >= FP_DIAG_MAXHYP) {
		hs->dropped++;
		return false;
	}
	x = &hs->h[hs->n++];
	memset(x, 0, sizeof(*x));
	x->host = h >= 0;
	x->node = h;
	x->link = link;
	x->state = FP_HYP_OPEN;
	x->opened = step;
	x->twin_of = twin_of;
	return true;
}

unsigned fp_diag_raise(const struct fp_topo *t, const struct fp_analysis *a,
		       struct fp_diag_hyps *hs, unsigned step)
{
	unsigned opened = 0;

	for (unsigned i = 0; i < a->n; i++) {
		const struct fp_suspect *s = &a->s[i];
		int at;

		opened += add(t, hs, s->host ? s->node : -1, s->link, step, -1);
		if (s->host)
			continue;
		at = (int)hs->n - 1;
		for (unsigned k = 0; k < s->ntwins; k++)
			opened += add(t, hs, -1, s->twins[k], step, at);
	}
	return opened;
}

static bool crosses(const struct fp_obs *o, int link);

/* obs crosses an open or confirmed hypothesis */
static bool explained(const struct fp_diag_hyps *hs, const struct fp_obs *o)
{
	for (unsigned i = 0; i < hs->n; i++)
		if (hs->h[i].state != FP_HYP_CLEARED && crosses(o, hs->h[i].link))
			return true;
	return false;
}

unsigned fp_diag_residual(const struct fp_topo *t, const struct fp_obs *obs,
			  const struct fp_diag_flow *fl, unsigned n, struct fp_diag_hyps *hs,
			  unsigned step, unsigned max)
{
	unsigned *cnt = calloc(2 * (size_t)(t->nlinks ? t->nlinks : 1), sizeof(*cnt)), opened = 0;
	unsigned *all = cnt + t->nlinks;

	if (!cnt)
		return 0;
	for (unsigned i = 0; i < n; i++)
		if (fl[i].hyp < 0 && !explained(hs, &obs[i]))
			for (unsigned k = 0; k < obs[i].np; k++)
				if (obs[i].prob[k] >= 0.5) {
					cnt[obs[i].link[k]] += obs[i].bad;
					all[obs[i].link[k]]++;
				}
	while (opened < max) {
		unsigned best = 1;
		int bl = -1;

		for (unsigned l = 0; l < t->nlinks; l++)
			if (cnt[l] > best && 2 * cnt[l] >= all[l]) {
				best = cnt[l];
				bl = (int)l;
			}
		if (bl < 0)
			break;
		cnt[bl] = 0;
		opened += add(t, hs, -1, bl, step, -1);
	}
	free(cnt);
	return opened;
}

/* the hosts nearest to node (itself when it is one): where a flow over its link starts */
static unsigned nearest(struct fp_router *r, const int *hosts, unsigned nh, int node, int *out)
{
	const uint16_t *d;
	unsigned best = FP_DIST_INF, n = 0;

	if (r->t->nodes[node].kind == FP_HOST) {
		out[0] = node;
		return 1;
	}
	d = fp_router_dist(r, node);
	if (!d)
		return 0;
	for (unsigned i = 0; i < nh; i++)
		if (d[hosts[i]] < best)
			best = d[hosts[i]];
	for (unsigned i = 0; i < nh; i++)
		if (d[hosts[i]] == best)
			out[n++] = hosts[i];
	return n;
}

/* path src -> dst with hash crosses want and nothing in avoid */
static bool fits(struct fp_router *r, int src, int dst, uint64_t hash, int want,
		 const unsigned char *avoid)
{
	unsigned links[FP_SIM_MAXHOPS];
	int h = fp_route_path(r, src, dst, hash, links, FP_SIM_MAXHOPS);
	bool on = false;

	for (int k = 0; k < h; k++) {
		if ((int)links[k] == want)
			on = true;
		else if (avoid && avoid[links[k]])
			return false;
	}
	return on;
}

/* splitmix64: the planner's own seeded draws (the model does not include benches/) */
static uint64_t draw(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* a hash that puts a -> b over want and nothing in avoid: 0, or -ENOENT */
static int hash_for(struct fp_router *r, int a, int b, int want, const unsigned char *avoid,
		    uint64_t *seed, struct fp_diag_flow *f)
{
	for (unsigned k = 0; k < 64; k++) {
		uint64_t hash = draw(seed);

		if (fits(r, a, b, hash, want, avoid)) {
			*f = (struct fp_diag_flow){ a, b, hash, -1, 0 };
			return 0;
		}
	}
	return -ENOENT;
}

int fp_diag_steer(struct fp_router *r, const int *hosts, unsigned nh, int want,
		  const unsigned char *avoid, uint64_t *seed, unsigned tries,
		  struct fp_diag_flow *f)
{
	const struct fp_link *l = &r->t->links[want];
	int *na = malloc(sizeof(int) * (nh ? nh : 1)), *nb = malloc(sizeof(int) * (nh ? nh : 1));
	unsigned ca, cb, cn;
	int ret = -ENOENT, *near;

	if (!na || !nb) {
		free(na);
		free(nb);
		return -ENOMEM;
	}
	/* start from the end with the fewest nearest hosts: the lower tier */
	ca = nearest(r, hosts, nh, l->a, na);
	cb = nearest(r, hosts, nh, l->b, nb);
	near = ca && (ca <= cb || !cb) ? na : nb;
	cn = near == na ? ca : cb;
	for (unsigned t = 0; t < tries && cn && nh > 1 && ret; t++) {
		int a = near[draw(seed) % cn], b = hosts[draw(seed) % nh];

		if (a != b)
			ret = t % 2 ? hash_for(r, b, a, want, avoid, seed, f)
				    : hash_for(r, a, b, want, avoid, seed, f);
	}
	free(na);
	free(nb);
	return ret;
}

/* the links of every open or confirmed hypothesis but skip */
static void mark(const struct fp_diag_hyps *hs, unsigned skip, unsigned char *avoid)
{
	for (unsigned i = 0; i < hs->n; i++)
		avoid[hs->h[i].link] = i != skip && hs->h[i].state != FP_HYP_CLEARED;
}

/* a host on the same switch as host h (its cable's other end), other than h; -1 */
static int leaf_peer(const struct fp_topo *t, int h, uint64_t *seed)
{
	int sw = fp_link_peer(&t->links[t->adj[t->adj_off[h]]], h), pick = -1;
	unsigned n = 0;

	for (unsigned k = t->adj_off[sw]; k < t->adj_off[sw + 1]; k++) {
		int p = fp_link_peer(&t->links[t->adj[k]], sw);

		/* reservoir: one of the peers, uniformly */
		if (p != h && t->nodes[p].kind == FP_HOST && draw(seed) % ++n == 0)
			pick = p;
	}
	return pick;
}

unsigned fp_diag_plan_target(struct fp_router *r, const struct fp_diag_hyps *hs, unsigned per,
			     uint64_t seed, struct fp_diag_flow *f, unsigned max)
{
	const struct fp_topo *t = r->t;
	unsigned char *avoid = calloc(t->nlinks ? t->nlinks : 1, 1);
	int *hosts = malloc(sizeof(int) * (t->nnodes ? t->nnodes : 1));
	unsigned n = 0, nh;

	if (!avoid || !hosts)
		goto out;
	nh = fp_topo_hosts(t, hosts, t->nnodes);
	for (unsigned i = 0; i < hs->n; i++) {
		const struct fp_hyp *x = &hs->h[i];

		if (x->state != FP_HYP_OPEN)
			continue;
		int peer = x->host ? leaf_peer(t, x->node, &seed) : -1;

		mark(hs, i, avoid);
		for (unsigned k = 0; k < per && n < max; k++) {
			int ok = peer >= 0 && k < 2
					 ? hash_for(r, k ? peer : x->node, k ? x->node : peer,
						    x->link, avoid, &seed, &f[n])
					 : fp_diag_steer(r, hosts, nh, x->link, avoid, &seed, 256,
							 &f[n]);

			if (!ok)
				f[n++].hyp = (int)i;
		}
	}
out:
	free(avoid);
	free(hosts);
	return n;
}

unsigned fp_diag_plan_cover(struct fp_router *r, const unsigned *cover, unsigned min, uint64_t seed,
			    struct fp_diag_flow *f, unsigned max)
{
	const struct fp_topo *t = r->t;
	int *hosts = malloc(sizeof(int) * (t->nnodes ? t->nnodes : 1));
	unsigned *have = malloc(sizeof(unsigned) * (t->nlinks ? t->nlinks : 1));
	unsigned n = 0, nh, dl[FP_SIM_MAXHOPS];

	if (!hosts || !have)
		goto out;
	memcpy(have, cover, sizeof(unsigned) * t->nlinks);
	nh = fp_topo_hosts(t, hosts, t->nnodes);
	/* a flow planned counts for every link on its path */
	for (unsigned l = 0; l < t->nlinks && n < max; l++)
		while (t->links[l].up && have[l] < min && n < max &&
		       !fp_diag_steer(r, hosts, nh, (int)l, NULL, &seed, 64, &f[n])) {
			int h = fp_diag_path(r, &f[n++], dl);

			for (int k = 0; k < h; k++)
				have[dl[k] / 2]++;
		}
out:
	free(hosts);
	free(have);
	return n;
}

int fp_diag_path(struct fp_router *r, const struct fp_diag_flow *f, unsigned *dlinks)
{
	unsigned links[FP_SIM_MAXHOPS];
	int h = fp_route_path(r, f->src, f->dst, f->hash, links, FP_SIM_MAXHOPS), node = f->src;

	for (int j = 0; j < h; j++) {
		const struct fp_link *l = &r->t->links[links[j]];

		dlinks[j] = 2 * links[j] + (l->a == node ? 0 : 1);
		node = fp_link_peer(l, node);
	}
	return h;
}

void fp_diag_spread(struct fp_router *r, struct fp_diag_flow *f, unsigned n, uint64_t seed)
{
	size_t nd = 2 * (size_t)r->t->nlinks;
	uint32_t *used = calloc(nd ? nd : 1, sizeof(*used)); /* round + 1 that holds it */
	unsigned dl[FP_SIM_MAXHOPS];

	if (!used)
		return;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned k = 0; k < 16; k++) {
			uint64_t hash = draw(&seed);
			struct fp_diag_flow g = f[i];
			bool clash = false;
			int h;

			g.hash = hash;
			h = fp_diag_path(r, &g, dl);
			for (int j = 0; j < h && !clash; j++)
				clash = used[dl[j]] == f[i].round + 1;
			if (h >= 0 && (!clash || k == 15))
				f[i].hash = hash;
			if (h >= 0 && !clash)
				break;
		}
		for (int j = 0, h = fp_diag_path(r, &f[i], dl); j < h; j++)
			used[dl[j]] = f[i].round + 1;
	}
	free(used);
}

int fp_diag_rounds(struct fp_router *r, struct fp_diag_flow *f, unsigned n)
{
	const struct fp_topo *t = r->t;
	/* per round: which nodes send, receive, and which directed links carry a flow */
	unsigned nr = 0, cap = 0;
	unsigned char **busy = NULL;
	size_t row = 2 * (size_t)t->nnodes + 2 * (size_t)t->nlinks;
	int ret = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned dl[FP_SIM_MAXHOPS];
		int h = fp_diag_path(r, &f[i], dl);
		unsigned k;

		if (h < 0) {
			ret = -EHOSTUNREACH;
			goto out;
		}
		for (int j = 0; j < h; j++)
			dl[j] += 2 * (unsigned)t->nnodes;
		for (k = 0; k < nr; k++) {
			bool clash = busy[k][f[i].src] || busy[k][t->nnodes + f[i].dst];

			for (int j = 0; j < h && !clash; j++)
				clash = busy[k][dl[j]];
			if (!clash)
				break;
		}
		if (k == nr) {
			if (nr == cap) {
				unsigned c = cap ? 2 * cap : 8;
				void *q = realloc(busy, sizeof(*busy) * c);

				if (!q) {
					ret = -ENOMEM;
					goto out;
				}
				busy = q;
				cap = c;
			}
			busy[nr] = calloc(row, 1);
			if (!busy[nr]) {
				ret = -ENOMEM;
				goto out;
			}
			nr++;
		}
		busy[k][f[i].src] = busy[k][t->nnodes + f[i].dst] = 1;
		for (int j = 0; j < h; j++)
			busy[k][dl[j]] = 1;
		f[i].round = k;
	}
	ret = (int)nr;
out:
	for (unsigned k = 0; k < nr; k++)
		free(busy[k]);
	free(busy);
	return ret;
}

static bool crosses(const struct fp_obs *o, int link)
{
	for (unsigned k = 0; k < o->np; k++)
		if ((int)o->link[k] == link && o->prob[k] >= 0.5)
			return true;
	return false;
}

static int cmp_q(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

unsigned fp_diag_judge(struct fp_diag_hyps *hs, const struct fp_obs *obs,
		       const struct fp_diag_flow *fl, unsigned n, unsigned step, double thr)
{
	double *q = malloc(sizeof(double) * (n ? n : 1));
	unsigned open = 0;

	for (unsigned i = 0; i < hs->n; i++) {
		struct fp_hyp *x = &hs->h[i];
		unsigned k = 0;

		if (x->state != FP_HYP_OPEN)
			continue;
		x->probes = x->bad = 0;
		for (unsigned j = 0; j < n; j++)
			if (fl[j].hyp == (int)i && crosses(&obs[j], x->link)) {
				x->probes++;
				x->bad += obs[j].bad;
				if (q)
					q[k++] = obs[j].q;
			}
		if (q && k) {
			qsort(q, k, sizeof(*q), cmp_q);
			x->q_median = k % 2 ? q[k / 2] : (q[k / 2 - 1] + q[k / 2]) / 2;
		}
		if (x->probes >= FP_DIAG_PROBES && 3 * x->bad >= 2 * x->probes &&
		    x->q_median < 1 - 2 * (1 - thr))
			x->state = FP_HYP_CONFIRMED;
		else if (x->probes >= FP_DIAG_PROBES && 3 * x->bad <= x->probes)
			x->state = FP_HYP_CLEARED;
		if (x->state != FP_HYP_OPEN)
			x->closed = step;
		open += x->state == FP_HYP_OPEN;
	}
	free(q);
	return open;
}
