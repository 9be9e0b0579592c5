// SPDX-License-Identifier: MIT
#include "route.h"

#include "topo_routes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* each node's slots by peer: a spine of 3,000 leaves finds its links to one in log time */
static int sort_by_peer(struct fp_router *r)
{
	const struct fp_topo *t = r->t;
	unsigned ns = t->adj_off && t->nnodes ? t->adj_off[t->nnodes] : 0;
	uint64_t *key = malloc(sizeof(*key) * (ns ? ns : 1));

	r->byp = malloc(sizeof(*r->byp) * (ns ? ns : 1));
	if (!key || !r->byp) {
		free(key);
		return -ENOMEM;
	}
	for (unsigned k = 0; k < ns; k++)
		key[k] = (uint64_t)(uint32_t)r->peer[k] << 32 | k;
	for (unsigned i = 0; i < t->nnodes && ns; i++)
		qsort(key + t->adj_off[i], t->adj_off[i + 1] - t->adj_off[i], sizeof(*key),
		      cmp_u64);
	for (unsigned k = 0; k < ns; k++)
		r->byp[k] = (unsigned)key[k];
	free(key);
	return 0;
}

/* node's up links to w, in adjacency order, found by binary search of its sorted slots */
static unsigned links_to(const struct fp_router *r, int node, int w, unsigned *links, unsigned max)
{
	const struct fp_topo *t = r->t;
	unsigned lo = t->adj_off[node], hi = t->adj_off[node + 1], end = hi, n = 0;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (r->peer[r->byp[mid]] < w)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < end && r->peer[r->byp[lo]] == w; lo++) {
		unsigned k = r->byp[lo];

		if (!r->up[t->adj[k]])
			continue;
		if (n < max)
			links[n] = t->adj[k];
		n++;
	}
	return n;
}

int fp_router_init(struct fp_router *r, const struct fp_topo *t)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->dist = calloc(t->nnodes ? t->nnodes : 1, sizeof(*r->dist));
	r->queue = malloc(sizeof(*r->queue) * (t->nnodes ? t->nnodes : 1));
	r->attach = malloc(sizeof(*r->attach) * (t->nnodes ? t->nnodes : 1));
	r->peer = malloc(sizeof(*r->peer) *
			 (t->adj_off && t->nnodes ? t->adj_off[t->nnodes] + 1 : 1));
	r->is_host = malloc(t->nnodes ? t->nnodes : 1);
	r->up = malloc(t->nlinks ? t->nlinks : 1);
	if (!r->dist || !r->queue || !r->attach || !r->peer || !r->is_host || !r->up) {
		fp_router_destroy(r);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nlinks; i++)
		r->up[i] = t->links[i].up;
	for (unsigned i = 0; t->adj_off && i < t->nnodes; i++)
		for (unsigned k = t->adj_off[i]; k < t->adj_off[i + 1]; k++)
			r->peer[k] = fp_link_peer(&t->links[t->adj[k]], (int)i);
	if (sort_by_peer(r)) {
		fp_router_destroy(r);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nnodes; i++) {
		int sw = -1;

		r->attach[i] = (int)i;
		r->is_host[i] = t->nodes[i].kind == FP_HOST;
		if (t->nodes[i].kind != FP_HOST)
			continue;
		/* every up link of the host leads to the same switch: attach to it */
		for (unsigned k = t->adj_off[i]; k < t->adj_off[i + 1]; k++) {
			const struct fp_link *l = &t->links[t->adj[k]];
			int w = fp_link_peer(l, (int)i);

			if (!l->up)
				continue;
			if (sw < 0 && t->nodes[w].kind == FP_SWITCH)
				sw = w;
			else if (w != sw)
				sw = -2;
		}
		if (sw >= 0)
			r->attach[i] = sw;
	}
	return 0;
}

void fp_router_destroy(struct fp_router *r)
{
	if (!r)
		return;
	for (unsigned i = 0; r->dist && i < r->t->nnodes; i++)
		free(r->dist[i]);
	free(r->dist);
	free(r->queue);
	free(r->attach);
	free(r->peer);
	free(r->is_host);
	free(r->byp);
	free(r->up);
	free(r->mass);
	free(r->order);
	memset(r, 0, sizeof(*r));
}

const uint16_t *fp_router_dist(struct fp_router *r, int dst)
{
	const struct fp_topo *t = r->t;
	uint16_t *d;
	int head = 0, tail = 0;

	if (r->dist[dst])
		return r->dist[dst];
	d = malloc(sizeof(*d) * t->nnodes);
	if (!d)
		return NULL;
	for (unsigned i = 0; i < t->nnodes; i++)
		d[i] = FP_DIST_INF;
	d[dst] = 0;
	r->queue[tail++] = dst;
	while (head < tail) {
		int u = r->queue[head++];

		/* a host is a destination, never a transit */
		if (u != dst && r->is_host[u])
			continue;
		for (unsigned k = t->adj_off[u]; k < t->adj_off[u + 1]; k++) {
			int w = r->peer[k];

			/* from the router's compact arrays: no link or node record is read */
			if (d[w] != FP_DIST_INF || !r->up[t->adj[k]])
				continue;
			d[w] = (uint16_t)(d[u] + 1);
			r->queue[tail++] = w;
		}
	}
	r->dist[dst] = d;
	return d;
}

unsigned fp_route_nexthops(struct fp_router *r, int node, int dst, unsigned *links, unsigned max)
{
	const struct fp_topo *t = r->t;
	int a = r->attach[dst];
	const uint16_t *d;
	unsigned n = 0;

	if (node == dst)
		return 0;
	if (node == a) /* the host's own switch: its links to the host */
		return links_to(r, node, dst, links, max);
	d = fp_router_dist(r, a);
	if (!d || d[node] == FP_DIST_INF)
		return 0;
	if (d[node] == 1) /* a is the only node at 0: its links, without a scan */
		return links_to(r, node, a, links, max);
	for (unsigned k = t->adj_off[node]; k < t->adj_off[node + 1]; k++) {
		int w = r->peer[k];

		if (d[w] != d[node] - 1 || !r->up[t->adj[k]])
			continue;
		/* the next hop must forward, unless it is the destination */
		if (w != dst && w != a && r->is_host[w])
			continue;
		if (n < max)
			links[n] = t->adj[k];
		n++;
	}
	return n;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

void fp_router_use_lft(struct fp_router *r, const struct fp_routes *lft)
{
	r->lft = lft;
}

/* the path the switches' tables give to one of dst's LIDs */
static int lft_path(struct fp_router *r, int src, int dst, uint64_t hash, unsigned *links,
		    unsigned max)
{
	unsigned n = 0, base = fp_routes_lid_of(r->lft, dst, &n);
	int h;

	if (!base)
		return -EHOSTUNREACH;
	h = fp_routes_path(r->lft, r->t, src, base + (unsigned)(hash % n), links, max, NULL);
	return h == -E2BIG || h >= 0 ? h : -EHOSTUNREACH;
}

int fp_route_path(struct fp_router *r, int src, int dst, uint64_t hash, unsigned *links,
		  unsigned max)
{
	unsigned nh[256];
	int node = src, hops = 0;

	if (r->lft)
		return lft_path(r, src, dst, hash, links, max);

	while (node != dst) {
		unsigned n = fp_route_nexthops(r, node, dst, nh, 256), pick;

		if (!n)
			return -EHOSTUNREACH;
		if ((unsigned)hops >= max)
			return -E2BIG;
		/* a fresh hash per hop, as each switch hashes with its own seed */
		pick = (unsigned)(mix(hash + 0x9e3779b97f4a7c15ull * (uint64_t)(hops + 1)) %
				  (n < 256 ? n : 256));
		links[hops++] = nh[pick];
		node = fp_link_peer(&r->t->links[nh[pick]], node);
	}
	return hops;
}
