// SPDX-License-Identifier: MIT
#include "hist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

void fp_hist_reset(struct fp_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

double fp_hist_bucket_value(unsigned i)
{
	unsigned e, m;
	uint64_t width;

	if (i < FP_HIST_LINEAR)
		return (double)i;
	e = (i >> FP_HIST_SUB_BITS) + FP_HIST_SUB_BITS - 1;
	m = (i & ((1u << FP_HIST_SUB_BITS) - 1)) | (1u << FP_HIST_SUB_BITS);
	width = 1ull << (e - FP_HIST_SUB_BITS);
	return (double)m * (double)width + (double)(width - 1) / 2.0;
}

double fp_hist_percentile(const struct fp_hist *h, double p)
{
	uint64_t rank, seen = 0;
	double v;

	if (!h->count)
		return 0;
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (unsigned i = 0; i < FP_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen < rank)
			continue;
		v = fp_hist_bucket_value(i);
		if (v < (double)h->min)
			v = (double)h->min;
		if (v > (double)h->max)
			v = (double)h->max;
		return v;
	}
	return (double)h->max;
}

void fp_hist_merge(struct fp_hist *dst, const struct fp_hist *src)
{
	double n, d;

	if (!src->count)
		return;
	if (!dst->count) {
		memcpy(dst, src, sizeof(*dst));
		return;
	}
	for (unsigned i = 0; i < FP_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	/* Chan et al.: combine two sets of running moments */
	n = (double)dst->count + (double)src->count;
	d = src->mean - dst->mean;
	dst->m2 += src->m2 + d * d * (double)dst->count * (double)src->count / n;
	dst->mean += d * (double)src->count / n;
	dst->count += src->count;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

void fp_hist_merge_scaled(struct fp_hist *dst, const struct fp_hist *src, double factor)
{
	struct fp_hist *t;

	if (!src->count)
		return;
	t = malloc(sizeof(*t));
	if (!t)
		return;
	fp_hist_reset(t);
	for (unsigned i = 0; i < FP_HIST_BUCKETS; i++) {
		double v;

		if (!src->bucket[i])
			continue;
		v = fp_hist_bucket_value(i) * factor;
		t->bucket[fp_hist_index(v < 1.8e19 ? (uint64_t)(v + 0.5) : UINT64_MAX)] +=
			src->bucket[i];
	}
	t->count = src->count;
	t->min = (uint64_t)((double)src->min * factor + 0.5);
	t->max = (uint64_t)((double)src->max * factor + 0.5);
	t->mean = src->mean * factor;
	t->m2 = src->m2 * factor * factor;
	fp_hist_merge(dst, t);
	free(t);
}

void fp_hist_stats(const struct fp_hist *h, double scale, struct fp_lat_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->count = h->count;
	if (!h->count)
		return;
	out->min = (double)h->min * scale;
	out->max = (double)h->max * scale;
	out->mean = h->mean * scale;
	out->stddev = h->count > 1 ? sqrt(h->m2 / (double)(h->count - 1)) * scale : 0;
	out->p50 = fp_hist_percentile(h, 50) * scale;
	out->p90 = fp_hist_percentile(h, 90) * scale;
	out->p99 = fp_hist_percentile(h, 99) * scale;
	out->p999 = fp_hist_percentile(h, 99.9) * scale;
	out->p9999 = fp_hist_percentile(h, 99.99) * scale;
}

/* header: count, min, max (u64), mean, m2 (f64), nonzero (u32); then (u32 idx, u64 n) */
#define HDR_LEN (3 * 8 + 2 * 8 + 4)

size_t fp_hist_encoded_max(void)
{
	return HDR_LEN + (size_t)FP_HIST_BUCKETS * 12;
}

size_t fp_hist_encode(const struct fp_hist *h, uint8_t *buf, size_t len)
{
	uint32_t nz = 0;
	size_t off = HDR_LEN;

	for (unsigned i = 0; i < FP_HIST_BUCKETS; i++)
		nz += h->bucket[i] != 0;
	if (len < HDR_LEN + (size_t)nz * 12)
		return 0;
	fp_put_u64(buf, h->count);
	fp_put_u64(buf + 8, h->min);
	fp_put_u64(buf + 16, h->max);
	fp_put_f64(buf + 24, h->mean);
	fp_put_f64(buf + 32, h->m2);
	fp_put_u32(buf + 40, nz);
	for (unsigned i = 0; i < FP_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		fp_put_u32(buf + off, i);
		fp_put_u64(buf + off + 4, h->bucket[i]);
		off += 12;
	}
	return off;
}

int fp_hist_decode(struct fp_hist *h, const uint8_t *buf, size_t len, size_t *used)
{
	uint32_t nz;
	uint64_t total = 0;

	if (len < HDR_LEN)
		return -EBADMSG;
	nz = fp_get_u32(buf + 40);
	if (nz > FP_HIST_BUCKETS || len - HDR_LEN < (size_t)nz * 12)
		return -EBADMSG;
	fp_hist_reset(h);
	h->count = fp_get_u64(buf);
	h->min = fp_get_u64(buf + 8);
	h->max = fp_get_u64(buf + 16);
	h->mean = fp_get_f64(buf + 24);
	h->m2 = fp_get_f64(buf + 32);
	for (uint32_t k = 0; k < nz; k++) {
		const uint8_t *p = buf + HDR_LEN + (size_t)k * 12;
		uint32_t i = fp_get_u32(p);
		uint64_t n = fp_get_u64(p + 4);

		if (i >= FP_HIST_BUCKETS || h->bucket[i] || !n || n > h->count - total)
			return -EBADMSG;
		h->bucket[i] = n;
		total += n;
	}
	if (total != h->count || (h->count && h->min > h->max) || !isfinite(h->mean) ||
	    !isfinite(h->m2))
		return -EBADMSG;
	if (!h->count)
		h->min = UINT64_MAX;
	*used = HDR_LEN + (size_t)nz * 12;
	return 0;
}
