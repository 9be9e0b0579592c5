// SPDX-License-Identifier: MIT
/*
 * flows.ndjson (results/README.md; results_flows.c writes it): each line one flow record,
 * {"size": S, "round": R, "flow": F, "src": A, "dst": B, "avg_Gbps": X, "path": [L, ...],
 * ...}. Read a line at a time with a small scanner: no document tree, so a record costs its
 * struct fp_rflow and nothing else. Keys the analyzer does not use are skipped whatever
 * JSON value they hold; every number that indexes something is checked here, as
 * result_read.c checks run.json's.
 */
#include "result_flows.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"

#define MAXDEPTH 8

/* one line's fields; NaN: absent */
struct rec {
	double size, round, flow, src, dst, avg, lat99, lost, sent, retrans, segs;
	bool has_path, path_long;
	unsigned npath;
	double path[FP_RESULT_MAXHOPS];
};

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

/* a JSON string: its text (escapes kept) into key, cut at kl - 1; NULL: not a string */
static const char *str(const char *p, char *key, size_t kl)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && !*++p)
			return NULL;
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (n + 1 < kl)
			key[n++] = *p;
	}
	if (kl)
		key[n] = 0;
	return *p == '"' ? p + 1 : NULL;
}

/* a JSON number (never NaN or infinity: strtod would take those words) */
static const char *num(const char *p, double *v)
{
	char *end;

	if (*p != '-' && (*p < '0' || *p > '9'))
		return NULL;
	*v = strtod(p, &end);
	return end > p && isfinite(*v) ? end : NULL;
}

static const char *word(const char *p, const char *w)
{
	size_t n = strlen(w);

	return !strncmp(p, w, n) ? p + n : NULL;
}

/* any JSON value, skipped; NULL: not one (or nested deeper than MAXDEPTH) */
static const char *skip(const char *p, int depth)
{
	char open = *p, close = open == '{' ? '}' : ']';
	double v;

	if (*p == '"')
		return str(p, NULL, 0);
	if (*p == 't' || *p == 'f' || *p == 'n')
		return word(p, "true") ? p + 4 : word(p, "false") ? p + 5 : word(p, "null");
	if (open != '{' && open != '[')
		return num(p, &v);
	if (depth >= MAXDEPTH)
		return NULL;
	p = ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (open == '{') {
			p = str(p, NULL, 0);
			if (!p || *(p = ws(p)) != ':')
				return NULL;
			p = ws(p + 1);
		}
		p = skip(p, depth + 1);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = ws(p);
	}
}

/* "path": a list of link indices, at most FP_RESULT_MAXHOPS */
static const char *path(const char *p, struct rec *x)
{
	x->has_path = true;
	x->npath = 0;
	if (*p++ != '[')
		return NULL;
	p = ws(p);
	if (*p == ']')
		return p + 1;
	for (;;) {
		double v;

		if (!(p = num(p, &v)))
			return NULL;
		if (x->npath < FP_RESULT_MAXHOPS)
			x->path[x->npath++] = v;
		else
			x->path_long = true;
		p = ws(p);
		if (*p == ']')
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = ws(p);
	}
}

/* "latency": {"p99_us": X, ...}: the p99 a latency class's bloat needs, the rest skipped */
static const char *latency(const char *p, struct rec *x)
{
	char key[16];

	if (*p != '{')
		return skip(p, 1);
	p = ws(p + 1);
	if (*p == '}')
		return p + 1;
	for (;;) {
		if (!(p = str(p, key, sizeof(key))) || *(p = ws(p)) != ':')
			return NULL;
		p = ws(p + 1);
		p = !strcmp(key, "p99_us") ? num(p, &x->lat99) : skip(p, 2);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = ws(p);
	}
}

/* one value of the record: the fields read, the others skipped */
static const char *field(const char *p, const char *key, struct rec *x)
{
	static const char *const keys[] = { "size",	"round", "flow",    "src",     "dst",
					    "avg_Gbps", "lost",	 "tx_msgs", "retrans", "segs_out" };
	double *dst[] = { &x->size, &x->round, &x->flow, &x->src,     &x->dst,
			  &x->avg,  &x->lost,  &x->sent, &x->retrans, &x->segs };

	if (!strcmp(key, "path"))
		return path(p, x);
	if (!strcmp(key, "latency"))
		return latency(p, x);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (!strcmp(key, keys[k]))
			return num(p, dst[k]);
	return skip(p, 1);
}

/* false: the line is not one JSON object */
static bool parse(const char *p, struct rec *x)
{
	char key[32];

	*x = (struct rec){ .size = NAN,
			   .round = NAN,
			   .flow = NAN,
			   .src = NAN,
			   .dst = NAN,
			   .avg = NAN,
			   .lat99 = NAN,
			   .lost = NAN,
			   .sent = NAN,
			   .retrans = NAN,
			   .segs = NAN };
	p = ws(p);
	if (*p++ != '{')
		return false;
	p = ws(p);
	if (*p == '}')
		return !*ws(p + 1);
	for (;;) {
		if (!(p = str(p, key, sizeof(key))) || *(p = ws(p)) != ':')
			return false;
		if (!(p = field(ws(p + 1), key, x)))
			return false;
		p = ws(p);
		if (*p == '}')
			return !*ws(p + 1);
		if (*p++ != ',')
			return false;
		p = ws(p);
	}
}

static bool whole(double v, double lo, double hi)
{
	return v >= lo && v <= hi && v == floor(v);
}

/* the checks run.json's inline records get (result_read.c read_flow), into f */
static int check(const struct rec *x, const struct fp_topo *t, const struct fp_result *r,
		 struct fp_rflow *f, const char *at, char *err, size_t el)
{
	if (!whole(x->src, 0, r->world_size - 1) || !whole(x->dst, 0, r->world_size - 1))
		return fp_say(err, el, "%s: field 'src' or 'dst' is missing or not a rank of %d",
			      at, r->world_size);
	if (!whole(x->round, 0, r->rounds ? r->rounds - 1 : 1e7))
		return fp_say(err, el, "%s: field 'round' is missing or out of range (%u rounds)",
			      at, r->rounds);
	if (!isnan(x->flow) && !whole(x->flow, 0, r->nflowids ? r->nflowids - 1 : UINT32_MAX - 1))
		return fp_say(err, el, "%s: field 'flow' is not a flow id (%u in the schedule)", at,
			      r->nflowids);
	if (x->src == x->dst)
		return fp_say(err, el, "%s: fields 'src' and 'dst' are both rank %.0f", at, x->src);
	if (!isnan(x->avg) && x->avg < 0)
		return fp_say(err, el, "%s: field 'avg_Gbps' is not a rate", at);
	if (!isnan(x->lost) && !(x->lost >= 0 && x->sent >= x->lost)) /* NaN sent fails too */
		return fp_say(err, el, "%s: field 'lost' is not a count up to 'tx_msgs'", at);
	if ((!isnan(x->retrans) || !isnan(x->segs)) &&
	    !(whole(x->retrans, 0, 1e18) && whole(x->segs, x->retrans, 1e18)))
		return fp_say(err, el, "%s: field 'retrans' is not a count up to 'segs_out'", at);
	if (!isnan(x->lat99) && x->lat99 < 0)
		return fp_say(err, el, "%s: field 'latency.p99_us' is negative", at);
	if (x->path_long)
		return fp_say(err, el, "%s: field 'path' is not a list of at most %d links", at,
			      FP_RESULT_MAXHOPS);
	*f = (struct fp_rflow){ .src = (int)x->src,
				.dst = (int)x->dst,
				.round = (unsigned)x->round,
				.flow = isnan(x->flow) ? 0 : (unsigned)x->flow,
				.has_id = !isnan(x->flow),
				.has_bw = !isnan(x->avg),
				.avg_gbps = isnan(x->avg) ? 0 : x->avg,
				.loss = !isnan(x->lost) && x->sent > 0 ? x->lost / x->sent : 0,
				.retrans = isnan(x->retrans) ? 0 : x->retrans,
				.segs_out = isnan(x->segs) ? 0 : x->segs,
				.has_lat = !isnan(x->lat99),
				.lat_p99_us = isnan(x->lat99) ? 0 : x->lat99,
				.has_path = x->has_path,
				.npath = x->npath,
				.trace = -1 };
	for (unsigned k = 0; k < x->npath; k++) {
		if (!whole(x->path[k], 0, t ? (double)t->nlinks - 1 : 1e9))
			return fp_say(err, el,
				      "%s: field 'path' names link %.0f, which the topology (%u "
				      "links) does not have",
				      at, x->path[k], t ? t->nlinks : 0);
		f->path[k] = (unsigned)x->path[k];
	}
	return 0;
}

/* one line into buf: its length, -1 at the end, -2 past FP_RFLOWS_MAXLINE or a NUL byte */
static long line_in(FILE *f, char *buf)
{
	long n = 0;
	int c;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n + 1 >= FP_RFLOWS_MAXLINE || !c)
			return -2;
		buf[n++] = (char)c;
	}
	buf[n] = 0;
	return c == EOF && !n ? -1 : n;
}

/* the size a record names: one run.json has, whose flows were not inline (else NULL) */
static struct fp_rsize *size_of(struct fp_result *r, double size, bool *known)
{
	*known = false;
	for (unsigned i = 0; i < r->nsizes; i++)
		if ((double)r->sizes[i].size == size) {
			*known = true;
			return r->sizes[i].sidecar ? &r->sizes[i] : NULL;
		}
	return NULL;
}

static int append(struct fp_rsize *z, unsigned *cap, const struct fp_rflow *f)
{
	if (z->nflows == *cap) {
		size_t c = *cap ? (size_t)*cap * 2 : 1024;
		void *q = c > UINT32_MAX ? NULL : realloc(z->flows, sizeof(*z->flows) * c);

		if (!q)
			return -ENOMEM;
		z->flows = q;
		*cap = (unsigned)c;
	}
	z->flows[z->nflows++] = *f;
	return 0;
}

int fp_result_read_flows(FILE *f, const char *where, const struct fp_topo *t, struct fp_result *r,
			 char *err, size_t el)
{
	char *buf = malloc(FP_RFLOWS_MAXLINE), at[4400];
	unsigned *cap = calloc(r->nsizes + 1, sizeof(*cap));
	unsigned long long ln = 0, nrec = 0, bytes = 0;
	/* one record a flow a round (unique_ids): more is not a record of this schedule */
	unsigned long long most = (unsigned long long)r->rounds * r->nflowids;
	int ret = 0;
	long n;

	if (!buf || !cap) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < r->nsizes; i++) /* the inline arrays were sized for nothing */
		cap[i] = r->sizes[i].sidecar ? r->sizes[i].nflows : 0;
	while (!ret && (n = line_in(f, buf)) != -1) {
		struct fp_rsize *z;
		struct fp_rflow fl;
		struct rec x;
		bool known;

		snprintf(at, sizeof(at), "%s:%llu", where, ++ln);
		if (n == -2) {
			ret = fp_say(err, el, "%s: the line is longer than %d bytes or holds a NUL",
				     at, FP_RFLOWS_MAXLINE);
			break;
		}
		bytes += (unsigned long long)n + 1;
		if (bytes > FP_RFLOWS_MAXBYTES) {
			ret = fp_say(err, el,
				     "%s: larger than %llu bytes, more than any run writes", where,
				     FP_RFLOWS_MAXBYTES);
			break;
		}
		if (!*ws(buf))
			continue;
		if (!parse(buf, &x)) {
			ret = fp_say(err, el, "%s: not one JSON object (a flow record) a line", at);
			break;
		}
		z = size_of(r, x.size, &known);
		if (!known) {
			ret = fp_say(err, el,
				     "%s: field 'size' is missing or not a size run.json has", at);
			break;
		}
		if (!z) /* run.json held this size's flows inline: those are the record */
			continue;
		if (most && z->nflows >= most) {
			ret = fp_say(err, el,
				     "%s: size %.0f has more records than its schedule's %u rounds "
				     "x %u flows",
				     at, x.size, r->rounds, r->nflowids);
			break;
		}
		ret = check(&x, t, r, &fl, at, err, el);
		if (!ret)
			ret = append(z, &cap[z - r->sizes], &fl);
		nrec += !ret;
	}
	if (!ret && ferror(f))
		ret = fp_say(err, el, "%s: %s", where, strerror(errno ? errno : EIO));
	for (unsigned i = 0; !ret && i < r->nsizes; i++) { /* the doubling's slack back */
		struct fp_rsize *z = &r->sizes[i];
		void *q = z->sidecar && z->nflows ? realloc(z->flows, sizeof(*z->flows) * z->nflows)
						  : NULL;

		if (q)
			z->flows = q;
	}
out:
	if (ret == -ENOMEM)
		snprintf(err, el, "out of memory reading %s (%llu flows)", where, nrec);
	free(buf);
	free(cap);
	return ret;
}
