// SPDX-License-Identifier: MIT
/*
 * Sensitivity (issue 18): which links a run could have named had one lost half its rate.
 * h0 sends one line-rate flow a round for four rounds: its cable would slow all four, so
 * it is tested. h1 sends four flows held to 40% elsewhere: cut to 50%, its cable slows
 * none of them (untested). h3 sends one line-rate flow: one slow flow never passes the
 * bound (untested). A cable no flow crosses is untested. Two flows at 60% in one round on
 * h5's cable: cut to 50% the pair gets 25 each (tested); h7's one such flow keeps its rate.
 * And a mild fault: a spine link whose flows a fifth of are held to 80% fits above the
 * gate; its bad flows are far beyond the squared bound, so it is named, and the same run
 * without the fault names nothing.
 */
#include <math.h>
#include <string.h>

#include "../../fabric/model/analyze.h"
#include "../../fabric/model/sim.h"
#include "t.h"

enum { MAXF = 4096 };

static unsigned lk[MAXF][FP_SIM_MAXHOPS];
static double pr[MAXF][FP_SIM_MAXHOPS];

/* flows src[i] -> dst[i] in round rd[i] at predicted rate pred[i], on hashed paths */
static void flows(struct fp_router *r, struct fp_obs *o, const int *src, const int *dst,
		  const unsigned *rd, const double *pred, unsigned n)
{
	static unsigned path[MAXF * FP_SIM_MAXHOPS], hops[MAXF];
	struct fp_sim_flows fl = {
		.n = n, .src = (int *)src, .dst = (int *)dst, .path = path, .hops = hops
	};

	CHECK(!fp_sim_paths(r, &fl, 11, NULL), "paths");
	for (unsigned i = 0; i < n; i++) {
		o[i] = (struct fp_obs){ .src = src[i],
					.dst = dst[i],
					.meas = pred[i],
					.pred = pred[i],
					.round = rd[i],
					.np = hops[i],
					.link = lk[i],
					.prob = pr[i],
					.path_src = FP_PATH_RECORDED };
		for (unsigned k = 0; k < hops[i]; k++) {
			lk[i][k] = path[i * FP_SIM_MAXHOPS + k] / 2;
			pr[i][k] = 1;
		}
	}
}

static int cable(const struct fp_topo *t, int h)
{
	return (int)t->adj[t->adj_off[h]];
}

static void sensitivity(void)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 2,
				 .leaves = 32,
				 .spines = 2,
				 .host_gbps = 100,
				 .oversub = 1,
				 .lanes = 4 };
	struct fp_topo t;
	struct fp_router r;
	struct fp_analysis a;
	static struct fp_obs o[16];
	int src[16], dst[16];
	unsigned rd[16], n = 0;
	double pred[16];
	unsigned char un[1024];
	char err[128];

	CHECK(!fp_gen_leaf_spine(&t, &g, err, sizeof(err)), "leaf-spine: %s", err);
	CHECK(!fp_router_init(&r, &t) && t.nlinks <= sizeof(un), "router");
	for (unsigned k = 0; k < 4; k++) { /* h0 at line rate, h1 held to 40 elsewhere */
		src[n] = 0, dst[n] = 10 + 2 * (int)k, rd[n] = k, pred[n++] = 100;
		src[n] = 1, dst[n] = 11 + 2 * (int)k, rd[n] = k, pred[n++] = 40;
	}
	src[n] = 3, dst[n] = 30, rd[n] = 0, pred[n++] = 100;
	src[n] = 5, dst[n] = 40, rd[n] = 0, pred[n++] = 60; /* two at 60 share h5's cable */
	src[n] = 5, dst[n] = 42, rd[n] = 0, pred[n++] = 60;
	src[n] = 7, dst[n] = 44, rd[n] = 0, pred[n++] = 60; /* one at 60: cut to 50, kept */
	flows(&r, o, src, dst, rd, pred, n);
	memset(&a, 0, sizeof(a));
	a.sigma = 0.05;
	a.threshold = 1 - 0.6745 * a.sigma - 3 * a.sigma;
	int nu = fp_analyze_untested(&r, o, n, &a, 0.5, un);

	CHECK(nu > 0 && !un[cable(&t, 0)], "h0's cable tested: %d untested, h0 %d", nu,
	      un[cable(&t, 0)]);
	CHECK(un[cable(&t, 1)], "h1's cable: its flows were held back elsewhere");
	CHECK(un[cable(&t, 3)], "h3's cable: one flow is too few");
	CHECK(un[cable(&t, 60)], "h60's cable: no flow crosses it");
	CHECK(!un[cable(&t, 5)] && un[cable(&t, 7)],
	      "h5's two flows would share the cut (25 each): tested (%d); h7's one flow keeps "
	      "its 60 in the cut's 50: untested (%d)",
	      un[cable(&t, 5)], un[cable(&t, 7)]);
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
}

/* a normal deviate from a fixed sequence (Box-Muller over an LCG): the same every run */
static double gauss(uint64_t *s)
{
	double u, v;

	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	u = ((*s >> 11) + 0.5) / 9007199254740992.0;
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	v = ((*s >> 11) + 0.5) / 9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void mild(void)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 8,
				 .leaves = 8,
				 .spines = 4,
				 .host_gbps = 100,
				 .oversub = 1,
				 .lanes = 4 };
	struct fp_topo t;
	struct fp_router r;
	static struct fp_analysis a;
	static struct fp_obs o[MAXF];
	static int src[MAXF], dst[MAXF];
	static unsigned rd[MAXF];
	static double pred[MAXF];
	unsigned n = 0, slow = 0, on = 0;
	char err[128];
	int up = -1;

	CHECK(!fp_gen_leaf_spine(&t, &g, err, sizeof(err)), "leaf-spine: %s", err);
	CHECK(!fp_router_init(&r, &t), "router");
	for (int s = 0; s < 64; s++)
		for (int d = 0; d < 64; d++)
			if (s != d) {
				src[n] = s, dst[n] = d, rd[n] = 0, pred[n++] = 1;
			}
	flows(&r, o, src, dst, rd, pred, n);
	for (unsigned l = 0; l < t.nlinks && up < 0; l++) /* a leaf-spine link */
		if (t.nodes[t.links[l].a].kind == FP_SWITCH &&
		    t.nodes[t.links[l].b].kind == FP_SWITCH)
			up = (int)l;
	for (int fault = 1; fault >= 0; fault--) {
		uint64_t seed = 42;

		slow = on = 0;
		for (unsigned i = 0; i < n; i++) {
			bool cross = false;

			for (unsigned k = 0; k < o[i].np; k++)
				cross |= (int)o[i].link[k] == up;
			on += cross;
			o[i].meas = 1 + 0.02 * gauss(&seed);
			if (fault && cross && on % 5 == 0) { /* a fifth of its flows, held to 80% */
				o[i].meas = 0.8 * (1 + 0.02 * gauss(&seed));
				slow++;
			}
		}
		CHECK(!fp_analyze(&t, o, n, &a), "analyze");
		if (fault)
			CHECK(a.n >= 1 && !a.s[0].host && a.s[0].link == up && a.s[0].health > 0.95,
			      "mild fault (%u of %u flows at 80%%): %u suspects, first #%d at %.3f "
			      "(want #%d above the gate)",
			      slow, on, a.n, a.n ? a.s[0].link : -1, a.n ? a.s[0].health : 0, up);
		else
			CHECK(a.n == 0, "no fault: %u suspects, first #%d", a.n,
			      a.n ? a.s[0].link : -1);
	}
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
}

int main(void)
{
	sensitivity();
	mild();
	return t_done("analyze_untested");
}
