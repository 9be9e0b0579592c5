// SPDX-License-Identifier: MIT
#include "series.h"

#include <math.h>
#include <string.h>

void fp_series_start(struct fp_series *s, uint64_t now, uint64_t interval)
{
	memset(s, 0, sizeof(*s));
	s->t0 = now;
	s->interval = interval ? interval : 1;
	s->next = now + s->interval;
}

static void halve(struct fp_series *s)
{
	for (unsigned i = 0; i < s->n / 2; i++)
		s->slot[i] = s->slot[2 * i] + s->slot[2 * i + 1];
	if (s->n & 1) {
		/* an odd slot out cannot be a full doubled interval: fold it back into the open one */
		s->mark -= s->slot[s->n - 1];
	}
	s->n /= 2;
	s->interval *= 2;
	s->next = s->t0 + (uint64_t)(s->n + 1) * s->interval;
}

void fp_series_roll(struct fp_series *s, uint64_t now, uint64_t bytes)
{
	/*
	 * The bytes seen since the mark belong to the slot that just closed; a burst that
	 * straddles several slots is credited to the first, which is the conservative choice
	 * for the peak and shows the stall in the minimum.
	 */
	while (now >= s->next) {
		if (s->n == FP_SERIES_SLOTS) {
			halve(s);
			continue;
		}
		s->slot[s->n++] = bytes - s->mark;
		s->mark = bytes;
		s->next += s->interval;
	}
}

void fp_series_stats(const struct fp_series *s, uint64_t bytes, uint64_t elapsed, double hz,
		     struct fp_bw_stats *out)
{
	double secs = elapsed ? (double)elapsed / hz : 0;
	double ivs = (double)s->interval / hz;
	uint64_t closed = (uint64_t)s->n * s->interval;

	memset(out, 0, sizeof(*out));
	out->avg = secs > 0 ? (double)bytes / secs : 0;
	out->interval_s = ivs;
	out->intervals = s->n;
	if (!s->n) {
		out->min = out->peak = out->avg;
		return;
	}
	/*
	 * The open slot at the end joins the last closed one, so every moment of the window is
	 * in exactly one interval, each at least one interval long: avg <= peak holds (and
	 * min <= avg while no interval is empty),
	 * and a sliver at the end cannot fake a peak.
	 */
	out->min = INFINITY;
	for (unsigned i = 0; i < s->n; i++) {
		double b = (double)s->slot[i], t = ivs;

		if (i == s->n - 1 && elapsed > closed && bytes >= s->mark) {
			b += (double)(bytes - s->mark);
			t += (double)(elapsed - closed) / hz;
		}
		if (b == 0)
			out->empty++;
		else if (b / t < out->min)
			out->min = b / t;
		if (b / t > out->peak)
			out->peak = b / t;
	}
	if (out->empty == s->n)
		out->min = 0;
}
