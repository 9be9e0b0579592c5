// SPDX-License-Identifier: MIT
/*
 * A blackhole (issue 18): a link that is up and routed over but passes nothing. The flows
 * hashed onto it never connect, or stall when it goes dark mid-run; the run records them
 * (rate 0, failed) beside the flows that went on. The link is where the failed flows' paths
 * meet, outside every path a flow that went on is known to have taken. A stalled flow's
 * path traced after the run stops at the blackhole, so it counts as expected; one traced
 * before (its whole path) counts as its own, as a connect failure's cannot.
 *
 * A failed flow may cross link l on its way (its traced path, else the ECMP expectation) or
 * on the way back (the handshake needs both directions, and the reverse is hashed apart:
 * its ECMP expectation): p(f, l) = 1 - (1 - forward)(1 - back). A link a connected flow's
 * known path (traced, recorded) crossed passes packets: it is cleared. Then, greedily, the
 * uncleared link that the most unexplained failed flows may cross (ties: the larger sum of
 * p) explains them; links no data can tell from it (the same failed flows, the same sum)
 * are its twins, and it is named ambiguous with them. Confidence: the share of the failed
 * flows it explains, over (1 + twins); the mean p of those flows is its evidence.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "sim.h"

struct bh {
	double *p;   /* failed flows x links: p(f, l) */
	unsigned nl; /* links */
	double *fw;  /* one direction's probabilities, per link, while it is summed */
};

static void add_p(void *ctx, unsigned dl, double p)
{
	struct bh *b = ctx;

	b->fw[dl / 2] += p;
}

static bool known(const struct fp_obs *o)
{
	return o->path_src == FP_PATH_TRACED || o->path_src == FP_PATH_RECORDED;
}

/* failed flow f (row) against every link: its own path, and the expectation back */
static int row(struct fp_router *r, const struct fp_obs *o, struct bh *b, double *p)
{
	int ret;

	memset(b->fw, 0, sizeof(*b->fw) * b->nl);
	for (unsigned k = 0; k < o->np; k++)
		if (o->link[k] < b->nl)
			b->fw[o->link[k]] += o->prob[k];
	for (unsigned l = 0; l < b->nl; l++)
		p[l] = fmin(b->fw[l], 1);
	memset(b->fw, 0, sizeof(*b->fw) * b->nl);
	ret = fp_sim_path_probs(r, o->dst, o->src, add_p, b);
	if (ret && ret != -EHOSTUNREACH)
		return ret;
	for (unsigned l = 0; l < b->nl; l++)
		p[l] = 1 - (1 - p[l]) * (1 - fmin(b->fw[l], 1));
	return 0;
}

/* a down suspect on the same link is this blackhole seen from the traced paths: one entry */
static void drop_down(struct fp_analysis *a, int link)
{
	for (unsigned i = 0; i < a->n; i++)
		if (a->s[i].down && a->s[i].link == link) {
			memmove(&a->s[i], &a->s[i + 1], sizeof(a->s[0]) * (a->n - i - 1));
			a->n--;
			return;
		}
}

/* the uncleared link most unexplained failed flows may cross; -1 when none */
static int pick(const struct bh *b, unsigned nf, const unsigned char *cleared,
		const unsigned char *done, unsigned *hits, double *mass)
{
	int best = -1;

	for (unsigned l = 0; l < b->nl; l++) {
		unsigned h = 0;
		double m = 0;

		for (unsigned f = 0; f < nf && !cleared[l]; f++)
			if (!done[f] && b->p[(size_t)f * b->nl + l] > 0) {
				h++;
				m += b->p[(size_t)f * b->nl + l];
			}
		hits[l] = h;
		mass[l] = m;
		if (h && (best < 0 || h > hits[best] || (h == hits[best] && m > mass[best] + 1e-9)))
			best = (int)l;
	}
	return best;
}

/* the same unexplained failed flows, the same mass: the data cannot tell them apart */
static bool twin(const struct bh *b, unsigned nf, const unsigned char *done, unsigned l1,
		 unsigned l2)
{
	for (unsigned f = 0; f < nf; f++)
		if (!done[f] &&
		    (b->p[(size_t)f * b->nl + l1] > 0) != (b->p[(size_t)f * b->nl + l2] > 0))
			return false;
	return true;
}

static void name_one(struct fp_analysis *a, struct bh *b, unsigned nf, unsigned char *done,
		     const unsigned *hits, const double *mass, int best)
{
	struct fp_suspect s = { .node = -1, .link = best, .blackhole = true, .cable = -1 };

	for (unsigned l = 0; l < b->nl; l++) {
		if ((int)l == best || hits[l] != hits[best] || fabs(mass[l] - mass[best]) >= 1e-9 ||
		    !twin(b, nf, done, l, (unsigned)best))
			continue;
		if (s.ntwins < 4)
			s.twins[s.ntwins++] = (int)l;
		else
			s.twins_more++; /* counted, and shares the confidence */
	}
	s.bad = hits[best];
	s.total = nf;
	s.health = 0;
	s.votes = mass[best] / hits[best];
	s.confidence = (double)hits[best] / nf / (1 + s.ntwins + s.twins_more);
	for (unsigned f = 0; f < nf; f++)
		if (b->p[(size_t)f * b->nl + (unsigned)best] > 0)
			done[f] = 1;
	drop_down(a, best);
	fp_analysis_add(a, &s);
}

int fp_analyze_blackhole(struct fp_router *r, const struct fp_obs *o, unsigned n,
			 struct fp_analysis *a)
{
	unsigned nf = 0, L = r->t->nlinks, *hits = calloc(L + 1, sizeof(*hits));
	unsigned char *cleared = calloc(L + 1, 1), *done = NULL;
	double *mass = calloc(L + 1, sizeof(*mass));
	struct bh b = { .nl = L, .fw = calloc(L + 1, sizeof(double)) };
	int ret = -ENOMEM;

	for (unsigned i = 0; i < n; i++)
		nf += o[i].failed;
	if (!hits || !cleared || !mass || !b.fw || !(done = calloc(nf + 1, 1)) ||
	    !(b.p = calloc((size_t)(nf ? nf : 1) * (L + 1), sizeof(double))))
		goto out;
	ret = 0;
	for (unsigned i = 0, f = 0; i < n && !ret; i++) {
		if (o[i].failed)
			ret = row(r, &o[i], &b, b.p + (size_t)f++ * L);
		else if (known(&o[i]))
			for (unsigned k = 0; k < o[i].np; k++)
				if (o[i].link[k] < L && o[i].prob[k] >= 0.999)
					cleared[o[i].link[k]] = 1;
	}
	/* until every failed flow is explained: each pick explains one at least, and those
	 * past the list are counted in a->more (fp_analysis_add), never dropped */
	for (unsigned k = 0; k < nf && !ret; k++) {
		int best = pick(&b, nf, cleared, done, hits, mass);

		if (best < 0)
			break;
		name_one(a, &b, nf, done, hits, mass, best);
	}
	a->nfailed += nf;
out:
	free(hits);
	free(cleared);
	free(mass);
	free(done);
	free(b.fw);
	free(b.p);
	return ret;
}
