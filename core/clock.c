// SPDX-License-Identifier: MIT
#include "clock.h"

#include <errno.h>
#include <math.h>
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
	clk->cpu = -1;
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

/*
 * The clock and CLOCK_MONOTONIC_RAW read together: the tick read between two monotonic
 * reads, the tightest of five tries, at their midpoint (a preemption between the two reads
 * would otherwise put its length into the drift).
 */
static void read_pair(const struct fp_clock *clk, uint64_t *ticks, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 5 && best > 20000; i++) {
		uint64_t a = fp_mono_ns(), t = fp_clock_ticks(clk), b = fp_mono_ns();

		if (b >= a && b - a < best) {
			best = b - a;
			*ticks = t;
			*ns = a + (b - a) / 2;
		}
	}
}

double fp_clock_drift(const struct fp_clock *clk)
{
	uint64_t ns = 0, t = 0;

	if (!clk->tsc)
		return NAN;
	read_pair(clk, &t, &ns);
	if (ns < clk->ns0 + 100000000ull || t < clk->tsc0)
		return NAN;
	return fp_clock_ns(clk, t - clk->tsc0) / (double)(ns - clk->ns0) - 1;
}

int fp_one_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) != 1)
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

bool fp_clock_moved(const struct fp_clock *clk)
{
	cpu_set_t set;

	if (!clk->checked)
		return false;
	return sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) != 1 ||
	       !CPU_ISSET(clk->cpu, &set);
}

#if defined(__x86_64__) || defined(__i386__)
/*
 * Count TSC cycles across a 20 ms window of CLOCK_MONOTONIC_RAW, three times: the rates in
 * r[].
 */
static int calibrate_tsc(double r[3])
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
	}
	return 0;
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
	clk->cpu = fp_one_cpu(); /* a TSC not flagged invariant is read there alone */
	if (!invariant && clk->cpu < 0)
		return 0;
	/* three tries: a guest's vCPU is preempted by its host now and then */
	for (int i = 0;; i++) {
		if (calibrate_tsc(r))
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
	read_pair(clk, &clk->tsc0, &clk->ns0); /* where the drift is counted from */
	clk->hz = hz;
	clk->ns_per_tick = 1e9 / hz;
	snprintf(clk->source, sizeof(clk->source),
		 invariant ? "tsc %.3f MHz vs CLOCK_MONOTONIC_RAW"
			   : "tsc %.3f MHz vs CLOCK_MONOTONIC_RAW, not flagged invariant: checked",
		 hz / 1e6);
#endif
	return 0;
}
