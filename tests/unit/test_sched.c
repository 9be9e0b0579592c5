// SPDX-License-Identifier: MIT
/* Schedules: every pattern's invariants, for odd and even n. */
#include <string.h>
#include <time.h>

#include "../../benches/sched.h"
#include "../../core/clock.h"
#include "t.h"

static struct fp_pattern_opts opts(void)
{
	struct fp_pattern_opts o = { .rounds = 3, .shift = 1, .seed = 42 };

	return o;
}

static int build(struct fp_sched *s, const char *name, int n, const struct fp_pattern_opts *o)
{
	char err[256] = "";
	int ret = fp_sched_build(s, fp_pattern_find(name), n, o, err, sizeof(err));

	if (!ret)
		ret = fp_sched_check(s, err, sizeof(err));
	if (ret)
		fprintf(stderr, "%s n=%d: %s\n", name, n, err);
	return ret;
}

static void test_pairs(int n)
{
	struct fp_pattern_opts o = opts();
	struct fp_sched s;
	unsigned char *seen = calloc((size_t)n * n, 1), *inround = calloc((size_t)n, 1);

	CHECK(!build(&s, "pairs", n, &o), "pairs %d builds", n);
	CHECK(s.nrounds == (uint32_t)(n % 2 ? n : n - 1), "pairs %d: %u rounds", n, s.nrounds);
	for (uint32_t r = 0; r < s.nrounds; r++) {
		memset(inround, 0, (size_t)n);
		for (uint32_t e = s.rstart[r]; e < s.rstart[r + 1]; e++) {
			const struct fp_flow *f = &s.flows[s.rflows[e]];

			seen[f->src * n + f->dst]++;
			/* in a round a rank is the source of one flow and the destination of one */
			inround[f->src] |= 1;
			CHECK(!(inround[f->dst] & 2), "pairs %d round %u: rank %d twice", n, r,
			      f->dst);
			inround[f->dst] |= 2;
		}
		int idle = 0;

		for (int i = 0; i < n; i++)
			idle += !inround[i];
		CHECK(idle == n % 2, "pairs %d round %u: %d idle ranks", n, r, idle);
	}
	for (int a = 0; a < n; a++)
		for (int b = 0; b < n; b++)
			CHECK(seen[a * n + b] == (a != b), "pairs %d: %d->%d seen %d times", n, a,
			      b, seen[a * n + b]);
	fp_sched_destroy(&s);
	free(seen);
	free(inround);
}

static void test_derangement(void)
{
	uint32_t p[257], q[257];

	for (uint32_t n = 2; n <= 257; n += 15) {
		for (uint64_t seed = 1; seed < 20; seed++) {
			fp_derangement(p, n, seed);
			fp_derangement(q, n, seed);
			CHECK(!memcmp(p, q, n * sizeof(*p)), "reproducible n=%u", n);
			unsigned char *hit = calloc(n, 1);

			for (uint32_t i = 0; i < n; i++) {
				CHECK(p[i] != i, "fixed point n=%u seed=%llu", n,
				      (unsigned long long)seed);
				CHECK(p[i] < n && !hit[p[i]], "not a permutation");
				if (p[i] < n)
					hit[p[i]] = 1;
			}
			free(hit);
		}
	}
	fp_derangement(p, 50, 1);
	fp_derangement(q, 50, 2);
	CHECK(memcmp(p, q, 50 * sizeof(*p)), "different seeds, different rounds");
}

int main(void)
{
	struct fp_pattern_opts o = opts();
	struct fp_sched s;

	for (int n = 2; n <= 257; n += (n < 20 ? 1 : 37))
		test_pairs(n);
	test_derangement();

	CHECK(!build(&s, "alltoall", 9, &o) && s.nflows == 72 && s.nrounds == 1, "alltoall");
	fp_sched_destroy(&s);
	CHECK(!build(&s, "ring", 8, &o) && s.nflows == 8 && s.flows[7].dst == 0, "ring");
	fp_sched_destroy(&s);
	o.shift = -3;
	CHECK(!build(&s, "ring", 8, &o) && s.flows[0].dst == 5, "ring -3");
	fp_sched_destroy(&s);
	o.shift = 8;
	CHECK(build(&s, "ring", 8, &o), "ring shift n refused");
	fp_sched_destroy(&s);
	o = opts();
	CHECK(!build(&s, "incast", 6, &o) && s.nflows == 5 && s.nrounds == 1, "incast");
	for (uint32_t i = 0; i < s.nflows; i++)
		CHECK(s.flows[i].dst == 0, "incast to root");
	fp_sched_destroy(&s);
	o.rotate = true;
	CHECK(!build(&s, "broadcast", 6, &o) && s.nflows == 30 && s.nrounds == 6, "broadcast");
	fp_sched_destroy(&s);
	o = opts();
	o.root = 9;
	CHECK(build(&s, "incast", 6, &o), "root out of range refused");
	fp_sched_destroy(&s);
	o = opts();
	o.rounds = 5;
	CHECK(!build(&s, "permutation", 7, &o) && s.nrounds == 5, "permutation");
	for (uint32_t r = 0; r < s.nrounds; r++)
		CHECK(s.rstart[r + 1] - s.rstart[r] == 7 && s.rseed[r] == 42 + r,
		      "permutation round %u", r);
	CHECK(s.nflows <= 35, "permutation reuses repeated pairs");
	fp_sched_destroy(&s);
	o = opts();
	o.groups = "a,b,a,b,a,b";
	o.bidir = true;
	CHECK(!build(&s, "bisection", 6, &o), "bisection");
	for (uint32_t e = 0; e < s.nentries; e++) {
		const struct fp_flow *f = &s.flows[s.rflows[e]];

		CHECK(f->src % 2 != f->dst % 2, "bisection crosses the cut");
	}
	fp_sched_destroy(&s);
	o.groups = "a,a,a,b";
	CHECK(build(&s, "bisection", 4, &o), "unequal groups refused");
	fp_sched_destroy(&s);
	o.groups = "a,b,c,a";
	CHECK(build(&s, "bisection", 4, &o), "three groups refused");
	fp_sched_destroy(&s);
	o = opts();
	CHECK(build(&s, "stream", 3, &o), "stream needs an even count");
	fp_sched_destroy(&s);
	CHECK(!build(&s, "pingpong", 4, &o) && s.nflows == 2 && s.flows[1].src == 2, "pingpong");
	fp_sched_destroy(&s);

	/* scale: n = 4096, built and checked; the time is printed, not asserted */
	{
		const char *names[] = { "pairs", "permutation", "alltoall" };

		for (int i = 0; i < 3; i++) {
			uint64_t t0 = fp_mono_ns();

			CHECK(!build(&s, names[i], 4096, &o), "%s 4096", names[i]);
			printf("%s n=4096: %u flows, %u rounds, built and checked in %.3f s\n",
			       names[i], s.nflows, s.nrounds, (double)(fp_mono_ns() - t0) / 1e9);
			fp_sched_destroy(&s);
		}
	}
	return t_done("sched");
}
