/* SPDX-License-Identifier: MIT */
/*
 * Bytes delivered per fixed interval, to report the minimum and the peak rate next to the
 * average: a flaky link shows in the minimum. The array is fixed; when it fills, adjacent
 * intervals merge and the interval doubles, so a run of any length costs no allocation.
 */
#ifndef FP_SERIES_H
#define FP_SERIES_H

#include <stdint.h>

#define FP_SERIES_SLOTS 512

struct fp_series {
	uint64_t t0;	   /* ticks at the start of slot 0 */
	uint64_t interval; /* ticks per slot */
	uint64_t next;	   /* ticks at which the current slot closes */
	uint64_t mark;	   /* byte count at the start of the current slot */
	unsigned n;	   /* closed slots */
	uint64_t slot[FP_SERIES_SLOTS];
};

struct fp_bw_stats {
	double avg, min, peak; /* bytes per second */
	unsigned intervals;    /* closed intervals the min and peak come from */
	unsigned empty;	       /* of those, intervals in which no message completed */
	double interval_s;
};

void fp_series_start(struct fp_series *s, uint64_t now, uint64_t interval);
void fp_series_roll(struct fp_series *s, uint64_t now, uint64_t bytes);

/* Close full intervals up to now. Cheap to call once per burst. */
static inline void fp_series_tick(struct fp_series *s, uint64_t now, uint64_t bytes)
{
	if (now >= s->next)
		fp_series_roll(s, now, bytes);
}

/*
 * Summary over a measured window of elapsed ticks that moved bytes in total. Without a closed
 * interval, min and peak equal the average. The min is over intervals in which a message
 * completed (a large message or a slow link leaves some empty); empty counts the others, and
 * min is 0 only when every interval was empty.
 */
void fp_series_stats(const struct fp_series *s, uint64_t bytes, uint64_t elapsed, double hz,
		     struct fp_bw_stats *out);

#endif
