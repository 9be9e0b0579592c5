/* SPDX-License-Identifier: MIT */
/*
 * The benchmark clock: the invariant TSC, calibrated against CLOCK_MONOTONIC_RAW, where
 * the CPU says it is constant and non-stop; clock_gettime(CLOCK_MONOTONIC_RAW) otherwise.
 * Hot loops read raw ticks; conversion to nanoseconds happens after the run.
 */
#ifndef FP_CLOCK_H
#define FP_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct fp_clock {
	bool tsc;	    /* ticks are TSC cycles, else nanoseconds */
	double ns_per_tick; /* 1.0 for clock_gettime */
	double hz;	    /* ticks per second */
	char source[64];    /* recorded in run.json */
};

int fp_clock_init(struct fp_clock *clk);
/* Same, but never use the TSC: what a test or a non-x86 host gets. */
void fp_clock_init_gettime(struct fp_clock *clk);
/* Does this CPU advertise an invariant TSC? Reads a cpuinfo-format file. */
bool fp_tsc_invariant(const char *cpuinfo_path);

static inline uint64_t fp_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t fp_clock_ticks(const struct fp_clock *clk)
{
#if defined(__x86_64__) || defined(__i386__)
	if (clk->tsc)
		return __builtin_ia32_rdtsc();
#endif
	(void)clk;
	return fp_mono_ns();
}

static inline double fp_clock_ns(const struct fp_clock *clk, uint64_t ticks)
{
	return (double)ticks * clk->ns_per_tick;
}

static inline uint64_t fp_clock_from_ns(const struct fp_clock *clk, double ns)
{
	return (uint64_t)(ns / clk->ns_per_tick);
}

#endif
