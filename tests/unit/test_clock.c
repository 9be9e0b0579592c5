// SPDX-License-Identifier: MIT
/* The calibrated clock agrees with CLOCK_MONOTONIC_RAW; the invariant-TSC test reads cpuinfo. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "../../core/clock.h"
#include "t.h"

int main(void)
{
	struct fp_clock c;
	FILE *f;

	CHECK(!fp_clock_init(&c), "init");
	CHECK(c.hz > 1e6 && c.ns_per_tick > 0 && c.source[0], "calibrated: %s", c.source);
	for (int i = 0; i < 3; i++) {
		uint64_t n0 = fp_mono_ns(), t0 = fp_clock_ticks(&c);
		struct timespec d = { 0, 30 * 1000 * 1000 };
		double a, b;

		nanosleep(&d, NULL);
		a = fp_clock_ns(&c, fp_clock_ticks(&c) - t0);
		b = (double)(fp_mono_ns() - n0);
		/* correctness, not speed: the two clocks agree within 2% over 30 ms */
		CHECK(fabs(a - b) < 0.02 * b, "ticks %.0f ns vs monotonic %.0f ns", a, b);
	}
	fp_clock_init_gettime(&c);
	CHECK(!c.tsc && c.ns_per_tick == 1.0, "gettime fallback");

	f = fopen("cpuinfo.fixture", "w");
	fputs("processor : 0\nflags : fpu tsc constant_tsc nonstop_tsc rdtscp\n", f);
	fclose(f);
	CHECK(fp_tsc_invariant("cpuinfo.fixture"), "invariant flags");
	f = fopen("cpuinfo.fixture", "w");
	fputs("processor : 0\nflags : fpu tsc rdtscp\n", f);
	fclose(f);
	CHECK(!fp_tsc_invariant("cpuinfo.fixture"), "no invariant flags");
	CHECK(!fp_tsc_invariant("/nonexistent/cpuinfo"), "missing file");
	remove("cpuinfo.fixture");

	return t_done("clock");
}
