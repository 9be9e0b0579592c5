// SPDX-License-Identifier: MIT
/*
 * Reading run.json (results/README.md is its schema; results.c writes it). Every number
 * that indexes something (rank, round, link) is checked before anyone indexes with it.
 */
#include "result_read.h"

#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/err.h"
#include "result_flows.h"
#include "results.h"
#include "../fabric/model/jread.h"
#include "../fabric/model/yaml.h"

/* a whole number in [lo, hi] */
static bool jint(struct fy_node *n, double lo, double hi, double *out)
{
	double v;

	if (!fp_jnum(n, &v) || v < lo || v > hi || v != floor(v))
		return false;
	*out = v;
	return true;
}

/* an optional JSON boolean (absent: false); a string "true" is not one */
static bool jbool(struct fy_node *n, bool *out)
{
	char b[8];

	*out = false;
	if (!n)
		return true;
	if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN ||
	    !fp_jstr(n, b, sizeof(b)) || (strcmp(b, "true") && strcmp(b, "false")))
		return false;
	*out = !strcmp(b, "true");
	return true;
}

/* an optional name: absent is "", present must fit whole (never cut) */
static bool jname(struct fy_node *n, char *buf, size_t len)
{
	buf[0] = 0;
	return !n || fp_jstr(n, buf, len);
}

static unsigned seq_len(struct fy_node *n)
{
	return n && fy_node_is_sequence(n) ? (unsigned)fy_node_sequence_item_count(n) : 0;
}

/*
 * A rank's endpoint identity (results/README.md, "endpoint"): the run.json names on the left,
 * the topology's (struct fp_ident) on the right. Kept apart from the rest of hosts[].
 */
static const char *const ident_keys[][2] = {
	{ "netdev", "ifname" },	 { "device", "dev" },
	{ "node_guid", "guid" }, { "port_guid", "port_guid" },
	{ "mac", "mac" },	 { "ip", "ip" },
	{ "pci", "pci" },
};

static int read_ident(struct fy_node *h, struct fp_result *r, int k, char *err, size_t el)
{
	struct fp_ident *id = &r->ident[k];
	struct fy_node *ep = fp_jkey(h, "endpoint");
	char v[FP_NAME_LEN];

	snprintf(id->host, sizeof(id->host), "%s", r->hosts[k]);
	/* the data address is an IP identity unless it is a wildcard */
	if (jname(fp_jkey(h, "address"), v, sizeof(v)) && v[0] && strcmp(v, "-") &&
	    strcmp(v, "0.0.0.0") && strcmp(v, "::"))
		fp_ident_set(id, "ip", v);
	if (ep && !fy_node_is_mapping(ep))
		return fp_say(err, el, "%s: hosts[%d]: 'endpoint' is not an object", r->where, k);
	for (unsigned i = 0; ep && i < sizeof(ident_keys) / sizeof(ident_keys[0]); i++)
		if (!jname(fp_jkey(ep, ident_keys[i][0]), v, sizeof(v)) ||
		    (v[0] && fp_ident_set(id, ident_keys[i][1], v)))
			return fp_say(err, el,
				      "%s: hosts[%d]: endpoint field '%s' is not a short "
				      "string",
				      r->where, k, ident_keys[i][0]);
	return 0;
}

static int read_hosts(struct fy_node *root, struct fp_result *r, char *err, size_t el)
{
	struct fy_node *hosts = fp_jkey(root, "hosts"), *h;
	void *it = NULL;
	int k = 0, ret = 0;

	if (!hosts || !fy_node_is_sequence(hosts))
		return fp_say(err, el, "%s: not a fabprobe result (no hosts)", r->where);
	if (seq_len(hosts) != (unsigned)r->world_size)
		return fp_say(err, el, "%s: hosts: %u entries, but world_size is %d", r->where,
			      seq_len(hosts), r->world_size);
	r->hosts = calloc((size_t)r->world_size, sizeof(*r->hosts));
	r->ident = calloc((size_t)r->world_size, sizeof(*r->ident));
	if (!r->hosts || !r->ident)
		return -ENOMEM;
	while (!ret && (h = fy_node_sequence_iterate(hosts, &it))) {
		if (!jname(fp_jkey(h, "hostname"), r->hosts[k], sizeof(r->hosts[k])))
			return fp_say(err, el,
				      "%s: hosts[%d]: field 'hostname' is not a name of at "
				      "most %d characters",
				      r->where, k, FP_NAME_LEN - 1);
		ret = read_ident(h, r, k++, err, el);
	}
	return ret;
}

static int read_counters(struct fy_node *root, struct fp_result *r, char *err, size_t el)
{
	struct fy_node *cs = fp_jkey(root, "counters"), *c;
	void *ci = NULL;
	unsigned cap = 0, idx = 0;

	while (cs && fy_node_is_sequence(cs) && (c = fy_node_sequence_iterate(cs, &ci))) {
		struct fy_node *dl = fp_jkey(c, "deltas");
		struct fy_node_pair *pp;
		void *pi = NULL;
		double rk;

		if (!jint(fp_jkey(c, "rank"), 0, r->world_size - 1, &rk))
			return fp_say(err, el,
				      "%s: counters[%u]: field 'rank' is missing or out of range "
				      "(world_size %d)",
				      r->where, idx, r->world_size);
		idx++;
		while (dl && fy_node_is_mapping(dl) && (pp = fy_node_mapping_iterate(dl, &pi))) {
			struct fp_rctr x = { .rank = (int)rk };

			if (!fp_jstr(fy_node_pair_key(pp), x.name, sizeof(x.name)) ||
			    !fp_jnum(fy_node_pair_value(pp), &x.delta) ||
			    !jname(fp_jkey(c, "port"), x.port, sizeof(x.port)))
				return fp_say(err, el,
					      "%s: counters[%u]: field 'port' or a counter "
					      "in 'deltas' is too long or not a number",
					      r->where, idx - 1);
			if (r->nctr == cap) {
				void *q = realloc(r->ctr, sizeof(*r->ctr) * (cap ? cap * 2 : 16));

				if (!q)
					return -ENOMEM;
				r->ctr = q;
				cap = cap ? cap * 2 : 16;
			}
			r->ctr[r->nctr++] = x;
			r->has_counters = true;
		}
	}
	return 0;
}

static int read_path(struct fy_node *p, const struct fp_topo *t, struct fp_rflow *f, const char *at,
		     char *err, size_t el)
{
	struct fy_node *it;
	void *pit = NULL;

	if (!fy_node_is_sequence(p) || seq_len(p) > FP_RESULT_MAXHOPS)
		return fp_say(err, el, "%s: field 'path' is not a list of at most %d links", at,
			      FP_RESULT_MAXHOPS);
	while ((it = fy_node_sequence_iterate(p, &pit))) {
		double l;

		if (!jint(it, 0, t ? (double)t->nlinks - 1 : 1e9, &l))
			return fp_say(err, el,
				      "%s: field 'path' names link %s, which the topology (%u "
				      "links) does not have",
				      at, fy_node_get_scalar0(it) ? fy_node_get_scalar0(it) : "?",
				      t ? t->nlinks : 0);
		f->path[f->npath++] = (unsigned)l;
	}
	f->has_path = true;
	return 0;
}

/* datagram runs: the frames a flow lost, as a share of those it sent */
static int read_loss(struct fy_node *n, struct fp_rflow *f)
{
	double lost, sent;

	if (!fp_jnum(fp_jkey(n, "lost"), &lost) || !fp_jnum(fp_jkey(n, "tx_msgs"), &sent) ||
	    !(lost >= 0 && lost <= sent))
		return -EINVAL;
	f->loss = sent > 0 ? lost / sent : 0;
	return 0;
}

/* TCP runs: the source's retransmitted segments, among the data segments it sent */
static int read_retrans(struct fy_node *n, struct fp_rflow *f)
{
	if (!jint(fp_jkey(n, "retrans"), 0, 1e18, &f->retrans) ||
	    !jint(fp_jkey(n, "segs_out"), f->retrans, 1e18, &f->segs_out))
		return -EINVAL;
	return 0;
}

static int read_flow(struct fy_node *n, const struct fp_topo *t, const struct fp_result *r,
		     struct fp_rflow *f, const char *at, char *err, size_t el)
{
	double s, d, rd, id = 0;
	struct fy_node *p;

	if (!jint(fp_jkey(n, "src"), 0, r->world_size - 1, &s))
		return fp_say(err, el, "%s: field 'src' is missing or not a rank of %d", at,
			      r->world_size);
	if (!jint(fp_jkey(n, "dst"), 0, r->world_size - 1, &d))
		return fp_say(err, el, "%s: field 'dst' is missing or not a rank of %d", at,
			      r->world_size);
	if (!jint(fp_jkey(n, "round"), 0, r->rounds ? r->rounds - 1 : 1e7, &rd))
		return fp_say(err, el, "%s: field 'round' is missing or out of range (%u rounds)",
			      at, r->rounds);
	if (fp_jkey(n, "flow") &&
	    !jint(fp_jkey(n, "flow"), 0, r->nflowids ? r->nflowids - 1 : UINT32_MAX - 1, &id))
		return fp_say(err, el, "%s: field 'flow' is not a flow id (%u in the schedule)", at,
			      r->nflowids);
	if (s == d)
		return fp_say(err, el, "%s: fields 'src' and 'dst' are both rank %.0f", at, s);
	f->src = (int)s;
	f->dst = (int)d;
	f->round = (unsigned)rd;
	f->flow = (unsigned)id;
	f->has_id = fp_jkey(n, "flow") != NULL;
	if (fp_jkey(n, "avg_Gbps")) {
		if (!fp_jnum(fp_jkey(n, "avg_Gbps"), &f->avg_gbps) || f->avg_gbps < 0)
			return fp_say(err, el, "%s: field 'avg_Gbps' is not a rate", at);
		f->has_bw = true;
	}
	if (fp_jkey(n, "latency")) {
		if (!fp_jnum(fp_jkey(fp_jkey(n, "latency"), "p99_us"), &f->lat_p99_us) ||
		    !(f->lat_p99_us >= 0))
			return fp_say(err, el, "%s: field 'latency.p99_us' is not a time", at);
		f->has_lat = true;
	}
	if (fp_jkey(n, "lost") && read_loss(n, f))
		return fp_say(err, el, "%s: field 'lost' is not a count up to 'tx_msgs'", at);
	if ((fp_jkey(n, "retrans") || fp_jkey(n, "segs_out")) && read_retrans(n, f))
		return fp_say(err, el, "%s: field 'retrans' is not a count up to 'segs_out'", at);
	p = fp_jkey(n, "path");
	return p ? read_path(p, t, f, at, err, el) : 0;
}

static const char *const bw_keys[FP_RBW_N] = { "aggregate_Gbps", "flow_mean_Gbps", "busbw_GBps",
					       "algbw_GBps" };
static const char *const lat_keys[FP_RLAT_N] = { "p50_us", "p99_us", "p99_9_us", "max_us",
						 "mean_us" };

/* the metrics of one size: absent is NaN (not measured), present must be a number >= 0 */
static int read_metrics(struct fy_node *m, const char *const *keys, int n, double *v,
			const char **bad)
{
	for (int k = 0; k < n; k++) {
		struct fy_node *x = fp_jkey(m, keys[k]);

		v[k] = NAN;
		if (x && (!fp_jnum(x, &v[k]) || v[k] < 0)) {
			*bad = keys[k];
			return -EINVAL;
		}
	}
	return 0;
}

static int cmp_flow(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * A flow id is one record per round at a size: a repeated one would be counted twice. The
 * same id in two rounds is the same pair measured again (a permutation can draw it twice).
 */
static int unique_ids(const struct fp_rsize *z, const char *where, char *err, size_t el)
{
	uint64_t *id = malloc(sizeof(*id) * (z->nflows + 1));
	unsigned n = 0, dup = 0, dround = 0;
	bool found = false;

	if (!id)
		return -ENOMEM;
	for (unsigned i = 0; i < z->nflows; i++)
		if (z->flows[i].has_id)
			id[n++] = (uint64_t)z->flows[i].round << 32 | z->flows[i].flow;
	qsort(id, n, sizeof(*id), cmp_flow);
	for (unsigned i = 1; i < n && !found; i++)
		if (id[i] == id[i - 1]) {
			found = true;
			dup = (unsigned)id[i];
			dround = (unsigned)(id[i] >> 32);
		}
	free(id);
	if (found)
		return fp_say(err, el,
			      "%s: size %llu: flow %u has two records in round %u (field 'flow')",
			      where, (unsigned long long)z->size, dup, dround);
	return 0;
}

static int read_size(struct fy_node *n, unsigned idx, const struct fp_topo *t,
		     const struct fp_result *r, struct fp_rsize *z, char *err, size_t el)
{
	struct fy_node *bw = fp_jkey(n, "bandwidth"), *lat = fp_jkey(n, "latency");
	struct fy_node *fl = fp_jkey(n, "flows"), *f;
	char at[4400];
	const char *bad;
	void *it = NULL;
	double s;
	int ret;

	if (!jint(fp_jkey(n, "size"), 1, 1e15, &s))
		return fp_say(err, el, "%s: results[%u]: field 'size' is missing or not a size",
			      r->where, idx);
	z->size = (uint64_t)s;
	if (fp_result_size(r, z->size)) /* the sizes before this one */
		return fp_say(err, el, "%s: results[%u]: size %llu is there twice (field 'size')",
			      r->where, idx, (unsigned long long)z->size);
	z->has_bw = bw && fy_node_is_mapping(bw);
	if (fp_jkey(n, "complete")) {
		bool whole;

		if (!jbool(fp_jkey(n, "complete"), &whole))
			return fp_say(err, el,
				      "%s: results[%u]: field 'complete' is not true or false",
				      r->where, idx);
		z->partial = !whole;
	}
	ret = read_metrics(bw, bw_keys, FP_RBW_N, z->bw, &bad) ||
	      read_metrics(lat, lat_keys, FP_RLAT_N, z->lat, &bad);
	if (ret)
		return fp_say(err, el, "%s: size %llu: field '%s' is not a number >= 0", r->where,
			      (unsigned long long)z->size, bad);
	if (fl && !fy_node_is_sequence(fl))
		return fp_say(err, el, "%s: results[%u]: field 'flows' is not a list", r->where,
			      idx);
	z->sidecar = !fl && r->flows_file;
	z->flows = calloc(seq_len(fl) ? seq_len(fl) : 1, sizeof(*z->flows));
	if (!z->flows)
		return -ENOMEM;
	while (fl && (f = fy_node_sequence_iterate(fl, &it))) {
		snprintf(at, sizeof(at), "%s: size %llu, flow record %u", r->where,
			 (unsigned long long)z->size, z->nflows);
		ret = read_flow(f, t, r, &z->flows[z->nflows], at, err, el);
		if (ret)
			return ret;
		z->nflows++;
	}
	return unique_ids(z, r->where, err, el);
}

static int read_sizes(struct fy_node *root, const struct fp_topo *t, struct fp_result *r, char *err,
		      size_t el)
{
	struct fy_node *res = fp_jkey(root, "results"), *req = fp_jkey(root, "sizes_requested");
	struct fy_node *it;
	void *iter = NULL;
	int ret;

	if (!res || !fy_node_is_sequence(res))
		return fp_say(err, el, "%s: not a fabprobe result (no results)", r->where);
	r->requested = calloc(seq_len(req) + 1, sizeof(*r->requested));
	r->sizes = calloc(seq_len(res) + 1, sizeof(*r->sizes));
	if (!r->requested || !r->sizes)
		return -ENOMEM;
	while (req && (it = fy_node_sequence_iterate(req, &iter))) {
		double s;

		if (!jint(it, 0, 1e15, &s))
			return fp_say(err, el, "%s: sizes_requested[%u] is not a size", r->where,
				      r->nrequested);
		r->requested[r->nrequested++] = (uint64_t)s;
	}
	iter = NULL;
	while ((it = fy_node_sequence_iterate(res, &iter))) {
		ret = read_size(it, r->nsizes, t, r, &r->sizes[r->nsizes], err, el);
		r->nsizes++; /* freed with the rest, whole or not */
		if (ret)
			return ret;
	}
	return 0;
}

/* a paths.json "source": absent, or "traced" (what a trace is); anything else is refused */
static bool trace_source(struct fy_node *n)
{
	char v[16];

	return !n || (fp_jstr(n, v, sizeof(v)) && !strcmp(v, "traced"));
}

/* one flow's trace: a list of node names, or {"path": [...], "source": "traced"} */
static int read_trace(struct fy_node *v, struct fp_rtrace *tr, const char *where, char *err,
		      size_t el)
{
	struct fy_node *seq = v, *n;
	void *si = NULL;

	if (fy_node_is_mapping(v)) {
		seq = fp_jkey(v, "path");
		if (!trace_source(fp_jkey(v, "source")))
			return fp_say(err, el, "%s: flow %u: field 'source' is not \"traced\"",
				      where, tr->flow);
	}
	if (!seq_len(seq) || seq_len(seq) > FP_RESULT_MAXHOPS + 1)
		return fp_say(err, el, "%s: flow %u: not a list of 1 to %d node names", where,
			      tr->flow, FP_RESULT_MAXHOPS + 1);
	while ((n = fy_node_sequence_iterate(seq, &si)))
		if (!fp_jstr(n, tr->node[tr->n++], FP_NAME_LEN))
			return fp_say(err, el,
				      "%s: flow %u: node %u is not a name of at most %d characters",
				      where, tr->flow, tr->n - 1, FP_NAME_LEN - 1);
	return 0;
}

static int cmp_trace(const void *a, const void *b)
{
	const struct fp_rtrace *x = a, *y = b;

	return (x->flow > y->flow) - (x->flow < y->flow);
}

/*
 * paths.json of `fabprobe trace` and scripts/lab/lab trace (result_read.h). A trace that
 * cannot be read is an error naming it, never a flow quietly left without its path.
 */
static int read_traces(const char *ptext, size_t plen, struct fp_result *r, char *err, size_t el)
{
	char where[4300];
	struct fy_document *doc;
	struct fy_node *fl, *root;
	struct fy_node_pair *pp;
	void *it = NULL;
	int ret = -EINVAL;

	snprintf(where, sizeof(where), "%.4200s (paths.json)", r->where);
	doc = fp_yaml_parse(ptext, plen, where, err, el);
	if (!doc)
		return -EINVAL;
	root = fy_document_root(doc);
	fl = fp_jkey(root, "flows");
	if (!fl || !fy_node_is_mapping(fl)) {
		fp_say(err, el, "%s: field 'flows' is not a mapping of flow ids to paths", where);
		goto out;
	}
	if (!trace_source(fp_jkey(root, "source"))) {
		fp_say(err, el, "%s: field 'source' is not \"traced\"", where);
		goto out;
	}
	r->traces = calloc((size_t)fy_node_mapping_item_count(fl) + 1, sizeof(*r->traces));
	if (!r->traces) {
		ret = -ENOMEM;
		goto out;
	}
	while ((pp = fy_node_mapping_iterate(fl, &it))) {
		struct fp_rtrace *tr = &r->traces[r->ntraces];
		double id;

		if (!jint(fy_node_pair_key(pp), 0, UINT32_MAX, &id)) {
			fp_say(err, el, "%s: flows: key %u is not a flow id", where, r->ntraces);
			goto out;
		}
		tr->flow = (unsigned)id;
		if (read_trace(fy_node_pair_value(pp), tr, where, err, el))
			goto out;
		r->ntraces++;
	}
	qsort(r->traces, r->ntraces, sizeof(*r->traces), cmp_trace);
	for (unsigned k = 1; k < r->ntraces; k++)
		if (r->traces[k].flow == r->traces[k - 1].flow) {
			fp_say(err, el, "%s: flow %u is traced twice", where, r->traces[k].flow);
			goto out;
		}
	ret = 0;
out:
	fy_document_destroy(doc);
	return ret;
}

/* each flow's path source: recorded in run.json, traced in paths.json, else expected */
static void mark_sources(struct fp_result *r)
{
	for (unsigned i = 0; i < r->nsizes; i++)
		for (unsigned j = 0; j < r->sizes[i].nflows; j++) {
			struct fp_rflow *f = &r->sizes[i].flows[j];
			struct fp_rtrace key = { .flow = f->flow }, *tr = NULL;

			if (!f->has_path && r->ntraces)
				tr = bsearch(&key, r->traces, r->ntraces, sizeof(key), cmp_trace);
			f->trace = tr ? (int)(tr - r->traces) : -1;
			f->source = f->has_path ? FP_PATH_RECORDED
				    : tr	? FP_PATH_TRACED
						: FP_PATH_EXPECTED;
		}
}

/* control characters to spaces: outside text that reaches a one-line message */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* one end's "deltas": counter names and their growth, whole numbers of 0 or more */
static int read_fc_deltas(struct fy_node *dl, struct fp_rfcend *e, const char *where, unsigned idx,
			  char *err, size_t el)
{
	struct fy_node_pair *pp;
	void *pi = NULL;

	if (!fy_node_is_mapping(dl))
		return fp_say(err, el, "%s: fabric_counters.ends[%u].deltas: not an object", where,
			      idx);
	while ((pp = fy_node_mapping_iterate(dl, &pi))) {
		struct fp_rfcdelta *d = &e->d[e->nd];
		double v;

		if (e->nd == FP_RESULT_MAXFC_DELTAS)
			return fp_say(err, el,
				      "%s: fabric_counters.ends[%u].deltas: more than %d "
				      "counters",
				      where, idx, FP_RESULT_MAXFC_DELTAS);
		if (!fp_jstr(fy_node_pair_key(pp), d->name, sizeof(d->name)) || !d->name[0])
			return fp_say(err, el,
				      "%s: fabric_counters.ends[%u].deltas: a counter "
				      "name is empty or too long",
				      where, idx);
		one_line(d->name);
		if (!jint(fy_node_pair_value(pp), 0, 1.8e19, &v))
			return fp_say(err, el,
				      "%s: fabric_counters.ends[%u].deltas.%s: not a "
				      "whole number of 0 or more",
				      where, idx, d->name);
		d->v = (uint64_t)v;
		e->nd++;
	}
	e->has_deltas = true;
	return 0;
}

static const char *const fc_keys[] = { "link", "node", "port", "status", "why" };

/* "fabric_counters" (run --fabric-counters): outside input, every field checked */
static int read_fabric(struct fy_node *root, struct fp_result *r, char *err, size_t el)
{
	struct fy_node *fc = fp_jkey(root, "fabric_counters"), *ends, *n;
	char src[16];
	void *it = NULL;

	if (!fc)
		return 0;
	ends = fp_jkey(fc, "ends");
	/* a run that failed before its second snapshot has no interval: not above 0 */
	if (!fy_node_is_mapping(fc) || !fp_jnum(fp_jkey(fc, "seconds"), &r->fabric_seconds))
		return fp_say(err, el, "%s: fabric_counters.seconds: missing or not a number",
			      r->where);
	if (!jname(fp_jkey(fc, "source"), src, sizeof(src)) || (src[0] && strcmp(src, "snmp")))
		return fp_say(err, el, "%s: fabric_counters.source: not \"snmp\"", r->where);
	if (!ends || !fy_node_is_sequence(ends) || seq_len(ends) > FP_RESULT_MAXFC_ENDS)
		return fp_say(err, el,
			      "%s: fabric_counters.ends: missing, not a list or more "
			      "than %d",
			      r->where, FP_RESULT_MAXFC_ENDS);
	r->fabric_snmp = src[0] != 0;
	r->fabric = calloc(seq_len(ends) + 1, sizeof(*r->fabric));
	if (!r->fabric)
		return -ENOMEM;
	while ((n = fy_node_sequence_iterate(ends, &it))) {
		struct fp_rfcend *e = &r->fabric[r->nfabric];
		char *dst[] = { e->link, e->node, e->port, e->status, e->why };
		size_t len[] = { sizeof(e->link), sizeof(e->node), sizeof(e->port),
				 sizeof(e->status), sizeof(e->why) };

		for (unsigned k = 0; k < 5; k++)
			if (!fy_node_is_mapping(n) ||
			    !jname(fp_jkey(n, fc_keys[k]), dst[k], len[k]) ||
			    (k >= 1 && k <= 3 && !dst[k][0]))
				return fp_say(err, el,
					      "%s: fabric_counters.ends[%u].%s: missing, "
					      "empty or too long",
					      r->where, r->nfabric, fc_keys[k]);
		one_line(e->why);
		if (fp_jkey(n, "deltas") &&
		    read_fc_deltas(fp_jkey(n, "deltas"), e, r->where, r->nfabric, err, el))
			return -EINVAL;
		r->nfabric++;
	}
	r->has_fabric = true;
	return 0;
}

/* the flows.ndjson records of the sizes run.json holds no flows of (result_flows.c) */
static int read_sidecar(const char *fpath, const struct fp_topo *t, struct fp_result *r, char *err,
			size_t el)
{
	bool need = false;
	FILE *f;
	int ret;

	for (unsigned i = 0; i < r->nsizes; i++)
		need |= r->sizes[i].sidecar;
	if (!need || !fpath)
		return 0;
	f = fopen(fpath, "r");
	if (!f)
		return fp_say(err, el, "%s: %s (run.json names it for its flows)", fpath,
			      strerror(errno));
	ret = fp_result_read_flows(f, fpath, t, r, err, el);
	fclose(f);
	for (unsigned i = 0; i < r->nsizes && !ret; i++)
		if (r->sizes[i].sidecar)
			ret = unique_ids(&r->sizes[i], fpath, err, el);
	return ret;
}

/* "flows_file": absent, or flows.ndjson next to run.json (never a path of the file's) */
static int read_flows_file(struct fy_node *root, struct fp_result *r, char *err, size_t el)
{
	struct fy_node *n = fp_jkey(root, "flows_file");
	char v[16];

	if (!n)
		return 0;
	if (!fp_jstr(n, v, sizeof(v)) || strcmp(v, "flows.ndjson"))
		return fp_say(err, el, "%s: field 'flows_file' is not \"flows.ndjson\"", r->where);
	r->flows_file = true;
	return 0;
}

int fp_result_parse(const char *where, const char *text, size_t len, const char *ptext, size_t plen,
		    const struct fp_topo *t, struct fp_result *r, char *err, size_t el)
{
	return fp_result_parse_flows(where, text, len, ptext, plen, NULL, t, r, err, el);
}

int fp_result_parse_flows(const char *where, const char *text, size_t len, const char *ptext,
			  size_t plen, const char *fpath, const struct fp_topo *t,
			  struct fp_result *r, char *err, size_t el)
{
	struct fy_document *doc;
	struct fy_node *root;
	double ws, rounds, ver, nf;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->where, sizeof(r->where), "%s", where);
	doc = fp_yaml_parse(text, len, where, err, el);
	if (!doc)
		return -EINVAL;
	root = fy_document_root(doc);
	ret = -EINVAL;
	/* no cap on ranks: hosts[] must hold world_size entries, and the file is bounded */
	if (!jint(fp_jkey(root, "world_size"), 1, INT_MAX, &ws)) {
		fp_say(err, el, "%s: not a fabprobe result (no world_size of 1 or more ranks)",
		       where);
		goto out;
	}
	r->world_size = (int)ws;
	if (fp_jkey(root, "schema_version") &&
	    !jint(fp_jkey(root, "schema_version"), 1, FP_SCHEMA_VERSION, &ver)) {
		fp_say(err, el,
		       "%s: field 'schema_version' is not one this fabprobe reads (1 to %d)", where,
		       FP_SCHEMA_VERSION);
		goto out;
	}
	if (jint(fp_jkey(fp_jkey(root, "schedule"), "flows"), 1, UINT32_MAX, &nf))
		r->nflowids = (unsigned)nf;
	if (jint(fp_jkey(fp_jkey(root, "schedule"), "rounds"), 1, 1e7, &rounds))
		r->rounds = (unsigned)rounds;
	if (!jname(fp_jkey(root, "pattern"), r->pattern, sizeof(r->pattern)) ||
	    !jname(fp_jkey(root, "status"), r->status, sizeof(r->status))) {
		fp_say(err, el, "%s: field 'pattern' or 'status' is not a short name", where);
		goto out;
	}
	if (!r->status[0])
		snprintf(r->status, sizeof(r->status), "unknown");
	/* an older file without these is taken for what it says least: incomplete */
	if (!jbool(fp_jkey(root, "complete"), &r->complete) ||
	    !jbool(fp_jkey(root, "simulated"), &r->simulated)) {
		fp_say(err, el, "%s: field 'complete' or 'simulated' is not true or false", where);
		goto out;
	}
	ret = read_flows_file(root, r, err, el);
	if (!ret)
		ret = read_hosts(root, r, err, el);
	if (!ret)
		ret = read_counters(root, r, err, el);
	if (!ret)
		ret = read_fabric(root, r, err, el);
	/* a soak's degraded flows and ports (results/README.md, "Soak runs") */
	r->ndegraded = fy_node_is_sequence(fp_jkey(root, "degraded"))
			       ? fy_node_sequence_item_count(fp_jkey(root, "degraded"))
			       : -1;
	if (!ret)
		ret = read_sizes(root, t, r, err, el);
	if (!ret)
		ret = read_sidecar(fpath, t, r, err, el);
	r->connect = -1;
	if (!ret)
		ret = fp_result_read_failed(root, r, err, el);
	if (!ret && ptext)
		ret = read_traces(ptext, plen, r, err, el);
	if (!ret)
		mark_sources(r);
out:
	fy_document_destroy(doc);
	if (ret)
		fp_result_free(r);
	return ret;
}

int fp_result_load(const char *dir, const struct fp_topo *t, struct fp_result *r, char *err,
		   size_t el)
{
	char path[4200], ppath[4200], fpath[4200], *text = NULL, *ptext = NULL;
	size_t len = 0, plen = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	snprintf(ppath, sizeof(ppath), "%s/paths.json", dir);
	snprintf(fpath, sizeof(fpath), "%s/flows.ndjson", dir);
	ret = fp_read_file(path, FP_RESULT_MAXBYTES, &text, &len, err, el);
	if (ret)
		return ret;
	/* a paths.json that is there but cannot be read is an error, not "no trace" */
	if (access(ppath, F_OK) && errno != ENOENT) {
		ret = fp_say(err, el, "%s: %s", ppath, strerror(errno));
		goto out;
	}
	if (!access(ppath, F_OK) &&
	    fp_read_file(ppath, FP_RESULT_MAXBYTES, &ptext, &plen, err, el)) {
		ret = -EINVAL;
		goto out;
	}
	ret = fp_result_parse_flows(path, text, len, ptext, plen, fpath, t, r, err, el);
out:
	free(text);
	free(ptext);
	return ret;
}

void fp_result_free(struct fp_result *r)
{
	if (!r)
		return;
	for (unsigned i = 0; r->sizes && i < r->nsizes; i++)
		free(r->sizes[i].flows);
	free(r->sizes);
	free(r->requested);
	free(r->hosts);
	free(r->ident);
	free(r->ctr);
	free(r->traces);
	free(r->fabric);
	memset(r, 0, sizeof(*r));
}

const struct fp_rsize *fp_result_largest_bw(const struct fp_result *r)
{
	const struct fp_rsize *best = NULL;

	for (unsigned i = 0; i < r->nsizes; i++)
		if (r->sizes[i].has_bw && !r->sizes[i].partial &&
		    (!best || r->sizes[i].size > best->size))
			best = &r->sizes[i];
	return best;
}

const struct fp_rsize *fp_result_size(const struct fp_result *r, uint64_t size)
{
	for (unsigned i = 0; i < r->nsizes; i++)
		if (r->sizes[i].size == size)
			return &r->sizes[i];
	return NULL;
}

uint64_t fp_result_largest_requested(const struct fp_result *r)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < r->nrequested; i++)
		if (r->requested[i] > m)
			m = r->requested[i];
	return m;
}
