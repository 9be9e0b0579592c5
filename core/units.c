// SPDX-License-Identifier: MIT
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fp_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int fp_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (toupper((unsigned char)*end)) {
	case 0:
		break;
	case 'K':
		mult = 1ull << 10;
		break;
	case 'M':
		mult = 1ull << 20;
		break;
	case 'G':
		mult = 1ull << 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		/* accept "4KiB"/"4KB" as well as "4K" */
		if ((end[0] == 'i' || end[0] == 'I') && (end[1] == 'B' || end[1] == 'b'))
			end += 2;
		else if (*end == 'B' || *end == 'b')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

static int add_size(uint64_t v, uint64_t *sizes, unsigned max, unsigned *n)
{
	if (v < 1 || v > FP_MAX_MSG_SIZE)
		return -ERANGE;
	for (unsigned i = 0; i < *n; i++)
		if (sizes[i] == v)
			return 0;
	if (*n >= max)
		return -E2BIG;
	sizes[(*n)++] = v;
	return 0;
}

static int parse_range(char *item, uint64_t *sizes, unsigned max, unsigned *n)
{
	char *a = item, *b, *step;
	uint64_t lo, hi, k;
	int ret;

	b = strchr(a, ':');
	*b++ = 0;
	step = strchr(b, ':');
	if (!step)
		return -EINVAL;
	*step++ = 0;
	if ((ret = fp_parse_size(a, &lo)) || (ret = fp_parse_size(b, &hi)))
		return ret;
	if (lo < 1 || lo > hi || hi > FP_MAX_MSG_SIZE)
		return -ERANGE;
	if (*step == 'x' || *step == '*') {
		if ((ret = fp_parse_size(step + 1, &k)))
			return ret;
		if (k < 2)
			return -EINVAL;
		for (uint64_t v = lo; v <= hi; v *= k) {
			if ((ret = add_size(v, sizes, max, n)))
				return ret;
			if (v > hi / k)
				break;
		}
		return 0;
	}
	if (*step == '+')
		step++;
	if ((ret = fp_parse_size(step, &k)))
		return ret;
	if (k < 1)
		return -EINVAL;
	for (uint64_t v = lo; v <= hi; v += k) {
		if ((ret = add_size(v, sizes, max, n)))
			return ret;
		if (hi - v < k)
			break;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int fp_parse_sizes(const char *s, uint64_t *sizes, unsigned max, unsigned *n)
{
	char buf[1024], *save = NULL, *item;
	unsigned cnt = 0;
	int ret = 0;

	if (!s || !*s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		uint64_t v;

		if (strchr(item, ':')) {
			ret = parse_range(item, sizes, max, &cnt);
		} else {
			ret = fp_parse_size(item, &v);
			if (!ret)
				ret = add_size(v, sizes, max, &cnt);
		}
		if (ret)
			return ret;
	}
	/* strtok_r skips empty items: ",," or a trailing comma is a typo, say so */
	if (!cnt || strstr(s, ",,") || s[0] == ',' || s[strlen(s) - 1] == ',')
		return -EINVAL;
	qsort(sizes, cnt, sizeof(*sizes), cmp_u64);
	*n = cnt;
	return 0;
}

int fp_parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	double v, mult = 1e9;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0)
		return -ERANGE;
	if (!*end || !strcmp(end, "s"))
		mult = 1e9;
	else if (!strcmp(end, "ms"))
		mult = 1e6;
	else if (!strcmp(end, "us"))
		mult = 1e3;
	else if (!strcmp(end, "ns"))
		mult = 1;
	else if (!strcmp(end, "m"))
		mult = 60e9;
	else if (!strcmp(end, "h"))
		mult = 3600e9;
	else
		return -EINVAL;
	if (v * mult > 1e18)
		return -ERANGE;
	*ns = (uint64_t)(v * mult);
	return 0;
}

void fp_size_label(uint64_t size, char *buf, size_t len)
{
	if (size >= (1ull << 30) && !(size & ((1ull << 30) - 1)))
		snprintf(buf, len, "%lluG", (unsigned long long)(size >> 30));
	else if (size >= (1ull << 20) && !(size & ((1ull << 20) - 1)))
		snprintf(buf, len, "%lluM", (unsigned long long)(size >> 20));
	else if (size >= (1ull << 10) && !(size & ((1ull << 10) - 1)))
		snprintf(buf, len, "%lluK", (unsigned long long)(size >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)size);
}

/* "10G", "2.5Gbps", "800M" (bit/s on the wire) or "1.5Mpps", "300kpps". */
int fp_parse_rate(const char *s, double *bps, double *pps)
{
	char *end;
	double v = strtod(s, &end), mul = 1;

	*bps = *pps = 0;
	if (end == s || !(v > 0) || v > 1e15)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		mul = 1e3, end++;
	else if (*end == 'M')
		mul = 1e6, end++;
	else if (*end == 'G')
		mul = 1e9, end++;
	else if (*end == 'T')
		mul = 1e12, end++;
	if (!strcmp(end, "pps"))
		*pps = v * mul;
	else if (!*end || !strcmp(end, "bps") || !strcmp(end, "b") || !strcmp(end, "bit"))
		*bps = v * mul;
	else
		return -EINVAL;
	return 0;
}
