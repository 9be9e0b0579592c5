// SPDX-License-Identifier: MIT
/*
 * Collectives (allreduce, allgather, reducescatter): each rank runs its plan (coll.c) over
 * the engine's connections, message by message, reducing in host memory (sum of floats).
 * One size: min(--warmup, 10) untimed collectives, a barrier, --iters timed back to back
 * (nccl-tests' way), then --check compares out with the reference and every rank's time
 * goes to rank 0, which keeps the slowest: algbw = size / time, busbw = algbw x factor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/units.h"
#include "../core/wire.h"
#include "coll.h"
#include "run_priv.h"

#define COLL_WARM_MAX 10

struct coll_run {
	struct rank *rk;
	const struct fp_coll_plan *p;
	float *in, *out, *scratch; /* scratch: count floats per lane */
	bool *done;		   /* per op, this collective */
	uint32_t *next;		   /* per flow: the next op's seq, tx then rx */
	unsigned lane_end[2];
	struct fp_coll_trace tr; /* what each flow moved, for the stall report */
};

/* One op's next move: 1 when it completed, 0 not yet (or not its turn), or -errno. */
static int step(struct coll_run *c, const struct fp_coll_op *op)
{
	const struct fp_engine_ops *ops = &c->rk->ops;
	const float *base = op->base_out ? c->out : c->in;
	float *tmp = c->scratch + (size_t)op->lane * c->p->count;
	uint32_t *next;
	int k;

	if (op->flow == FP_COLL_LOCAL) {
		memcpy(c->out + op->off, c->in + op->off, op->len * sizeof(float));
		return 1;
	}
	next = &c->next[op->flow * 2 + !op->tx];
	if (*next != op->seq)
		return 0;
	if (op->tx)
		k = ops->tx(c->rk->conns[op->flow], base + op->off, op->len * sizeof(float), 1);
	else
		k = ops->rx(c->rk->conns[op->flow], op->sum ? tmp : c->out + op->off,
			    op->len * sizeof(float), 1);
	if (k == FP_ECONN_DEAD && c->rk->stall_ticks) {
		/* one connection broke: the collective waits on it, and the stall report says
		 * so; the engine's word goes out once */
		if (!c->tr.dead[op->flow] && c->rk->err[0])
			fprintf(stderr, "fabprobe: rank %d: flow %u: %s\n", c->rk->rank, op->flow,
				c->rk->err);
		c->rk->err[0] = 0;
		c->tr.dead[op->flow] = 1;
		return 0;
	}
	if (k <= 0)
		return k;
	if (op->sum)
		for (uint64_t i = 0; i < op->len; i++)
			c->out[op->off + i] = base[op->off + i] + tmp[i];
	(*next)++;
	c->tr.msgs[op->flow * 2 + !op->tx]++;
	c->tr.bytes[op->flow * 2 + !op->tx] += op->len * sizeof(float);
	c->tr.last[op->flow] = fp_clock_ticks(&c->rk->clk);
	return 1;
}

/* the ops of each lane's current stage not done yet and whose turn it is on their flow (one
 * behind another lane's waits for that one, not for its peer): the flows this rank waits on */
static void mark_waiting(struct coll_run *c, const unsigned *at)
{
	for (unsigned l = 0; l < c->p->nlanes; l++)
		for (unsigned j = at[l];
		     j < c->lane_end[l] && c->p->ops[j].stage == c->p->ops[at[l]].stage; j++)
			if (!c->done[j] && c->p->ops[j].flow != FP_COLL_LOCAL &&
			    c->next[c->p->ops[j].flow * 2 + !c->p->ops[j].tx] == c->p->ops[j].seq)
				c->tr.wait[c->p->ops[j].flow * 2 + !c->p->ops[j].tx] = 1;
}

/* bytes this rank's connections have moved either way, parts of messages too */
static uint64_t moved(const struct coll_run *c)
{
	uint64_t b = 0;

	for (uint32_t f = 0; f < c->rk->sched.nflows; f++)
		if (c->rk->conns[f])
			b += c->rk->ops.moved(c->rk->conns[f]);
	return b;
}

/* One collective: every lane stage by stage, the lanes side by side. */
static int one(struct coll_run *c)
{
	const struct fp_coll_plan *p = c->p;
	struct rank *rk = c->rk;
	unsigned at[2] = { 0, c->lane_end[0] }, left = p->nlanes;
	uint64_t last = fp_clock_ticks(&rk->clk), bytes = moved(c);
	/* an engine that fails flow by flow stalls at half of --timeout, so the ranks that
	 * finished still wait for the stall report within the rendezvous's own timeout */
	uint64_t limit = rk->stall_ticks ? rk->stall_ticks : rk->timeout_ticks;

	memset(c->done, 0, p->n * sizeof(*c->done));
	memset(c->next, 0, rk->sched.nflows * 2 * sizeof(*c->next));
	left -= (at[0] == c->lane_end[0]) + (p->nlanes > 1 && at[1] == c->lane_end[1]);
	while (left) {
		bool progress = false;

		for (unsigned l = 0; l < p->nlanes; l++) {
			unsigned i = at[l], j;
			bool all = true;

			if (i == c->lane_end[l])
				continue;
			for (j = i; j < c->lane_end[l] && p->ops[j].stage == p->ops[i].stage; j++) {
				int k = c->done[j] ? 1 : step(c, &p->ops[j]);

				if (k < 0) {
					rk->fail_ret = k;
					rk->fail_flow = p->ops[j].flow;
					return k;
				}
				progress |= k && !c->done[j];
				c->done[j] = k;
				all &= k == 1;
			}
			if (all) {
				at[l] = j;
				left -= j == c->lane_end[l];
			}
		}
		if (progress) {
			last = fp_clock_ticks(&rk->clk);
			continue;
		}
		if (fp_stop)
			return rk->fail_ret = -EINTR;
		if (fp_clock_ticks(&rk->clk) - last > limit / 4 && moved(c) != bytes) {
			bytes = moved(c); /* a long message on its way: progress */
			last = fp_clock_ticks(&rk->clk);
		}
		if (fp_clock_ticks(&rk->clk) - last > limit) {
			mark_waiting(c, at);
			rk->fail_flow = UINT32_MAX;
			return rk->fail_ret = -ETIMEDOUT;
		}
		if (rk->cfg->poll)
			rk->ops.wait(rk->eng, 20);
	}
	return 0;
}

static int coll_alloc(struct coll_run *c, struct rank *rk, uint64_t count)
{
	const struct fp_coll_plan *p = c->p;

	c->rk = rk;
	c->in = malloc((count ? count : 1) * sizeof(float));
	c->out = calloc(count ? count : 1, sizeof(float));
	c->scratch = malloc((count ? count : 1) * 2 * sizeof(float));
	c->done = calloc(p->n ? p->n : 1, sizeof(*c->done));
	c->next = calloc(rk->sched.nflows * 2 + 1, sizeof(*c->next));
	c->tr.msgs = calloc(rk->sched.nflows * 2 + 1, sizeof(*c->tr.msgs));
	c->tr.bytes = calloc(rk->sched.nflows * 2 + 1, sizeof(*c->tr.bytes));
	c->tr.last = calloc(rk->sched.nflows + 1, sizeof(*c->tr.last));
	c->tr.wait = calloc(rk->sched.nflows * 2 + 1, 1);
	c->tr.dead = calloc(rk->sched.nflows + 1, 1);
	if (!c->in || !c->out || !c->scratch || !c->done || !c->next || !c->tr.msgs ||
	    !c->tr.bytes || !c->tr.last || !c->tr.wait || !c->tr.dead)
		return -ENOMEM;
	c->tr.t0 = fp_clock_ticks(&rk->clk);
	for (uint64_t i = 0; i < count; i++)
		c->in[i] = fp_coll_input(rk->rank, i);
	c->lane_end[0] = c->lane_end[1] = p->n;
	for (unsigned i = 0; i < p->n; i++)
		if (p->ops[i].lane == 1 && c->lane_end[0] == p->n)
			c->lane_end[0] = i;
	return 0;
}

static void coll_free(struct coll_run *c)
{
	free(c->in);
	free(c->out);
	free(c->scratch);
	free(c->done);
	free(c->next);
	free(c->tr.msgs);
	free(c->tr.bytes);
	free(c->tr.last);
	free(c->tr.wait);
	free(c->tr.dead);
}

int fp_run_coll(struct rank *rk, struct fp_size_res *sr, uint32_t r)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	int kind = fp_coll_kind_of(rk->pat->name), ret;
	uint64_t count = sr->size / sizeof(float), warm = (uint64_t)cfg->warmup, t0;
	struct fp_coll_plan plan;
	struct coll_run c = { .p = &plan };
	char what[96], sz[16];

	fp_size_label(sr->size, sz, sizeof(sz));
	snprintf(what, sizeof(what), "%s %s", rk->pat->name, sz);
	rk->fail_flow = 0; /* a loop's stall sets it to UINT32_MAX (fp_run_coll_meet reads it) */
	ret = fp_coll_plan(&plan, &rk->sched, kind, cfg->algo, rk->rank, count);
	if (ret)
		return fp_say(rk->err, ERR_LEN, "%s: out of memory", what);
	ret = coll_alloc(&c, rk, count);
	if (ret) {
		fp_say(rk->err, ERR_LEN, "%s: out of memory", what);
		goto out;
	}
	if (!(ret = fp_rv_barrier(rk->rv, what, rk->err, ERR_LEN)))
		for (uint64_t i = 0; !ret && i < (warm < COLL_WARM_MAX ? warm : COLL_WARM_MAX); i++)
			ret = one(&c);
	/* the ranks meet after the warm-up and after the timed collectives: each says how its
	 * loop ended and what its flows moved, so flows that stalled (a blackhole, a broken
	 * connection) are evidence, not a timeout, however far each rank got
	 * (run_coll_stall.c); rank 0 keeps the slowest rank's time */
	ret = fp_run_coll_meet(rk, &c.tr, ret, sr->size, r, what, 0, NULL);
	if (!ret) {
		t0 = fp_clock_ticks(&rk->clk);
		for (int64_t i = 0; !ret && i < cfg->iters; i++)
			ret = one(&c);
		ret = fp_run_coll_meet(
			rk, &c.tr, ret, sr->size, r, what,
			(uint64_t)fp_clock_ns(&rk->clk, fp_clock_ticks(&rk->clk) - t0),
			&sr->coll_ns);
	}
	if (ret) {
		if (!rk->err[0])
			fp_say(rk->err, ERR_LEN, "rank %d: %s: %s", rk->rank, what, strerror(-ret));
		goto out;
	}
	sr->coll_iters = (uint64_t)cfg->iters;
	if (cfg->count_wrong) {
		rk->wrong = fp_coll_wrong(kind, rk->size, rk->rank, c.out, count);
		ret = fp_run_check_gather(rk, sr, what);
	}
out:
	coll_free(&c);
	fp_coll_plan_free(&plan);
	return ret;
}

int fp_coll_preflight(const struct fp_run_cfg *cfg, unsigned engine_flags)
{
	/* a collective moves every byte once: an engine that may lose frames would need a
	 * reliability protocol of its own, which fabprobe does not build over datagrams */
	if (engine_flags & FP_ENG_DGRAM) {
		fprintf(stderr,
			"fabprobe: %s needs every byte delivered: --engine %s%s moves datagrams, "
			"and frames may be lost (use sockets over TCP or verbs over RC)\n",
			cfg->pattern, cfg->engine,
			!strcmp(cfg->engine, "verbs") ? " --transport ud" : "");
		return 2;
	}
	if (!(engine_flags & FP_ENG_CARRY)) {
		fprintf(stderr, "fabprobe: %s: --engine %s cannot carry the ranks' data%s\n",
			cfg->pattern, cfg->engine,
			!strcmp(cfg->engine, "verbs") ? " with --op read (it pulls a pattern): use "
							"send, write or write_imm"
						      : "");
		return 2;
	}
	if (cfg->algo == FP_COLL_TREE && fp_coll_kind_of(cfg->pattern) != FP_COLL_ALLREDUCE) {
		fprintf(stderr, "fabprobe: --algo tree: allreduce only (%s: ring)\n", cfg->pattern);
		return 2;
	}
	if (cfg->duration_ns || cfg->soak || cfg->rate || cfg->rfc2544) {
		fprintf(stderr,
			"fabprobe: %s counts --iters collectives: no --duration, --soak, "
			"--rate or --rfc2544\n",
			cfg->pattern);
		return 2;
	}
	if (cfg->check) {
		char err[ERR_LEN];
		int rank, n = (int)cfg->np;

		if (n <= 0 && fp_run_who_am_i(cfg, &rank, &n, err))
			n = 0; /* told later, with the rest of the launch */
		if (!fp_coll_checkable(n)) {
			fprintf(stderr,
				"fabprobe: %s --check: %d ranks' sums are not exact in float "
				"(at most %lld ranks)\n",
				cfg->pattern, n, (long long)(((1 << 24) - 1) / FP_COLL_INPUT_MAX));
			return 2;
		}
	}
	for (unsigned i = 0; i < cfg->sizes.n; i++) {
		if (cfg->sizes.v[i] % sizeof(float) || !cfg->sizes.v[i]) {
			fprintf(stderr,
				"fabprobe: %s moves floats: size %llu is not a multiple of 4\n",
				cfg->pattern, (unsigned long long)cfg->sizes.v[i]);
			return 2;
		}
	}
	return 0;
}
