// SPDX-License-Identifier: MIT
#include "diagnose.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "sched.h"

const char *fp_diag_kind_name(enum fp_diag_kind k)
{
	static const char *const names[] = { "screen", "pairs", "cover", "target", "local" };

	return (unsigned)k < 5 ? names[k] : "?";
}

void fp_hyp_name(const struct fp_topo *t, const struct fp_hyp *h, char *buf, size_t len)
{
	char spec[160];

	fp_topo_link_spec(t, (unsigned)h->link, spec, sizeof(spec));
	if (h->host)
		snprintf(buf, len, "host %s (or its cable %s)", t->nodes[h->node].name, spec);
	else
		snprintf(buf, len, "link %s", spec);
}

const struct fp_diag_local *fp_diag_local_of(const struct fp_diagnosis *d, unsigned i)
{
	for (unsigned k = 0; k < d->nlocal; k++)
		if (d->local[k].hyp == i)
			return &d->local[k];
	return NULL;
}

void fp_diag_verdict_name(const struct fp_diagnosis *d, unsigned i, char *buf, size_t len)
{
	const struct fp_hyp *h = &d->hs.h[i];
	const struct fp_diag_local *l = fp_diag_local_of(d, i);
	const char *host = h->host ? d->t->nodes[h->node].name : "";
	char spec[160];

	fp_topo_link_spec(d->t, (unsigned)h->link, spec, sizeof(spec));
	if (!l)
		fp_hyp_name(d->t, h, buf, len);
	else if (l->v == FP_LOCAL_HOST)
		snprintf(buf, len, "host %s", host);
	else if (l->v == FP_LOCAL_NIC)
		snprintf(buf, len, "NIC slot of %s", host);
	else
		snprintf(buf, len, "cable %s (or %s's NIC)", spec, host);
}

static int grow(struct fp_diagnosis *d, unsigned more)
{
	if (d->n + more > d->cap) {
		unsigned c = d->cap ? d->cap : 1024;

		while (c < d->n + more)
			c *= 2;
		void *a = realloc(d->fl, sizeof(*d->fl) * c);

		if (!a)
			return -ENOMEM;
		d->fl = a;
		a = realloc(d->obs, sizeof(*d->obs) * c);
		if (!a)
			return -ENOMEM;
		d->obs = a;
		d->cap = c;
	}
	return 0;
}

int fp_diag_rates(const struct fp_sim_net *healthy, const struct fp_diag_meas *m,
		  const struct fp_diag_flow *f, unsigned n, unsigned nrounds, double *pred)
{
	unsigned *idx = malloc(sizeof(unsigned) * (n ? n : 1));
	unsigned *path = malloc(sizeof(unsigned) * FP_SIM_MAXHOPS * (n ? n : 1));
	unsigned *hops = malloc(sizeof(unsigned) * (n ? n : 1));
	double *rate = malloc(sizeof(double) * (n ? n : 1));
	int ret = -ENOMEM;

	if (!idx || !path || !hops || !rate)
		goto out;
	for (unsigned r = 0; r < nrounds; r++) {
		struct fp_sim_flows fl = { .path = path, .hops = hops };

		for (unsigned i = 0; i < n; i++) {
			if (f[i].round != r)
				continue;
			idx[fl.n] = i;
			hops[fl.n] = m[i].hops;
			memcpy(path + (size_t)fl.n * FP_SIM_MAXHOPS, m[i].path,
			       sizeof(unsigned) * m[i].hops);
			fl.n++;
		}
		ret = fp_sim_maxmin(healthy, &fl, rate);
		if (ret)
			goto out;
		for (unsigned k = 0; k < fl.n; k++)
			pred[idx[k]] = rate[k];
	}
	ret = 0;
out:
	free(idx);
	free(path);
	free(hops);
	free(rate);
	return ret;
}

/* what the executor measured, or flow_bytes per flow where it measured none */
static uint64_t step_bytes(const struct fp_diag_cfg *c, const struct fp_diag_step *s,
			   const struct fp_diag_meas *m, unsigned n)
{
	uint64_t b = 0;

	for (unsigned i = 0; i < n; i++)
		b += m[i].bytes != FP_DIAG_NOBYTES
			     ? m[i].bytes
			     : (uint64_t)((double)c->flow_bytes * s->duration);
	return b;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Every ordered pair once, priced at what the screen's median flow really moved in one
 * base round (a real executor), instead of flow_bytes: on a slow fabric flow_bytes is far
 * more than a flow moves, and the share of it a diagnosis used would flatter it.
 */
static void full_from_screen(struct fp_diagnosis *d, const struct fp_diag_step *s,
			     const struct fp_diag_meas *m, unsigned n)
{
	uint64_t *b = malloc(sizeof(uint64_t) * (n ? n : 1));
	unsigned k = 0;

	for (unsigned i = 0; b && i < n; i++)
		if (m[i].bytes != FP_DIAG_NOBYTES)
			b[k++] = (uint64_t)((double)m[i].bytes / s->duration);
	if (k) {
		qsort(b, k, sizeof(*b), cmp_u64);
		d->full_bytes = (uint64_t)d->hosts * (d->hosts - 1) * b[k / 2];
		d->full_measured = true;
	}
	free(b);
}

/* run f[0..n) as the next step, add its observations, analyze everything together */
static int step(struct fp_diagnosis *d, struct fp_router *r, const struct fp_sim_net *healthy,
		const struct fp_diag_cfg *c, struct fp_diag_step *s, fp_diag_exec_fn ex, void *ctx,
		char *err, size_t el)
{
	unsigned n = s->flows, base = d->n;
	struct fp_diag_meas *m = calloc(n ? n : 1, sizeof(*m));
	double *pred = malloc(sizeof(double) * (n ? n : 1));
	int nr = fp_diag_rounds(r, d->fl + base, n), ret = -ENOMEM;

	if (!m || !pred || nr < 0) {
		ret = nr < 0 ? nr : -ENOMEM;
		fp_say(err, el, "diagnose: step %u: cannot plan its rounds", d->nsteps);
		goto out;
	}
	s->rounds = (unsigned)nr;
	ret = ex(ctx, d->nsteps, d->fl + base, n, s->rounds, s->duration, m, err, el);
	if (!ret)
		ret = fp_diag_rates(healthy, m, d->fl + base, n, s->rounds, pred);
	if (ret)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		struct fp_obs *o = &d->obs[base + i];

		memset(o, 0, sizeof(*o));
		o->src = d->fl[base + i].src;
		o->dst = d->fl[base + i].dst;
		o->meas = m[i].gbps;
		o->pred = pred[i];
		o->run = d->nsteps;
		o->round = d->fl[base + i].round;
		o->path_src = FP_PATH_RECORDED;
		o->link = malloc(sizeof(unsigned) * (m[i].hops ? m[i].hops : 1));
		o->prob = malloc(sizeof(double) * (m[i].hops ? m[i].hops : 1));
		d->n++;
		if (!o->link || !o->prob) {
			ret = -ENOMEM;
			goto out;
		}
		for (unsigned k = 0; k < m[i].hops; k++) {
			o->link[o->np] = m[i].path[k] / 2;
			o->prob[o->np++] = 1;
			d->cover[m[i].path[k] / 2]++;
		}
	}
	s->bytes = step_bytes(c, s, m, n);
	d->bytes += s->bytes;
	if (!d->nsteps)
		full_from_screen(d, s, m, n);
	d->spent_s += s->rounds * c->round_s * s->duration;
	ret = fp_analyze(d->t, d->obs, d->n, &d->a);
	if (ret)
		goto out;
	s->sigma = d->a.sigma;
	s->suspects = d->a.n;
	s->raised = fp_diag_raise(d->t, &d->a, &d->hs, d->nsteps);
	fp_diag_judge(&d->hs, d->obs, d->fl, d->n, d->nsteps, d->a.threshold);
	/* bad flows no hypothesis explains: their most crossed links become suspects too */
	s->raised += fp_diag_residual(d->t, d->obs, d->fl, d->n, &d->hs, d->nsteps, 8);
	d->nsteps++;
out:
	free(m);
	free(pred);
	return ret;
}

/* screening: every ordered pair on a small fabric, else seeded permutation rounds */
static unsigned plan_screen(struct fp_diagnosis *d, struct fp_router *r, const int *hosts,
			    const struct fp_diag_cfg *c, struct fp_diag_step *s, uint64_t *seed)
{
	unsigned nh = d->hosts, n = 0;
	uint32_t *perm = malloc(sizeof(uint32_t) * (nh ? nh : 1));

	if (!perm)
		return 0;
	if (nh <= c->pairs_below) {
		s->kind = FP_STEP_PAIRS;
		snprintf(s->why, sizeof(s->why), "screen: every pair of %u hosts", nh);
		for (unsigned a = 0; a < nh; a++)
			for (unsigned b = 0; b < nh; b++)
				if (a != b)
					d->fl[n++] =
						(struct fp_diag_flow){ hosts[a], hosts[b],
								       fp_rand_next(seed), -1, 0 };
	} else {
		s->kind = FP_STEP_SCREEN;
		snprintf(s->why, sizeof(s->why),
			 "screen: %u permutations over %u hosts, paths spread", c->screen_rounds,
			 nh);
		for (unsigned k = 0; k < c->screen_rounds; k++) {
			fp_derangement(perm, nh, c->seed + k);
			for (unsigned a = 0; a < nh; a++)
				d->fl[n++] = (struct fp_diag_flow){ hosts[a], hosts[perm[a]],
								    fp_rand_next(seed), -1, k };
		}
		/* ECMP collisions would hide a slow part behind a shared one: spread the paths */
		fp_diag_spread(r, d->fl + d->n, n, fp_rand_next(seed));
	}
	free(perm);
	return n;
}

static unsigned count_open(const struct fp_diag_hyps *hs)
{
	unsigned n = 0;

	for (unsigned i = 0; i < hs->n; i++)
		n += hs->h[i].state == FP_HYP_OPEN;
	return n;
}

static void defaults(struct fp_diag_cfg *c)
{
	c->screen_rounds = c->screen_rounds ? c->screen_rounds : 4;
	c->budget_s = c->budget_s > 0 ? c->budget_s : 600;
	c->round_s = c->round_s > 0 ? c->round_s : 1;
	c->max_steps = c->max_steps && c->max_steps < FP_DIAG_MAXSTEPS ? c->max_steps : 12;
	c->probes = c->probes ? c->probes : 4;
	c->pairs_below = c->pairs_below ? c->pairs_below : 8;
}

/* plan the step after the last: cover, then targeted probes; 0 flows: stop (d->stop) */
static unsigned plan_next(struct fp_diagnosis *d, struct fp_router *r, const struct fp_diag_cfg *c,
			  struct fp_diag_step *s, unsigned *covers, uint64_t *seed)
{
	unsigned room = d->cap - d->n, n, open = count_open(&d->hs);

	if (*covers < 2) {
		n = fp_diag_plan_cover(r, d->cover, 2, fp_rand_next(seed), d->fl + d->n, room);
		if (n) {
			++*covers;
			s->kind = FP_STEP_COVER;
			snprintf(s->why, sizeof(s->why),
				 "cover: %u flows over links crossed fewer than twice", n);
			return n;
		}
	}
	if (!open) {
		snprintf(d->stop, sizeof(d->stop), "%s",
			 d->hs.n ? "every suspect confirmed or cleared"
				 : "clean: no suspect, every link crossed");
		return 0;
	}
	n = fp_diag_plan_target(r, &d->hs, c->probes, fp_rand_next(seed), d->fl + d->n, room);
	if (!n) {
		snprintf(d->stop, sizeof(d->stop), "no flow crosses an open suspect alone");
		return 0;
	}
	s->kind = FP_STEP_TARGET;
	/* noise: where probes enough to judge did not decide, measure 4 times longer */
	for (unsigned i = 0; i < d->hs.n; i++)
		if (d->hs.h[i].state == FP_HYP_OPEN && d->hs.h[i].probes >= FP_DIAG_PROBES)
			for (int k = (int)d->nsteps - 1; k >= 0 && s->duration == 1; k--)
				if (d->steps[k].kind == FP_STEP_TARGET)
					s->duration = d->steps[k].duration * 4;
	snprintf(s->why, sizeof(s->why), "target: %u flows over %u open suspects, each alone%s", n,
		 open, s->duration > 1 ? ", longer (the last probes did not decide)" : "");
	return n;
}

/* a host no open or confirmed hypothesis names, -1 */
static int reference(const struct fp_diagnosis *d, const int *hosts)
{
	for (unsigned a = 0; a < d->hosts; a++) {
		bool held = false;

		for (unsigned i = 0; i < d->hs.n; i++)
			held |= d->hs.h[i].host && d->hs.h[i].node == hosts[a] &&
				d->hs.h[i].state != FP_HYP_CLEARED;
		if (!held)
			return hosts[a];
	}
	return -1;
}

#define LOCAL_PAIRS 3 /* reference then suspect, interleaved: the median ratio */

static double median3(double a, double b, double c)
{
	return a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
}

/* suspect node against reference rn, LOCAL_PAIRS times interleaved, into l */
static int local_pairs(struct fp_diagnosis *d, const struct fp_diag_cfg *c, void *ctx, int node,
		       struct fp_diag_local *l, uint64_t *bytes, char *err, size_t el)
{
	struct fp_diag_loop m[LOCAL_PAIRS], r[LOCAL_PAIRS];
	double q[LOCAL_PAIRS];
	int ret = 0;

	for (unsigned k = 0; k < LOCAL_PAIRS && !ret; k++) {
		ret = c->local(ctx, d->nsteps, l->ref, 1, &r[k], err, el);
		if (!ret)
			ret = c->local(ctx, d->nsteps, node, 1, &m[k], err, el);
		if (ret)
			break;
		q[k] = r[k].gbps > 0 ? m[k].gbps / r[k].gbps : 0;
		*bytes += (m[k].bytes != FP_DIAG_NOBYTES ? m[k].bytes : 0) +
			  (r[k].bytes != FP_DIAG_NOBYTES ? r[k].bytes : 0);
	}
	if (ret)
		return ret;
	l->m = m[LOCAL_PAIRS - 1];
	l->rm = r[LOCAL_PAIRS - 1];
	l->m.gbps = median3(m[0].gbps, m[1].gbps, m[2].gbps);
	l->rm.gbps = median3(r[0].gbps, r[1].gbps, r[2].gbps);
	l->q = median3(q[0], q[1], q[2]);
	/* the loop's own threshold: what the analyzer calls a bad flow, in every pair (a healthy
	 * host's loopback on shared cores reads 85% to 122% of another's in single samples, and
	 * a median of 89% was met in CI: a slow host is below in each) */
	l->v = fmax(fmax(q[0], q[1]), q[2]) < d->a.threshold ? FP_LOCAL_HOST
	       : l->m.nic[0]				     ? FP_LOCAL_NIC
							     : FP_LOCAL_CABLE;
	return 0;
}

/*
 * The local step: each confirmed host's own loopback, alone, against a healthy host's,
 * tells the host from its cable (the traffic so far crossed both). Returns 0 or -errno.
 */
static int local_step(struct fp_diagnosis *d, const int *hosts, const struct fp_diag_cfg *c,
		      void *ctx, char *err, size_t el)
{
	struct fp_diag_step *s = &d->steps[d->nsteps];
	unsigned n = 0;
	int rn = reference(d, hosts), ret = 0;

	for (unsigned i = 0; i < d->hs.n; i++)
		n += d->hs.h[i].host && d->hs.h[i].state == FP_HYP_CONFIRMED;
	if (!n || rn < 0 || d->nsteps >= c->max_steps ||
	    d->spent_s + 2 * LOCAL_PAIRS * n * c->round_s > c->budget_s)
		return 0;
	*s = (struct fp_diag_step){ .kind = FP_STEP_LOCAL,
				    .flows = 2 * LOCAL_PAIRS * n,
				    .rounds = 2 * LOCAL_PAIRS * n,
				    .duration = 1,
				    .sigma = d->a.sigma,
				    .suspects = d->a.n };
	snprintf(s->why, sizeof(s->why),
		 "local: the loopback of %u suspect host%s against %s's, %u times each, alone", n,
		 n > 1 ? "s" : "", d->t->nodes[rn].name, LOCAL_PAIRS);
	for (unsigned i = 0; i < d->hs.n && !ret; i++) {
		struct fp_diag_local *l = &d->local[d->nlocal];

		if (!d->hs.h[i].host || d->hs.h[i].state != FP_HYP_CONFIRMED)
			continue;
		*l = (struct fp_diag_local){ .hyp = i, .step = d->nsteps, .ref = rn };
		ret = local_pairs(d, c, ctx, d->hs.h[i].node, l, &s->bytes, err, el);
		d->nlocal += !ret;
	}
	if (ret)
		return ret;
	/* its bytes never crossed the fabric: the step's own, not the diagnosis's traffic */
	d->spent_s += s->rounds * c->round_s;
	d->nsteps++;
	return 0;
}

int fp_diagnose(struct fp_diagnosis *d, const struct fp_topo *t, struct fp_router *r,
		const struct fp_diag_cfg *cfg, fp_diag_exec_fn ex, void *ctx, char *err, size_t el)
{
	struct fp_diag_cfg c = *cfg;
	struct fp_sim_net healthy;
	int *hosts = malloc(sizeof(int) * (t->nnodes ? t->nnodes : 1)), ret = -ENOMEM;
	uint64_t seed = cfg->seed * 0x2545f4914f6cdd1dull + 1;
	unsigned covers = 0, n;
	int nr;

	memset(d, 0, sizeof(*d));
	d->t = t;
	defaults(&c);
	d->cover = calloc(t->nlinks ? t->nlinks : 1, sizeof(unsigned));
	if (!hosts || !d->cover || fp_sim_net_init(&healthy, t, NULL, 0, 10)) {
		free(hosts);
		return fp_say(err, el, "diagnose: out of memory"), -ENOMEM;
	}
	d->hosts = fp_topo_hosts(t, hosts, t->nnodes);
	d->full_bytes = (uint64_t)d->hosts * (d->hosts - (d->hosts > 0)) * c.flow_bytes;
	if (d->hosts < 2) {
		ret = fp_say(err, el, "diagnose: %s has %u hosts, at least 2 are needed",
			     t->source[0] ? t->source : "the topology", d->hosts);
		goto out;
	}
	ret = grow(d, d->hosts * (d->hosts <= c.pairs_below ? d->hosts : c.screen_rounds));
	if (ret)
		goto out;
	for (;;) {
		struct fp_diag_step *s = &d->steps[d->nsteps];

		memset(s, 0, sizeof(*s));
		s->duration = 1;
		ret = grow(d, 4 * t->nlinks + c.probes * FP_DIAG_MAXHYP);
		if (ret)
			goto out;
		n = d->nsteps ? plan_next(d, r, &c, s, &covers, &seed)
			      : plan_screen(d, r, hosts, &c, s, &seed);
		if (!n)
			break;
		/* the screen always runs; a later step only when its rounds fit the budget */
		nr = d->nsteps ? fp_diag_rounds(r, d->fl + d->n, n) : 0;
		if (d->nsteps >= c.max_steps ||
		    d->spent_s + (nr > 0 ? nr : 0) * c.round_s * s->duration > c.budget_s) {
			snprintf(d->stop, sizeof(d->stop),
				 "budget spent (%u steps, %.0f s; the next would take %.0f s more)",
				 d->nsteps, d->spent_s,
				 (nr > 0 ? nr : 0) * c.round_s * s->duration);
			break;
		}
		s->flows = n;
		ret = step(d, r, &healthy, &c, s, ex, ctx, err, el);
		if (ret)
			goto out;
	}
	ret = c.local ? local_step(d, hosts, &c, ctx, err, el) : 0;
	if (ret)
		goto out;
	d->clean = true;
	for (unsigned i = 0; i < d->hs.n; i++)
		d->clean &= d->hs.h[i].state == FP_HYP_CLEARED;
	ret = 0;
out:
	if (ret == -ENOMEM)
		fp_say(err, el, "diagnose: out of memory");
	fp_sim_net_destroy(&healthy);
	free(hosts);
	return ret;
}

void fp_diagnosis_free(struct fp_diagnosis *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->n; i++) {
		free(d->obs[i].link);
		free(d->obs[i].prob);
	}
	free(d->obs);
	free(d->fl);
	free(d->cover);
	memset(d, 0, sizeof(*d));
}
