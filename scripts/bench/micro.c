// SPDX-License-Identifier: MIT
/*
 * scripts/bench/micro's harness: the cost of a histogram record and of a clock read, in
 * nanoseconds, best of five runs of ten million each. Built by the script from core/.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../core/clock.h"
#include "../../core/hist.h"

#define N 10000000u

static double best_of(double (*fn)(const struct fp_clock *, void *), const struct fp_clock *clk,
		      void *arg)
{
	double best = 1e30;

	for (int i = 0; i < 5; i++) {
		double ns = fn(clk, arg);

		if (ns < best)
			best = ns;
	}
	return best;
}

static double hist_record(const struct fp_clock *clk, void *arg)
{
	struct fp_hist *h = arg;
	uint64_t v = 12345, t0 = fp_mono_ns();

	(void)clk;
	for (unsigned i = 0; i < N; i++) {
		v = v * 6364136223846793005ull + 1442695040888963407ull; /* spread the buckets */
		fp_hist_add(h, v >> 40);
	}
	return (double)(fp_mono_ns() - t0) / N;
}

static double clock_read(const struct fp_clock *clk, void *arg)
{
	volatile uint64_t sink = 0;
	uint64_t t0 = fp_mono_ns();

	(void)arg;
	for (unsigned i = 0; i < N; i++)
		sink += fp_clock_ticks(clk);
	(void)sink;
	return (double)(fp_mono_ns() - t0) / N;
}

int main(void)
{
	struct fp_clock clk;
	struct fp_hist *h = calloc(1, sizeof(*h));

	if (!h || fp_clock_init(&clk)) {
		fprintf(stderr, "micro: no memory or no clock\n");
		return 1;
	}
	fp_hist_reset(h);
	printf("hist_record_ns %.2f\n", best_of(hist_record, &clk, h));
	printf("clock_read_ns %.2f\n", best_of(clock_read, &clk, NULL));
	free(h);
	return 0;
}
