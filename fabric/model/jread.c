// SPDX-License-Identifier: MIT
#include "jread.h"

#include <libfyaml.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fy_node *fp_jkey(struct fy_node *m, const char *k)
{
	return m && fy_node_is_mapping(m) ? fy_node_mapping_lookup_by_string(m, k, -1) : NULL;
}

const char *fp_jstr(struct fy_node *n, char *buf, size_t len)
{
	size_t l;
	const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &l) : NULL;

	if (!s || l >= len)
		return NULL;
	memcpy(buf, s, l);
	buf[l] = 0;
	return buf;
}

bool fp_jnum(struct fy_node *n, double *out)
{
	char buf[64], *end;

	if (!fp_jstr(n, buf, sizeof(buf)))
		return false;
	*out = strtod(buf, &end);
	return end != buf && !*end && isfinite(*out);
}
