// SPDX-License-Identifier: MIT
/*
 * Votes and set cover on hand-made observations, no simulator: every flow's path is
 * written out, bad flows are exactly those that cross the planted links. The analysis
 * must name those links and no other, with the counts the data gives.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/model/analyze.h"
#include "../../benches/simrun.h"
#include "../../fabric/model/analyze_evidence.h"
#include "t.h"

/* the link between nodes a and b */
static int between(const struct fp_topo *t, const char *a, const char *b)
{
	char spec[2 * FP_NAME_LEN + 2];

	snprintf(spec, sizeof(spec), "%s-%s", a, b);
	return fp_link_lookup(t, spec);
}

/*
 * Every ordered pair of hosts on different leaves, through spine (i + j) % 2; a flow that
 * crosses a link of bad[] measures 40% of its prediction. Returns the flows; *nbad[k]
 * counts those crossing bad[k].
 */
static unsigned observe(const struct fp_topo *t, const int *bad, unsigned nb, struct fp_obs *o,
			unsigned *nbad)
{
	char hi[8], hj[8], li[8], lj[8], sp[8];
	unsigned n = 0;

	memset(nbad, 0, sizeof(*nbad) * nb);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++) {
			int path[4];
			bool slow = false;

			if (i / 2 == j / 2)
				continue;
			snprintf(hi, sizeof(hi), "h%d", i);
			snprintf(hj, sizeof(hj), "h%d", j);
			snprintf(li, sizeof(li), "leaf%d", i / 2);
			snprintf(lj, sizeof(lj), "leaf%d", j / 2);
			snprintf(sp, sizeof(sp), "spine%d", (i + j) % 2);
			path[0] = between(t, hi, li);
			path[1] = between(t, li, sp);
			path[2] = between(t, lj, sp);
			path[3] = between(t, hj, lj);
			o[n] = (struct fp_obs){ .src = fp_topo_find(t, hi),
						.dst = fp_topo_find(t, hj),
						.pred = 100,
						.np = 4 };
			o[n].link = malloc(sizeof(unsigned) * 4);
			o[n].prob = malloc(sizeof(double) * 4);
			for (int k = 0; k < 4; k++) {
				o[n].link[k] = (unsigned)path[k];
				o[n].prob[k] = 1;
				for (unsigned b = 0; b < nb; b++)
					if (path[k] == bad[b]) {
						slow = true;
						nbad[b]++;
					}
			}
			o[n].meas = slow ? 40 : 100;
			n++;
		}
	return n;
}

static void drop(struct fp_obs *o, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		free(o[i].link);
		free(o[i].prob);
	}
}

static const struct fp_suspect *named(const struct fp_analysis *a, int link)
{
	for (unsigned i = 0; i < a->n; i++)
		if (!a->s[i].host && a->s[i].link == link)
			return &a->s[i];
	return NULL;
}

int main(void)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 2,
				 .leaves = 4,
				 .spines = 2,
				 .host_gbps = 100,
				 .fabric_gbps = 100,
				 .lanes = 4 };
	struct fp_obs o[64];
	struct fp_analysis a;
	struct fp_topo t;
	unsigned n, nbad[2];
	char err[128];
	int bad[2];

	CHECK(!fp_gen_leaf_spine(&t, &g, err, sizeof(err)), "gen: %s", err);
	bad[0] = between(&t, "leaf1", "spine0");
	bad[1] = between(&t, "leaf3", "spine1");
	CHECK(bad[0] >= 0 && bad[1] >= 0, "links");

	/* nothing slow: no suspect, no bad flow */
	n = observe(&t, bad, 0, o, nbad);
	CHECK(n == 48, "48 flows (%u)", n);
	CHECK(!fp_analyze(&t, o, n, &a) && a.n == 0 && a.nbad == 0, "clean: %u suspects", a.n);
	drop(o, n);

	/* one slow link: its flows and only they are bad; it alone covers them */
	n = observe(&t, bad, 1, o, nbad);
	CHECK(!fp_analyze(&t, o, n, &a), "analyze");
	CHECK(a.nbad == nbad[0], "bad flows %u, planted %u", a.nbad, nbad[0]);
	CHECK(a.n == 1 && named(&a, bad[0]), "only leaf1-spine0 named (%u suspects, first %d)", a.n,
	      a.n ? a.s[0].link : -1);
	if (named(&a, bad[0])) {
		const struct fp_suspect *s = named(&a, bad[0]);

		CHECK(s->bad == nbad[0] && s->total == nbad[0], "votes: %u of %u, want %u of %u",
		      s->bad, s->total, nbad[0], nbad[0]);
		CHECK(fabs(s->votes - 1) < 1e-9, "every flow it carries is bad: share %.3f",
		      s->votes);
		CHECK(fabs(s->health - 0.4) < 0.15, "fitted health %.2f near 0.4", s->health);
		CHECK(s->ntwins == 0, "no twin: %u", s->ntwins);
	}
	drop(o, n);

	/* two slow links on different leaves and spines: the cover needs both, and the links
	 * that share some of their bad flows (the far ends) are not named */
	n = observe(&t, bad, 2, o, nbad);
	CHECK(!fp_analyze(&t, o, n, &a), "analyze");
	CHECK(a.n == 2 && named(&a, bad[0]) && named(&a, bad[1]), "both named, nothing else (%u)",
	      a.n);
	for (unsigned i = 0; i < a.n; i++) {
		char ln[160];

		fp_link_name(&t, a.s[i].link, ln, sizeof(ln));
		printf("suspect %u: %s votes %.2f health %.2f\n", i + 1, ln, a.s[i].votes,
		       a.s[i].health);
	}
	drop(o, n);
	fp_topo_destroy(&t);
	return t_done("analyze_cover");
}
