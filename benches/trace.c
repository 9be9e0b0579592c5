// SPDX-License-Identifier: MIT
/*
 * fabprobe trace: run.json's flows, traced from here with their own 5-tuples, their hops
 * mapped to topology nodes, and paths.json written in the schema result_read.c reads.
 */
#include "trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/err.h"
#include "../core/file.h"
#include "../core/json.h"
#include "../fabric/model/hopmap.h"
#include "../fabric/model/jread.h"
#include "../fabric/model/yaml.h"
#include "result_read.h"
#include "run_priv.h"

/* a whole number in [lo, hi] */
static bool jwhole(struct fy_node *n, double lo, double hi, unsigned *out)
{
	double v;

	if (!fp_jnum(n, &v) || v < lo || v > hi || v != floor(v))
		return false;
	*out = (unsigned)v;
	return true;
}

static int read_flow(struct fy_node *n, unsigned i, const char *where, struct fp_trace_flow *f,
		     char *err, size_t el)
{
	struct fy_node *p = fp_jkey(n, "proto");
	unsigned src;

	memset(f, 0, sizeof(*f));
	if (!jwhole(fp_jkey(n, "id"), 0, UINT32_MAX - 1, &f->id))
		return fp_say(err, el, "%s: flows[%u]: 'id' is not a flow id", where, i);
	if (!jwhole(fp_jkey(n, "src"), 0, INT_MAX, &src))
		return fp_say(err, el, "%s: flow %u: 'src' is not a rank", where, f->id);
	f->src = (int)src;
	if (!p)
		return 0; /* no identity on the wire: nothing to trace */
	if (!fp_jstr(p, f->proto, sizeof(f->proto)) ||
	    !fp_jstr(fp_jkey(n, "src_ip"), f->src_ip, sizeof(f->src_ip)) ||
	    !fp_jstr(fp_jkey(n, "dst_ip"), f->dst_ip, sizeof(f->dst_ip)))
		return fp_say(err, el,
			      "%s: flow %u: 'proto', 'src_ip' and 'dst_ip' must be short strings",
			      where, f->id);
	if (!jwhole(fp_jkey(n, "src_port"), 0, 65535, &f->sport) ||
	    !jwhole(fp_jkey(n, "dst_port"), 0, 65535, &f->dport))
		return fp_say(err, el, "%s: flow %u: 'src_port' and 'dst_port' must be 0 to 65535",
			      where, f->id);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct fp_trace_flow *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * The flows run.json's failed_flows names (a stall: the flow has its identity, but the
 * link that stopped it stops its probes too, and one failed trace writes no paths.json):
 * marked, not traced. Entries that name no flow of the list are the results reader's
 * to refuse; here they change nothing.
 */
static void mark_failed(struct fy_node *root, struct fp_trace_flow *fl, unsigned k)
{
	struct fy_node *ff = fp_jkey(root, "failed_flows"), *it;
	void *iter = NULL;

	if (!ff || !fy_node_is_sequence(ff))
		return;
	while ((it = fy_node_sequence_iterate(ff, &iter))) {
		struct fp_trace_flow key = { 0 }, *hit;

		if (!jwhole(fp_jkey(it, "flow"), 0, UINT32_MAX - 1, &key.id))
			continue;
		hit = bsearch(&key, fl, k, sizeof(*fl), cmp_id);
		if (hit)
			hit->failed = true;
	}
}

int fp_trace_flows_parse(const char *text, size_t len, const char *where,
			 struct fp_trace_flow **out, unsigned *n, char *err, size_t el)
{
	struct fy_document *doc = fp_yaml_parse(text, len, where, err, el);
	struct fp_trace_flow *fl = NULL;
	struct fy_node *seq, *it;
	void *iter = NULL;
	unsigned k = 0;
	int ret = -EINVAL;

	if (!doc)
		return -EINVAL;
	seq = fp_jkey(fy_document_root(doc), "flows");
	if (!seq || !fy_node_is_sequence(seq)) {
		fp_say(err, el, "%s: no 'flows' list (a run.json of fabprobe run?)", where);
		goto out;
	}
	fl = calloc((size_t)fy_node_sequence_item_count(seq) + 1, sizeof(*fl));
	if (!fl) {
		ret = -ENOMEM;
		goto out;
	}
	while ((it = fy_node_sequence_iterate(seq, &iter)))
		if (read_flow(it, k, where, &fl[k], err, el))
			goto out;
		else
			k++;
	if (k)
		qsort(fl, k, sizeof(*fl), cmp_id);
	for (unsigned i = 1; i < k; i++)
		if (fl[i].id == fl[i - 1].id) {
			fp_say(err, el, "%s: flow %u is listed twice", where, fl[i].id);
			goto out;
		}
	mark_failed(fy_document_root(doc), fl, k);
	*out = fl;
	*n = k;
	fl = NULL;
	ret = 0;
out:
	free(fl);
	fy_document_destroy(doc);
	return ret;
}

/* what the probe carries for this flow: 0, or -EINVAL and why when probes cannot carry it */
static int probe_flow(const struct fp_trace_flow *f, struct fp_probe_flow *p, char *why, size_t wl)
{
	memset(p, 0, sizeof(*p));
	if (!strcmp(f->proto, "tcp"))
		p->proto = FP_PROBE_TCP;
	else if (!strcmp(f->proto, "udp") || !strcmp(f->proto, "rocev2"))
		p->proto = FP_PROBE_UDP; /* RoCE v2: UDP to 4791 from the QP's source port */
	else
		return fp_say(why, wl, "proto '%s' is not carried by IP",
			      f->proto[0] ? f->proto : "none");
	if (inet_pton(AF_INET, f->src_ip, &p->src) != 1 ||
	    inet_pton(AF_INET, f->dst_ip, &p->dst) != 1)
		return fp_say(why, wl, "%s > %s: only IPv4 flows are traced", f->src_ip, f->dst_ip);
	if (!f->sport || !f->dport)
		return fp_say(why, wl, "port 0 is not a flow's");
	p->sport = (uint16_t)f->sport;
	p->dport = (uint16_t)f->dport;
	return 0;
}

static void map_hop(struct fp_trace_item *t, const struct fp_hopmap *m, const char *addr)
{
	const char *node = fp_hopmap_find(m, addr);

	snprintf(t->addr[t->n], sizeof(t->addr[t->n]), "%s", addr);
	snprintf(t->node[t->n], sizeof(t->node[t->n]), "%s", node ? node : addr);
	t->unmapped += !node;
	t->n++;
}

static void trace_one(struct fp_prober *p, const struct fp_trace_cfg *c, int rank,
		      const struct fp_hopmap *m, struct fp_trace_item *t)
{
	struct fp_probe_flow pf;
	struct fp_probe_path path;

	if (t->f.failed) {
		snprintf(t->why, sizeof(t->why), "they stalled in the run: its failed_flows");
		t->st = FP_TRACE_SKIPPED;
		return;
	}
	if (probe_flow(&t->f, &pf, t->why, sizeof(t->why))) {
		t->st = FP_TRACE_SKIPPED;
		return;
	}
	if ((rank >= 0 && t->f.src != rank) || !fp_probe_is_local(pf.src)) {
		t->st = FP_TRACE_ELSEWHERE;
		return;
	}
	if (fp_probe_trace(p, &pf, (unsigned)c->max_ttl, (unsigned)c->tries, c->timeout_ms, &path,
			   t->why, sizeof(t->why))) {
		t->st = FP_TRACE_FAILED;
		return;
	}
	map_hop(t, m, t->f.src_ip);
	for (unsigned h = 0; h < path.n; h++) {
		char a[INET_ADDRSTRLEN];
		struct in_addr ia = { .s_addr = path.hop[h] };

		inet_ntop(AF_INET, &ia, a, sizeof(a));
		map_hop(t, m, a);
	}
	t->st = FP_TRACE_OK;
}

/* paths.json, atomically */
static int write_paths(const struct fp_trace *tr, const char *path, char *err, size_t el)
{
	struct fp_afile a;
	int ret = fp_afile_open(&a, path);

	if (!ret) {
		fp_trace_emit(tr, a.f, true);
		ret = fp_afile_commit(&a);
	}
	if (ret)
		fp_say(err, el, "%s: %s", path, strerror(-ret));
	return ret;
}

/* the hop map: the topology's host addresses, then the hops file's */
static int load_map(const struct fp_trace_cfg *c, struct fp_topo *t, struct fp_hopmap *m, char *err,
		    size_t el)
{
	char *text = NULL;
	size_t len = 0;
	int ret = 0;

	if (c->topology) {
		ret = fp_topo_load(t, c->topology, err, el);
		if (!ret)
			ret = fp_hopmap_add_topo(m, t, err, el);
	}
	if (!ret && c->hops) {
		ret = fp_read_file(c->hops, FP_HOPMAP_MAXBYTES, &text, &len, err, el);
		if (!ret)
			ret = fp_hopmap_parse(m, text, len, c->hops, c->topology ? t : NULL, err,
					      el);
		free(text);
	}
	if (!ret)
		ret = fp_hopmap_seal(m, err, el);
	return ret == -ENOENT ? -EINVAL : ret;
}

static int read_run(const struct fp_trace_cfg *c, struct fp_trace *tr, char *err, size_t el)
{
	struct fp_trace_flow *fl = NULL;
	char path[4200], *text = NULL;
	size_t len = 0;
	unsigned n = 0;
	int ret;

	if (snprintf(path, sizeof(path), "%s/run.json", c->run) >= (int)sizeof(path))
		return fp_say(err, el, "%.64s...: path too long", c->run);
	ret = fp_read_file(path, FP_RESULT_MAXBYTES, &text, &len, err, el);
	if (ret)
		return ret == -ENOENT ? -EINVAL : ret;
	ret = fp_trace_flows_parse(text, len, path, &fl, &n, err, el);
	free(text);
	if (ret)
		return ret;
	tr->it = calloc((size_t)n + 1, sizeof(*tr->it));
	if (!tr->it) {
		free(fl);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		tr->it[i].f = fl[i];
		tr->it[i].st = FP_TRACE_ELSEWHERE; /* until traced here or read from a part */
	}
	tr->n = n;
	free(fl);
	return 0;
}

/*
 * Under a launcher each rank traces the flows it sourced. *size > 1 then; with --out each
 * rank writes its own part, else rank 0 gathers them through the rendezvous.
 */
static int launched(const struct fp_trace_cfg *c, int *rank, int *size, char *err, size_t el)
{
	struct fp_run_cfg rc;
	char why[ERR_LEN];

	memset(&rc, 0, sizeof(rc));
	if (fp_run_who_am_i(&rc, rank, size, why))
		return fp_say(err, el, "%s", why);
	if (*size == 1 || c->rank >= 0)
		*rank = c->rank;
	if (*size > 1 && !c->out && !c->rendezvous)
		return fp_say(err, el,
			      "rank %d of %d under a launcher: give --rendezvous HOST:PORT (rank 0 "
			      "gathers every rank's traces) or each rank its own --out FILE",
			      *rank, *size);
	if (*size > 1 && !c->out)
		return fp_rv_preflight(c->rendezvous, *rank, *size, err, el);
	return 0;
}

/*
 * This rank's traces to rank 0, which reads them into its own tr; a silent peer is named.
 * A rank that failed before (failed, with err) still meets the others, to tell them.
 */
static int gather(const struct fp_trace_cfg *c, struct fp_trace *tr, int rank, int size, int failed,
		  char *err, size_t el)
{
	struct fp_run_cfg rc = { .token = c->token };
	struct fp_rv_params rp = { .rank = rank,
				   .size = size,
				   .addr = c->rendezvous,
				   .timeout_ns = 600 * 1000000000ull,
				   .stop = &fp_stop };
	struct fp_rv_blobs b;
	struct fp_rv *rv = NULL;
	char token[256], why[ERR_LEN], *doc = NULL;
	size_t len = 0;
	FILE *m;
	int ret;

	memset(&b, 0, sizeof(b));
	rp.weak_token = fp_run_job_token(&rc, token, sizeof(token));
	rp.token = token;
	m = open_memstream(&doc, &len);
	if (!m)
		return -ENOMEM;
	fp_trace_emit(tr, m, false);
	if (fclose(m)) {
		free(doc);
		return -ENOMEM;
	}
	ret = failed ? failed : fp_rv_open(&rp, &rv, err, el);
	if (failed && !fp_rv_open(&rp, &rv, why, sizeof(why)))
		fp_rv_abort(rv, err);
	if (!ret && len > FP_RV_MAX_BLOB)
		ret = fp_say(err, el, "rank %d: %zu bytes of traces, more than a part may hold",
			     rank, len);
	if (!ret)
		ret = fp_rv_gather(rv, "traces", doc, len, &b, err, el);
	for (uint32_t i = 1; !ret && rank == 0 && i < b.n; i++) {
		char where[32];

		snprintf(where, sizeof(where), "rank %u's traces", i);
		ret = fp_trace_part_read(tr, (const char *)b.data + b.off[i], b.len[i], where,
					 (int)i, err, el);
	}
	if (ret && rv && !failed)
		fp_rv_abort(rv, err);
	fp_rv_blobs_free(&b);
	fp_rv_close(rv);
	free(doc);
	tr->sent = !ret && rank > 0;
	return ret;
}

/* --merge: every part into tr, no probes */
static int merge(const struct fp_trace_cfg *c, struct fp_trace *tr, char *err, size_t el)
{
	for (unsigned i = 0; i < c->nmerge; i++) {
		char *text = NULL;
		size_t len = 0;
		int ret = fp_read_file(c->merge[i], FP_RESULT_MAXBYTES, &text, &len, err, el);

		if (!ret)
			ret = fp_trace_part_read(tr, text, len, c->merge[i], -1, err, el);
		free(text);
		if (ret)
			return ret == -ENOENT ? -EINVAL : ret;
	}
	return 0;
}

/* probe every flow that starts here (and at rank, when rank >= 0) */
static int trace_here(const struct fp_trace_cfg *c, int rank, struct fp_trace *tr, char *err,
		      size_t el)
{
	struct fp_prober *p = NULL;
	struct fp_hopmap m;
	struct fp_topo t;
	int ret;

	fp_topo_init(&t);
	fp_hopmap_init(&m);
	ret = load_map(c, &t, &m, err, el);
	if (!ret)
		ret = fp_probe_open(&p, err, el);
	for (unsigned i = 0; !ret && i < tr->n; i++) {
		trace_one(p, c, rank, &m, &tr->it[i]);
		tr->failed += tr->it[i].st == FP_TRACE_FAILED;
	}
	fp_probe_close(p);
	fp_hopmap_free(&m);
	fp_topo_destroy(&t);
	return ret;
}

int fp_trace_run(const struct fp_trace_cfg *c, struct fp_trace *tr, char *err, size_t el)
{
	char out[4200];
	int ret, rank = -1, size = 1;
	bool meet;

	memset(tr, 0, sizeof(*tr));
	if (snprintf(out, sizeof(out), "%s", c->out ? c->out : c->run) >= (int)sizeof(out) - 12)
		return fp_say(err, el, "%.64s...: path too long", out);
	if (!c->out)
		strcat(out, "/paths.json");
	ret = c->nmerge ? 0 : launched(c, &rank, &size, err, el);
	meet = !ret && size > 1 && !c->out;
	if (!ret)
		ret = read_run(c, tr, err, el);
	if (!ret)
		ret = c->nmerge ? merge(c, tr, err, el) : trace_here(c, rank, tr, err, el);
	tr->rank = rank;
	if (meet)
		ret = gather(c, tr, rank, size, ret, err, el);
	if (ret)
		return ret;
	for (unsigned i = 0; i < tr->n; i++) {
		const struct fp_trace_item *it = &tr->it[i];

		tr->ok += it->st == FP_TRACE_OK;
		tr->skipped += it->st == FP_TRACE_SKIPPED;
		tr->elsewhere += it->st == FP_TRACE_ELSEWHERE;
		tr->unmapped += it->unmapped;
	}
	/* every flow that starts here, or none: the analyzer refuses a partial trace */
	if (!tr->sent && !tr->failed && (tr->ok || c->out)) {
		ret = write_paths(tr, out, err, el);
		if (!ret)
			snprintf(tr->out, sizeof(tr->out), "%s", out);
	}
	return ret;
}

void fp_trace_free(struct fp_trace *tr)
{
	if (!tr)
		return;
	free(tr->it);
	memset(tr, 0, sizeof(*tr));
}
