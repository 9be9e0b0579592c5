// SPDX-License-Identifier: MIT
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "imix.h"

int fp_parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	/* strtod takes "nan", "inf" and "1e999": none of them is a setting */
	if (end == s || *end || errno || !isfinite(v))
		return -EINVAL;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

static bool bounded(const struct fp_opt *o, int64_t v)
{
	return o->min == o->max || (v >= o->min && v <= o->max);
}

static int choice_index(const char *choices, const char *v)
{
	size_t n = strlen(v);
	int i = 0;

	for (const char *p = choices; p && *p; i++) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);

		if (l == n && !strncmp(p, v, n))
			return i;
		p = bar ? bar + 1 : NULL;
	}
	return -1;
}

#define SIZES_FORM "a list (64,4K,1M), a range LO:HI:xFACTOR (1:1M:x2) or LO:HI:+STEP (1K:8K:+1K)"

/* v parses as a frame-size mix (`fabprobe pkt --sizes`), not as a bad list of sizes */
static bool is_mix(const char *v)
{
	struct fp_imix m;

	return !fp_imix_parse(v, 1, UINT32_MAX, &m, NULL, 0);
}

/* Which item of a --sizes value is out of range, and why: the parser only says -ERANGE. */
static void sizes_range_why(const struct fp_opt *o, const char *v, char *err, size_t errlen)
{
	char buf[256], *save = NULL;
	uint64_t lo, hi;

	snprintf(buf, sizeof(buf), "%s", v);
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		char *b = strchr(it, ':'), *c = b ? strchr(b + 1, ':') : NULL;

		if (!c)
			continue;
		*b++ = 0;
		*c = 0;
		if (!fp_parse_size(it, &lo) && !fp_parse_size(b, &hi) && lo > hi) {
			fp_say(err, errlen,
			       "--%s: the range '%s:%s:...' goes down: LO must not be above HI; %s",
			       o->name, it, b, SIZES_FORM);
			return;
		}
	}
	fp_say(err, errlen, "--%s: sizes must be 1 B to 1G, got '%s'", o->name, v);
}

static int set_value(const struct fp_opt *o, void *cfg, const char *v, const char *from, char *err,
		     size_t errlen)
{
	char *field = (char *)cfg + o->off;
	int64_t i;
	uint64_t u;
	int ret;

	switch (o->type) {
	case FP_OPT_BOOL:
		if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"))
			*(bool *)field = true;
		else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false"))
			*(bool *)field = false;
		else
			goto bad;
		return 0;
	case FP_OPT_INT:
		if (fp_parse_i64(v, &i))
			goto bad;
		if (!bounded(o, i))
			goto range;
		*(int64_t *)field = i;
		return 0;
	case FP_OPT_SIZE:
		if (fp_parse_size(v, &u))
			goto bad;
		if (u > INT64_MAX || !bounded(o, (int64_t)u))
			goto range;
		*(uint64_t *)field = u;
		return 0;
	case FP_OPT_DURATION:
		if (fp_parse_duration(v, &u))
			goto bad;
		if (u > INT64_MAX || !bounded(o, (int64_t)u))
			goto range;
		*(uint64_t *)field = u;
		return 0;
	case FP_OPT_SIZES: {
		struct fp_sizes *s = (struct fp_sizes *)field;

		ret = fp_parse_sizes(v, s->v, FP_MAX_SIZES, &s->n);
		if (ret == -E2BIG) {
			fp_say(err, errlen, "--%s: more than %d sizes in '%s'", o->name,
			       FP_MAX_SIZES, v);
			return -EINVAL;
		}
		if (ret == -ERANGE) {
			sizes_range_why(o, v, err, errlen);
			return -EINVAL;
		}
		/* a mix inside one phase would break what a phase is: one message size, whose
		 * bytes are messages x size, paced and reported per size */
		if (ret && fp_imix_is_mix(v) && is_mix(v)) {
			fp_say(err, errlen,
			       "--%s%s: '%s' is a frame-size mix, for `fabprobe pkt --sizes`; "
			       "here each size is a phase of its own (sizes are %s)",
			       o->name, from, v, SIZES_FORM);
			return -EINVAL;
		}
		if (ret) {
			fp_say(err, errlen, "--%s%s: cannot parse '%s'; sizes are %s", o->name,
			       from, v, SIZES_FORM);
			return -EINVAL;
		}
		return 0;
	}
	case FP_OPT_STRING:
		*(const char **)field = v;
		return 0;
	case FP_OPT_CHOICE:
		ret = choice_index(o->choices, v);
		if (ret < 0) {
			fp_say(err, errlen, "--%s%s: '%s' is not one of %s", o->name, from, v,
			       o->choices);
			return -EINVAL;
		}
		*(int *)field = ret;
		return 0;
	}
bad:
	fp_say(err, errlen, "--%s%s: cannot parse '%s'", o->name, from, v);
	return -EINVAL;
range:
	if (o->type == FP_OPT_DURATION)
		fp_say(err, errlen, "--%s%s: '%s' is outside %gs..%gs", o->name, from, v,
		       (double)o->min / 1e9, (double)o->max / 1e9);
	else
		fp_say(err, errlen, "--%s%s: '%s' is outside %lld..%lld", o->name, from, v,
		       (long long)o->min, (long long)o->max);
	return -ERANGE;
}

int fp_opts_index(const struct fp_opt *tab, const char *name)
{
	for (int i = 0; tab[i].name; i++)
		if (!strcmp(tab[i].name, name))
			return i;
	return -1;
}

int fp_opts_parse(const struct fp_opt *tab, void *cfg, int argc, char *const *argv,
		  const char **pos, int maxpos, int *npos, uint64_t *given, char *err,
		  size_t errlen)
{
	uint64_t seen = 0;
	int np = 0, ret;
	bool only_pos = false;

	for (int i = 0; tab[i].name; i++) {
		if (tab[i].def &&
		    (ret = set_value(&tab[i], cfg, tab[i].def, " (default)", err, errlen)))
			return ret;
	}
	for (int i = 0; tab[i].name; i++) {
		const char *e = tab[i].env ? getenv(tab[i].env) : NULL;
		char from[80];

		if (!e || !*e)
			continue;
		snprintf(from, sizeof(from), " (from $%s)", tab[i].env);
		if ((ret = set_value(&tab[i], cfg, e, from, err, errlen)))
			return ret;
		seen |= 1ull << i;
	}
	for (int a = 0; a < argc; a++) {
		const char *arg = argv[a], *val, *eq;
		char name[64];
		int idx;
		bool neg = false;

		if (only_pos || arg[0] != '-' || !arg[1]) {
			if (np >= maxpos) {
				fp_say(err, errlen, "unexpected argument '%s'", arg);
				return -EINVAL;
			}
			pos[np++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_pos = true;
			continue;
		}
		if (arg[1] != '-') {
			fp_say(err, errlen, "unknown option '%s' (options are --long; see --help)",
			       arg);
			return -EINVAL;
		}
		arg += 2;
		eq = strchr(arg, '=');
		if ((eq ? (size_t)(eq - arg) : strlen(arg)) >= sizeof(name)) {
			fp_say(err, errlen, "unknown option '--%.40s...'", arg);
			return -EINVAL;
		}
		snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
		idx = fp_opts_index(tab, name);
		if (idx < 0 && !strncmp(name, "no-", 3)) {
			idx = fp_opts_index(tab, name + 3);
			neg = idx >= 0 && tab[idx].type == FP_OPT_BOOL;
			if (!neg)
				idx = -1;
		}
		if (idx < 0) {
			fp_say(err, errlen, "unknown option '--%s' (see --help)", name);
			return -EINVAL;
		}
		if (tab[idx].type == FP_OPT_BOOL && !eq) {
			val = neg ? "0" : "1";
		} else if (neg) {
			fp_say(err, errlen, "--no-%s takes no value", name);
			return -EINVAL;
		} else if (eq) {
			val = eq + 1;
		} else if (a + 1 < argc) {
			val = argv[++a];
		} else {
			fp_say(err, errlen, "--%s needs a value", name);
			return -EINVAL;
		}
		if ((ret = set_value(&tab[idx], cfg, val, "", err, errlen)))
			return ret;
		seen |= 1ull << idx;
	}
	if (npos)
		*npos = np;
	if (given)
		*given = seen;
	return 0;
}

void fp_opts_help(FILE *f, const struct fp_opt *tab)
{
	static const char *const kind[] = { "", "N", "SIZE", "SIZES", "TIME", "STR", "" };

	for (int i = 0; tab[i].name; i++) {
		const struct fp_opt *o = &tab[i];
		char left[64];
		const char *mv = o->metavar ? o->metavar : kind[o->type];

		if (o->type == FP_OPT_CHOICE && !o->metavar)
			mv = o->choices;
		snprintf(left, sizeof(left), "--%s%s%s", o->name, *mv ? " " : "", mv);
		fprintf(f, "  %-28s %s", left, o->help);
		if (o->def && o->type != FP_OPT_BOOL)
			fprintf(f, " [%s]", o->def);
		if (o->min != o->max && o->type == FP_OPT_INT)
			fprintf(f, " (%lld..%lld)", (long long)o->min, (long long)o->max);
		if (o->env)
			fprintf(f, " ($%s)", o->env);
		fputc('\n', f);
	}
}

int fp_opts_join(const char *first, char *const *args, int n, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "%s", first ? first : "");

	for (int i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", args[i]);
	return o < len ? 0 : -E2BIG;
}
