// SPDX-License-Identifier: MIT
/*
 * Counts, oversubscription per tier, and bisection bandwidth: the max flow between the
 * first and second half of the hosts (file order), every link usable both ways at its rate
 * (Dinic's algorithm). For a Clos this is the classic full-bisection figure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

/* rail numbers counted (an ibnetdiscover "mlx5_N" has at most 4 digits) */
#define FP_MAX_RAILS 10000

struct edge {
	int to;
	double cap;
};

struct flow {
	int n;
	struct edge *e;
	int ne;
	int *head, *next, *level, *it, *q;
};

static void add_edge(struct flow *f, int u, int v, double c)
{
	f->e[f->ne] = (struct edge){ v, c };
	f->next[f->ne] = f->head[u];
	f->head[u] = f->ne++;
	f->e[f->ne] = (struct edge){ u, 0 };
	f->next[f->ne] = f->head[v];
	f->head[v] = f->ne++;
}

static bool bfs(struct flow *f, int s, int t)
{
	int qh = 0, qt = 0;

	for (int i = 0; i < f->n; i++)
		f->level[i] = -1;
	f->level[s] = 0;
	f->q[qt++] = s;
	while (qh < qt) {
		int u = f->q[qh++];

		for (int k = f->head[u]; k >= 0; k = f->next[k])
			if (f->e[k].cap > 1e-12 && f->level[f->e[k].to] < 0) {
				f->level[f->e[k].to] = f->level[u] + 1;
				f->q[qt++] = f->e[k].to;
			}
	}
	return f->level[t] >= 0;
}

/* iterative DFS for one blocking-flow augmentation */
static double augment(struct flow *f, int s, int t)
{
	int *path = f->q, depth = 0, u = s;
	double total = 0;

	for (;;) {
		if (u == t) {
			double push = 1e300;

			for (int i = 0; i < depth; i++)
				if (f->e[path[i]].cap < push)
					push = f->e[path[i]].cap;
			for (int i = 0; i < depth; i++) {
				f->e[path[i]].cap -= push;
				f->e[path[i] ^ 1].cap += push;
			}
			total += push;
			depth = 0;
			u = s;
			continue;
		}
		int k;

		for (k = f->it[u]; k >= 0; k = f->next[k])
			if (f->e[k].cap > 1e-12 && f->level[f->e[k].to] == f->level[u] + 1)
				break;
		f->it[u] = k;
		if (k >= 0) {
			path[depth++] = k;
			u = f->e[k].to;
			continue;
		}
		if (!depth)
			break;
		/* dead end: retreat and skip this edge */
		f->level[u] = -1;
		depth--;
		u = f->e[path[depth] ^ 1].to;
		f->it[u] = f->next[f->it[u]];
	}
	return total;
}

static double bisection(const struct fp_topo *t, unsigned hosts)
{
	struct flow f = { .n = (int)t->nnodes + 2 };
	int s = (int)t->nnodes, snk = s + 1, maxe = 2 * (2 * (int)t->nlinks + (int)hosts) + 4;
	unsigned k = 0;
	double total = 0;

	f.e = malloc(sizeof(*f.e) * (size_t)maxe);
	f.next = malloc(sizeof(int) * (size_t)maxe);
	f.head = malloc(sizeof(int) * (size_t)f.n);
	f.level = malloc(sizeof(int) * (size_t)f.n);
	f.it = malloc(sizeof(int) * (size_t)f.n);
	f.q = malloc(sizeof(int) * (size_t)(f.n + maxe));
	if (!f.e || !f.next || !f.head || !f.level || !f.it || !f.q)
		goto out;
	for (int i = 0; i < f.n; i++)
		f.head[i] = -1;
	for (unsigned i = 0; i < t->nlinks; i++) {
		double c = fp_link_rate(&t->links[i]);

		add_edge(&f, t->links[i].a, t->links[i].b, c);
		add_edge(&f, t->links[i].b, t->links[i].a, c);
	}
	for (unsigned i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].kind != FP_HOST)
			continue;
		if (k++ < hosts / 2)
			add_edge(&f, s, (int)i, 1e300);
		else
			add_edge(&f, (int)i, snk, 1e300);
	}
	while (bfs(&f, s, snk)) {
		memcpy(f.it, f.head, sizeof(int) * (size_t)f.n);
		total += augment(&f, s, snk);
	}
out:
	free(f.e);
	free(f.next);
	free(f.head);
	free(f.level);
	free(f.it);
	free(f.q);
	return total;
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static unsigned distinct(const char **v, unsigned n)
{
	unsigned d = 0;

	qsort(v, n, sizeof(*v), by_name);
	for (unsigned i = 0; i < n; i++)
		d += !i || strcmp(v[i], v[i - 1]);
	return d;
}

/* servers, endpoints, rails and the switches by role */
static int roles(const struct fp_topo *t, struct fp_topo_stats *s)
{
	const char **srv = malloc(sizeof(*srv) * (t->nnodes + 1));
	bool *rail = calloc(FP_MAX_RAILS, sizeof(*rail));
	unsigned n = 0;

	if (!srv || !rail) {
		free(srv);
		free(rail);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nnodes; i++) {
		const struct fp_node *nd = &t->nodes[i];

		if (nd->kind == FP_SWITCH) {
			s->leaves += nd->tier == 1;
			s->spines += nd->tier == 2;
			s->cores += nd->tier >= 3;
			continue;
		}
		s->endpoints++;
		srv[n++] = nd->id.host[0] ? nd->id.host : nd->name;
		if (nd->rail >= 0 && nd->rail < FP_MAX_RAILS && !rail[nd->rail]) {
			rail[nd->rail] = true;
			s->rails++;
		}
	}
	s->servers = distinct(srv, n);
	free(srv);
	free(rail);
	return 0;
}

int fp_topo_stats(const struct fp_topo *t, struct fp_topo_stats *s)
{
	double down[8] = { 0 }, up[8] = { 0 };

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < t->nnodes; i++) {
		const struct fp_node *n = &t->nodes[i];

		if (n->kind == FP_HOST)
			s->hosts++;
		else
			s->switches++;
		if (n->tier >= 0 && n->tier < 8) {
			s->per_tier[n->tier]++;
			if ((unsigned)n->tier + 1 > s->tiers)
				s->tiers = (unsigned)n->tier + 1;
		}
	}
	s->links = t->nlinks;
	for (unsigned i = 0; i < t->nlinks; i++) {
		const struct fp_link *l = &t->links[i];
		int ta = t->nodes[l->a].tier, tb = t->nodes[l->b].tier;
		double c = fp_link_rate(l);
		int lo = ta < tb ? ta : tb, hi = ta < tb ? tb : ta;

		if (t->nodes[l->a].kind == FP_HOST || t->nodes[l->b].kind == FP_HOST)
			s->host_gbps += c;
		if (lo == hi || lo < 0 || hi >= 8)
			continue;
		/* a link between tier lo and hi is uplink capacity of lo, downlink of hi */
		up[lo] += c;
		down[hi] += c;
	}
	/* oversubscription at tier t: what comes up from below over what goes up from here */
	for (int tr = 1; tr < 8; tr++)
		s->oversub[tr] = up[tr] > 0 ? down[tr] / up[tr] : 0;
	if (s->hosts >= 2)
		s->bisection_gbps = bisection(t, s->hosts);
	return roles(t, s);
}
