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
		if (k + 1 >= n || (unsigned char)*s < 0x20 || *s == 0x7f)
			return -1; /* too long, or a control byte (a port name reaches the terminal) */
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

typedef int (*row_fn)(void *ctx, const char *p, const char *end, const char *where, unsigned ln,
		      char *err, size_t el);

/* the header hdr of a file named what, then fn on each line (none empty), in one pass */
static int csv_lines(const char *where, const char *what, const char *hdr, const char *text,
		     size_t len, row_fn fn, void *ctx, char *err, size_t el)
{
	const char *p = text, *end = text + len;
	size_t hl = strlen(hdr);
	unsigned ln = 2;
	int ret = 0;

	if (len < hl || memcmp(text, hdr, hl) || (len > hl && text[hl] != '\n'))
		return fp_say(err, el, "%s:1: not a %s header (%s)", where, what, hdr);
	for (p += hl + (len > hl); p < end && !ret; ln++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		ret = le == p ? fp_say(err, el, "%s:%u: an empty line", where, ln)
			      : fn(ctx, p, le, where, ln, err, el);
		p = nl ? nl + 1 : end;
	}
	return ret;
}

struct flap_ctx {
	struct fp_flaps *f;
	uint64_t *prev;
};

static int row(void *ctx, const char *p, const char *end, const char *where, unsigned ln, char *err,
	       size_t el)
{
	struct fp_flaps *f = ((struct flap_ctx *)ctx)->f;
	uint64_t *prev = ((struct flap_ctx *)ctx)->prev;
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
	uint64_t *prev = NULL;
	size_t n;
	int ret;

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
	ret = csv_lines(where, "counters.csv", header, text, len, row,
			&(struct flap_ctx){ .f = out, .prev = prev }, err, el);
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

static const char dip_header[] = "t_start_s,t_end_s,pass,size,flow,src,dst,Gbps";

enum { D_T0, D_T1, D_PASS, D_SIZE, D_FLOW, D_SRC, D_DST, D_GBPS, D_N };

static size_t dip_hash(uint64_t size, uint64_t flow, size_t nslot)
{
	uint64_t h = (size * 0x9e3779b97f4a7c15ull) ^ (flow + 0x7f4a7c159e3779b9ull);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return (size_t)h & (nslot - 1);
}

/* the slot of (size, flow): its series', or the empty one where it goes */
static uint32_t *dip_slot(const struct fp_dips *d, uint64_t size, uint64_t flow)
{
	size_t i = dip_hash(size, flow, d->nslot);

	for (;; i = (i + 1) & (d->nslot - 1)) {
		const struct fp_dip *v = d->slot[i] ? &d->d[d->slot[i] - 1] : NULL;

		if (!v || (v->size == size && v->flow == flow))
			return &d->slot[i];
	}
}

/* the series of (size, flow): hint first (phases list flows in order), then the hash */
static struct fp_dip *dip_series(struct fp_dips *d, uint64_t size, uint64_t flow, size_t *hint)
{
	struct fp_dip *v;
	uint32_t *at;

	if (*hint < d->n && d->d[*hint].size == size && d->d[*hint].flow == flow)
		return &d->d[(*hint)++];
	if (d->nslot && *(at = dip_slot(d, size, flow))) {
		*hint = *at;
		return &d->d[*at - 1];
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		uint32_t *slot;

		if (cap > FP_DIP_MAXFLOWS || !(v = realloc(d->d, cap * sizeof(*v))))
			return NULL;
		d->d = v;
		d->cap = cap;
		/* twice the series, rehashed: the probe runs stay short */
		if (!(slot = calloc(2 * cap, sizeof(*slot))))
			return NULL;
		free(d->slot);
		d->slot = slot;
		d->nslot = 2 * cap;
		for (size_t i = 0; i < d->n; i++)
			*dip_slot(d, d->d[i].size, d->d[i].flow) = (uint32_t)(i + 1);
	}
	at = dip_slot(d, size, flow);
	v = &d->d[d->n++];
	*at = (uint32_t)d->n;
	memset(v, 0, sizeof(*v));
	v->size = size;
	v->flow = (uint32_t)flow;
	*hint = d->n;
	return v;
}

static void dip_add(struct fp_dip *s, double t0, double t1, double g)
{
	s->phases++;
	if (s->best > 0 && g < FP_DIP_LOW * s->best) {
		if (!s->in_dip && !s->flaps) {
			s->t0 = t0;
			s->t1 = t1;
			s->dip_gbps = g;
		}
		s->in_dip = true;
		return;
	}
	if (s->in_dip && g >= FP_DIP_BACK * s->best) {
		s->flaps++;
		s->in_dip = false;
	}
	if (g > s->best)
		s->best = g;
}

/* grow *v (cap entries of each bytes) to hold index at; the new entries are zero */
static int grow_to(void **v, unsigned *cap, unsigned at, size_t each)
{
	unsigned n = *cap ? *cap : 16;
	void *w;

	if (at < *cap)
		return 0;
	while (n <= at)
		n *= 2;
	if (!(w = realloc(*v, (size_t)n * each)))
		return -ENOMEM;
	memset((char *)w + (size_t)*cap * each, 0, (size_t)(n - *cap) * each);
	*v = w;
	*cap = n;
	return 0;
}

/* let every series' rates go: past FP_DIP_MAXCELLS the path rule says nothing */
static void drop_rates(struct fp_dips *d)
{
	d->no_rates = true;
	for (size_t i = 0; i < d->n; i++) {
		free(d->d[i].rate);
		d->d[i].rate = NULL;
		d->d[i].nrate = d->d[i].caprate = 0;
	}
}

/* series s's rate in pass p, and the pass's interval */
static int keep_rate(struct fp_dips *d, struct fp_dip *s, unsigned p, double t0, double t1,
		     double g)
{
	unsigned c0 = d->cappass, c1 = d->cappass;

	if (grow_to((void **)&d->pt0, &c0, p, sizeof(double)) ||
	    grow_to((void **)&d->pt1, &c1, p, sizeof(double)))
		return -ENOMEM;
	for (unsigned k = d->cappass; k < c0; k++)
		d->pt0[k] = 1; /* t1 < t0: no row named this pass yet */
	d->cappass = c0;
	d->pt0[p] = t0;
	d->pt1[p] = t1;
	d->npass = p + 1 > d->npass ? p + 1 : d->npass;
	if (d->no_rates)
		return 0;
	if (p >= s->caprate) {
		unsigned c = s->caprate, want = c ? c : 16;

		while (want <= p)
			want *= 2;
		if (d->cells + (want - c) > FP_DIP_MAXCELLS) {
			drop_rates(d);
			return 0;
		}
		if (grow_to((void **)&s->rate, &s->caprate, p, sizeof(float)))
			return -ENOMEM;
		for (unsigned k = c; k < s->caprate; k++)
			s->rate[k] = NAN;
		d->cells += s->caprate - c;
	}
	s->rate[p] = (float)g;
	s->nrate = p + 1 > s->nrate ? p + 1 : s->nrate;
	return 0;
}

struct dip_ctx {
	struct fp_dips *d;
	size_t hint;
	int nranks;
};

static int dip_row(void *ctx, const char *p, const char *end, const char *where, unsigned ln,
		   char *err, size_t el)
{
	struct dip_ctx *c = ctx;
	struct fp_dips *d = c->d;
	int nranks = c->nranks;
	char v[D_N][64];
	uint64_t u[D_N];
	double t0, t1, g;
	struct fp_dip *s;

	for (int i = 0; i < D_N; i++)
		if ((p == end && i) || field(&p, end, v[i], sizeof(v[i])))
			return fp_say(err, el, "%s:%u: not %d fields", where, ln, D_N);
	if (p != end || end[-1] == ',')
		return fp_say(err, el, "%s:%u: more than %d fields", where, ln, D_N);
	if (time_of(v[D_T0], &t0) || time_of(v[D_T1], &t1) || time_of(v[D_GBPS], &g))
		return fp_say(err, el, "%s:%u: a time or the rate is not a number", where, ln);
	if (t1 < t0)
		return fp_say(err, el, "%s:%u: t_end_s before t_start_s", where, ln);
	for (int i = D_PASS; i <= D_DST; i++)
		if (u64_of(v[i], &u[i]))
			return fp_say(err, el, "%s:%u: field %d is not a count", where, ln, i + 1);
	if (u[D_FLOW] > UINT32_MAX)
		return fp_say(err, el, "%s:%u: flow is 2^32 or more", where, ln);
	if (u[D_SRC] >= (uint64_t)nranks || u[D_DST] >= (uint64_t)nranks)
		return fp_say(err, el, "%s:%u: src or dst is not one of the run's %d ranks", where,
			      ln, nranks);
	s = dip_series(d, u[D_SIZE], u[D_FLOW], &c->hint);
	if (!s)
		return d->n == d->cap && d->cap >= FP_DIP_MAXFLOWS / 2
			       ? fp_say(err, el, "%s:%u: more than %d flows", where, ln,
					FP_DIP_MAXFLOWS)
			       : -ENOMEM;
	if (s->phases && (s->src != (int)u[D_SRC] || s->dst != (int)u[D_DST]))
		return fp_say(err, el, "%s:%u: flow %llu changed its ends", where, ln,
			      (unsigned long long)u[D_FLOW]);
	if (u[D_PASS] >= FP_DIP_MAXPASS)
		return fp_say(err, el, "%s:%u: pass %llu is past %u", where, ln,
			      (unsigned long long)u[D_PASS], FP_DIP_MAXPASS);
	s->src = (int)u[D_SRC];
	s->dst = (int)u[D_DST];
	dip_add(s, t0, t1, g);
	return keep_rate(d, s, (unsigned)u[D_PASS], t0, t1, g);
}

int fp_dip_parse(const char *where, const char *text, size_t len, int nranks, struct fp_dips *out,
		 char *err, size_t el)
{
	memset(out, 0, sizeof(*out));
	return csv_lines(where, "soak.csv", dip_header, text, len, dip_row,
			 &(struct dip_ctx){ .d = out, .nranks = nranks }, err, el);
}

void fp_dips_free(struct fp_dips *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->d[i].rate);
	free(d->pt0);
	free(d->pt1);
	free(d->d);
	free(d->slot);
	memset(d, 0, sizeof(*d));
}

void fp_dip_ranks(const struct fp_dips *d, int nranks, struct fp_dip_rank *out)
{
	unsigned steady = 0;

	memset(out, 0, sizeof(*out) * (size_t)(nranks > 0 ? nranks : 0));
	for (size_t i = 0; i < d->n; i++) {
		const struct fp_dip *s = &d->d[i];
		int ends[2] = { s->src, s->dst };

		steady += !s->flaps;
		for (int k = 0; k < 2; k++) {
			struct fp_dip_rank *r;

			if (ends[k] < 0 || ends[k] >= nranks || (k && ends[1] == ends[0]))
				continue;
			r = &out[ends[k]];
			r->touch++;
			r->dipped += s->flaps > 1;
			r->steady += !s->flaps; /* taken back below: these touch it */
			if (s->flaps && !r->first)
				r->first = s;
		}
	}
	/* the flows elsewhere that never dipped: all of them less its own */
	for (int r = 0; r < nranks; r++)
		out[r].steady = steady - out[r].steady;
}
