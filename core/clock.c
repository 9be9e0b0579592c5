// SPDX-License-Identifier: MIT
#include "clock.h"

#include <errno.h>
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
	clk->ns_per_tick = 1.0;
	clk->hz = 1e9;
	snprintf(clk->source, sizeof(clk->source), "clock_gettime(CLOCK_MONOTONIC_RAW)");
}

#if defined(__x86_64__) || defined(__i386__)
/*
 * Count TSC cycles across a 20 ms window of CLOCK_MONOTONIC_RAW, three times, and keep the
 * median: a preempted window on a busy 2-core machine reads long on one side only.
 */
static int calibrate_tsc(double *hz)
{
	double r[3];

	for (int i = 0; i < 3; i++) {
		uint64_t n0 = fp_mono_ns(), t0 = __builtin_ia32_rdtsc(), n1, t1;
		struct timespec d = { 0, 20 * 1000 * 1000 };

		nanosleep(&d, NULL);
		t1 = __builtin_ia32_rdtsc();
		n1 = fp_mono_ns();
		if (n1 <= n0 || t1 <= t0)
			return -EIO;
		r[i] = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
	}
	/* median of three */
	if (r[0] > r[1]) {
		double t = r[0];
		r[0] = r[1];
		r[1] = t;
	}
	if (r[1] > r[2])
		r[1] = r[2];
	*hz = r[0] > r[1] ? r[0] : r[1];
	return *hz > 1e6 ? 0 : -EIO;
}
#endif

int fp_clock_init(struct fp_clock *clk)
{
	fp_clock_init_gettime(clk);
#if defined(__x86_64__) || defined(__i386__)
	double hz;

	if (!fp_tsc_invariant("/proc/cpuinfo"))
		return 0;
	if (calibrate_tsc(&hz))
		return 0;
	clk->tsc = true;
	clk->hz = hz;
	clk->ns_per_tick = 1e9 / hz;
	snprintf(clk->source, sizeof(clk->source), "tsc %.3f MHz vs CLOCK_MONOTONIC_RAW", hz / 1e6);
#endif
	return 0;
}
