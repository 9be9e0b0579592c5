// SPDX-License-Identifier: MIT
/* A frame-size mix: parse SIZE:WEIGHT lists and lay the sizes out in an exact cycle. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "imix.h"

bool fp_imix_is_mix(const char *s)
{
	return s && (!strcmp(s, "imix") || strchr(s, ':'));
}

/* A decimal number of at most 9 digits at *p; advances *p. */
static bool number(const char **p, uint32_t *v)
{
	uint32_t x = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9') {
		if (++digits > 9)
			return false;
		x = x * 10 + (uint32_t)(**p - '0');
		(*p)++;
	}
	*v = x;
	return digits > 0;
}

/*
 * Smooth weighted round robin: each step every size gains its weight, the largest credit
 * is sent and pays the total. Over one cycle each size is picked exactly `weight` times,
 * spread out rather than in runs.
 */
static void lay_out(struct fp_imix *m)
{
	int64_t credit[FP_IMIX_MAX] = { 0 };

	for (uint32_t i = 0; i < m->total; i++) {
		unsigned best = 0;

		for (unsigned k = 0; k < m->n; k++) {
			credit[k] += m->weight[k];
			if (credit[k] > credit[best])
				best = k;
		}
		credit[best] -= m->total;
		m->cycle[i] = (uint8_t)best;
	}
}

int fp_imix_parse(const char *s, uint32_t lo, uint32_t hi, struct fp_imix *m, char *err,
		  size_t errlen)
{
	struct fp_imix t = { 0 };
	const char *p;

	if (!s)
		return fp_say(err, errlen, "no frame-size mix given");
	p = !strcmp(s, "imix") ? "64:7,594:4,1518:1" : s;
	while (*p) {
		uint32_t size, w = 1;

		if (t.n == FP_IMIX_MAX)
			return fp_say(err, errlen, "more than %d sizes in the mix '%.64s'",
				      FP_IMIX_MAX, s);
		if (!number(&p, &size))
			return fp_say(err, errlen,
				      "'%.64s': want SIZE:WEIGHT,... (e.g. 64:7,1518:1)", s);
		if (*p == ':') {
			p++;
			if (!number(&p, &w) || !w)
				return fp_say(err, errlen,
					      "'%.64s': a weight is a whole number from 1", s);
		}
		if (*p && *p != ',')
			return fp_say(err, errlen,
				      "'%.64s': want SIZE:WEIGHT,... (e.g. 64:7,1518:1)", s);
		if (*p == ',' && !*++p)
			return fp_say(err, errlen, "'%.64s': ends with a comma", s);
		if (size < lo || size > hi)
			return fp_say(err, errlen, "'%.64s': size %u is outside %u to %u", s, size,
				      lo, hi);
		for (unsigned k = 0; k < t.n; k++)
			if (t.size[k] == size)
				return fp_say(err, errlen, "'%.64s': size %u given twice", s, size);
		if (w > FP_IMIX_MAX_WSUM || t.total + w > FP_IMIX_MAX_WSUM)
			return fp_say(err, errlen, "'%.64s': the weights add up to more than %d", s,
				      FP_IMIX_MAX_WSUM);
		t.size[t.n] = size;
		t.weight[t.n++] = w;
		t.total += w;
	}
	if (!t.n)
		return fp_say(err, errlen, "an empty frame-size mix");
	lay_out(&t);
	*m = t;
	return 0;
}

uint64_t fp_imix_count(const struct fp_imix *m, unsigned k, uint64_t frames)
{
	uint64_t n = frames / m->total * m->weight[k];

	for (uint64_t i = 0; i < frames % m->total; i++)
		n += m->cycle[i] == k;
	return n;
}

double fp_imix_mean(const struct fp_imix *m)
{
	double sum = 0;

	for (unsigned k = 0; k < m->n; k++)
		sum += (double)m->size[k] * m->weight[k];
	return m->total ? sum / m->total : 0;
}

void fp_imix_format(const struct fp_imix *m, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (unsigned k = 0; k < m->n && o < len; k++) {
		int w = snprintf(buf + o, len - o, "%s%u:%u", k ? "," : "", m->size[k],
				 m->weight[k]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
}
