// SPDX-License-Identifier: MIT
/* The calibrated clock agrees with CLOCK_MONOTONIC_RAW; the series reports min and peak. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "../../core/clock.h"
#include "../../core/series.h"
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

	/* a series of 100-tick intervals: 1000 B in each, then a slow one */
	{
		static struct fp_series s;
		struct fp_bw_stats st;
		uint64_t bytes = 0;

		fp_series_start(&s, 0, 100);
		for (uint64_t t = 1; t <= 1000; t++) {
			bytes += t > 900 ? 1 : 10;
			fp_series_tick(&s, t, bytes);
		}
		fp_series_stats(&s, bytes, 1000, 1000.0, &st);
		CHECK(st.intervals == 10, "intervals %u", st.intervals);
		CHECK(fabs(st.peak - 10000.0) < 1e-6, "peak %f", st.peak);
		CHECK(fabs(st.min - 1000.0) < 150.0, "min %f", st.min);
		CHECK(fabs(st.avg - (double)bytes) < 1e-6, "avg");
		CHECK(st.empty == 0, "empty %u", st.empty);
		/* a message every 3 intervals: the empty ones are counted, not a min of 0 */
		fp_series_start(&s, 0, 100);
		for (uint64_t t = 1; t <= 900; t++)
			fp_series_tick(&s, t, (t / 300) * 3000);
		fp_series_stats(&s, 9000, 900, 1000.0, &st);
		CHECK(st.intervals == 9 && st.empty == 6, "empty %u of %u", st.empty, st.intervals);
		CHECK(fabs(st.min - 30000.0) < 1e-6, "min over intervals with data %f", st.min);
		/* more intervals than slots: they merge and still cover everything */
		fp_series_start(&s, 0, 1);
		for (uint64_t t = 1; t <= 10000; t++)
			fp_series_tick(&s, t, t * 5);
		fp_series_stats(&s, 50000, 10000, 1.0, &st);
		CHECK(st.intervals <= FP_SERIES_SLOTS && st.intervals >= FP_SERIES_SLOTS / 2,
		      "merged intervals %u", st.intervals);
		CHECK(fabs(st.min - 5.0) < 1e-9 && fabs(st.peak - 5.0) < 1e-9, "steady rate %f %f",
		      st.min, st.peak);
	}
	return t_done("clock+series");
}
