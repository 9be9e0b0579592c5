// SPDX-License-Identifier: MIT
/*
 * counters.csv read for flapping (result_flap.h): one pass over the text, one line at a
 * time, every field checked; only the link-state counters are kept, one series per rank
 * and counter, so memory is bounded by the ranks, not the file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "result_flap.h"

const char *const fp_flap_counters[FP_FLAP_KINDS] = { "carrier_changes", "link_downed",
						      "rdma_link_downed" };

static const char header[] = "t_s,rank,port,counter,value,delta";

enum { F_T, F_RANK, F_PORT, F_CTR, F_VALUE, F_DELTA, F_N };

/*
 * One RFC 4180 field of the line [*p, end) into out (at most n - 1 bytes): 0, or -1 when
 * it is too long or its quotes are not closed. *p moves past the field and its comma.
 */
static int field(const char **p, const char *end, char *out, size_t n)
{
	const char *s = *p;
	size_t k = 0;
	int quoted = s < end && *s == '"';

	if (quoted)
		s++;
	for (;; s++) {
		if (s == end) {
			if (quoted)
				return -1;
			break;
		}
		if (quoted && *s == '"') {
			if (s + 1 < end && s[1] == '"') {
				s++;
			} else {
				quoted = 0;
				continue;
			}
		} else if (!quoted && *s == ',') {
			break;
		} else if (!quoted && *s == '"') {
			return -1;
		}
		if (k + 1 >= n)
			return -1;
		out[k++] = *s;
	}
	out[k] = 0;
	*p = s < end ? s + 1 : s;
	return 0;
}

/* a decimal below 2^64, digits only */
static int u64_of(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

static int time_of(const char *s, double *t)
{
	char *e;

	if (!*s || strchr(s, ' ') || !strchr("0123456789", *s))
		return -1;
	errno = 0;
	*t = strtod(s, &e);
	return *e || errno || !isfinite(*t) || *t > 1e9 ? -1 : 0;
}

static int kind_of(const char *name)
{
	for (int k = 0; k < FP_FLAP_KINDS; k++)
		if (!strcmp(name, fp_flap_counters[k]))
			return k;
	return -1;
}

/* a row of a kept counter into its series: the delta must be the one value implies */
static int series_add(struct fp_flap *s, const char *port, double t, uint64_t value, uint64_t delta,
		      uint64_t *prev, const char *where, unsigned ln, char *err, size_t el)
{
	uint64_t want;

	if (s->port[0] && strcmp(s->port, port))
		return fp_say(err, el, "%s:%u: rank %d's %s moved from port %s to %s", where, ln,
			      s->rank, fp_flap_counters[s->kind], s->port, port);
	if (!s->port[0]) { /* the baseline */
		snprintf(s->port, sizeof(s->port), "%s", port);
		if (delta)
			return fp_say(err, el, "%s:%u: the first snapshot's delta is %llu, not 0",
				      where, ln, (unsigned long long)delta);
		s->t_prev = t;
		*prev = value;
		return 0;
	}
	if (!(t > s->t_prev))
		return fp_say(err, el, "%s:%u: t_s %g is not after the last snapshot's %g", where,
			      ln, t, s->t_prev);
	want = value >= *prev ? value - *prev : value; /* went back: a reset, from zero */
	if (delta != want)
		return fp_say(err, el, "%s:%u: delta %llu, but the value went from %llu to %llu",
			      where, ln, (unsigned long long)delta, (unsigned long long)*prev,
			      (unsigned long long)value);
	s->intervals++;
	if (delta) {
		if (s->grew < FP_FLAP_EV) {
			s->ev[s->grew].t0 = s->t_prev;
			s->ev[s->grew].t1 = t;
			s->ev[s->grew].delta = delta;
		}
		s->grew++;
		s->total += delta;
	}
	s->t_prev = t;
	*prev = value;
	return 0;
}

static int row(struct fp_flaps *f, uint64_t *prev, const char *p, const char *end,
	       const char *where, unsigned ln, char *err, size_t el)
{
	static const char *const names[F_N] = {
		"t_s", "rank", "port", "counter", "value", "delta"
	};
	char v[F_N][64];
	uint64_t rank, value, delta;
	double t;
	int k;

	for (int i = 0; i < F_N; i++) {
		if (p == end && i)
			return fp_say(err, el, "%s:%u: %d fields, not %d", where, ln, i, F_N);
		if (field(&p, end, v[i], sizeof(v[i])))
			return fp_say(err, el, "%s:%u: field %s is too long or badly quoted", where,
				      ln, names[i]);
	}
	if (p != end || end[-1] == ',')
		return fp_say(err, el, "%s:%u: more than %d fields", where, ln, F_N);
	if (time_of(v[F_T], &t))
		return fp_say(err, el, "%s:%u: t_s is not a time in seconds", where, ln);
	if (u64_of(v[F_RANK], &rank) || rank >= (uint64_t)f->nranks)
		return fp_say(err, el, "%s:%u: rank is not one of the run's %d", where, ln,
			      f->nranks);
	if (!v[F_CTR][0] || strlen(v[F_PORT]) >= sizeof(f->s[0].port))
		return fp_say(err, el, "%s:%u: an empty counter or a port name too long", where,
			      ln);
	if (u64_of(v[F_VALUE], &value) || u64_of(v[F_DELTA], &delta))
		return fp_say(err, el, "%s:%u: value or delta is not a number below 2^64", where,
			      ln);
	k = kind_of(v[F_CTR]);
	if (k < 0)
		return 0; /* checked, not kept */
	k += (int)rank * FP_FLAP_KINDS;
	return series_add(&f->s[k], v[F_PORT], t, value, delta, &prev[k], where, ln, err, el);
}

int fp_flap_parse(const char *where, const char *text, size_t len, int nranks, struct fp_flaps *out,
		  char *err, size_t el)
{
	const char *p = text, *end = text + len;
	uint64_t *prev = NULL;
	unsigned ln = 1;
	size_t n;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (nranks <= 0 || nranks > (1 << 20))
		return fp_say(err, el, "%s: %d ranks", where, nranks);
	n = (size_t)nranks * FP_FLAP_KINDS;
	out->nranks = nranks;
	out->s = calloc(n, sizeof(*out->s));
	prev = calloc(n, sizeof(*prev));
	if (!out->s || !prev) {
		free(prev);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		out->s[i].rank = (int)(i / FP_FLAP_KINDS);
		out->s[i].kind = (unsigned)(i % FP_FLAP_KINDS);
	}
	if (len < sizeof(header) - 1 || memcmp(text, header, sizeof(header) - 1) ||
	    (len > sizeof(header) - 1 && text[sizeof(header) - 1] != '\n')) {
		ret = fp_say(err, el, "%s:1: not a counters.csv header (%s)", where, header);
		goto out;
	}
	p = text + sizeof(header) - 1;
	for (p += p < end; p < end && !ret; ln++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		ret = le == p ? fp_say(err, el, "%s:%u: an empty line", where, ln + 1)
			      : row(out, prev, p, le, where, ln + 1, err, el);
		p = nl ? nl + 1 : end;
	}
out:
	free(prev);
	return ret;
}

void fp_flaps_free(struct fp_flaps *f)
{
	if (!f)
		return;
	free(f->s);
	memset(f, 0, sizeof(*f));
}

void fp_flap_text(const struct fp_flap *s, char *buf, size_t len)
{
	size_t o;
	int w;

	w = snprintf(buf, len, "FLAPPING: %s on %s grew in %u of %u intervals by %llu:",
		     fp_flap_counters[s->kind], s->port[0] ? s->port : "?", s->grew, s->intervals,
		     (unsigned long long)s->total);
	o = w < 0 ? 0 : (size_t)w;
	for (unsigned i = 0; i < s->grew && i < FP_FLAP_EV && o < len; i++) {
		w = snprintf(buf + o, len - o, "%s +%llu in %.1f-%.1f s", i ? "," : "",
			     (unsigned long long)s->ev[i].delta, s->ev[i].t0, s->ev[i].t1);
		o += w < 0 ? 0 : (size_t)w;
	}
	if (s->grew > FP_FLAP_EV && o < len)
		snprintf(buf + o, len - o, ", %u more", s->grew - FP_FLAP_EV);
}
