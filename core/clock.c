// SPDX-License-Identifier: MIT
#include "clock.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

bool fp_tsc_invariant(const char *cpuinfo_path)
{
	char line[4096];
	bool constant = false, nonstop = false;
	FILE *f = fopen(cpuinfo_path, "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		constant = strstr(line, " constant_tsc") != NULL;
		nonstop = strstr(line, " nonstop_tsc") != NULL;
		break;
	}
	fclose(f);
	return constant && nonstop;
}

void fp_clock_init_gettime(struct fp_clock *clk)
{
	clk->tsc = false;
	clk->checked = false;
	clk->tsc0 = clk->ns0 = 0;
	clk->ns_per_tick = 1.0;
	clk->hz = 1e9;
	snprintf(clk->source, sizeof(clk->source), "clock_gettime(CLOCK_MONOTONIC_RAW)");
}

static void sort3(double r[3])
{
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (r[j] > r[j + 1]) {
				double t = r[j];

				r[j] = r[j + 1];
				r[j + 1] = t;
			}
}

bool fp_tsc_steady(const double hz[3])
{
	double r[3] = { hz[0], hz[1], hz[2] };

	sort3(r);
	return r[0] > 0 && (r[2] - r[0]) <= 1e-3 * r[1];
}

double fp_clock_drift(const struct fp_clock *clk)
{
	uint64_t ns, t;

	if (!clk->tsc)
		return 0;
	ns = fp_mono_ns();
	t = fp_clock_ticks(clk);
	if (ns < clk->ns0 + 100000000ull || t < clk->tsc0)
		return 0;
	return fp_clock_ns(clk, t - clk->tsc0) / (double)(ns - clk->ns0) - 1;
}

#if defined(__x86_64__) || defined(__i386__)
/*
 * Count TSC cycles across a 20 ms window of CLOCK_MONOTONIC_RAW, three times: the rates in
 * r[], and the clocks at the end of the last window.
 */
static int calibrate_tsc(double r[3], uint64_t *tsc0, uint64_t *ns0)
{
	for (int i = 0; i < 3; i++) {
		uint64_t n0 = fp_mono_ns(), t0 = __builtin_ia32_rdtsc(), n1, t1;
		struct timespec d = { 0, 20 * 1000 * 1000 };

		nanosleep(&d, NULL);
		t1 = __builtin_ia32_rdtsc();
		n1 = fp_mono_ns();
		if (n1 <= n0 || t1 <= t0)
			return -EIO;
		r[i] = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
		*tsc0 = t1;
		*ns0 = n1;
	}
	return 0;
}

/* This thread may run on one CPU only: a TSC not flagged invariant is read on that one. */
static bool one_cpu(void)
{
	cpu_set_t set;

	return !sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) == 1;
}
#endif

int fp_clock_init(struct fp_clock *clk)
{
	fp_clock_init_gettime(clk);
#if defined(__x86_64__) || defined(__i386__)
	double r[3], hz;
	bool invariant = fp_tsc_invariant("/proc/cpuinfo");

	/* not flagged: only pinned, and only when its rate held (a preempted window on a busy
	 * machine reads long on one side only: the median of an invariant TSC's three) */
	if (!invariant && !one_cpu())
		return 0;
	/* three tries: a guest's vCPU is preempted by its host now and then */
	for (int i = 0;; i++) {
		if (calibrate_tsc(r, &clk->tsc0, &clk->ns0))
			return 0;
		if (invariant || fp_tsc_steady(r))
			break;
		if (i == 2)
			return 0;
	}
	sort3(r);
	hz = r[1];
	if (hz <= 1e6)
		return 0;
	clk->tsc = true;
	clk->checked = !invariant;
	clk->hz = hz;
	clk->ns_per_tick = 1e9 / hz;
	snprintf(clk->source, sizeof(clk->source),
		 invariant ? "tsc %.3f MHz vs CLOCK_MONOTONIC_RAW"
			   : "tsc %.3f MHz vs CLOCK_MONOTONIC_RAW, not flagged invariant: checked",
		 hz / 1e6);
#endif
	return 0;
}
