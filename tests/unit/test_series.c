// SPDX-License-Identifier: MIT
/* The bandwidth series: peak, minimum and average over fixed intervals, and slot merging. */
#include <math.h>

#include "../../core/series.h"
#include "t.h"

int main(void)
{
	/* a series of 100-tick intervals: 1000 B in each, then a slow one */
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
	CHECK(fabs(st.min - 5.0) < 1e-9 && fabs(st.peak - 5.0) < 1e-9, "steady rate %f %f", st.min,
	      st.peak);
	return t_done("series");
}
