// SPDX-License-Identifier: MIT
#include "straggler.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double fp_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* median and MAD of v (copied), MAD floored at 1% of the median */
static int robust(const double *v, size_t n, double *med, double *mad)
{
	double *t = malloc(sizeof(*t) * (n ? n : 1));

	if (!t)
		return -ENOMEM;
	memcpy(t, v, sizeof(*t) * n);
	*med = fp_median(t, n);
	for (size_t i = 0; i < n; i++)
		t[i] = fabs(v[i] - *med);
	*mad = fp_median(t, n);
	if (*mad < 0.01 * fabs(*med))
		*mad = 0.01 * fabs(*med);
	free(t);
	return 0;
}

static double zscore(double x, double med, double mad)
{
	return mad > 0 ? (x - med) / (1.4826 * mad) : 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct fp_pair_score *x = a, *y = b;

	return x->rate < y->rate ? -1 : x->rate > y->rate;
}

static int cmp_rank(const void *a, const void *b)
{
	const struct fp_rank_score *x = a, *y = b;

	return x->mean < y->mean ? -1 : x->mean > y->mean;
}

int fp_stragglers_find(int n, const struct fp_pair_rate *rates, size_t count,
		       struct fp_stragglers *out)
{
	double *v = malloc(sizeof(*v) * (count ? count : 1));
	double *sum = calloc((size_t)n, sizeof(*sum));
	unsigned *cnt = calloc((size_t)n, sizeof(*cnt));
	double *means = malloc(sizeof(*means) * (size_t)n);
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->pairs = malloc(sizeof(*out->pairs) * (count ? count : 1));
	out->ranks = malloc(sizeof(*out->ranks) * (size_t)n);
	if (!v || !sum || !cnt || !means || !out->pairs || !out->ranks)
		goto out;
	for (size_t i = 0; i < count; i++) {
		v[i] = rates[i].rate;
		if (rates[i].src >= 0 && rates[i].src < n) {
			sum[rates[i].src] += rates[i].rate;
			cnt[rates[i].src]++;
		}
		if (rates[i].dst >= 0 && rates[i].dst < n) {
			sum[rates[i].dst] += rates[i].rate;
			cnt[rates[i].dst]++;
		}
	}
	if (robust(v, count, &out->pair_median, &out->pair_mad))
		goto out;
	for (size_t i = 0; i < count; i++) {
		struct fp_pair_score *p = &out->pairs[i];

		p->src = rates[i].src;
		p->dst = rates[i].dst;
		p->rate = rates[i].rate;
		p->z = zscore(p->rate, out->pair_median, out->pair_mad);
		p->outlier = p->z <= FP_STRAGGLER_Z;
	}
	out->npairs = (unsigned)count;
	qsort(out->pairs, count, sizeof(*out->pairs), cmp_pair);
	for (int r = 0; r < n; r++) {
		if (!cnt[r])
			continue;
		means[out->nranks] = sum[r] / cnt[r];
		out->ranks[out->nranks++] = (struct fp_rank_score){ .rank = r,
								    .mean = sum[r] / cnt[r],
								    .flows = cnt[r] };
	}
	if (robust(means, out->nranks, &out->rank_median, &out->rank_mad))
		goto out;
	for (unsigned i = 0; i < out->nranks; i++) {
		struct fp_rank_score *s = &out->ranks[i];

		s->z = zscore(s->mean, out->rank_median, out->rank_mad);
		s->outlier = s->z <= FP_STRAGGLER_Z;
	}
	qsort(out->ranks, out->nranks, sizeof(*out->ranks), cmp_rank);
	ret = 0;
out:
	free(v);
	free(sum);
	free(cnt);
	free(means);
	if (ret)
		fp_stragglers_free(out);
	return ret;
}

void fp_stragglers_free(struct fp_stragglers *s)
{
	if (!s)
		return;
	free(s->pairs);
	free(s->ranks);
	s->pairs = NULL;
	s->ranks = NULL;
}
