/* SPDX-License-Identifier: MIT */
/*
 * The benchmark clock: the TSC, calibrated against CLOCK_MONOTONIC_RAW, where the CPU says
 * it is constant and non-stop, or where it does not say so (a virtual machine's CPU, often)
 * but this thread runs on one CPU and the TSC kept one rate over the calibration's three
 * windows; its rate is then checked again at the end of the run (fp_clock_drift), and it
 * is calibrated again if the thread is moved to another CPU (fp_clock_moved).
 * clock_gettime(CLOCK_MONOTONIC_RAW) otherwise. In such a guest clock_gettime is a system
 * call that reads an emulated HPET (about 1 us under qemu TCG, against 10 ns for the
 * TSC), and a ping-pong reads the clock once per round trip.
 * Hot loops read raw ticks; conversion to nanoseconds happens after the run.
 */
#ifndef FP_CLOCK_H
#define FP_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct fp_clock {
	bool tsc;	    /* ticks are TSC cycles, else nanoseconds */
	bool checked;	    /* the TSC, not flagged invariant: fp_clock_drift says how it held */
	int cpu;	    /* the one CPU the thread was pinned to when calibrated, or -1 */
	double ns_per_tick; /* 1.0 for clock_gettime */
	double hz;	    /* ticks per second */
	uint64_t tsc0, ns0; /* the TSC and CLOCK_MONOTONIC_RAW when calibrated */
	char source[96];    /* recorded in run.json */
};

/* A TSC's drift beyond this over a run is warned and recorded: its times are off by it. */
#define FP_CLOCK_DRIFT_MAX 0.005

int fp_clock_init(struct fp_clock *clk);
/* Same, but never use the TSC: what a test or a non-x86 host gets. */
void fp_clock_init_gettime(struct fp_clock *clk);
/* Does this CPU advertise an invariant TSC? Reads a cpuinfo-format file. */
bool fp_tsc_invariant(const char *cpuinfo_path);
/* Did three calibration windows' rates agree within 0.1% of their median? */
bool fp_tsc_steady(const double hz[3]);
/*
 * The clock's relative error since it was calibrated: TSC time over CLOCK_MONOTONIC_RAW
 * time, less 1. NaN when there is nothing to tell: clock_gettime, a span under 100 ms.
 */
double fp_clock_drift(const struct fp_clock *clk);
/*
 * A TSC not flagged invariant, and this thread no longer pinned to the one CPU it was
 * calibrated on (something placed it elsewhere since: --numa, DPDK's EAL): calibrate again.
 */
bool fp_clock_moved(const struct fp_clock *clk);
/* The one CPU this thread may run on, or -1. */
int fp_one_cpu(void);

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
