// SPDX-License-Identifier: MIT
#include "sim.h"
#include "sim_fill.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int fp_sim_net_init(struct fp_sim_net *n, const struct fp_topo *t, const struct fp_fault *f,
		    unsigned nf, double rtt_us)
{
	memset(n, 0, sizeof(*n));
	/* a fault that names nothing, or a value that is not a fraction (NaN included) */
	for (unsigned i = 0; i < nf; i++) {
		bool host = f[i].kind == FP_FAULT_SLOWHOST;
		int who = host ? f[i].host : f[i].link;

		if (who < 0 || (unsigned)who >= (host ? t->nnodes : t->nlinks) ||
		    !(f[i].value >= 0 && f[i].value <= 1))
			return -EINVAL;
	}
	n->t = t;
	n->rtt_us = rtt_us > 0 ? rtt_us : 10;
	n->cap = malloc(sizeof(*n->cap) * 2 * (t->nlinks ? t->nlinks : 1));
	n->loss = calloc(2 * (t->nlinks ? t->nlinks : 1), sizeof(*n->loss));
	n->hole = calloc(2 * (t->nlinks ? t->nlinks : 1), 1);
	if (!n->cap || !n->loss || !n->hole) {
		fp_sim_net_destroy(n);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nlinks; i++)
		n->cap[2 * i] = n->cap[2 * i + 1] = fp_link_rate(&t->links[i]);
	for (unsigned i = 0; i < nf; i++) {
		const struct fp_fault *x = &f[i];

		switch (x->kind) {
		case FP_FAULT_DEGRADE:
			n->cap[2 * x->link] *= x->value;
			n->cap[2 * x->link + 1] *= x->value;
			break;
		case FP_FAULT_LOSS:
			n->loss[2 * x->link] = n->loss[2 * x->link + 1] = x->value;
			break;
		case FP_FAULT_BLACKHOLE:
			n->hole[2 * x->link] = n->hole[2 * x->link + 1] = 1;
			break;
		case FP_FAULT_DOWN:
			n->cap[2 * x->link] = n->cap[2 * x->link + 1] = 0;
			break;
		case FP_FAULT_SLOWHOST:
			/* the NIC: every link of the host, both ways */
			for (unsigned k = t->adj_off[x->host]; k < t->adj_off[x->host + 1]; k++) {
				n->cap[2 * t->adj[k]] *= x->value;
				n->cap[2 * t->adj[k] + 1] *= x->value;
			}
			break;
		}
	}
	return 0;
}

void fp_sim_net_destroy(struct fp_sim_net *n)
{
	if (!n)
		return;
	free(n->cap);
	free(n->loss);
	free(n->hole);
	n->cap = n->loss = NULL;
	n->hole = NULL;
}

double fp_sim_mathis_gbps(double p, double rtt_us)
{
	if (!(p > 0))
		return INFINITY;
	return FP_SIM_MSS * 8 / (rtt_us * 1e-6) * sqrt(1.5) / sqrt(p) / 1e9;
}

double fp_sim_gbn_goodput(double share_gbps, double p, double rtt_us)
{
	/* the window in flight: the share times the RTT, in whole packets, at least 1 */
	double w = ceil(share_gbps * 1e9 / 8 * rtt_us * 1e-6 / FP_SIM_RC_MTU);

	if (!(p > 0))
		return 1;
	if (p >= 1)
		return 0;
	return (1 - p) / (1 + (fmax(w, 1) - 1) * p);
}

bool fp_sim_path_holed(const struct fp_sim_net *n, const unsigned *dlinks, unsigned hops)
{
	for (unsigned k = 0; n->hole && k < hops; k++)
		if (n->hole[dlinks[k]])
			return true;
	return false;
}

double fp_sim_path_loss(const struct fp_sim_net *n, const unsigned *dlinks, unsigned hops)
{
	double keep = 1;

	for (unsigned k = 0; k < hops; k++)
		keep *= 1 - n->loss[dlinks[k]];
	return 1 - keep;
}

const char *fp_sim_transport_name(enum fp_sim_transport t)
{
	static const char *const names[] = { "tcp", "rc", "udp" };

	return (unsigned)t <= FP_SIM_UDP ? names[t] : "?";
}

int fp_sim_apply_down(struct fp_topo *t, const struct fp_fault *f, unsigned nf)
{
	for (unsigned i = 0; i < nf; i++)
		if (f[i].kind == FP_FAULT_DOWN && f[i].link >= 0 && (unsigned)f[i].link < t->nlinks)
			t->links[f[i].link].up = false;
	return 0;
}

int fp_sim_paths(struct fp_router *r, struct fp_sim_flows *fl, uint64_t seed, unsigned *bad)
{
	unsigned links[FP_SIM_MAXHOPS];

	for (unsigned i = 0; i < fl->n; i++) {
		int node = fl->src[i];
		int h = fp_route_path(r, fl->src[i], fl->dst[i],
				      seed * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull + 1,
				      links, FP_SIM_MAXHOPS);

		if (h < 0) {
			if (bad)
				*bad = i;
			return -EHOSTUNREACH;
		}
		fl->hops[i] = (unsigned)h;
		for (int k = 0; k < h; k++) {
			const struct fp_link *l = &r->t->links[links[k]];

			fl->path[(size_t)i * FP_SIM_MAXHOPS + k] =
				2 * links[k] + (l->a == node ? 0 : 1);
			node = fp_link_peer(l, node);
		}
	}
	return 0;
}

int fp_sim_maxmin(const struct fp_sim_net *n, const struct fp_sim_flows *fl, double *rate)
{
	unsigned nd = 2 * n->t->nlinks, left = 0;
	double *rem = malloc(sizeof(*rem) * (nd ? nd : 1));
	unsigned *cnt = calloc(nd ? nd : 1, sizeof(*cnt));
	double *ceil_ = malloc(sizeof(*ceil_) * (fl->n ? fl->n : 1));
	unsigned char *frozen = calloc(fl->n ? fl->n : 1, 1);
	int ret = -ENOMEM;

	if (!rem || !cnt || !ceil_ || !frozen)
		goto out;
	memcpy(rem, n->cap, sizeof(*rem) * nd);
	for (unsigned f = 0; f < fl->n; f++) {
		const unsigned *p = fl->path + (size_t)f * FP_SIM_MAXHOPS;

		rate[f] = 0;
		if (fp_sim_path_holed(n, p, fl->hops[f])) {
			frozen[f] =
				1; /* across a blackhole: it moves nothing, and takes no share */
			continue;
		}
		for (unsigned k = 0; k < fl->hops[f]; k++)
			cnt[p[k]]++;
		/* only TCP backs off below its share; RC and UDP keep the wire busy */
		ceil_[f] =
			n->transport == FP_SIM_TCP
				? fp_sim_mathis_gbps(fp_sim_path_loss(n, p, fl->hops[f]), n->rtt_us)
				: INFINITY;
		if (!fl->hops[f]) {
			frozen[f] = 1; /* a flow to itself takes no network */
			continue;
		}
		left++;
	}
	if (fp_sim_fill(fl, nd, rem, cnt, ceil_, frozen, left, rate))
		goto out;
	/* losses cost goodput on top of the share on the wire */
	for (unsigned f = 0; f < fl->n; f++) {
		double loss =
			fp_sim_path_loss(n, fl->path + (size_t)f * FP_SIM_MAXHOPS, fl->hops[f]);

		rate[f] *= n->transport == FP_SIM_RC ? fp_sim_gbn_goodput(rate[f], loss, n->rtt_us)
						     : 1 - loss;
	}
	ret = 0;
out:
	free(rem);
	free(cnt);
	free(ceil_);
	free(frozen);
	return ret;
}

int fp_sim_path_probs(struct fp_router *r, int src, int dst,
		      void (*fn)(void *ctx, unsigned dlink, double p), void *ctx)
{
	const struct fp_topo *t = r->t;
	const uint16_t *d = fp_router_dist(r, r->attach[dst]);
	unsigned nh[256];
	/* probability mass per node, visited by decreasing distance to dst; the router keeps
	 * the arrays, zeroed again where this call wrote, so a call costs its path, not nnodes */
	double *mass;
	int *order, n = 0;

	if (!d || d[src] == FP_DIST_INF)
		return -EHOSTUNREACH;
	if (!r->mass)
		r->mass = calloc(t->nnodes, sizeof(*r->mass));
	if (!r->order)
		r->order = malloc(sizeof(*r->order) * t->nnodes);
	if (!r->mass || !r->order)
		return -ENOMEM;
	mass = r->mass;
	order = r->order;
	mass[src] = 1;
	order[n++] = src;
	for (int i = 0; i < n; i++) {
		int u = order[i];
		unsigned k = fp_route_nexthops(r, u, dst, nh, 256);

		if (u == dst || !k || mass[u] == 0)
			continue;
		if (k > 256)
			k = 256;
		for (unsigned j = 0; j < k; j++) {
			const struct fp_link *l = &t->links[nh[j]];
			int w = fp_link_peer(l, u);
			double p = mass[u] / k;

			fn(ctx, 2 * nh[j] + (l->a == u ? 0 : 1), p);
			if (mass[w] == 0 && w != dst)
				order[n++] =
					w; /* BFS by distance: every node at d-1 after all at d */
			mass[w] += p;
		}
	}
	for (int i = 0; i < n; i++)
		mass[order[i]] = 0;
	mass[dst] = 0;
	return 0;
}
