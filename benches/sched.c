// SPDX-License-Identifier: MIT
#include "sched.h"
#include "coll.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"

uint64_t fp_rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rand_below(uint64_t *st, uint32_t n)
{
	/* Lemire's multiply-shift with rejection: unbiased */
	uint64_t m = (uint64_t)(uint32_t)fp_rand_next(st) * n;
	uint32_t l = (uint32_t)m;

	if (l < n) {
		uint32_t t = (uint32_t)-n % n;

		while (l < t) {
			m = (uint64_t)(uint32_t)fp_rand_next(st) * n;
			l = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

void fp_derangement(uint32_t *perm, uint32_t n, uint64_t seed)
{
	uint64_t st = seed;
	bool fixed;

	/* Fisher-Yates until no fixed point: uniform over derangements, e tries on average */
	do {
		for (uint32_t i = 0; i < n; i++)
			perm[i] = i;
		for (uint32_t i = n - 1; i > 0; i--) {
			uint32_t j = rand_below(&st, i + 1), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		fixed = false;
		for (uint32_t i = 0; i < n && !fixed; i++)
			fixed = perm[i] == i;
	} while (fixed);
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c = c > UINT32_MAX / 2 ? UINT32_MAX : c * 2;
	q = realloc(*p, (size_t)c * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* Patterns that know their size up front skip the doublings. */
static int reserve(struct fp_sched *s, uint64_t flows, uint64_t entries)
{
	if (flows > UINT32_MAX || entries > UINT32_MAX)
		return -E2BIG;
	if (grow((void **)&s->flows, &s->cap_flows, (uint32_t)flows, sizeof(*s->flows)) ||
	    grow((void **)&s->rflows, &s->cap_entries, (uint32_t)entries, sizeof(*s->rflows)))
		return -ENOMEM;
	return 0;
}

int fp_sched_round_begin(struct fp_sched *s, uint64_t seed, int root)
{
	if (s->nrounds + 2 > s->cap_rounds) {
		uint32_t c = s->cap_rounds ? s->cap_rounds * 2 : 16;
		uint64_t *sd = realloc(s->rseed, sizeof(*sd) * c);

		if (sd)
			s->rseed = sd;
		int32_t *rt = realloc(s->rroot, sizeof(*rt) * c);

		if (rt)
			s->rroot = rt;
		uint32_t *st = realloc(s->rstart, sizeof(*st) * c);

		if (st)
			s->rstart = st;
		if (!sd || !rt || !st)
			return -ENOMEM;
		s->cap_rounds = c;
	}
	s->rseed[s->nrounds] = seed;
	s->rroot[s->nrounds] = root;
	s->rstart[s->nrounds] = s->nentries;
	s->nrounds++;
	s->rstart[s->nrounds] = s->nentries;
	return 0;
}

static uint64_t hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static int hash_grow(struct fp_sched *s)
{
	uint32_t ncap = s->hcap ? s->hcap * 2 : 1024;
	uint64_t *nk = malloc(sizeof(*nk) * ncap);
	uint32_t *nv = malloc(sizeof(*nv) * ncap);

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return -ENOMEM;
	}
	memset(nk, 0xff, sizeof(*nk) * ncap);
	for (uint32_t i = 0; i < s->hcap; i++) {
		uint32_t h;

		if (s->hkey[i] == UINT64_MAX)
			continue;
		for (h = (uint32_t)hash_key(s->hkey[i]) & (ncap - 1); nk[h] != UINT64_MAX;
		     h = (h + 1) & (ncap - 1))
			;
		nk[h] = s->hkey[i];
		nv[h] = s->hval[i];
	}
	free(s->hkey);
	free(s->hval);
	s->hkey = nk;
	s->hval = nv;
	s->hcap = ncap;
	return 0;
}

int fp_sched_add(struct fp_sched *s, int src, int dst, bool dedupe)
{
	uint64_t key = (uint64_t)(uint32_t)src << 32 | (uint32_t)dst;
	uint32_t id = s->nflows, h = 0;

	if (src < 0 || dst < 0 || src >= s->n || dst >= s->n || src == dst || !s->nrounds)
		return -EINVAL;
	if (dedupe) {
		if (s->nflows * 2 >= s->hcap && hash_grow(s))
			return -ENOMEM;
		for (h = (uint32_t)hash_key(key) & (s->hcap - 1); s->hkey[h] != UINT64_MAX;
		     h = (h + 1) & (s->hcap - 1)) {
			if (s->hkey[h] == key) {
				id = s->hval[h];
				break;
			}
		}
	}
	if (id == s->nflows) {
		if (grow((void **)&s->flows, &s->cap_flows, s->nflows + 1, sizeof(*s->flows)))
			return -ENOMEM;
		s->flows[id] = (struct fp_flow){ .id = id, .src = src, .dst = dst };
		s->nflows++;
		if (dedupe) {
			s->hkey[h] = key;
			s->hval[h] = id;
		}
	}
	if (grow((void **)&s->rflows, &s->cap_entries, s->nentries + 1, sizeof(*s->rflows)))
		return -ENOMEM;
	s->rflows[s->nentries++] = id;
	s->rstart[s->nrounds] = s->nentries;
	return 0;
}

void fp_sched_destroy(struct fp_sched *s)
{
	if (!s)
		return;
	free(s->flows);
	free(s->rstart);
	free(s->rseed);
	free(s->rroot);
	free(s->rflows);
	free(s->hkey);
	free(s->hval);
	memset(s, 0, sizeof(*s));
}

int fp_sched_check(const struct fp_sched *s, char *err, size_t errlen)
{
	uint32_t *last = calloc(s->nflows ? s->nflows : 1, sizeof(*last));
	int ret = -EINVAL;

	if (!last)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->nflows; i++) {
		const struct fp_flow *f = &s->flows[i];

		if (f->id != i || f->src < 0 || f->dst < 0 || f->src >= s->n || f->dst >= s->n ||
		    f->src == f->dst) {
			fp_say(err, errlen, "schedule: flow %u (%d -> %d) is malformed", i, f->src,
			       f->dst);
			goto out;
		}
	}
	/* duplicate pairs: sort-free check with the flows' own order per source */
	for (uint32_t r = 0; r < s->nrounds; r++) {
		if (s->rstart[r] > s->rstart[r + 1] || s->rstart[r + 1] > s->nentries) {
			fp_say(err, errlen, "schedule: round %u bounds are broken", r);
			goto out;
		}
		for (uint32_t e = s->rstart[r]; e < s->rstart[r + 1]; e++) {
			uint32_t id = s->rflows[e];

			if (id >= s->nflows) {
				fp_say(err, errlen, "schedule: round %u names flow %u of %u", r, id,
				       s->nflows);
				goto out;
			}
			if (last[id] == r + 1) {
				fp_say(err, errlen, "schedule: flow %u appears twice in round %u",
				       id, r);
				goto out;
			}
			last[id] = r + 1;
		}
	}
	ret = 0;
out:
	free(last);
	return ret;
}

/* ---------- patterns ---------- */

static int build_pairs_of_two(struct fp_sched *s, const struct fp_pattern_opts *o)
{
	int ret = fp_sched_round_begin(s, 0, -1);

	for (int r = 0; !ret && r + 1 < s->n; r += 2) {
		ret = fp_sched_add(s, r, r + 1, false);
		if (!ret && o->bidir)
			ret = fp_sched_add(s, r + 1, r, false);
	}
	return ret;
}

static int b_pingpong(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	struct fp_pattern_opts uni = *o;

	(void)err;
	(void)el;
	uni.bidir = false; /* a ping-pong is both directions already */
	return build_pairs_of_two(s, &uni);
}

static int b_stream(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	(void)err;
	(void)el;
	return build_pairs_of_two(s, o);
}

static int b_alltoall(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	uint64_t n = (uint64_t)s->n;
	int ret = reserve(s, n * (n - 1), n * (n - 1));

	if (!ret)
		ret = fp_sched_round_begin(s, 0, -1);

	(void)o;
	(void)err;
	(void)el;
	/* staggered order: rank i starts with i+1, so no destination is everyone's first */
	for (int k = 1; !ret && k < s->n; k++)
		for (int i = 0; !ret && i < s->n; i++)
			ret = fp_sched_add(s, i, (i + k) % s->n, false);
	return ret;
}

/*
 * All pairs by the circle method: rank n-1 (or a bye when n is odd) stays put while the
 * others rotate; n-1 rounds (n even) or n rounds (n odd) of disjoint pairs, every pair
 * exactly once. Both directions of a pair run at once; the latency phase uses the flow
 * from the lower rank.
 */
static int b_pairs(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	int m = s->n % 2 ? s->n + 1 : s->n; /* m-1 is the bye when n is odd */
	uint64_t n = (uint64_t)s->n;
	int ret = reserve(s, n * (n - 1), n * (n - 1));

	(void)err;
	(void)el;
	if (o->alone) {
		for (int a = 0; !ret && a < s->n; a++)
			for (int b = a + 1; !ret && b < s->n; b++) {
				ret = fp_sched_round_begin(s, 0, -1);
				if (!ret)
					ret = fp_sched_add(s, a, b, false);
				if (!ret)
					ret = fp_sched_add(s, b, a, false);
			}
		return ret;
	}
	for (int r = 0; !ret && r < m - 1; r++) {
		ret = fp_sched_round_begin(s, 0, -1);
		for (int k = 0; !ret && k < m / 2; k++) {
			int a = k == 0 ? m - 1 : (r + k) % (m - 1);
			int b = (r + m - 1 - k) % (m - 1);

			if (a >= s->n || b >= s->n)
				continue; /* the bye */
			if (a > b) {
				int t = a;
				a = b;
				b = t;
			}
			ret = fp_sched_add(s, a, b, false);
			if (!ret)
				ret = fp_sched_add(s, b, a, false);
		}
	}
	return ret;
}

static int b_permutation(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	uint32_t *perm = malloc(sizeof(*perm) * (size_t)s->n);
	int ret = 0;

	(void)err;
	(void)el;
	if (!perm)
		return -ENOMEM;
	for (int r = 0; !ret && r < o->rounds; r++) {
		uint64_t seed = o->seed + (uint64_t)r;

		fp_derangement(perm, (uint32_t)s->n, seed);
		ret = fp_sched_round_begin(s, seed, -1);
		for (int i = 0; !ret && i < s->n; i++)
			ret = fp_sched_add(s, i, (int)perm[i], true);
	}
	free(perm);
	return ret;
}

/* Split ranks into two groups from a label list "a,a,b,b" (or by rank: halves). */
static int split_groups(int n, const char *labels, int *side, char *err, size_t el)
{
	char first[64] = "", second[64] = "";
	const char *p = labels;

	if (!labels) {
		for (int i = 0; i < n; i++)
			side[i] = i >= n / 2;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char lab[64];
		size_t l = strcspn(p, ",");

		if (!*p || l == 0 || l >= sizeof(lab)) {
			fp_say(err, el, "--groups: needs one label per rank (%d), comma-separated",
			       n);
			return -EINVAL;
		}
		memcpy(lab, p, l);
		lab[l] = 0;
		p += l + (p[l] == ',');
		if (!*first || !strcmp(lab, first)) {
			strcpy(first, lab);
			side[i] = 0;
		} else if (!*second || !strcmp(lab, second)) {
			strcpy(second, lab);
			side[i] = 1;
		} else {
			fp_say(err, el,
			       "--groups: a bisection has two groups, found a third ('%s')", lab);
			return -EINVAL;
		}
	}
	if (*p) {
		fp_say(err, el, "--groups: more labels than the %d ranks", n);
		return -EINVAL;
	}
	return 0;
}

static int b_bisection(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	int *side = malloc(sizeof(int) * (size_t)s->n * 3), *a, *b, na = 0, nb = 0, ret = 0;

	if (!side)
		return -ENOMEM;
	a = side + s->n;
	b = a + s->n;
	ret = split_groups(s->n, o->groups, side, err, el);
	for (int i = 0; !ret && i < s->n; i++) {
		if (side[i])
			b[nb++] = i;
		else
			a[na++] = i;
	}
	if (!ret && (na != nb || !na)) {
		fp_say(err, el,
		       "bisection: the groups have %d and %d ranks; they must be equal and "
		       "non-empty",
		       na, nb);
		ret = -EINVAL;
	}
	/* round r pairs a[i] with b[(i + r) % m]: a different partner across the cut each round */
	for (int r = 0; !ret && r < o->rounds; r++) {
		ret = fp_sched_round_begin(s, 0, -1);
		for (int i = 0; !ret && i < na; i++) {
			int x = a[i], y = b[(i + r) % nb];

			ret = fp_sched_add(s, x, y, true);
			if (!ret && o->bidir)
				ret = fp_sched_add(s, y, x, true);
		}
	}
	free(side);
	return ret;
}

static int b_fan(struct fp_sched *s, const struct fp_pattern_opts *o, bool in, char *err, size_t el)
{
	int first = o->rotate ? 0 : o->root, last = o->rotate ? s->n - 1 : o->root, ret = 0;

	if (o->root < 0 || o->root >= s->n) {
		fp_say(err, el, "--root %d is not a rank of %d", o->root, s->n);
		return -EINVAL;
	}
	for (int root = first; !ret && root <= last; root++) {
		ret = fp_sched_round_begin(s, 0, root);
		for (int i = 0; !ret && i < s->n; i++)
			if (i != root)
				ret = in ? fp_sched_add(s, i, root, false)
					 : fp_sched_add(s, root, i, false);
	}
	return ret;
}

static int b_incast(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	return b_fan(s, o, true, err, el);
}

static int b_broadcast(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	return b_fan(s, o, false, err, el);
}

static int b_ring(struct fp_sched *s, const struct fp_pattern_opts *o, char *err, size_t el)
{
	int k = ((o->shift % s->n) + s->n) % s->n, ret;

	if (!k) {
		fp_say(err, el,
		       "--shift %d is a multiple of the %d ranks: every rank would send to "
		       "itself",
		       o->shift, s->n);
		return -EINVAL;
	}
	ret = fp_sched_round_begin(s, 0, -1);
	for (int i = 0; !ret && i < s->n; i++)
		ret = fp_sched_add(s, i, (i + k) % s->n, false);
	return ret;
}

static const struct fp_pattern patterns[] = {
	{ "pingpong", "latency between pairs 0-1, 2-3, ... (one-way = RTT/2)", FP_MEASURE_LAT, 2,
	  true, b_pingpong },
	{ "stream", "bandwidth between pairs 0->1, 2->3, ... (--bidir: both ways)", FP_MEASURE_BW,
	  2, true, b_stream },
	{ "alltoall", "every rank to every other at once (nccl-tests alltoall)", FP_MEASURE_BW, 2,
	  false, b_alltoall },
	{ "pairs", "all pairs in n-1 rounds of disjoint pairs; bandwidth and latency matrices",
	  FP_MEASURE_BW | FP_MEASURE_LAT, 2, false, b_pairs },
	{ "permutation", "random derangements, one per round (ECMP collisions in a Clos)",
	  FP_MEASURE_BW, 2, false, b_permutation },
	{ "bisection", "each rank paired across a cut between two groups", FP_MEASURE_BW, 2, false,
	  b_bisection },
	{ "incast", "n-1 ranks to one root (--rotate: every root in turn)", FP_MEASURE_BW, 2, false,
	  b_incast },
	{ "broadcast", "one root to n-1 ranks (--rotate: every root in turn)", FP_MEASURE_BW, 2,
	  false, b_broadcast },
	{ "ring", "rank i to rank i+K (--shift K)", FP_MEASURE_BW, 2, false, b_ring },
	{ "allreduce", "sum of floats on every rank (--algo ring|tree; nccl-tests busbw)",
	  FP_MEASURE_COLL, 2, false, fp_coll_build_allreduce },
	{ "allgather", "every rank's chunk to every rank (ring; nccl-tests busbw)", FP_MEASURE_COLL,
	  2, false, fp_coll_build_allgather },
	{ "reducescatter", "chunk r of the sum to rank r (ring; nccl-tests busbw)", FP_MEASURE_COLL,
	  2, false, fp_coll_build_reducescatter },
};

const struct fp_pattern *fp_patterns(unsigned *n)
{
	*n = sizeof(patterns) / sizeof(patterns[0]);
	return patterns;
}

const struct fp_pattern *fp_pattern_find(const char *name)
{
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (!strcmp(patterns[i].name, name))
			return &patterns[i];
	return NULL;
}

int fp_sched_build(struct fp_sched *s, const struct fp_pattern *p, int n,
		   const struct fp_pattern_opts *o, char *err, size_t errlen)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->measure = p->measure;
	if (n < p->min_ranks || (p->even_ranks && n % 2)) {
		fp_say(err, errlen, "%s needs %d or more ranks%s, got %d (e.g. --np %d)", p->name,
		       p->min_ranks, p->even_ranks ? ", an even number" : "", n,
		       n < p->min_ranks ? p->min_ranks : n + 1);
		return -EINVAL;
	}
	/* no cap on ranks here (a live run's is the rendezvous's, run_launch.c); a schedule
	 * holds at most 2^32 - 1 flows */
	ret = p->build(s, o, err, errlen);
	for (uint32_t i = 0; !ret && o->reverse && i < s->nflows; i++) {
		int src = s->flows[i].src;

		s->flows[i].src = s->flows[i].dst;
		s->flows[i].dst = src;
	}
	if (ret == -E2BIG)
		fp_say(err, errlen, "%s: %d ranks make more than 2^32 - 1 flows", p->name, n);
	else if (ret == -ENOMEM)
		fp_say(err, errlen, "%s: out of memory building the schedule for %d ranks", p->name,
		       n);
	else if (ret == -EINVAL && !*err)
		fp_say(err, errlen, "%s: invalid options for %d ranks", p->name, n);
	return ret;
}
