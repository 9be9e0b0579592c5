// SPDX-License-Identifier: MIT
/* Histogram percentiles and moments against exact figures over random data. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/hist.h"
#include "t.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t xs(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double exact_pct(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)sorted[rank - 1];
}

static void check_dist(const char *name, uint64_t (*gen)(void), size_t n)
{
	struct fp_hist *h = malloc(sizeof(*h));
	uint64_t *v = malloc(n * sizeof(*v));
	static const double ps[] = { 0, 1, 10, 50, 90, 99, 99.9, 99.99, 100 };
	double sum = 0, ss = 0, mean, sd;
	struct fp_lat_stats st;

	fp_hist_reset(h);
	for (size_t i = 0; i < n; i++) {
		v[i] = gen();
		fp_hist_add(h, v[i]);
		sum += (double)v[i];
	}
	mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += ((double)v[i] - mean) * ((double)v[i] - mean);
	sd = sqrt(ss / (double)(n - 1));
	qsort(v, n, sizeof(*v), cmp);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double want = exact_pct(v, n, ps[i]), got = fp_hist_percentile(h, ps[i]);

		CHECK(fabs(got - want) <= want * FP_HIST_REL_ERROR + 0.5,
		      "%s p%g: got %.3f want %.3f", name, ps[i], got, want);
	}
	fp_hist_stats(h, 1.0, &st);
	CHECK(st.count == n, "%s count", name);
	CHECK(st.min == (double)v[0] && st.max == (double)v[n - 1], "%s min/max", name);
	CHECK(fabs(st.mean - mean) <= 1e-9 * mean + 1e-9, "%s mean %.6f vs %.6f", name, st.mean,
	      mean);
	CHECK(fabs(st.stddev - sd) <= 1e-7 * sd + 1e-9, "%s stddev %.9f vs %.9f", name, st.stddev,
	      sd);
	free(v);
	free(h);
}

static uint64_t gen_uniform(void)
{
	return 1000 + xs() % 100000;
}

static uint64_t gen_small(void)
{
	return xs() % 300;
}

static uint64_t gen_tail(void)
{
	/* latencies: mostly ~2us in ticks, a heavy tail to seconds */
	uint64_t r = xs();

	return r % 1000 ? 5000 + r % 400 : 5000 + (r >> 20) % 3000000000ull;
}

static uint64_t gen_wide(void)
{
	return xs() >> (xs() % 60);
}

int main(void)
{
	struct fp_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *c = malloc(sizeof(*c));
	uint8_t *buf = malloc(fp_hist_encoded_max());
	size_t len, used;

	check_dist("uniform", gen_uniform, 200000);
	check_dist("small", gen_small, 50000);
	check_dist("tail", gen_tail, 300000);
	check_dist("wide", gen_wide, 100000);

	/* every bucket's midpoint is within the bound of every value it holds */
	for (uint64_t v = 1; v < (1ull << 62); v = v * 3 / 2 + 1) {
		double mid = fp_hist_bucket_value(fp_hist_index(v));

		CHECK(fabs(mid - (double)v) <= (double)v * FP_HIST_REL_ERROR + 0.5,
		      "bucket of %llu reports %.1f", (unsigned long long)v, mid);
	}
	CHECK(fp_hist_index(UINT64_MAX) < FP_HIST_BUCKETS, "top index in range");

	/* merge equals adding everything to one */
	fp_hist_reset(a);
	fp_hist_reset(b);
	fp_hist_reset(c);
	for (int i = 0; i < 10000; i++) {
		uint64_t x = gen_tail();

		fp_hist_add(i % 3 ? a : b, x);
		fp_hist_add(c, x);
	}
	fp_hist_merge(a, b);
	CHECK(a->count == c->count && a->min == c->min && a->max == c->max, "merge counts");
	CHECK(fabs(a->mean - c->mean) < 1e-6 * c->mean, "merge mean");
	CHECK(fabs(a->m2 - c->m2) < 1e-6 * c->m2, "merge m2");
	CHECK(!memcmp(a->bucket, c->bucket, sizeof(a->bucket)), "merge buckets");

	/* scaled merge: percentiles within twice the bound */
	fp_hist_reset(b);
	fp_hist_merge_scaled(b, c, 0.385);
	CHECK(fabs(fp_hist_percentile(b, 50) - fp_hist_percentile(c, 50) * 0.385) <=
		      fp_hist_percentile(c, 50) * 0.385 * 2 * FP_HIST_REL_ERROR + 1,
	      "scaled p50");

	/* wire round trip, and hostile input */
	len = fp_hist_encode(c, buf, fp_hist_encoded_max());
	CHECK(len > 0, "encode");
	CHECK(!fp_hist_decode(a, buf, len, &used) && used == len, "decode");
	CHECK(!memcmp(a->bucket, c->bucket, sizeof(a->bucket)) && a->count == c->count,
	      "roundtrip");
	CHECK(fp_hist_decode(a, buf, len - 1, &used) == -EBADMSG, "truncated");
	CHECK(fp_hist_decode(a, buf, 10, &used) == -EBADMSG, "short header");
	buf[40] = 0xff; /* absurd bucket count */
	CHECK(fp_hist_decode(a, buf, len, &used) == -EBADMSG, "hostile count");
	free(a);
	free(b);
	free(c);
	free(buf);
	return t_done("hist");
}
