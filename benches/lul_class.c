// SPDX-License-Identifier: MIT
/*
 * Class specs for latency under load, and the bloat matrix: how much a pair's p99 rose
 * while the bulk classes ran. Pure functions; run_class.c does the running.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "../core/units.h"
#include "lul_class.h"
#include "result_read.h"
#include "sched.h"

/* options the class machinery sets itself: a class may not move them */
static const char *const owned[] = { "np",	   "rank",	  "size",	    "sizes",
				     "rendezvous", "output",	  "token",	    "format",
				     "class",	   "results-dir", "report-interval" };

static bool name_ok(const char *s, size_t n, bool dash_ok)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || (dash_ok && ch == '-')))
			return false;
	}
	return true;
}

/* one opt=val field of a class (field points into a copy the caller owns) */
static int class_opt(struct fp_class *c, const char *spec, char *field, char *err, size_t el)
{
	char *eq = strchr(field, '=');
	int64_t v;

	if (!eq || eq == field || !eq[1] || !name_ok(field, (size_t)(eq - field), true))
		return fp_say(err, el, "--class %s: '%s' is not opt=value", spec, field);
	*eq = 0;
	if (!strcmp(field, "tclass")) {
		if (fp_parse_i64(eq + 1, &v) || v < 0 || v > 63)
			return fp_say(err, el, "--class %s: tclass=%s: want a DSCP 0..63", spec,
				      eq + 1);
		c->dscp = (int)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (!strcmp(field, owned[i]))
			return fp_say(err, el,
				      "--class %s: '%s' is set for the whole run, not per class",
				      spec, field);
	if (c->nopt >= FP_CLASS_OPTS)
		return fp_say(err, el, "--class %s: more than %d options", spec, FP_CLASS_OPTS);
	if ((size_t)snprintf(c->opt[c->nopt], sizeof(c->opt[0]), "--%s=%s", field, eq + 1) >=
	    sizeof(c->opt[0]))
		return fp_say(err, el, "--class %s: option '%s' is too long", spec, field);
	c->nopt++;
	return 0;
}

int fp_class_parse(const char *spec, struct fp_class *c, char *err, size_t el)
{
	char buf[512], *f[3 + FP_CLASS_OPTS + 1], *p = buf;
	unsigned nf = 0;
	int ret = 0;

	if (strlen(spec) >= sizeof(buf))
		return fp_say(err, el, "--class: spec too long (at most %zu bytes)",
			      sizeof(buf) - 1);
	memset(c, 0, sizeof(*c));
	c->dscp = -1;
	strcpy(buf, spec);
	while (nf < sizeof(f) / sizeof(f[0])) {
		f[nf++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = 0;
	}
	if (p || nf < 3)
		return fp_say(err, el, "--class %s: want NAME:PATTERN:SIZE[:opt=val...]", spec);
	if (strlen(f[0]) >= sizeof(c->name) || !name_ok(f[0], strlen(f[0]), true))
		return fp_say(err, el, "--class %s: name '%s': want 1 to %d of A-Z a-z 0-9 _ -",
			      spec, f[0], FP_CLASS_NAME_LEN - 1);
	/* idle-X is latency class X's idle run: a class of that name would share its folder */
	if (!strncmp(f[0], "idle-", 5))
		return fp_say(err, el, "--class %s: name '%s': 'idle-' is kept for the idle runs",
			      spec, f[0]);
	if (!fp_pattern_find(f[1]))
		return fp_say(err, el, "--class %s: unknown pattern '%s'", spec, f[1]);
	if (fp_parse_size(f[2], &c->size) || !c->size)
		return fp_say(err, el, "--class %s: size '%s': want one size such as 64 or 1M",
			      spec, f[2]);
	strcpy(c->name, f[0]);
	snprintf(c->pattern, sizeof(c->pattern), "%s", f[1]);
	for (unsigned i = 3; !ret && i < nf; i++)
		ret = class_opt(c, spec, f[i], err, el);
	return ret;
}

int fp_class_mark_arg(const struct fp_class *c, const char *engine, const char *const *known,
		      char *out, size_t len)
{
	/* each engine's name for the mark, and the value it takes from a DSCP */
	static const struct {
		const char *engine, *opt;
		int shift;
	} marks[] = { { "sockets", "tos", 2 }, { "verbs", "tclass", 2 }, { "dpdk", "dscp", 0 } };

	for (size_t i = 0; c->dscp >= 0 && i < sizeof(marks) / sizeof(marks[0]); i++) {
		if (strcmp(engine, marks[i].engine))
			continue;
		for (size_t k = 0; known && known[k]; k++)
			if (!strcmp(known[k], marks[i].opt)) {
				snprintf(out, len, "--%s=%d", marks[i].opt,
					 c->dscp << marks[i].shift);
				return 0;
			}
	}
	return -EOPNOTSUPP;
}

bool fp_class_is_latency(const struct fp_class *c)
{
	const struct fp_pattern *p = fp_pattern_find(c->pattern);

	return p && (p->measure & FP_MEASURE_LAT) && !(p->measure & FP_MEASURE_BW);
}

/* the pair's one-way p99 in r at size: the largest of its flows' (both directions) */
static void pair_p99(const struct fp_rsize *z, double *m, int n)
{
	for (int i = 0; i < n * n; i++)
		m[i] = NAN;
	for (unsigned k = 0; z && k < z->nflows; k++) {
		const struct fp_rflow *f = &z->flows[k];
		double *a = &m[(size_t)f->src * (size_t)n + (size_t)f->dst];
		double *b = &m[(size_t)f->dst * (size_t)n + (size_t)f->src];

		if (!f->has_lat)
			continue;
		if (isnan(*a) || f->lat_p99_us > *a)
			*a = f->lat_p99_us;
		*b = *a;
	}
}

int fp_bloat_matrix(const struct fp_result *idle, const struct fp_result *loaded, uint64_t size,
		    double *m, int n)
{
	double *base;
	int filled = 0;

	if (idle->world_size != n || loaded->world_size != n || n < 2 || n > 4096)
		return -EINVAL;
	base = malloc((size_t)n * (size_t)n * sizeof(*base));
	if (!base)
		return -ENOMEM;
	pair_p99(fp_result_size(idle, size), base, n);
	pair_p99(fp_result_size(loaded, size), m, n);
	for (size_t i = 0; i < (size_t)n * (size_t)n; i++) {
		m[i] -= base[i]; /* NaN where either has none */
		filled += !isnan(m[i]);
	}
	free(base);
	return filled / 2;
}
