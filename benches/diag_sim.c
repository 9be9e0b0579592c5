// SPDX-License-Identifier: MIT
/* The simulator as the diagnosis's executor: each round's max-min rates with the planted
 * faults, on the paths the flows' hashes pick, with multiplicative normal noise. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "diagnose.h"
#include "sched.h"
#include "simrun.h"

int fp_diag_sim_exec(void *ctx, unsigned step, const struct fp_diag_flow *f, unsigned n,
		     unsigned nrounds, double duration, struct fp_diag_meas *m, char *err,
		     size_t el)
{
	struct fp_diag_sim *x = ctx;
	double *rate = malloc(sizeof(double) * (n ? n : 1));
	/* a longer measurement averages the noise down */
	double sigma = x->noise / sqrt(duration > 1 ? duration : 1);
	uint64_t st = x->seed * 0x9e3779b97f4a7c15ull + step * 0x632be59bd9b4e019ull + 7;
	int ret;

	if (!rate)
		return fp_say(err, el, "diagnose: out of memory"), -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		int h = fp_diag_path(x->r, &f[i], m[i].path);

		if (h < 0) {
			free(rate);
			fp_say(err, el, "diagnose: no path from %s to %s",
			       x->r->t->nodes[f[i].src].name, x->r->t->nodes[f[i].dst].name);
			return h;
		}
		m[i].hops = (unsigned)h;
	}
	ret = fp_diag_rates(&x->net, m, f, n, nrounds, rate);
	for (unsigned i = 0; i < n && !ret; i++) {
		double g = sigma > 0 ? 1 + sigma * fp_sim_gauss(&st) : 1;

		m[i].gbps = rate[i] * (g > 0.01 ? g : 0.01);
		m[i].bytes = FP_DIAG_NOBYTES;
	}
	if (ret)
		fp_say(err, el, "diagnose: out of memory");
	free(rate);
	return ret;
}

/* a host's loopback: its NIC rate, or the sum of its links' (a host is at least as fast) */
static double loop_gbps(const struct fp_topo *t, int node)
{
	double g = 0;

	if (t->nodes[node].nic_gbps > 0)
		return t->nodes[node].nic_gbps;
	for (unsigned k = t->adj_off[node]; k < t->adj_off[node + 1]; k++)
		g += t->links[t->adj[k]].gbps;
	return g > 0 ? g : 1;
}

int fp_diag_sim_loop(struct fp_diag_sim *x, const struct fp_topo *t, const struct fp_fault *f,
		     unsigned nf)
{
	x->loop = malloc(sizeof(double) * (t->nnodes ? t->nnodes : 1));
	if (!x->loop)
		return -ENOMEM;
	for (unsigned i = 0; i < t->nnodes; i++)
		x->loop[i] = loop_gbps(t, (int)i);
	/* a slow host is slow inside too; a degraded cable leaves the loopback alone */
	for (unsigned i = 0; i < nf; i++)
		if (f[i].kind == FP_FAULT_SLOWHOST && f[i].host >= 0 &&
		    (unsigned)f[i].host < t->nnodes)
			x->loop[f[i].host] *= f[i].value;
	return 0;
}

int fp_diag_sim_local(void *ctx, unsigned step, int node, double duration, struct fp_diag_loop *m,
		      char *err, size_t el)
{
	struct fp_diag_sim *x = ctx;
	double sigma = x->noise / sqrt(duration > 1 ? duration : 1), g;
	uint64_t st = x->seed * 0x9e3779b97f4a7c15ull + step * 0x632be59bd9b4e019ull +
		      (uint64_t)node * 0xbf58476d1ce4e5b9ull +
		      (uint64_t)x->local_calls++ * 0x94d049bb133111ebull + 11;

	(void)err;
	(void)el;
	for (int i = 0; i < 8; i++) /* nearby seeds: xorshift needs a few draws to part them */
		fp_rand_next(&st);
	g = sigma > 0 ? 1 + sigma * fp_sim_gauss(&st) : 1;
	memset(m, 0, sizeof(*m));
	m->gbps = (x->loop ? x->loop[node] : 1) * (g > 0.01 ? g : 0.01);
	m->bytes = FP_DIAG_NOBYTES;
	return 0;
}
