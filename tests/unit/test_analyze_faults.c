// SPDX-License-Identifier: MIT
/*
 * The analyzer on the failures of issue 18, on small synthetic observations with every
 * path written out: more suspects than the list holds are counted, never dropped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/simrun.h"
#include "../../fabric/model/analyze.h"
#include "t.h"

/* leaf-spine: 2 hosts per leaf, `leaves` leaves, 2 spines, all at 100 Mb/s */
static void fabric(struct fp_topo *t, int leaves)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 2, .leaves = leaves, .spines = 2,
				 .host_gbps = 0.1, .fabric_gbps = 0.1, .lanes = 1 };
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

int main(void)
{
	test_more();
	return t_done("analyze_faults");
}
