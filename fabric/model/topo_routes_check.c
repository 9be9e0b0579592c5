// SPDX-License-Identifier: MIT
/*
 * What a subnet manager's tables can show that is wrong: a LID with no route on a switch,
 * a LID whose route cycles, a route out of a port that is down or has no cable, parallel
 * links or uplinks used unevenly (per-port route counts, as check_lft_balance counts them),
 * and credit loops: cycles in the channel dependency graph, where each channel is one
 * direction of a link and a route that enters a switch on one channel and leaves on
 * another makes the second a dependency of the first (Dally and Seitz; ibdmchk's check).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo_routes.h"

struct ilist {
	struct fp_issue *v;
	unsigned n, cap;
	int ret;
};

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void add(struct ilist *l, int sev, int line, const char *fmt, ...)
{
	va_list ap;

	if (l->ret)
		return;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 16;
		struct fp_issue *nv = realloc(l->v, sizeof(*nv) * cap);

		if (!nv) {
			l->ret = -ENOMEM;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].severity = sev;
	l->v[l->n].line = line;
	va_start(ap, fmt);
	vsnprintf(l->v[l->n].text, sizeof(l->v[l->n].text), fmt, ap);
	va_end(ap);
	l->n++;
}

static const char *lid_name(const struct fp_routes *r, const struct fp_topo *t, unsigned lid)
{
	return r->lid[lid].node >= 0 ? t->nodes[r->lid[lid].node].name : "?";
}

/* tables and LIDs the topology does not have */
static void unjoined(const struct fp_routes *r, const struct fp_topo *t, struct ilist *l)
{
	for (unsigned i = 0; i < r->nsw; i++)
		if (r->sw[i].node < 0)
			add(l, 1, r->sw[i].line,
			    "the table of switch 0x%016" PRIx64 " (%s) is not in the topology",
			    r->sw[i].guid, r->sw[i].name);
	for (unsigned d = 1; d < r->nlid; d++)
		if (r->lid[d].guid && r->lid[d].node < 0)
			add(l, 1, 0, "LID %u (port 0x%016" PRIx64 ") is not in the topology", d,
			    r->lid[d].guid);
	(void)t;
}

/* per switch: the LIDs it has no route for, and the ports it routes out of that lead nowhere */
static void missing_and_ports(const struct fp_routes *r, const struct fp_topo *t, struct ilist *l)
{
	unsigned cnt[256];

	for (unsigned i = 0; i < r->nsw; i++) {
		const struct fp_lft *w = &r->sw[i];
		char list[160] = "";
		unsigned miss = 0;
		size_t o = 0;

		if (w->node < 0)
			continue;
		memset(cnt, 0, sizeof(cnt));
		for (unsigned d = 1; d < r->nlid; d++) {
			if (w->port[d] != FP_LFT_NONE)
				cnt[w->port[d]]++;
			if (r->lid[d].node < 0 || r->lid[d].node == w->node ||
			    w->port[d] != FP_LFT_NONE)
				continue;
			if (++miss <= 4 && o < sizeof(list))
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%u (%s)",
						      miss > 1 ? ", " : "", d, lid_name(r, t, d));
		}
		if (miss)
			add(l, 2, w->line, "switch %s has no route to %u LID%s: %s%s",
			    t->nodes[w->node].name, miss, miss > 1 ? "s" : "", list,
			    miss > 4 ? ", ..." : "");
		for (int p = 1; p < FP_LFT_NONE; p++) {
			int lk = cnt[p] ? fp_routes_port_link(t, w->node, p) : 0;

			if (!cnt[p])
				continue;
			if (lk < 0)
				add(l, 2, w->line,
				    "switch %s routes %u LIDs out of port %d, which has no cable",
				    t->nodes[w->node].name, cnt[p], p);
			else if (!t->links[lk].up)
				add(l, 2, w->line,
				    "switch %s routes %u LIDs out of port %d, which is down (to %s)",
				    t->nodes[w->node].name, cnt[p], p,
				    t->nodes[fp_link_peer(&t->links[lk], w->node)].name);
		}
	}
}

/* the switch a table sends dlid to from node, or -1 when it leaves the switches there */
static int next_switch(const struct fp_routes *r, const struct fp_topo *t, int node, unsigned d,
		       int *link)
{
	int k = r->lft_of[node], lk, peer;

	if (k < 0 || r->sw[k].port[d] == FP_LFT_NONE || r->sw[k].port[d] == 0)
		return -1;
	lk = fp_routes_port_link(t, node, r->sw[k].port[d]);
	if (lk < 0 || !t->links[lk].up)
		return -1;
	peer = fp_link_peer(&t->links[lk], node);
	if (link)
		*link = lk;
	return t->nodes[peer].kind == FP_SWITCH ? peer : -1;
}

/* one issue per LID whose route, from some switch, comes back to a switch it passed */
static void loops(const struct fp_routes *r, const struct fp_topo *t, struct ilist *l,
		  unsigned *mark)
{
	unsigned gen = 0;

	for (unsigned d = 1; d < r->nlid; d++) {
		if (r->lid[d].node < 0)
			continue;
		for (unsigned i = 0; i < r->nsw; i++) {
			int n = r->sw[i].node, at;
			char cyc[200];
			size_t o = 0;

			if (n < 0)
				continue;
			gen++;
			while (n >= 0 && n != r->lid[d].node && mark[n] != gen) {
				mark[n] = gen;
				n = next_switch(r, t, n, d, NULL);
			}
			if (n < 0 || n == r->lid[d].node)
				continue;
			at = n;
			do {
				if (o < sizeof(cyc))
					o += (size_t)snprintf(cyc + o, sizeof(cyc) - o, "%s -> ",
							      t->nodes[n].name);
				n = next_switch(r, t, n, d, NULL);
			} while (n != at);
			add(l, 2, r->sw[i].line, "LID %u (%s): forwarding loop %s%s", d,
			    lid_name(r, t, d), cyc, t->nodes[at].name);
			break;
		}
	}
}

/* ports in use whose counts differ by more than one route */
static void uneven(const struct fp_topo *t, int sw, const unsigned *cnt, const int *ports,
		   unsigned np, const char *what, struct ilist *l, int line)
{
	unsigned lo = UINT32_MAX, hi = 0;
	char list[180] = "";
	size_t o = 0;

	for (unsigned i = 0; i < np; i++) {
		lo = cnt[ports[i]] < lo ? cnt[ports[i]] : lo;
		hi = cnt[ports[i]] > hi ? cnt[ports[i]] : hi;
		if (o < sizeof(list))
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%sport %d: %u",
					      i ? ", " : "", ports[i], cnt[ports[i]]);
	}
	if (np >= 2 && hi > lo + 1)
		add(l, 1, line, "switch %s: %s carry uneven routes to CA LIDs (%s)",
		    t->nodes[sw].name, what, list);
}

/* per switch: CA LIDs per port, compared across parallel links and across uplinks */
static void balance(const struct fp_routes *r, const struct fp_topo *t, struct ilist *l)
{
	unsigned cnt[256];
	int peer[256], up[256], par[256];

	for (unsigned i = 0; i < r->nsw; i++) {
		const struct fp_lft *w = &r->sw[i];
		unsigned nup = 0, npeers = 0;

		if (w->node < 0)
			continue;
		memset(cnt, 0, sizeof(cnt));
		for (unsigned d = 1; d < r->nlid; d++)
			if (r->lid[d].node >= 0 && !r->lid[d].sw && w->port[d] != FP_LFT_NONE)
				cnt[w->port[d]]++;
		for (int p = 1; p < FP_LFT_NONE; p++) {
			int lk = fp_routes_port_link(t, w->node, p);

			peer[p] = lk >= 0 && t->links[lk].up ? fp_link_peer(&t->links[lk], w->node)
							     : -1;
			if (peer[p] < 0 || t->nodes[peer[p]].kind != FP_SWITCH)
				continue;
			if (t->nodes[peer[p]].tier > t->nodes[w->node].tier)
				up[nup++] = p;
		}
		for (int p = 1; p < FP_LFT_NONE; p++) {
			unsigned np = 0;
			bool first = true;

			if (peer[p] < 0 || t->nodes[peer[p]].kind != FP_SWITCH)
				continue;
			for (int q = 1; q < FP_LFT_NONE && first; q++) {
				if (peer[q] == peer[p] && q < p)
					first = false;
				else if (peer[q] == peer[p])
					par[np++] = q;
			}
			if (!first)
				continue;
			npeers++;
			uneven(t, w->node, cnt, par, np, "parallel links", l, w->line);
		}
		if (npeers > 1)
			uneven(t, w->node, cnt, up, nup, "uplinks", l, w->line);
	}
}

struct cdg {
	uint64_t *e; /* from << 32 | to, channel ids */
	size_t n, cap;
};

static int cdg_add(struct cdg *g, unsigned from, unsigned to)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		uint64_t *ne = realloc(g->e, sizeof(*ne) * cap);

		if (!ne)
			return -ENOMEM;
		g->e = ne;
		g->cap = cap;
	}
	g->e[g->n++] = (uint64_t)from << 32 | to;
	return 0;
}

/* channel: link lk left from node u */
static unsigned chan(const struct fp_topo *t, int lk, int u)
{
	return (unsigned)lk * 2 + (t->links[lk].a == u ? 0 : 1);
}

/*
 * Per CA LID, the switches some other CA's traffic to it reaches (reach[] == d), then an
 * edge for every switch-to-switch hop followed by another hop. A CA's own channel has no
 * dependency into it, so it cannot close a cycle and is left out.
 */
static int cdg_build(const struct fp_routes *r, const struct fp_topo *t, struct cdg *g,
		     unsigned *reach, int *queue)
{
	for (unsigned d = 1; d < r->nlid; d++) {
		int dst = r->lid[d].node;
		unsigned head = 0, tail = 0;

		if (dst < 0 || r->lid[d].sw)
			continue;
		for (unsigned h = 0; h < t->nnodes; h++) {
			if (t->nodes[h].kind != FP_HOST || (int)h == dst)
				continue;
			for (unsigned k = t->adj_off[h]; k < t->adj_off[h + 1]; k++) {
				int s = fp_link_peer(&t->links[t->adj[k]], (int)h);

				if (t->links[t->adj[k]].up && t->nodes[s].kind == FP_SWITCH &&
				    reach[s] != d) {
					reach[s] = d;
					queue[tail++] = s;
				}
			}
		}
		while (head < tail) {
			int u = queue[head++], l1, l2, s, v;

			s = next_switch(r, t, u, d, &l1);
			if (s < 0)
				continue;
			if (reach[s] != d) {
				reach[s] = d;
				queue[tail++] = s;
			}
			l2 = -1;
			v = next_switch(r, t, s, d, &l2);
			/* v < 0 with l2 set: the last hop, out of s to the CA */
			if (v < 0 && l2 < 0)
				continue;
			if (cdg_add(g, chan(t, l1, u), chan(t, l2, s)))
				return -ENOMEM;
		}
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void chan_name(const struct fp_topo *t, unsigned c, char *buf, size_t len)
{
	const struct fp_link *lk = &t->links[c / 2];

	snprintf(buf, len, "%s/%s", t->nodes[c & 1 ? lk->b : lk->a].name, c & 1 ? lk->pb : lk->pa);
}

/* the first cycle of the graph, by an iterative depth-first search; one issue naming it */
static void cdg_cycle(const struct fp_topo *t, struct cdg *g, unsigned nch, unsigned *off,
		      unsigned char *color, unsigned *stack, unsigned *pos, struct ilist *l)
{
	if (g->n) /* qsort takes no NULL, even for nothing */
		qsort(g->e, g->n, sizeof(*g->e), cmp_u64);
	memset(off, 0, sizeof(*off) * (nch + 1));
	for (size_t i = 0; i < g->n; i++)
		off[(g->e[i] >> 32) + 1]++;
	for (unsigned c = 0; c < nch; c++)
		off[c + 1] += off[c];
	for (unsigned s = 0; s < nch; s++) {
		unsigned sp = 0;

		if (color[s])
			continue;
		stack[sp] = s;
		pos[sp++] = off[s];
		color[s] = 1;
		while (sp) {
			unsigned u = stack[sp - 1], v;

			if (pos[sp - 1] == off[u + 1]) {
				color[u] = 2;
				sp--;
				continue;
			}
			v = (unsigned)(g->e[pos[sp - 1]++] & 0xffffffffu);
			if (color[v] == 1) {
				char text[200], one[80];
				size_t o = 0;
				unsigned k = sp;

				while (k && stack[k - 1] != v)
					k--;
				for (unsigned i = k - 1; i < sp && o < sizeof(text); i++) {
					chan_name(t, stack[i], one, sizeof(one));
					o += (size_t)snprintf(text + o, sizeof(text) - o, "%s -> ", one);
				}
				chan_name(t, v, one, sizeof(one));
				add(l, 2, 0, "credit loop: channel dependency cycle out of %s%s", text,
				    one);
				return;
			}
			if (!color[v]) {
				color[v] = 1;
				stack[sp] = v;
				pos[sp++] = off[v];
			}
		}
	}
}

static void credit_loops(const struct fp_routes *r, const struct fp_topo *t, struct ilist *l)
{
	unsigned nch = t->nlinks * 2, nn = t->nnodes ? t->nnodes : 1;
	unsigned *reach = calloc(nn, sizeof(*reach)), *off = malloc(sizeof(*off) * (nch + 1));
	unsigned *stack = malloc(sizeof(*stack) * (nch + 1)), *pos = malloc(sizeof(*pos) * (nch + 1));
	unsigned char *color = calloc(nch + 1, 1);
	int *queue = malloc(sizeof(*queue) * nn);
	struct cdg g = { 0 };

	if (!reach || !off || !stack || !pos || !color || !queue || cdg_build(r, t, &g, reach, queue))
		l->ret = l->ret ? l->ret : -ENOMEM;
	else
		cdg_cycle(t, &g, nch, off, color, stack, pos, l);
	free(g.e);
	free(reach);
	free(off);
	free(stack);
	free(pos);
	free(color);
	free(queue);
}

int fp_routes_check(const struct fp_routes *r, const struct fp_topo *t, struct fp_issue **issues,
		    unsigned *n)
{
	struct ilist l = { 0 };
	unsigned *mark = calloc(t->nnodes ? t->nnodes : 1, sizeof(*mark));

	if (!mark)
		return -ENOMEM;
	unjoined(r, t, &l);
	missing_and_ports(r, t, &l);
	loops(r, t, &l, mark);
	balance(r, t, &l);
	credit_loops(r, t, &l);
	free(mark);
	if (l.ret) {
		free(l.v);
		return l.ret;
	}
	*issues = l.v;
	*n = l.n;
	return 0;
}
