// SPDX-License-Identifier: MIT
/* The simulator as the diagnosis's executor: each round's max-min rates with the planted
 * faults, on the paths the flows' hashes pick, with multiplicative normal noise. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "../core/err.h"
#include "diagnose.h"
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
