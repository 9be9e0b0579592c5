// SPDX-License-Identifier: MIT
/* Collectives: schedules, per-rank plans and the reference result (coll.h). */
#include "coll.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"

int fp_coll_kind_of(const char *pattern)
{
	static const char *const names[] = { "allreduce", "allgather", "reducescatter" };

	for (int k = 0; k < 3; k++)
		if (!strcmp(pattern, names[k]))
			return k;
	return -1;
}

/* Tree t's position of rank r, and back: the second tree is the first mirrored. */
static int pos_of(int t, int n, int r)
{
	return t ? n - 1 - r : r;
}

static int rank_at(int t, int n, int p)
{
	return t ? n - 1 - p : p;
}

static uint32_t flow_of(const struct fp_sched *s, int src, int dst)
{
	for (uint32_t i = 0; i < s->nflows; i++)
		if (s->flows[i].src == src && s->flows[i].dst == dst)
			return i;
	return FP_COLL_LOCAL; /* not reached: the schedule holds every pair a plan uses */
}

int fp_coll_sched(struct fp_sched *s, int kind, int algo, char *err, size_t el)
{
	int n = s->n, ret;

	if (algo == FP_COLL_TREE && kind != FP_COLL_ALLREDUCE) {
		fp_say(err, el, "--algo tree: allreduce only (allgather, reducescatter: ring)");
		return -EINVAL;
	}
	ret = fp_sched_round_begin(s, 0, -1);
	for (int i = 0; !ret && algo == FP_COLL_RING && i < n; i++)
		ret = fp_sched_add(s, i, (i + 1) % n, false);
	for (int t = 0; algo == FP_COLL_TREE && t < 2; t++) {
		for (int p = 1; !ret && p < n; p++) {
			int c = rank_at(t, n, p), up = rank_at(t, n, (p - 1) / 2);

			/* the trees share some edges: one flow each way (a round holds a flow once) */
			if (flow_of(s, c, up) == FP_COLL_LOCAL)
				ret = fp_sched_add(s, c, up, false);
			if (!ret && flow_of(s, up, c) == FP_COLL_LOCAL)
				ret = fp_sched_add(s, up, c, false);
		}
	}
	return ret;
}

int fp_coll_build_allreduce(struct fp_sched *s, const struct fp_pattern_opts *o, char *err,
			    size_t el)
{
	return fp_coll_sched(s, FP_COLL_ALLREDUCE, o->algo, err, el);
}

int fp_coll_build_allgather(struct fp_sched *s, const struct fp_pattern_opts *o, char *err,
			    size_t el)
{
	return fp_coll_sched(s, FP_COLL_ALLGATHER, o->algo, err, el);
}

int fp_coll_build_reducescatter(struct fp_sched *s, const struct fp_pattern_opts *o, char *err,
				size_t el)
{
	return fp_coll_sched(s, FP_COLL_REDUCESCATTER, o->algo, err, el);
}

static uint64_t chunk_at(uint64_t count, int n, int k)
{
	return count * (uint64_t)k / (uint64_t)n;
}

static int add(struct fp_coll_plan *p, struct fp_coll_op op)
{
	if (!op.len) /* both ends skip an empty message alike */
		return 0;
	if (p->n == p->cap) {
		unsigned cap = p->cap ? p->cap * 2 : 16;
		struct fp_coll_op *o = realloc(p->ops, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		p->ops = o;
		p->cap = cap;
	}
	p->ops[p->n++] = op;
	return 0;
}

/* Chunk k (mod n) of count floats as an op's range. */
static struct fp_coll_op chunk_op(uint64_t count, int n, int k, struct fp_coll_op op)
{
	k = ((k % n) + n) % n;
	op.off = chunk_at(count, n, k);
	op.len = chunk_at(count, n, k + 1) - op.off;
	return op;
}

/*
 * Ring: reduce-scatter steps s = 0..n-2 send chunk r-s-1 and receive chunk r-s-2 (added to
 * the rank's input), so rank r ends holding chunk r summed; allgather steps send chunk r-s
 * and receive chunk r-s-1 into out.
 */
static int plan_ring(struct fp_coll_plan *p, const struct fp_sched *s, int kind, int r)
{
	int n = s->n, ret = 0;
	uint32_t right = flow_of(s, r, (r + 1) % n), left = flow_of(s, (r + n - 1) % n, r);
	uint16_t st = 0;

	if (kind == FP_COLL_ALLGATHER)
		ret = add(p, chunk_op(p->count, n, r,
				      (struct fp_coll_op){ .flow = FP_COLL_LOCAL, .stage = st++ }));
	for (int k = 0; !ret && kind != FP_COLL_ALLGATHER && k < n - 1; k++, st++) {
		ret = add(p, chunk_op(p->count, n, r - k - 1,
				      (struct fp_coll_op){ .flow = right,
							   .stage = st,
							   .tx = true,
							   .base_out = k > 0 }));
		if (!ret)
			ret = add(p, chunk_op(p->count, n, r - k - 2,
					      (struct fp_coll_op){
						      .flow = left, .stage = st, .sum = true }));
	}
	for (int k = 0; !ret && kind != FP_COLL_REDUCESCATTER && k < n - 1; k++, st++) {
		ret = add(p, chunk_op(p->count, n, r - k,
				      (struct fp_coll_op){ .flow = right,
							   .stage = st,
							   .tx = true,
							   .base_out = true }));
		if (!ret)
			ret = add(p, chunk_op(p->count, n, r - k - 1,
					      (struct fp_coll_op){ .flow = left, .stage = st }));
	}
	return ret;
}

/* Tree t: receive and add each child's half, send it up, take the sum back, send it down. */
static int plan_tree(struct fp_coll_plan *p, const struct fp_sched *s, int t, int r)
{
	int n = s->n, me = pos_of(t, n, r), ret = 0;
	uint64_t off = t ? p->count / 2 : 0, len = t ? p->count - p->count / 2 : p->count / 2;
	struct fp_coll_op op = { .lane = (uint8_t)t, .off = off, .len = len };
	int kids[2] = { 2 * me + 1, 2 * me + 2 }, up = rank_at(t, n, (me - 1) / 2);

	if (kids[0] >= n) { /* a leaf: its half is its own input */
		op.flow = FP_COLL_LOCAL;
		ret = add(p, op);
	}
	for (int k = 0; k < 2 && !ret && kids[k] < n; k++) {
		op.flow = flow_of(s, rank_at(t, n, kids[k]), r);
		op.stage = (uint16_t)k;
		op.sum = true;
		op.base_out = k > 0;
		ret = add(p, op);
	}
	op = (struct fp_coll_op){ .lane = (uint8_t)t, .off = off, .len = len, .base_out = true };
	if (!ret && me) {
		op.flow = flow_of(s, r, up);
		op.stage = 2;
		op.tx = true;
		ret = add(p, op);
		op.flow = flow_of(s, up, r);
		op.stage = 3;
		op.tx = false;
		if (!ret)
			ret = add(p, op);
	}
	for (int k = 0; k < 2 && !ret && kids[k] < n; k++) {
		op.flow = flow_of(s, r, rank_at(t, n, kids[k]));
		op.stage = 4;
		op.tx = true;
		ret = add(p, op);
	}
	return ret;
}

int fp_coll_plan(struct fp_coll_plan *p, const struct fp_sched *s, int kind, int algo, int r,
		 uint64_t count)
{
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->count = count;
	p->nlanes = algo == FP_COLL_TREE ? 2 : 1;
	if (algo == FP_COLL_RING)
		ret = plan_ring(p, s, kind, r);
	for (int t = 0; !ret && algo == FP_COLL_TREE && t < 2; t++)
		ret = plan_tree(p, s, t, r);
	/* each flow and direction numbers its messages in plan order: lane, then stage */
	for (unsigned i = 0; !ret && i < p->n; i++) {
		p->ops[i].seq = 0;
		for (unsigned k = 0; k < i; k++)
			p->ops[i].seq += p->ops[k].flow == p->ops[i].flow &&
					 p->ops[k].tx == p->ops[i].tx &&
					 p->ops[k].flow != FP_COLL_LOCAL;
	}
	if (ret)
		fp_coll_plan_free(p);
	return ret;
}

void fp_coll_plan_free(struct fp_coll_plan *p)
{
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

float fp_coll_input(int r, uint64_t i)
{
	return (float)((r % 32 + 1) * (int)(i % 7 + 1));
}

bool fp_coll_checkable(int64_t n)
{
	return n * FP_COLL_INPUT_MAX < (int64_t)1 << 24;
}

/* The sum over n ranks of r % 32 + 1. */
static int64_t rank_sum(int n)
{
	int64_t m = n % 32;

	return (int64_t)(n / 32) * (32 * 33 / 2) + m * (m + 1) / 2;
}

uint64_t fp_coll_wrong(int kind, int n, int r, const float *out, uint64_t count)
{
	uint64_t wrong = 0, lo = 0, hi = count;
	int64_t sum = rank_sum(n);
	int k = 0; /* allgather: the rank whose chunk holds i, advancing with i */

	if (kind == FP_COLL_REDUCESCATTER) {
		lo = chunk_at(count, n, r);
		hi = chunk_at(count, n, r + 1);
	}
	for (uint64_t i = lo; i < hi; i++) {
		float want = (float)(sum * (int64_t)(i % 7 + 1));

		if (kind == FP_COLL_ALLGATHER) {
			while (chunk_at(count, n, k + 1) <= i)
				k++;
			want = fp_coll_input(k, i);
		}
		wrong += out[i] != want;
	}
	return wrong;
}

uint64_t fp_coll_max_len(int algo, int n, uint64_t count)
{
	if (algo == FP_COLL_TREE)
		return count - count / 2; /* the second tree's half */
	return n > 0 ? (count + (uint64_t)n - 1) / (uint64_t)n : count;
}

unsigned fp_coll_flow_msgs(int kind, int algo, int n)
{
	if (algo == FP_COLL_TREE)
		return 2;
	return (kind == FP_COLL_ALLREDUCE ? 2u : 1u) * (unsigned)(n > 1 ? n - 1 : 1);
}

double fp_coll_bus_factor(int kind, int n)
{
	return (kind == FP_COLL_ALLREDUCE ? 2.0 : 1.0) * (n - 1) / n;
}
