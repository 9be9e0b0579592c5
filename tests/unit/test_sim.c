// SPDX-License-Identifier: MIT
/*
 * The simulator against known results: a contention-free shift on a fat-tree, ECMP's
 * balls-into-bins shortfall, and a 2:1 oversubscribed leaf-spine.
 */
#include <math.h>
#include <stdio.h>

#include "../../benches/sched.h"
#include "../../fabric/model/sim.h"
#include "../../fabric/model/topo.h"
#include "t.h"

/* k=8 fat-tree: a shift by one pod on D-mod-k paths is contention-free */
int main(void)
{
	struct fp_topo t;
	struct fp_gen_opts g = { .k = 8, .host_gbps = 100, .fabric_gbps = 100, .lanes = 4 };
	char err[128];
	int k = 8, half = 4, nh = 128, e0 = 128, a0 = 160, c0 = 192;
	int src[128], dst[128];
	unsigned path[128 * FP_SIM_MAXHOPS], hops[128];
	double rate[128], mean = 0;
	struct fp_sim_net net;
	struct fp_router r;

	CHECK(!fp_gen_fat_tree(&t, &g, err, sizeof(err)), "k=8");
	fp_sim_net_init(&net, &t, NULL, 0, 10);
	fp_router_init(&r, &t);
	/* a directed link from node u to node w */
	for (int s = 0; s < nh; s++) {
		int d = (s + half * half) % nh, pod = s / (half * half), dpod = d / (half * half);
		int nodes[7], n = 0;
		int j = d % half, c = j * half + (d / half) % half;

		nodes[n++] = s;
		nodes[n++] = e0 + s / half;
		nodes[n++] = a0 + pod * half + j;
		nodes[n++] = c0 + c;
		nodes[n++] = a0 + dpod * half + j;
		nodes[n++] = e0 + d / half;
		nodes[n++] = d;
		src[s] = s;
		dst[s] = d;
		hops[s] = 6;
		for (int h = 0; h < 6; h++) {
			int u = nodes[h], w = nodes[h + 1], link = -1;

			for (unsigned q = t.adj_off[u]; q < t.adj_off[u + 1] && link < 0; q++)
				if (fp_link_peer(&t.links[t.adj[q]], u) == w)
					link = (int)t.adj[q];
			CHECK(link >= 0, "D-mod-k hop %d of flow %d exists", h, s);
			path[s * FP_SIM_MAXHOPS + h] =
				2 * (unsigned)link + (t.links[link].a == u ? 0 : 1);
		}
	}
	struct fp_sim_flows fl = { .n = 128, .src = src, .dst = dst, .path = path, .hops = hops };

	CHECK(!fp_sim_maxmin(&net, &fl, rate), "maxmin");
	for (int i = 0; i < nh; i++)
		mean += rate[i] / nh;
	CHECK(fabs(mean - 100) < 1e-6, "contention-free permutation at 100%% of NIC rate: %g",
	      mean);

	/* ECMP-hashed random permutations: well below 100%, in the 40-65% band */
	double sum = 0;
	int draws = 0;

	for (uint64_t seed = 1; seed <= 8; seed++) {
		uint32_t perm[128];

		fp_derangement(perm, 128, seed);
		for (int i = 0; i < nh; i++)
			dst[i] = (int)perm[i];
		CHECK(!fp_sim_paths(&r, &fl, seed, NULL), "paths");
		fp_sim_maxmin(&net, &fl, rate);
		for (int i = 0; i < nh; i++)
			sum += rate[i];
		draws += nh;
	}
	printf("k=8 fat-tree, ECMP-hashed random permutations: mean %.1f%% of NIC rate\n",
	       sum / draws);
	CHECK(sum / draws >= 40 && sum / draws <= 65, "ECMP band: %.1f%%", sum / draws);
	(void)k;
	fp_router_destroy(&r);
	fp_sim_net_destroy(&net);
	fp_topo_destroy(&t);

	/* 2:1 leaf-spine, all-remote permutation, flows spread evenly over the spines: half */
	struct fp_gen_opts ls = { .hosts_per_leaf = 4,
				  .leaves = 4,
				  .spines = 2,
				  .host_gbps = 100,
				  .oversub = 2,
				  .lanes = 1 };

	fp_gen_leaf_spine(&t, &ls, err, sizeof(err));
	fp_sim_net_init(&net, &t, NULL, 0, 10);
	fp_router_init(&r, &t);
	fl.n = 16;
	for (int i = 0; i < 16; i++) {
		unsigned links[8];

		src[i] = i;
		dst[i] = (i + 4) % 16;
		/* spine i%2: pick the hash that takes it */
		for (uint64_t hsh = 0;; hsh++) {
			int h = fp_route_path(&r, src[i], dst[i], hsh, links, 8);
			int spine = fp_link_peer(&t.links[links[1]], 16 + i / 4);

			if (h == 4 && spine == 20 + i % 2) {
				for (int q = 0, node = src[i]; q < 4; q++) {
					path[i * FP_SIM_MAXHOPS + q] =
						2 * links[q] +
						(t.links[links[q]].a == node ? 0 : 1);
					node = fp_link_peer(&t.links[links[q]], node);
				}
				hops[i] = 4;
				break;
			}
		}
	}
	fp_sim_maxmin(&net, &fl, rate);
	for (int i = 0; i < 16; i++)
		CHECK(fabs(rate[i] - 50) < 1e-6, "2:1 oversubscribed: half rate, got %g", rate[i]);
	fp_router_destroy(&r);
	fp_sim_net_destroy(&net);
	fp_topo_destroy(&t);
	return t_done("sim");
}
