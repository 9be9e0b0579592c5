/* SPDX-License-Identifier: MIT */
/*
 * A frame-size mix (IMIX): sizes with integer weights, as `--sizes imix` or
 * `--sizes 64:7,594:4,1518:1`. The sizes are interleaved in a fixed cycle of `total` frames
 * (smooth weighted round robin), so the count of each size over any number of frames is
 * known exactly: a receiver's per-size counts can be checked, not estimated.
 */
#ifndef FP_IMIX_H
#define FP_IMIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_IMIX_MAX	 16   /* sizes in one mix */
#define FP_IMIX_MAX_WSUM 4096 /* the cycle's length: the sum of the weights */

struct fp_imix {
	unsigned n;
	uint32_t size[FP_IMIX_MAX];
	uint32_t weight[FP_IMIX_MAX];
	uint32_t total;			 /* sum of weights: the cycle's length */
	uint8_t cycle[FP_IMIX_MAX_WSUM]; /* index into size[] of each frame of the cycle */
};

/*
 * Parse "imix" (64:7,594:4,1518:1, the common simple IMIX) or a list of SIZE:WEIGHT (a size
 * alone weighs 1) with every size in [lo, hi], each size once. 0 and *m filled, or -EINVAL
 * with one line in err.
 */
int fp_imix_parse(const char *s, uint32_t lo, uint32_t hi, struct fp_imix *m, char *err,
		  size_t errlen);

/* True when s names a mix rather than a plain list of sizes: "imix" or any ':'. */
bool fp_imix_is_mix(const char *s);

/* The size of frame i (counted from 0) of a stream that follows the mix. */
static inline uint32_t fp_imix_at(const struct fp_imix *m, uint64_t i)
{
	return m->size[m->cycle[i % m->total]];
}

/* How many of the first `frames` frames have size index k. */
uint64_t fp_imix_count(const struct fp_imix *m, unsigned k, uint64_t frames);

/* Mean frame size over one cycle, in bytes. */
double fp_imix_mean(const struct fp_imix *m);

/* "64:7,594:4,1518:1" into buf (always terminated). */
void fp_imix_format(const struct fp_imix *m, char *buf, size_t len);

#endif
