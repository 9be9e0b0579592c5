/* SPDX-License-Identifier: MIT */
/*
 * Log-linear latency histogram.
 *
 * Values (clock ticks) below 256 have a bucket each. Above, a value v with most significant
 * bit e falls in one of 128 equal buckets spanning [2^e, 2^(e+1)), each 2^(e-7) wide. A bucket
 * is reported at its midpoint, so a reported percentile is within 1/256 (0.39%) of a sample
 * that really has that rank: FP_HIST_REL_ERROR. Every sample is counted; nothing is dropped.
 * min, max, mean and stddev are exact (Welford's running moments, in double).
 */
#ifndef FP_HIST_H
#define FP_HIST_H

#include <stddef.h>
#include <stdint.h>

#define FP_HIST_SUB_BITS  7
#define FP_HIST_LINEAR	  (2u << FP_HIST_SUB_BITS) /* 256 exact buckets */
#define FP_HIST_BUCKETS	  ((64 - FP_HIST_SUB_BITS + 1) << FP_HIST_SUB_BITS)
#define FP_HIST_REL_ERROR (1.0 / 256.0)

struct fp_hist {
	uint64_t count;
	uint64_t min, max;
	double mean, m2; /* Welford */
	uint64_t bucket[FP_HIST_BUCKETS];
};

struct fp_lat_stats {
	uint64_t count;
	double min, mean, stddev, p50, p90, p99, p999, p9999, max; /* in ticks or ns */
};

void fp_hist_reset(struct fp_hist *h);

static inline unsigned fp_hist_index(uint64_t v)
{
	unsigned e;

	if (v < FP_HIST_LINEAR)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	return ((e - FP_HIST_SUB_BITS) << FP_HIST_SUB_BITS) +
	       (unsigned)(v >> (e - FP_HIST_SUB_BITS));
}

static inline void fp_hist_add(struct fp_hist *h, uint64_t v)
{
	double d;

	h->bucket[fp_hist_index(v)]++;
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	d = (double)v - h->mean;
	h->mean += d / (double)h->count;
	h->m2 += d * ((double)v - h->mean);
}

/* Midpoint of the bucket holding index i (exact below FP_HIST_LINEAR). */
double fp_hist_bucket_value(unsigned i);
/* Nearest-rank percentile p in [0,100], clamped to [min, max]. 0 when empty. */
double fp_hist_percentile(const struct fp_hist *h, double p);
void fp_hist_merge(struct fp_hist *dst, const struct fp_hist *src);
/*
 * Merge src with every value multiplied by factor (ticks to ns, say). Each bucket moves as a
 * whole to the bucket of its midpoint, so percentiles of dst are within twice the bucket
 * bound (0.8%); moments, min and max stay exact.
 */
void fp_hist_merge_scaled(struct fp_hist *dst, const struct fp_hist *src, double factor);
/* Summary, every value multiplied by scale (ns per tick, say). */
void fp_hist_stats(const struct fp_hist *h, double scale, struct fp_lat_stats *out);

/*
 * Sparse wire form for gathering histograms to rank 0: a header of moments and
 * (index, count) pairs for the non-empty buckets, little-endian.
 */
size_t fp_hist_encoded_max(void);
size_t fp_hist_encode(const struct fp_hist *h, uint8_t *buf, size_t len);
int fp_hist_decode(struct fp_hist *h, const uint8_t *buf, size_t len, size_t *used);

#endif
