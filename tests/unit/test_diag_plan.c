// SPDX-License-Identifier: MIT
/*
 * The diagnosis planner (issue 22): steered flows cross the link they target and no other
 * candidate, a host is probed against a peer on its own leaf, rounds share no node or
 * directed link, hypotheses are raised from suspects (a host's cable as the host) and from
 * unexplained bad flows, and judged on their probes.
 */
#include <string.h>

#include "../../benches/diagnose.h"
#include "../../fabric/model/diag_plan.h"
#include "../../fabric/model/topo.h"
#include "t.h"

static bool on_path(struct fp_router *r, const struct fp_diag_flow *f, int link)
{
	unsigned dl[FP_SIM_MAXHOPS];
	int h = fp_diag_path(r, f, dl);

	for (int k = 0; k < h; k++)
		if ((int)dl[k] / 2 == link)
			return true;
	return false;
}

static int fabric_link(const struct fp_topo *t, unsigned nth)
{
	for (unsigned l = 0; l < t->nlinks; l++)
		if (t->nodes[t->links[l].a].kind == FP_SWITCH &&
		    t->nodes[t->links[l].b].kind == FP_SWITCH && !nth--)
			return (int)l;
	return -1;
}

static void planning(struct fp_topo *t, struct fp_router *r)
{
	struct fp_diag_hyps hs = { 0 };
	struct fp_diag_flow f[64];
	int l1 = fabric_link(t, 5), l2 = fabric_link(t, 6), h = 3;
	unsigned n, bad = 0;
	int nr;

	hs.h[0] = (struct fp_hyp){ .node = -1, .link = l1, .twin_of = -1 };
	hs.h[1] = (struct fp_hyp){ .node = -1, .link = l2, .twin_of = -1 };
	hs.h[2] = (struct fp_hyp){
		.host = true, .node = h, .link = (int)t->adj[t->adj_off[h]], .twin_of = -1
	};
	hs.n = 3;
	n = fp_diag_plan_target(r, &hs, 4, 7, f, 64);
	CHECK(n == 12, "4 probes for each of 3 hypotheses, got %u", n);
	for (unsigned i = 0; i < n; i++) {
		const struct fp_hyp *x = &hs.h[f[i].hyp];

		CHECK(on_path(r, &f[i], x->link), "probe %u crosses its link", i);
		for (unsigned k = 0; k < hs.n; k++)
			if ((int)k != f[i].hyp && on_path(r, &f[i], hs.h[k].link))
				bad++;
	}
	CHECK(!bad, "%u probes cross a second candidate", bad);
	/* the host's first two probes: a peer on its own leaf, one each way (two hops) */
	for (unsigned i = 0; i < n; i++)
		if (f[i].hyp == 2 && (f[i].src == h) == (f[i].dst == h))
			bad++;
	CHECK(!bad, "every host probe has the host at one end");
	{
		unsigned dl[FP_SIM_MAXHOPS];

		CHECK(f[8].hyp == 2 && f[9].hyp == 2 && f[8].src == h && f[9].dst == h &&
			      f[8].dst == f[9].src && fp_diag_path(r, &f[8], dl) == 2,
		      "host probes start against one peer on its leaf, both ways");
	}
	bad = 0;
	nr = fp_diag_rounds(r, f, n);
	CHECK(nr > 0, "rounds %d", nr);
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++) {
			unsigned a[FP_SIM_MAXHOPS], b[FP_SIM_MAXHOPS];
			int ha = fp_diag_path(r, &f[i], a), hb = fp_diag_path(r, &f[j], b);

			if (f[i].round != f[j].round)
				continue;
			bad += f[i].src == f[j].src || f[i].dst == f[j].dst;
			for (int x = 0; x < ha; x++)
				for (int y = 0; y < hb; y++)
					bad += a[x] == b[y];
		}
	CHECK(!bad, "%u clashes inside rounds", bad);
	/* cover: links never crossed get flows over them */
	{
		unsigned cover[1024] = { 0 }, nc;

		for (unsigned l = 0; l < t->nlinks; l++)
			cover[l] = 2;
		cover[l1] = 0;
		nc = fp_diag_plan_cover(r, cover, 2, 3, f, 64);
		CHECK(nc == 2 && on_path(r, &f[0], l1) && on_path(r, &f[1], l1),
		      "two cover flows over the uncovered link, got %u", nc);
	}
}

static void obs_on(struct fp_obs *o, unsigned *links, double *p, int link, bool bad, double q)
{
	memset(o, 0, sizeof(*o));
	links[0] = (unsigned)link;
	p[0] = 1;
	o->link = links;
	o->prob = p;
	o->np = 1;
	o->bad = bad;
	o->q = q;
}

static void judging(const struct fp_topo *t)
{
	struct fp_diag_hyps hs = { 0 };
	struct fp_obs o[12];
	struct fp_diag_flow f[12];
	unsigned links[12], n = 0;
	double p[12];

	for (int k = 0; k < 3; k++)
		hs.h[k] = (struct fp_hyp){ .node = -1, .link = 10 + k, .twin_of = -1 };
	hs.n = 3;
	for (unsigned i = 0; i < 4; i++) {
		obs_on(&o[n], &links[n], &p[n], 10, true, 0.5); /* a fault */
		f[n++].hyp = 0;
		obs_on(&o[n], &links[n], &p[n], 11, i == 0, i ? 1.0 : 0.85); /* one noisy probe */
		f[n++].hyp = 1;
		obs_on(&o[n], &links[n], &p[n], 12, true, 0.88); /* just under 0.9: noise? */
		f[n++].hyp = 2;
	}
	CHECK(fp_diag_judge(&hs, o, f, n, 4, 0.9) == 1, "one stays open");
	CHECK(hs.h[0].state == FP_HYP_CONFIRMED && hs.h[0].closed == 4 && hs.h[0].probes == 4 &&
		      hs.h[0].q_median == 0.5,
	      "the fault is ruled in: %d", hs.h[0].state);
	CHECK(hs.h[1].state == FP_HYP_CLEARED, "one bad probe of four is noise: %d", hs.h[1].state);
	CHECK(hs.h[2].state == FP_HYP_OPEN, "a median near the threshold stays open: %d",
	      hs.h[2].state);
	/* residual: bad flows crossing no hypothesis name the link they share */
	obs_on(&o[0], &links[0], &p[0], 40, true, 0.4);
	obs_on(&o[1], &links[1], &p[1], 40, true, 0.4);
	obs_on(&o[2], &links[2], &p[2], 41, true, 0.4);
	/* link 42: two bad of five, noise */
	for (unsigned i = 3; i < 8; i++)
		obs_on(&o[i], &links[i], &p[i], 42, i < 5, i < 5 ? 0.4 : 1);
	for (unsigned i = 0; i < 8; i++)
		f[i].hyp = -1;
	CHECK(fp_diag_residual(t, o, f, 8, &hs, 5, 8) == 1 && hs.n == 4 && hs.h[3].link == 40 &&
		      hs.h[3].opened == 5,
	      "link 40, crossed by two unexplained bad flows, raised; 42 not");
	CHECK(fp_diag_residual(t, o, f, 8, &hs, 6, 8) == 0, "never raised twice");
	f[0].hyp = f[1].hyp = 0;
	hs.n = 3;
	CHECK(fp_diag_residual(t, o, f, 8, &hs, 6, 8) == 0, "probes do not raise");
}

static void raising(const struct fp_topo *t)
{
	struct fp_diag_hyps hs = { 0 };
	struct fp_analysis a = { 0 };
	int cable = (int)t->adj[t->adj_off[7]], l = fabric_link(t, 9), tw = fabric_link(t, 10);

	a.n = 2;
	a.s[0] = (struct fp_suspect){ .node = -1, .link = cable };
	a.s[1] = (struct fp_suspect){ .node = -1, .link = l, .ntwins = 1, .twins = { tw } };
	CHECK(fp_diag_raise(t, &a, &hs, 0) == 3, "a cable, a link and its twin");
	CHECK(hs.h[0].host && hs.h[0].node == 7 && hs.h[0].link == cable,
	      "a host's cable is the host's hypothesis");
	CHECK(!hs.h[1].host && hs.h[1].link == l && hs.h[2].twin_of == 1, "the twin");
	a.s[0] = (struct fp_suspect){ .host = true, .node = 7, .link = cable };
	a.n = 1;
	CHECK(fp_diag_raise(t, &a, &hs, 1) == 0, "the host is already held");
}

int main(void)
{
	struct fp_topo t;
	struct fp_gen_opts g = { .k = 4, .host_gbps = 100, .fabric_gbps = 100, .lanes = 4 };
	struct fp_router r;
	char err[128];

	CHECK(!fp_gen_fat_tree(&t, &g, err, sizeof(err)), "k=4: %s", err);
	CHECK(!fp_router_init(&r, &t), "router");
	planning(&t, &r);
	judging(&t);
	raising(&t);
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
	return t_done("diag_plan");
}
