// SPDX-License-Identifier: MIT
/*
 * The analyzer on the failures of issue 18, on small synthetic observations with every
 * path written out: more suspects than the list holds are counted, never dropped; a link
 * that carries none of the flows hashed over it is down.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/simrun.h"
#include "../../fabric/model/analyze.h"
#include "t.h"

/* leaf-spine: 2 hosts per leaf, `leaves` leaves, 2 spines, all at 100 Mb/s */
static void fabric(struct fp_topo *t, int leaves)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 2,
				 .leaves = leaves,
				 .spines = 2,
				 .host_gbps = 0.1,
				 .fabric_gbps = 0.1,
				 .lanes = 1 };
	char err[256];

	fp_topo_init(t);
	if (fp_gen_leaf_spine(t, &g, err, sizeof(err))) {
		fprintf(stderr, "setup: %s\n", err);
		exit(1);
	}
}

static int link_of(const struct fp_topo *t, const char *fmt, int a, int b)
{
	char spec[64];

	snprintf(spec, sizeof(spec), fmt, a, b);
	return fp_link_lookup(t, spec);
}

/* one observation over one link, known path, between two hosts */
static void obs1(struct fp_obs *o, unsigned *lk, double *pr, int src, int dst, int link, double q)
{
	*lk = (unsigned)link;
	*pr = 1;
	*o = (struct fp_obs){ .src = src,
			      .dst = dst,
			      .meas = q,
			      .pred = 1,
			      .np = 1,
			      .link = lk,
			      .prob = pr,
			      .path_src = FP_PATH_RECORDED };
}

/*
 * 40 leaves, each leaf's uplink to spine0 at 40% (4 flows over each, all slow) and to spine1
 * healthy (4 flows): 40 link suspects, 32 listed and 8 counted. No host is mostly slow.
 */
static void test_more(void)
{
	enum { L = 40, PER = 4, N = 2 * L * PER };
	struct fp_topo t;
	struct fp_obs *o = calloc(N, sizeof(*o));
	unsigned *lk = calloc(N, sizeof(*lk));
	double *pr = calloc(N, sizeof(*pr));
	struct fp_analysis a;
	int host[2 * L];
	unsigned n = 0, links = 0;

	fabric(&t, L);
	CHECK(fp_topo_hosts(&t, host, 2 * L) == 2 * L, "hosts");
	for (int sp = 0; sp < 2; sp++)
		for (int l = 0; l < L; l++)
			for (int k = 0; k < PER; k++, n++)
				obs1(&o[n], &lk[n], &pr[n], host[n % (2 * L)],
				     host[(n + 1) % (2 * L)], link_of(&t, "leaf%d-spine%d", l, sp),
				     sp ? 1 : 0.4);
	CHECK(!fp_analyze(&t, o, n, &a), "analyze");
	for (unsigned i = 0; i < a.n; i++)
		links += !a.s[i].host && strstr(t.nodes[t.links[a.s[i].link].b].name, "spine0");
	CHECK(a.n == FP_MAX_SUSPECTS && a.more == L - FP_MAX_SUSPECTS,
	      "40 suspects: %u listed, %u more", a.n, a.more);
	CHECK(links == a.n, "every listed one an uplink to spine0 (%u of %u)", links, a.n);
	/* under the cap nothing is counted as more */
	CHECK(!fp_analyze(&t, o + L * PER - 5 * PER, 5 * PER + L * PER, &a) && a.n == 5 &&
		      a.more == 0,
	      "5 slow uplinks: %u listed, %u more", a.n, a.more);
	fp_topo_destroy(&t);
	free(o);
	free(lk);
	free(pr);
}

/* a flow h_i -> h_j over spine sp, as the fabric hashed it: four links */
static void obs_via(const struct fp_topo *t, struct fp_obs *o, unsigned *lk, double *pr, int i,
		    int j, int sp)
{
	char h[16];
	int li = i / 2, lj = j / 2;

	lk[0] = (unsigned)link_of(t, "h%d-leaf%d", i, li);
	lk[1] = (unsigned)link_of(t, "leaf%d-spine%d", li, sp);
	lk[2] = (unsigned)link_of(t, "leaf%d-spine%d", lj, sp);
	lk[3] = (unsigned)link_of(t, "h%d-leaf%d", j, lj);
	for (int k = 0; k < 4; k++)
		pr[k] = 1;
	snprintf(h, sizeof(h), "h%d", i);
	*o = (struct fp_obs){ .src = fp_topo_find(t, h),
			      .meas = 1,
			      .pred = 1,
			      .np = 4,
			      .link = lk,
			      .prob = pr,
			      .path_src = FP_PATH_RECORDED };
	snprintf(h, sizeof(h), "h%d", j);
	o->dst = fp_topo_find(t, h);
}

/*
 * 3 leaves x 2 hosts, alltoall across leaves (24 flows), every measured rate as predicted:
 * with leaf0-spine1 down, the 16 flows of leaf0 all went over spine0 and the rates say
 * nothing; the missing traffic names leaf0-spine1 down (and no other link). The same paths
 * routed by tables or merely expected say nothing; all links used: nothing.
 */
static void test_down(void)
{
	struct fp_topo t;
	struct fp_router r;
	struct fp_obs o[24];
	unsigned lk[24][4], n = 0;
	double pr[24][4];
	struct fp_analysis a;
	int down;

	fabric(&t, 3);
	CHECK(!fp_router_init(&r, &t), "router");
	down = link_of(&t, "leaf%d-spine%d", 0, 1);
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			if (i / 2 != j / 2) {
				int sp = i / 2 == 0 || j / 2 == 0 ? 0 : (i + j) % 2;

				obs_via(&t, &o[n], lk[n], pr[n], i, j, sp);
				n++;
			}
	CHECK(n == 24, "24 flows");
	CHECK(!fp_analyze(&t, o, n, &a) && a.n == 0, "the rates alone: clean (%u)", a.n);
	CHECK(!fp_analyze_down(&r, o, n, &a), "down");
	CHECK(a.n == 1 && a.s[0].down && a.s[0].link == down && !a.s[0].host,
	      "leaf0-spine1 down (%u suspects, first #%d)", a.n, a.n ? a.s[0].link : -1);
	CHECK(a.n == 1 && fabs(a.s[0].expected - 8) < 1e-9 && a.s[0].confidence > 0.99,
	      "expected 8 flows over it, confidence %.4f", a.n ? a.s[0].confidence : 0);
	/*
	 * The reroute's congestion: h1's flows came out slow (their leaf's one uplink left, and
	 * h1's cable behind it), and the rates named h1's cable. Every one of its slow flows
	 * crossed leaf0-spine0, which took the down link's share: not named, counted. A cable
	 * with a slow flow away from the reroute (h4 -> h2, over spine1 between leaves 2 and
	 * 1) stays named.
	 */
	{
		struct fp_analysis b = a;
		struct fp_suspect cable = { .node = -1, .cable = -1 };
		int h1 = link_of(&t, "h%d-leaf%d", 1, 0), h2 = link_of(&t, "h%d-leaf%d", 2, 1);

		for (unsigned i = 0; i < n; i++)
			o[i].bad = o[i].src == fp_topo_find(&t, "h1") ||
				   o[i].dst == fp_topo_find(&t, "h1");
		cable.link = h1;
		fp_analysis_add(&b, &cable);
		CHECK(!fp_analyze_down_explain(&t, o, n, &b) && b.n == 1 && b.s[0].down &&
			      b.down_explained == 1,
		      "h1's cable, slow only in the reroute: not named (%u suspects, %u explained)",
		      b.n, b.down_explained);
		/*
		 * Far below their prediction, which already counts the reroute's extra flows
		 * over the paths they took: h1's slow flows at q 0.4 are TCP sharing the busier
		 * uplink unevenly (explained); at q 0.1 they are a second fault in the reroute
		 * (h1's cable at a tenth), named beside the down link
		 */
		for (unsigned i = 0; i < n; i++)
			if (o[i].bad)
				o[i].q = 0.4;
		b = a;
		fp_analysis_add(&b, &cable);
		CHECK(!fp_analyze_down_explain(&t, o, n, &b) && b.n == 1 && b.down_explained == 1,
		      "h1's cable at q 0.4 in the reroute: explained (%u suspects)", b.n);
		for (unsigned i = 0; i < n; i++)
			if (o[i].bad)
				o[i].q = 0.1;
		b = a;
		fp_analysis_add(&b, &cable);
		CHECK(!fp_analyze_down_explain(&t, o, n, &b) && b.n == 2 && !b.down_explained &&
			      b.s[1].link == h1,
		      "h1's cable at q 0.1 in the reroute: a second fault, named (%u suspects, %u "
		      "explained)",
		      b.n, b.down_explained);
		for (unsigned i = 0; i < n; i++)
			o[i].q = 1;
		b = a;
		for (unsigned i = 0; i < n; i++)
			o[i].bad = o[i].src == fp_topo_find(&t, "h4") &&
				   o[i].dst == fp_topo_find(&t, "h2");
		cable.link = h2;
		fp_analysis_add(&b, &cable);
		CHECK(!fp_analyze_down_explain(&t, o, n, &b) && b.n == 2 && !b.down_explained,
		      "h2's cable, slow away from the reroute: named (%u suspects)", b.n);
		for (unsigned i = 0; i < n; i++)
			o[i].bad = false;
	}
	for (int src = FP_PATH_EXPECTED; src <= FP_PATH_ROUTED; src++) {
		for (unsigned i = 0; i < n; i++)
			o[i].path_src = (unsigned char)src;
		fp_analyze(&t, o, n, &a);
		CHECK(!fp_analyze_down(&r, o, n, &a) && a.n == 0, "%s paths: nothing down",
		      fp_path_src_name((enum fp_path_src)src));
	}
	/*
	 * 9 of leaf0's flows over spine0 only: by chance 1 in 512, but 12 links could have been
	 * as empty, and 12 / 512 is not below 1%: the bound counts every link tested
	 */
	n = 0;
	for (int i = 0, of0 = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			if (i / 2 != j / 2 && (i / 2 && j / 2 ? true : of0++ < 9)) {
				int sp = i / 2 == 0 || j / 2 == 0 ? 0 : (i + j) % 2;

				obs_via(&t, &o[n], lk[n], pr[n], i, j, sp);
				n++;
			}
	fp_analyze(&t, o, n, &a);
	CHECK(n == 17 && !fp_analyze_down(&r, o, n, &a) && a.n == 0,
	      "9 flows missing a link: chance, over 12 links (%u flows, %u suspects)", n, a.n);
	/* every flow of leaf0 alternates spines too: every link carries some */
	n = 0;
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			if (i / 2 != j / 2) {
				obs_via(&t, &o[n], lk[n], pr[n], i, j, (i + j) % 2);
				n++;
			}
	fp_analyze(&t, o, n, &a);
	CHECK(!fp_analyze_down(&r, o, n, &a) && a.n == 0, "all links used: nothing down (%u)", a.n);
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
}

/*
 * Red team: every leaf-spine pair doubled by a parallel cable. A trace names the two
 * switches, not the cable, and the reader takes the first link between them: the parallel
 * ones, never named, are not down. Recorded (exact) paths over the first links only, eight
 * rounds of them, do name the parallel ones down: an exact path is what shows a missing cable.
 */
static void test_down_parallel(void)
{
	struct fp_topo t;
	struct fp_router r;
	enum { ROUNDS = 8 };
	static struct fp_obs o[24 * ROUNDS];
	static unsigned lk[24 * ROUNDS][4];
	static double pr[24 * ROUNDS][4];
	unsigned n = 0;
	struct fp_analysis a;

	fabric(&t, 3);
	for (int rd = 0; rd < ROUNDS; rd++)
		for (int i = 0; i < 6; i++)
			for (int j = 0; j < 6; j++)
				if (i / 2 != j / 2) {
					obs_via(&t, &o[n], lk[n], pr[n], i, j, (i + j + rd) % 2);
					n++;
				}
	for (int l = 0; l < 3; l++)
		for (int sp = 0; sp < 2; sp++) {
			char a_[16], b_[16];

			snprintf(a_, sizeof(a_), "leaf%d", l);
			snprintf(b_, sizeof(b_), "spine%d", sp);
			CHECK(fp_topo_add_link(&t, fp_topo_find(&t, a_), "p9", fp_topo_find(&t, b_),
					       "p9", 0.1, FP_MEDIA_UNKNOWN) >= 0,
			      "parallel link");
		}
	CHECK(!fp_topo_index(&t) && !fp_router_init(&r, &t), "router");
	for (unsigned i = 0; i < n; i++)
		o[i].path_src = FP_PATH_TRACED;
	fp_analyze(&t, o, n, &a);
	CHECK(!fp_analyze_down(&r, o, n, &a) && a.n == 0,
	      "traced over parallel cables: nothing down (%u)", a.n);
	for (unsigned i = 0; i < n; i++)
		o[i].path_src = FP_PATH_RECORDED;
	fp_analyze(&t, o, n, &a);
	CHECK(!fp_analyze_down(&r, o, n, &a) && a.n > 0 && a.s[0].down,
	      "recorded over the first cables only: the parallel ones down (%u)", a.n);
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
}

/* a normal draw from a seeded LCG (Box-Muller) */
static double gauss(uint64_t *st)
{
	double u1, u2;

	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	u1 = ((*st >> 11) + 1.0) / 9007199254740993.0;
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	u2 = (*st >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/*
 * Multiple testing, as the 65 k-endpoint rail: 2048 hosts on 1024 leaves, two shifted
 * rounds of known paths, 5% noise and no fault. Each host cable carries 4 flows, and noise
 * alone leaves a few cables with most of them slow (each one cover and fit would name);
 * with 4096 links tested, no suspect in any of 10 seeds. One uplink at 50%, with 8 rounds
 * (16 flows over it): named first.
 */
static void test_noise(void)
{
	enum { H = 2048, R = 8, N = H * R };
	struct fp_topo t;
	struct fp_obs *o = calloc(N, sizeof(*o)), *paths = calloc(N, sizeof(*paths));
	unsigned(*lk)[4] = calloc(N, sizeof(*lk));
	double(*pr)[4] = calloc(N, sizeof(*pr));
	struct fp_analysis a;
	unsigned clean = 0, named = 0, tested = 0;
	int slow;

	fabric(&t, H / 2);
	slow = link_of(&t, "leaf%d-spine%d", 5, 1);
	/* the paths once (a link lookup by name is linear); each seed draws new rates */
	for (int r = 1, n = 0; r <= R; r++)
		for (int i = 0; i < H; n++, i++)
			obs_via(&t, &paths[n], lk[n], pr[n], i, (i + 2 * r + 1) % H, (i + r) % 2);
	for (uint64_t seed = 1; seed <= 10; seed++) {
		uint64_t st = seed;

		for (int fault = 0; fault < 2; fault++) {
			unsigned n = 0;

			for (int r = 1; r <= (fault ? R : 2); r++)
				for (int i = 0; i < H; n++, i++) {
					o[n] = paths[n];
					o[n].meas = 1 + 0.05 * gauss(&st);
					if (fault &&
					    ((int)lk[n][1] == slow || (int)lk[n][2] == slow))
						o[n].meas *= 0.5;
				}
			CHECK(!fp_analyze(&t, o, n, &a), "analyze");
			if (!fault)
				clean += a.n == 0;
			else
				named += a.n >= 1 && a.s[0].link == slow;
			/* links are tested when some flow is bad (noise past 3 sigma: most seeds) */
			CHECK(fault || !a.nbad || a.links_tested == 4096, "links tested %u",
			      a.links_tested);
			tested += !fault && a.nbad;
		}
	}
	CHECK(clean == 10, "no fault, 5%% noise: %u of 10 seeds clean", clean);
	CHECK(tested >= 5, "bad flows to test in %u of 10 clean seeds", tested);
	CHECK(named == 10, "one uplink at 50%%: named first in %u of 10", named);
	CHECK(fabs(fp_binom_tail(2, 2, 0.1) - 0.01) < 1e-12 &&
		      fabs(fp_binom_tail(4, 4, 0.5) - 0.0625) < 1e-12 &&
		      fp_binom_tail(10, 0, 0.3) == 1 && fp_binom_tail(10, 2, 0.3) == 1 &&
		      fabs(fp_binom_tail(20, 5, 0.05) - 0.0026) < 1e-4,
	      "binomial tails");
	fp_topo_destroy(&t);
	free(o);
	free(paths);
	free(lk);
	free(pr);
}

static struct fp_suspect host_suspect(const struct fp_topo *t, const char *name, double conf)
{
	int h = fp_topo_find(t, name);

	return (struct fp_suspect){ .host = true,
				    .node = h,
				    .link = (int)t->adj[t->adj_off[h]],
				    .health = 0.4,
				    .bad = 10,
				    .total = 12,
				    .confidence = conf };
}

/*
 * Slow hosts: all 4 NICs of server h1 slow is one server suspect (three are three, each
 * its NIC or its cable); a host with one cable is ambiguous with that cable; a degraded
 * cable named as a link stays a link.
 */
static void test_hosts(void)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 4,
				 .rails = 4,
				 .groups = 2,
				 .spines = 2,
				 .host_gbps = 100,
				 .fabric_gbps = 100,
				 .lanes = 4 };
	struct fp_topo t;
	struct fp_analysis a;
	char err[256], nic[16];

	fp_topo_init(&t);
	CHECK(!fp_gen_rail(&t, &g, err, sizeof(err)), "rail: %s", err);
	for (unsigned nics = 3; nics <= 4; nics++) {
		memset(&a, 0, sizeof(a));
		for (unsigned k = 0; k < nics; k++) {
			snprintf(nic, sizeof(nic), "h1.r%u", k);
			a.s[a.n++] = host_suspect(&t, nic, 0.5 + 0.1 * k);
		}
		a.s[a.n++] = host_suspect(&t, "h5.r2", 0.3);
		a.s[a.n] = (struct fp_suspect){ .node = -1,
						.confidence = 0.2,
						.link = link_of(&t, "h6.r%d-leaf1.r%d", 1, 1) };
		a.n++;
		fp_analyze_servers(&t, &a);
		if (nics == 4) {
			CHECK(a.n == 3 && a.s[0].host && a.s[0].server && a.s[0].nnics == 4 &&
				      !strcmp(t.nodes[a.s[0].node].id.host, "h1") &&
				      a.s[0].bad == 40 && a.s[0].total == 48 &&
				      fabs(a.s[0].confidence - 0.8) < 1e-9 && a.s[0].cable < 0,
			      "4 slow NICs: one server suspect (%u suspects)", a.n);
		} else {
			CHECK(a.n == 5 && !a.s[0].server && a.s[0].cable == a.s[0].link,
			      "3 of 4 NICs: each its own (%u), ambiguous with its cable", a.n);
		}
		CHECK(a.s[a.n - 2].host && a.s[a.n - 2].cable == a.s[a.n - 2].link &&
			      !a.s[a.n - 2].server,
		      "one slow NIC: ambiguous with its one cable");
		CHECK(!a.s[a.n - 1].host && a.s[a.n - 1].cable < 0 && a.s[a.n - 1].link >= 0,
		      "a link stays a link");
	}
	fp_topo_destroy(&t);
}

/* edges of the binomial tail: no input makes it loop to n or leave [0, 1] */
static void test_binom_edges(void)
{
	double t;

	CHECK(fp_binom_tail(1e9, 10, NAN) == 1, "NaN p");
	CHECK(fp_binom_tail(NAN, 10, 0.1) == 1 && fp_binom_tail(10, NAN, 0.1) == 1, "NaN n, k");
	CHECK(fp_binom_tail(1e9, 10, 0) == 0 && fp_binom_tail(1e9, 0, 0) == 1, "p = 0");
	CHECK(fp_binom_tail(1e9, 10, 1) == 1, "p = 1");
	CHECK(fp_binom_tail(1e9, 0, 0.5) == 1, "k = 0");
	CHECK(fp_binom_tail(10, 11, 0.5) == 0, "k > n");
	/* the first term underflows: the sum is 0 and stops at once */
	CHECK(fp_binom_tail(1e9, 9e8, 1e-6) == 0, "an underflowing tail is 0");
	/* k just above the mean of a huge n: millions of terms, bounded by Chernoff */
	t = fp_binom_tail(1e15, 5e14 + 1e8, 0.5);
	CHECK(t > 0 && t <= 1, "huge n, k near the mean: %g", t);
	t = fp_binom_tail(1e15, 5e14 + 1e7, 0.5);
	CHECK(t > 0.7 && t <= 1, "huge n, k 0.6 sd above the mean: %g (true tail 0.27)", t);
}

/*
 * Blackholes: 3 leaves x 2 hosts, alltoall across leaves (24 flows). leaf0-spine1 passes
 * nothing: the flows of leaf0 that hashed onto it (one way or the other) could not connect.
 * With the connected flows' paths known, the failed flows name leaf0-spine1 alone (leaf0-
 * spine0 carried connected flows); with every path merely expected, leaf0's two uplinks
 * cannot be told apart: named ambiguous. A down suspect on it becomes the blackhole.
 */
static void test_blackhole(void)
{
	struct fp_topo t;
	struct fp_router r;
	struct fp_obs o[24];
	unsigned lk[24][4], n = 0, nf = 0;
	double pr[24][4];
	struct fp_analysis a;
	int bh, sib;

	fabric(&t, 3);
	CHECK(!fp_router_init(&r, &t), "router");
	bh = link_of(&t, "leaf%d-spine%d", 0, 1);
	sib = link_of(&t, "leaf%d-spine%d", 0, 0);
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++)
			if (i / 2 != j / 2) {
				int sp = (i + j + i / 2) % 2;

				obs_via(&t, &o[n], lk[n], pr[n], i, j, sp);
				o[n].failed = sp == 1 && (i / 2 == 0 || j / 2 == 0);
				if (o[n].failed) { /* the trace of a failed flow gets nowhere */
					o[n].path_src = FP_PATH_EXPECTED;
					o[n].np = 0;
					o[n].meas = 0;
				}
				nf += o[n].failed;
				n++;
			}
	CHECK(nf >= 4 && nf < 16, "%u of 24 flows failed", nf);
	memset(&a, 0, sizeof(a));
	CHECK(!fp_analyze_blackhole(&r, o, n, &a), "blackhole");
	CHECK(a.n == 1 && a.s[0].blackhole && a.s[0].link == bh && a.s[0].ntwins == 0 &&
		      a.s[0].bad == nf && a.nfailed == nf,
	      "leaf0-spine1 alone (%u suspects, first #%d, %u twins, %u flows)", a.n,
	      a.n ? a.s[0].link : -1, a.n ? a.s[0].ntwins : 0, a.n ? a.s[0].bad : 0);
	CHECK(a.n == 1 && a.s[0].confidence > 0.99, "confidence %.2f", a.n ? a.s[0].confidence : 0);
	/* a down suspect on the same link (the traced paths never crossed it) is replaced */
	memset(&a, 0, sizeof(a));
	a.s[0] = (struct fp_suspect){ .link = bh, .down = true, .node = -1, .confidence = 1 };
	a.n = 1;
	CHECK(!fp_analyze_blackhole(&r, o, n, &a) && a.n == 1 && a.s[0].blackhole && !a.s[0].down,
	      "down and blackhole on one link: one blackhole (%u)", a.n);
	/* nothing known of the connected flows' paths: leaf0's uplinks are twins */
	for (unsigned i = 0; i < n; i++)
		o[i].path_src = FP_PATH_EXPECTED;
	memset(&a, 0, sizeof(a));
	CHECK(!fp_analyze_blackhole(&r, o, n, &a), "blackhole, expected paths");
	CHECK(a.n == 1 && a.s[0].ntwins == 1 &&
		      ((a.s[0].link == bh && a.s[0].twins[0] == sib) ||
		       (a.s[0].link == sib && a.s[0].twins[0] == bh)) &&
		      a.s[0].confidence <= 0.5,
	      "expected paths: leaf0's uplinks, ambiguous (%u suspects, %u twins)", a.n,
	      a.n ? a.s[0].ntwins : 0);
	/* no failed flow: nothing */
	for (unsigned i = 0; i < n; i++)
		o[i].failed = false;
	memset(&a, 0, sizeof(a));
	CHECK(!fp_analyze_blackhole(&r, o, n, &a) && a.n == 0, "no failed flow: nothing");
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
}

/*
 * The short lists inside a suspect and an abstention are counted past their end too: 10
 * slow flows that all cross the same 7 uplinks (no flow tells them apart) name one with 6
 * twins, 4 listed and 2 counted, its confidence shared by all 7; one flow 60 sigma deep
 * over 10 links abstains on them, 8 listed and 2 counted.
 */
static void test_lists_counted(void)
{
	enum { L = 40, SLOW = 10, FAST = 60, N = SLOW + FAST, HOPS = 10 };
	struct fp_topo t;
	struct fp_obs o[N];
	unsigned lk[N][HOPS];
	double pr[N][HOPS];
	struct fp_analysis a;
	int host[2 * L];

	fabric(&t, L);
	CHECK(fp_topo_hosts(&t, host, 2 * L) == 2 * L, "hosts");
	for (int i = 0; i < N; i++) {
		bool slow = i < SLOW;

		o[i] = (struct fp_obs){
			.src = host[slow ? i : 2 * SLOW + (i - SLOW)],
			.dst = host[slow ? SLOW + i : 2 * SLOW + (i - SLOW + 1) % FAST],
			.meas = slow ? 0.4 : 1,
			.pred = 1,
			.np = slow ? 7 : 1,
			.link = lk[i],
			.prob = pr[i],
			.path_src = FP_PATH_RECORDED
		};
		for (unsigned k = 0; k < o[i].np; k++) {
			lk[i][k] = (unsigned)(slow ? link_of(&t, "leaf%d-spine%d", (int)k, 0)
						   : link_of(&t, "leaf%d-spine%d", 7 + i % 30, 1));
			pr[i][k] = 1;
		}
	}
	CHECK(!fp_analyze(&t, o, N, &a), "analyze");
	CHECK(a.n == 1 && !a.s[0].host && a.s[0].ntwins == 4 && a.s[0].twins_more == 2,
	      "7 twin uplinks: %u suspects, %u twins listed, %u more", a.n, a.n ? a.s[0].ntwins : 0,
	      a.n ? a.s[0].twins_more : 0);
	CHECK(a.n && fabs(a.s[0].confidence - 1.0 / 7) < 1e-9, "confidence shared by all 7: %g",
	      a.n ? a.s[0].confidence : 0);

	/* one flow over 10 links at 0.4, deep below noise that never moves a flow: abstain */
	o[0].np = HOPS;
	o[0].dst = host[2 * L - 1];
	for (unsigned k = 0; k < HOPS; k++) {
		lk[0][k] = (unsigned)link_of(&t, "leaf%d-spine%d", 30 + (int)k, 0);
		pr[0][k] = 1;
	}
	o[SLOW - 1] = o[0]; /* before the fast flows, the slow ones left out */
	CHECK(!fp_analyze(&t, o + SLOW - 1, N - SLOW + 1, &a), "analyze");
	CHECK(a.n == 0 && a.nthin == FP_MAX_THIN && a.thin_more == HOPS - FP_MAX_THIN,
	      "one deep flow over %d links: %u suspects, %u thin listed, %u more", HOPS, a.n,
	      a.nthin, a.thin_more);
	fp_topo_destroy(&t);
}

/*
 * Two faults at one leaf: leaf0-spine1 down, and leaf0-spine0, which took its share, at a
 * tenth. Every flow of h0 and h1 to another leaf is slow (12 of 14 each: the host rule's
 * 70%), their flows to each other are not: the fault is upstream of the hosts, and the
 * links' methods name leaf0-spine0 beside the down link, not h0 and h1; at a tenth its
 * flows are far below their prediction (under FP_REROUTE_MARGIN), so it is not taken for
 * the reroute's. A sick NIC (h2: every flow slow, its neighbour's too) is still a host.
 */
static void test_last_uplink(void)
{
	struct fp_topo t;
	struct fp_router r;
	struct fp_obs o[30];
	unsigned lk[30][4], n = 0, hosts = 0;
	double pr[30][4];
	struct fp_analysis a;
	int up, down;
	bool named_up = false, named_down = false;

	fabric(&t, 3);
	CHECK(!fp_router_init(&r, &t), "router");
	up = link_of(&t, "leaf%d-spine%d", 0, 0);
	down = link_of(&t, "leaf%d-spine%d", 0, 1);
	for (int i = 0; i < 6; i++)
		for (int j = 0; j < 6; j++) {
			char h[16];

			if (i == j)
				continue;
			if (i / 2 != j / 2) {
				obs_via(&t, &o[n], lk[n], pr[n], i, j,
					i / 2 == 0 || j / 2 == 0 ? 0 : (i + j) % 2);
				o[n].meas = i / 2 == 0 || j / 2 == 0 ? 0.1 : 1;
			} else {
				obs_via(&t, &o[n], lk[n], pr[n], i, j, 0);
				lk[n][1] = lk[n][3]; /* under one leaf: the two cables */
				o[n].np = 2;
				snprintf(h, sizeof(h), "h%d", j);
				o[n].dst = fp_topo_find(&t, h);
			}
			n++;
		}
	CHECK(n == 30, "30 flows");
	CHECK(!fp_analyze(&t, o, n, &a) && !fp_analyze_down(&r, o, n, &a) &&
		      !fp_analyze_down_explain(&t, o, n, &a),
	      "analyze");
	for (unsigned i = 0; i < a.n; i++) {
		hosts += a.s[i].host;
		named_up |= !a.s[i].host && !a.s[i].down && a.s[i].link == up;
		named_down |= a.s[i].down && a.s[i].link == down;
	}
	CHECK(named_up && named_down && hosts == 0 && a.n == 2,
	      "leaf0-spine0 at a tenth and leaf0-spine1 down, no host (%u suspects, %u hosts)", a.n,
	      hosts);
	/* h2's NIC: all its flows slow, to its neighbour h3 too; the uplinks healthy */
	for (unsigned i = 0; i < n; i++)
		o[i].meas = o[i].src == fp_topo_find(&t, "h2") || o[i].dst == fp_topo_find(&t, "h2")
				    ? 0.1
				    : 1;
	CHECK(!fp_analyze(&t, o, n, &a) && a.n >= 1 && a.s[0].host &&
		      a.s[0].node == fp_topo_find(&t, "h2"),
	      "a sick NIC is still a host (%u suspects)", a.n);
	fp_router_destroy(&r);
	fp_topo_destroy(&t);
}

int main(void)
{
	test_hosts();
	test_more();
	test_lists_counted();
	test_down();
	test_down_parallel();
	test_last_uplink();
	test_blackhole();
	test_noise();
	test_binom_edges();
	return t_done("analyze_faults");
}
