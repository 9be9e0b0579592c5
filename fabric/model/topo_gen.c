// SPDX-License-Identifier: MIT
/* Generators: leaf-spine (with oversubscription), k-ary fat-tree, rail-optimized. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

static int link(struct fp_topo *t, int a, int b, double gbps, enum fp_media m, double len,
		int lanes, int *pa, int *pb)
{
	char sa[16], sb[16];
	int i;

	snprintf(sa, sizeof(sa), "p%d", pa[a]++);
	snprintf(sb, sizeof(sb), "p%d", pb[b]++);
	i = fp_topo_add_link(t, a, sa, b, sb, gbps, m);
	if (i < 0)
		return i;
	t->links[i].length_m = len;
	t->links[i].lanes = lanes > 0 ? lanes : 1;
	t->links[i].lane_gbps = gbps / t->links[i].lanes;
	t->links[i].line = i + 1;
	return 0;
}

static int node(struct fp_topo *t, const char *fmt, int x, int y, enum fp_node_kind k, int tier)
{
	char name[FP_NAME_LEN];
	int i;

	if (y >= 0)
		snprintf(name, sizeof(name), fmt, x, y);
	else
		snprintf(name, sizeof(name), fmt, x);
	i = fp_topo_add_node(t, name, k, tier);
	if (i >= 0)
		t->nodes[i].line = i + 1;
	return i;
}

/* every leaf to every spine, u parallel links each: leaf-spine and rail fabrics alike */
static int uplinks(struct fp_topo *t, int l0, int leaves, int s0, int spines, int u, double gbps,
		   const struct fp_gen_opts *o, int *p)
{
	int ret = 0;

	for (int l = 0; l < leaves && ret >= 0; l++)
		for (int s = 0; s < spines && ret >= 0; s++)
			for (int k = 0; k < u && ret >= 0; k++)
				ret = link(t, l0 + l, s0 + s, gbps, o->fabric_media,
					   o->fabric_len_m, o->lanes, p, p);
	return ret;
}

#define MAX_GEN_NODES 16000000 /* a typo guard, 16 x the 1 M endpoints a topology must load */
#define MAX_GEN_LINKS 10000000

/*
 * Sizes in 64-bit arithmetic, checked: the factors are each below 2^31, so one product of
 * two fits and larger products are built a factor at a time, capped once past the limit.
 */
static int64_t mul(int64_t a, int64_t b)
{
	if (a > 0 && b > INT64_MAX / 4 / a)
		return INT64_MAX / 4;
	return a * b;
}

static int too_big(const char *gen, const char *what, int64_t n, int64_t max, char *err, size_t el)
{
	if (n <= max)
		return 0;
	if (n >= INT64_MAX / 4)
		snprintf(err, el, "%s: more than %lld %s (the sizes multiply past 2^61)", gen,
			 (long long)max, what);
	else
		snprintf(err, el, "%s: %lld %s, more than the %lld a generated fabric may have",
			 gen, (long long)n, what, (long long)max);
	return -E2BIG;
}

/* rates the loader takes back: 1e-6..1e6 Gb/s, and a number (not NaN) */
static int rates_ok(const char *gen, double host, double fab, char *err, size_t el)
{
	if (host >= 1e-6 && host <= 1e6 && fab >= 1e-6 && fab <= 1e6)
		return 0;
	snprintf(err, el, "%s: host rate %g and fabric rate %g Gb/s must be within 1e-6..1e6", gen,
		 host, fab);
	return -EINVAL;
}

/* per-node port counters live in one array indexed by node */
static int *ports(unsigned n)
{
	return calloc(n, sizeof(int));
}

int fp_gen_leaf_spine(struct fp_topo *t, const struct fp_gen_opts *o, char *err, size_t el)
{
	int H = o->hosts_per_leaf, L = o->leaves, S = o->spines, U = o->uplinks ? o->uplinks : 1;
	double fab = o->fabric_gbps;
	int *p, ret = 0, h0, l0, s0;

	if (H < 1 || L < 1 || S < 1 || U < 1) {
		snprintf(err, el,
			 "leaf-spine: hosts-per-leaf, leaves, spines and uplinks must be >= 1");
		return -EINVAL;
	}
	if (too_big("leaf-spine", "nodes", mul(H, L) + L + S, MAX_GEN_NODES, err, el) ||
	    too_big("leaf-spine", "links", mul(H, L) + mul(mul(L, S), U), MAX_GEN_LINKS, err, el))
		return -E2BIG;
	if (o->oversub > 0)
		fab = H * o->host_gbps / (o->oversub * S * U);
	if (rates_ok("leaf-spine", o->host_gbps, fab, err, el))
		return -EINVAL;
	fp_topo_init(t);
	snprintf(t->name, sizeof(t->name), "leaf-spine-%dx%dx%d", L, H, S);
	p = ports((unsigned)(H * L + L + S));
	if (!p)
		return -ENOMEM;
	h0 = 0;
	for (int i = 0; i < H * L && ret >= 0; i++) {
		ret = node(t, "h%d", i, -1, FP_HOST, 0);
		if (ret >= 0) {
			snprintf(t->nodes[ret].group, FP_NAME_LEN, "leaf%d", i / H);
			t->nodes[ret].nic_gbps = o->host_gbps;
		}
	}
	l0 = H * L;
	for (int i = 0; i < L && ret >= 0; i++)
		ret = node(t, "leaf%d", i, -1, FP_SWITCH, 1);
	s0 = l0 + L;
	for (int i = 0; i < S && ret >= 0; i++)
		ret = node(t, "spine%d", i, -1, FP_SWITCH, 2);
	for (int i = 0; i < H * L && ret >= 0; i++)
		ret = link(t, h0 + i, l0 + i / H, o->host_gbps, o->host_media, o->host_len_m,
			   o->lanes, p, p);
	if (ret >= 0)
		ret = uplinks(t, l0, L, s0, S, U, fab, o, p);
	free(p);
	if (ret < 0)
		return ret;
	return fp_topo_index(t);
}

int fp_gen_fat_tree(struct fp_topo *t, const struct fp_gen_opts *o, char *err, size_t el)
{
	int k = o->k, half = k / 2, *p, ret = 0;
	int nh = k * k * k / 4, ne = k * half, nc = half * half, e0, a0, c0;

	if (k < 2 || k % 2 || k > 128) {
		snprintf(err, el, "fat-tree: k must be even, 2..128 (got %d)", k);
		return -EINVAL;
	}
	if (rates_ok("fat-tree", o->host_gbps, o->fabric_gbps, err, el))
		return -EINVAL;
	fp_topo_init(t);
	snprintf(t->name, sizeof(t->name), "fat-tree-k%d", k);
	p = ports((unsigned)(nh + 2 * ne + nc));
	if (!p)
		return -ENOMEM;
	for (int i = 0; i < nh && ret >= 0; i++) {
		ret = node(t, "h%d", i, -1, FP_HOST, 0);
		if (ret >= 0) {
			snprintf(t->nodes[ret].group, FP_NAME_LEN, "pod%d", i / (half * half));
			t->nodes[ret].nic_gbps = o->host_gbps;
		}
	}
	e0 = nh;
	for (int pod = 0; pod < k && ret >= 0; pod++)
		for (int j = 0; j < half && ret >= 0; j++)
			ret = node(t, "e%d_%d", pod, j, FP_SWITCH, 1);
	a0 = e0 + ne;
	for (int pod = 0; pod < k && ret >= 0; pod++)
		for (int j = 0; j < half && ret >= 0; j++)
			ret = node(t, "a%d_%d", pod, j, FP_SWITCH, 2);
	c0 = a0 + ne;
	for (int i = 0; i < nc && ret >= 0; i++)
		ret = node(t, "c%d", i, -1, FP_SWITCH, 3);
	for (int h = 0; h < nh && ret >= 0; h++)
		ret = link(t, h, e0 + h / half, o->host_gbps, o->host_media, o->host_len_m,
			   o->lanes, p, p);
	for (int pod = 0; pod < k && ret >= 0; pod++)
		for (int e = 0; e < half && ret >= 0; e++)
			for (int a = 0; a < half && ret >= 0; a++)
				ret = link(t, e0 + pod * half + e, a0 + pod * half + a,
					   o->fabric_gbps, o->fabric_media, o->fabric_len_m,
					   o->lanes, p, p);
	/* aggregation switch j of every pod reaches core switches j*half .. j*half+half-1 */
	for (int pod = 0; pod < k && ret >= 0; pod++)
		for (int a = 0; a < half && ret >= 0; a++)
			for (int c = 0; c < half && ret >= 0; c++)
				ret = link(t, a0 + pod * half + a, c0 + a * half + c,
					   o->fabric_gbps, o->fabric_media, o->fabric_len_m,
					   o->lanes, p, p);
	free(p);
	if (ret < 0)
		return ret;
	return fp_topo_index(t);
}

/*
 * Rail-optimized: G groups of H hosts, each host with R NICs. Every NIC is an endpoint
 * node "h<i>.r<r>" (rail r, group = its host), so one rank runs per NIC. NIC r of every
 * host in a group goes to that group's rail-r leaf; every leaf goes up to every spine.
 */
int fp_gen_rail(struct fp_topo *t, const struct fp_gen_opts *o, char *err, size_t el)
{
	int G = o->groups, H = o->hosts_per_leaf, R = o->rails, S = o->spines;
	int U = o->uplinks ? o->uplinks : 1, *p, ret = 0, l0, s0;
	double fab = o->fabric_gbps;

	if (G < 1 || H < 1 || R < 1 || S < 1 || U < 1) {
		snprintf(
			err, el,
			"rail-optimized: groups, hosts-per-leaf, rails, spines and uplinks must be "
			">= 1");
		return -EINVAL;
	}
	if (too_big("rail-optimized", "nodes", mul(mul(G, H), R) + mul(G, R) + S, MAX_GEN_NODES,
		    err, el) ||
	    too_big("rail-optimized", "links", mul(mul(G, H), R) + mul(mul(mul(G, R), S), U),
		    MAX_GEN_LINKS, err, el))
		return -E2BIG;
	if (o->oversub > 0)
		fab = H * o->host_gbps / (o->oversub * S * U);
	if (rates_ok("rail-optimized", o->host_gbps, fab, err, el))
		return -EINVAL;
	fp_topo_init(t);
	snprintf(t->name, sizeof(t->name), "rail-%dx%dx%d", G, H, R);
	p = ports((unsigned)(G * H * R + G * R + S));
	if (!p)
		return -ENOMEM;
	for (int g = 0; g < G && ret >= 0; g++)
		for (int h = 0; h < H && ret >= 0; h++)
			for (int r = 0; r < R && ret >= 0; r++) {
				ret = node(t, "h%d.r%d", g * H + h, r, FP_HOST, 0);
				if (ret >= 0) {
					t->nodes[ret].rail = r;
					snprintf(t->nodes[ret].group, FP_NAME_LEN, "h%d",
						 g * H + h);
					/* the server: its ranks join NICs by device or netdev */
					memcpy(t->nodes[ret].id.host, t->nodes[ret].group,
					       FP_NAME_LEN);
					t->nodes[ret].nic_gbps = o->host_gbps;
				}
			}
	l0 = G * H * R;
	for (int g = 0; g < G && ret >= 0; g++)
		for (int r = 0; r < R && ret >= 0; r++) {
			ret = node(t, "leaf%d.r%d", g, r, FP_SWITCH, 1);
			if (ret >= 0)
				t->nodes[ret].rail = r;
		}
	s0 = l0 + G * R;
	for (int s = 0; s < S && ret >= 0; s++)
		ret = node(t, "spine%d", s, -1, FP_SWITCH, 2);
	for (int i = 0; i < G * H * R && ret >= 0; i++) {
		int g = i / (H * R), r = i % R;

		ret = link(t, i, l0 + g * R + r, o->host_gbps, o->host_media, o->host_len_m,
			   o->lanes, p, p);
	}
	if (ret >= 0)
		ret = uplinks(t, l0, G * R, s0, S, U, fab, o, p);
	free(p);
	if (ret < 0)
		return ret;
	return fp_topo_index(t);
}
