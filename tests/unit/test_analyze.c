// SPDX-License-Identifier: MIT
/*
 * The analyzer's methods on small fabrics: a degraded link with known paths, a slow host,
 * an ambiguous case with unknown ECMP paths, and a clean run; plus the simulator's
 * max-min on hand-worked cases.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/sched.h"
#include "../../benches/simrun.h"
#include "../../fabric/model/analyze.h"
#include "../../fabric/model/sim.h"
#include "t.h"

struct acc {
	unsigned l[64];
	double p[64];
	unsigned n;
};

static void add(void *ctx, unsigned dl, double p)
{
	struct acc *a = ctx;

	for (unsigned i = 0; i < a->n; i++)
		if (a->l[i] == dl / 2) {
			a->p[i] += p;
			return;
		}
	if (a->n < 64) {
		a->l[a->n] = dl / 2;
		a->p[a->n++] = p;
	}
}

/* alltoall on t with faults; observations with known paths or path probabilities */
static unsigned observe(struct fp_topo *t, const struct fp_fault *f, unsigned nf, bool known,
			struct fp_obs **out)
{
	struct fp_router r;
	struct fp_sim_net bad, good;
	struct fp_sched s;
	int host_of[256];
	unsigned nh = fp_topo_hosts(t, host_of, 256);
	char err[128];
	struct fp_pattern_opts po = { .rounds = 1 };

	fp_router_init(&r, t);
	fp_sim_net_init(&bad, t, f, nf, 10);
	fp_sim_net_init(&good, t, NULL, 0, 10);
	fp_sched_build(&s, fp_pattern_find("alltoall"), (int)nh, &po, err, sizeof(err));
	unsigned n = s.nentries;
	double *m = malloc(sizeof(double) * n), *p = malloc(sizeof(double) * n);
	unsigned *paths = malloc(sizeof(unsigned) * FP_SIM_MAXHOPS * n),
		 *hops = malloc(sizeof(unsigned) * n);
	struct fp_obs *o = calloc(n, sizeof(*o));

	fp_simulate_round(&r, &bad, &s, 0, host_of, 5, 1, m, paths, hops);
	if (known) {
		struct fp_sim_flows fl = { .n = n, .path = paths, .hops = hops };
		int *src = malloc(sizeof(int) * n), *dst = malloc(sizeof(int) * n);

		for (unsigned i = 0; i < n; i++) {
			src[i] = host_of[s.flows[s.rflows[i]].src];
			dst[i] = host_of[s.flows[s.rflows[i]].dst];
		}
		fl.src = src;
		fl.dst = dst;
		fp_sim_maxmin(&good, &fl, p);
		free(src);
		free(dst);
	} else {
		fp_simulate_round(&r, &good, &s, 0, host_of, 99, 16, p, NULL, NULL);
	}
	for (unsigned i = 0; i < n; i++) {
		struct acc a = { .n = 0 };

		o[i].src = host_of[s.flows[s.rflows[i]].src];
		o[i].dst = host_of[s.flows[s.rflows[i]].dst];
		o[i].meas = m[i];
		o[i].pred = p[i];
		if (known)
			for (unsigned k = 0; k < hops[i]; k++)
				add(&a, paths[i * FP_SIM_MAXHOPS + k], 1);
		else
			fp_sim_path_probs(&r, o[i].src, o[i].dst, add, &a);
		o[i].np = a.n;
		o[i].link = malloc(sizeof(unsigned) * a.n);
		o[i].prob = malloc(sizeof(double) * a.n);
		memcpy(o[i].link, a.l, sizeof(unsigned) * a.n);
		memcpy(o[i].prob, a.p, sizeof(double) * a.n);
	}
	free(m);
	free(p);
	free(paths);
	free(hops);
	fp_sched_destroy(&s);
	fp_sim_net_destroy(&bad);
	fp_sim_net_destroy(&good);
	fp_router_destroy(&r);
	*out = o;
	return n;
}

static void drop(struct fp_obs *o, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(o[i].link);
		free(o[i].prob);
	}
	free(o);
}

static void test_maxmin(void)
{
	/* h0, h1 -> h2 over one 10 Gb/s switch: 5 each; h3 -> h4 alone: its own 10 */
	struct fp_topo t;
	struct fp_router r;
	struct fp_sim_net net;
	int sw;
	double rate[3];
	unsigned path[3 * FP_SIM_MAXHOPS], hops[3];
	int src[3], dst[3];
	struct fp_sim_flows fl = { .n = 3, .src = src, .dst = dst, .path = path, .hops = hops };

	fp_topo_init(&t);
	for (int i = 0; i < 5; i++) {
		char nm[8];

		snprintf(nm, sizeof(nm), "h%d", i);
		fp_topo_add_node(&t, nm, FP_HOST, 0);
	}
	sw = fp_topo_add_node(&t, "sw", FP_SWITCH, 1);
	for (int i = 0; i < 5; i++)
		fp_topo_add_link(&t, i, "p0", sw, "x", i == 1 ? 2 : 10, FP_MEDIA_DAC);
	fp_topo_index(&t);
	fp_router_init(&r, &t);
	fp_sim_net_init(&net, &t, NULL, 0, 10);
	src[0] = 0, dst[0] = 2;
	src[1] = 1, dst[1] = 2;
	src[2] = 3, dst[2] = 4;
	CHECK(!fp_sim_paths(&r, &fl, 1, NULL), "paths");
	CHECK(!fp_sim_maxmin(&net, &fl, rate), "maxmin");
	/* h1's own link is 2: it gets 2, h0 gets the rest of h2's 10: 8 */
	CHECK(fabs(rate[0] - 8) < 1e-9 && fabs(rate[1] - 2) < 1e-9 && fabs(rate[2] - 10) < 1e-9,
	      "max-min %g %g %g", rate[0], rate[1], rate[2]);
	{
		struct fp_fault f = { FP_FAULT_DEGRADE, 4, -1, 0.5 };

		fp_sim_net_destroy(&net);
		fp_sim_net_init(&net, &t, &f, 1, 10);
		fp_sim_maxmin(&net, &fl, rate);
		CHECK(fabs(rate[2] - 5) < 1e-9, "degraded to half: %g", rate[2]);
	}
	fp_sim_net_destroy(&net);
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
}

int main(void)
{
	struct fp_topo t;
	struct fp_gen_opts g = { .hosts_per_leaf = 2,
				 .leaves = 4,
				 .spines = 2,
				 .host_gbps = 100,
				 .fabric_gbps = 100,
				 .lanes = 4 };
	struct fp_analysis a;
	struct fp_obs *o;
	unsigned n;
	char err[128];
	int l;

	test_maxmin();
	CHECK(!fp_gen_leaf_spine(&t, &g, err, sizeof(err)), "gen");
	l = fp_link_lookup(&t, "leaf1-spine0");
	CHECK(l >= 0, "lookup");

	/* clean: nothing to report */
	n = observe(&t, NULL, 0, true, &o);
	CHECK(!fp_analyze(&t, o, n, &a) && a.n == 0, "clean run: %u suspects", a.n);
	drop(o, n);

	/* one degraded link, paths known: named first, no twin */
	struct fp_fault f = { FP_FAULT_DEGRADE, l, -1, 0.4 };

	n = observe(&t, &f, 1, true, &o);
	CHECK(!fp_analyze(&t, o, n, &a) && a.n >= 1, "degraded: found");
	CHECK(a.n && !a.s[0].host && a.s[0].link == l && a.s[0].ntwins == 0,
	      "degraded link named first: %d (want %d), twins %u", a.n ? a.s[0].link : -1, l,
	      a.n ? a.s[0].ntwins : 0);
	CHECK(a.n && fabs(a.s[0].health - 0.4) < 0.2, "health %.2f near 0.4",
	      a.n ? a.s[0].health : 0);
	drop(o, n);

	/* a slow host: named as a host, not as its links */
	struct fp_fault hf = { FP_FAULT_SLOWHOST, -1, fp_topo_find(&t, "h5"), 0.3 };

	n = observe(&t, &hf, 1, true, &o);
	CHECK(!fp_analyze(&t, o, n, &a) && a.n >= 1 && a.s[0].host &&
		      a.s[0].node == fp_topo_find(&t, "h5"),
	      "slow host h5 named: %s", a.n && a.s[0].host ? t.nodes[a.s[0].node].name : "no");
	drop(o, n);

	/* paths unknown: leaf1's two uplinks carry the same flows with the same probability;
	 * the data cannot separate them and the analysis must say so */
	n = observe(&t, &f, 1, false, &o);
	CHECK(!fp_analyze(&t, o, n, &a), "ambiguous: analyze");
	bool said = false;

	for (unsigned i = 0; i < a.n; i++)
		if (a.s[i].link == l || (a.s[i].ntwins && a.s[i].twins[0] == l))
			said = a.s[i].ntwins > 0;
	CHECK(said, "ambiguity between leaf1's uplinks reported (%u suspects)", a.n);
	drop(o, n);
	{
		struct fp_router r;
		int pa[10], pb[10];
		int l2 = fp_link_lookup(&t, "leaf1-spine1");
		unsigned np;

		fp_router_init(&r, &t);
		np = fp_analyze_plan(&r, l, l2, pa, pb, 10);
		CHECK(np == 0, "no host pair separates two uplinks of one leaf under ECMP (%u)",
		      np);
		np = fp_analyze_plan(&r, l, fp_link_lookup(&t, "leaf2-spine0"), pa, pb, 10);
		CHECK(np > 0, "pairs separate links of different leaves");
		fp_router_destroy(&r);
	}
	fp_topo_destroy(&t);
	return t_done("analyze");
}
