// SPDX-License-Identifier: MIT
/*
 * Each step of a real diagnosis as a run folder, DIR/step-N/, written by the runner's own
 * results writer so that `fabprobe analyze` reads it: a schedule entry per flow of the step
 * (a flow is one connection in one round), its receiver's bytes and time, its identity on
 * the wire, and in "path" the links it crossed (traced; the model's guess for a connection
 * that could not be traced).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/err.h"
#include "diag_priv.h"

static const struct fp_pattern step_pattern = {
	.name = "diagnose",
	.summary = "a step of fabprobe diagnose",
	.measure = FP_MEASURE_BW,
	.min_ranks = 2,
};

/* every flow its own schedule flow, in the order of the step's entries */
static int step_sched(struct fp_sched *s, int size, const struct fp_diag_flow *f, unsigned n,
		      const unsigned *entry, const struct fp_sched *all, const uint32_t *conn)
{
	unsigned *by = malloc(sizeof(*by) * (n ? n : 1));
	int ret = by ? 0 : -ENOMEM;

	memset(s, 0, sizeof(*s));
	s->n = size;
	s->measure = FP_MEASURE_BW;
	for (unsigned i = 0; i < n && !ret; i++)
		by[entry[i]] = i;
	/* entries go round by round: a round begins where its first entry is */
	for (unsigned e = 0; e < n && !ret; e++) {
		const struct fp_flow *c = &all->flows[conn[by[e]]];

		while (!ret && s->nrounds <= f[by[e]].round)
			ret = fp_sched_round_begin(s, 0, -1);
		if (!ret)
			ret = fp_sched_add(s, c->src, c->dst, false);
	}
	free(by);
	return ret;
}

struct step_buf {
	struct fp_sched s;
	struct fp_size_res sr;
	struct fp_flow_ident *ident;
	unsigned *paths, *hops;
};

static void step_free(struct step_buf *b)
{
	fp_sched_destroy(&b->s);
	free(b->sr.fr);
	free(b->ident);
	free(b->paths);
	free(b->hops);
}

static int fill(struct fp_drun *x, struct step_buf *b, unsigned n, const uint32_t *conn,
		const unsigned *entry, const struct fp_diag_meas *m)
{
	b->sr.fr = calloc(n ? n : 1, sizeof(*b->sr.fr));
	b->ident = calloc(n ? n : 1, sizeof(*b->ident));
	b->paths = calloc((size_t)(n ? n : 1) * FP_SIM_MAXHOPS, sizeof(*b->paths));
	b->hops = calloc(n ? n : 1, sizeof(*b->hops));
	if (!b->sr.fr || !b->ident || !b->paths || !b->hops)
		return -ENOMEM;
	b->sr.size = x->size;
	b->sr.done = true;
	for (unsigned i = 0; i < n; i++) {
		struct fp_fres *fr = &b->sr.fr[entry[i]];
		double ns = x->ns[entry[i]];

		fr->have_rx = true;
		fr->rx_bytes = m[i].bytes;
		fr->rx_msgs = m[i].bytes / x->size;
		fr->rx_ns = ns;
		fr->bw.avg = ns > 0 ? (double)m[i].bytes / ns * 1e9 : 0;
		b->ident[entry[i]] = x->data.ident[conn[i]];
		b->hops[entry[i]] = m[i].hops;
		memcpy(b->paths + (size_t)entry[i] * FP_SIM_MAXHOPS, m[i].path,
		       sizeof(unsigned) * m[i].hops);
	}
	return 0;
}

int fp_diag_step_write(struct fp_drun *x, unsigned step, const struct fp_diag_flow *f, unsigned n,
		       const uint32_t *conn, const unsigned *entry, const struct fp_diag_meas *m,
		       double duration)
{
	struct step_buf b = { 0 };
	struct fp_run_data d = x->data;
	int ret = step_sched(&b.s, x->rk.size, f, n, entry, &x->rk.sched, conn);

	(void)duration;
	if (!ret)
		ret = fill(x, &b, n, conn, entry, m);
	if (ret) {
		step_free(&b);
		return fp_say(x->rk.err, ERR_LEN, "out of memory"), -ENOMEM;
	}
	d.sched = &b.s;
	d.pattern = &step_pattern;
	d.ident = b.ident;
	d.res = &b.sr;
	d.nres = 1;
	d.paths = b.paths;
	d.hops = b.hops;
	d.status = "complete";
	d.nfailed = d.failed_cap = 0;
	d.failed = NULL;
	fp_run_iso_now(d.finished, sizeof(d.finished));
	snprintf(d.run_id, sizeof(d.run_id), "diagnose-step-%u", step);
	if (snprintf(d.dir, sizeof(d.dir), "%s/step-%u", x->dc->output, step) >= (int)sizeof(d.dir))
		ret = -ENAMETOOLONG;
	else if (mkdir(d.dir, 0777))
		ret = -errno;
	else
		ret = fp_results_write(&d);
	if (ret)
		fp_say(x->rk.err, ERR_LEN, "%.200s/step-%u: cannot write: %s", x->dc->output, step,
		       strerror(-ret));
	step_free(&b);
	return ret;
}
