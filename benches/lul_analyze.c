// SPDX-License-Identifier: MIT
/*
 * The analyzer for latency under load. A `run --class` folder holds one run per class and
 * phase (NAME, idle-NAME); with the flows traced (scripts/lab/lab trace on each), every
 * latency flow becomes an observation (its bloat, its directed hops), every bulk flow one
 * (its rate, its hops), and fp_queue_rank() names the queue. The switches' congestion
 * counters (drops, discards, ECN marks) of that link are shown when the bulk run read them
 * (run --fabric-counters).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/err.h"
#include "../core/json.h"
#include "../fabric/model/analyze_queue.h"
#include "lul_analyze.h"
#include "lul_class.h"
#include "result_read.h"

struct lul {
	struct fp_topo t;
	struct fp_qobs *o; /* grown as the classes' flows are read: none is left out */
	unsigned n, cap;
	struct fp_result bulk; /* the first bulk class's run: its fabric counters */
	bool have_bulk;
};

bool fp_lul_is_classes(const char *dir)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/classes.json", dir);
	return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* a class run's folder: a name run --class makes, with a run.json (not report/, say) */
static bool class_dir(const char *dir, const char *name)
{
	size_t n = strlen(name);
	char p[4200];
	struct stat st;

	if (!n || n >= FP_CLASS_NAME_LEN || !strncmp(name, "idle-", 5))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
			    name[i]))
			return false;
	/* lstat both: a class folder planted as a symlink would lead the reader elsewhere */
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (lstat(p, &st) || !S_ISDIR(st.st_mode))
		return false;
	snprintf(p, sizeof(p), "%s/%s/run.json", dir, name);
	return !lstat(p, &st) && S_ISREG(st.st_mode);
}

/* the link that joins nodes u and v (the first, when parallel links do), or -1 */
static int link_between(const struct fp_topo *t, int u, int v)
{
	if (u < 0 || v < 0)
		return -1;
	for (unsigned j = t->adj_off[u]; j < t->adj_off[u + 1]; j++)
		if (fp_link_peer(&t->links[t->adj[j]], u) == v)
			return (int)t->adj[j];
	return -1;
}

/*
 * The flow's directed hops: its recorded path walked from its source host, or its traced
 * one (node names) joined by the links between them. false: no path, or one that does not
 * walk the topology.
 */
static bool hops_of(const struct fp_topo *t, const struct fp_result *r, int src_node,
		    const struct fp_rflow *f, struct fp_qobs *o)
{
	int at = src_node;

	if (f->trace >= 0) {
		const struct fp_rtrace *tr = &r->traces[f->trace];

		if (tr->n < 2 || tr->n - 1 > FP_QOBS_HOPS)
			return false;
		at = fp_topo_find(t, tr->node[0]);
		for (unsigned k = 0; k + 1 < tr->n; k++) {
			int nx = fp_topo_find(t, tr->node[k + 1]), l = link_between(t, at, nx);

			if (l < 0)
				return false;
			o->hop[k] = (unsigned)l * 2 + (t->links[l].a == at ? 0 : 1);
			at = nx;
		}
		o->nhop = tr->n - 1;
		return true;
	}
	if (!f->has_path || f->npath > FP_QOBS_HOPS)
		return false;
	for (unsigned k = 0; k < f->npath; k++) {
		const struct fp_link *l = &t->links[f->path[k]];

		if (l->a != at && l->b != at)
			return false; /* not a walk from the source: no direction to give */
		o->hop[k] = f->path[k] * 2 + (l->a == at ? 0 : 1);
		at = fp_link_peer(l, at);
	}
	o->nhop = f->npath;
	return true;
}

static const struct fp_rflow *find_pair(const struct fp_rsize *z, int s, int d)
{
	for (unsigned k = 0; z && k < z->nflows; k++)
		if (z->flows[k].has_lat && ((z->flows[k].src == s && z->flows[k].dst == d) ||
					    (z->flows[k].src == d && z->flows[k].dst == s)))
			return &z->flows[k];
	return NULL;
}

/* room for one more observation: 0 or -ENOMEM */
static int obs_room(struct lul *L)
{
	unsigned cap = L->cap ? 2 * L->cap : 1024;
	struct fp_qobs *o;

	if (L->n < L->cap)
		return 0;
	if (cap <= L->cap || !(o = realloc(L->o, (size_t)cap * sizeof(*o))))
		return -ENOMEM;
	L->o = o;
	L->cap = cap;
	return 0;
}

static int add_class(struct lul *L, const char *dir, const char *name, char *err, size_t el)
{
	char p[4200], e2[512];
	struct fp_result r, idle;
	bool lat;
	int ret, *node_of = NULL;

	memset(&idle, 0, sizeof(idle));
	snprintf(p, sizeof(p), "%s/idle-%s", dir, name);
	lat = !access(p, F_OK);
	if (lat && fp_result_load(p, &L->t, &idle, err, el))
		return -EINVAL;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ret = fp_result_load(p, &L->t, &r, err, el) ? -EINVAL : 0;
	if (ret)
		goto out_idle;
	node_of = calloc((size_t)r.world_size, sizeof(*node_of));
	ret = !node_of ? -ENOMEM
		       : fp_topo_map(&L->t, r.ident, (unsigned)r.world_size, node_of, e2,
				     sizeof(e2));
	if (ret) {
		if (ret == -EINVAL)
			fp_say(err, el, "%s: %s", r.where, e2);
		goto out;
	}
	for (unsigned s = 0; s < r.nsizes && r.nsizes == 1 && !ret; s++)
		for (unsigned k = 0; k < r.sizes[s].nflows && !ret; k++) {
			const struct fp_rflow *f = &r.sizes[s].flows[k], *b;
			struct fp_qobs *o;

			if ((ret = obs_room(L)))
				break;
			o = &L->o[L->n];
			o->bloat_us = o->gbps = NAN;
			if (lat && f->has_lat &&
			    (b = find_pair(fp_result_size(&idle, r.sizes[s].size), f->src, f->dst)))
				o->bloat_us = f->lat_p99_us - b->lat_p99_us;
			else if (!lat && f->has_bw)
				o->gbps = f->avg_gbps;
			if ((!isnan(o->bloat_us) || !isnan(o->gbps)) &&
			    hops_of(&L->t, &r, node_of[f->src], f, o))
				L->n++;
		}
	if (!lat && !L->have_bulk) {
		L->bulk = r;
		L->have_bulk = true;
		memset(&r, 0, sizeof(r));
	}
out:
	free(node_of);
	fp_result_free(&r);
out_idle:
	if (lat)
		fp_result_free(&idle);
	return ret;
}

/* the named link's congestion counters, as the switches counted them during the bulk run */
static void counters(struct fp_emit *e, const struct lul *L, const char *link)
{
	static const char *const kinds[] = { "drop", "discard", "ecn", "mark", "congest", "pause" };

	fp_emit_arr(e, "counters");
	for (unsigned i = 0; L->have_bulk && i < L->bulk.nfabric; i++) {
		const struct fp_rfcend *x = &L->bulk.fabric[i];

		if (strcmp(x->link, link))
			continue;
		for (unsigned d = 0; d < x->nd; d++)
			for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
				if (strstr(x->d[d].name, kinds[k]) && x->d[d].v) {
					fp_emit_obj(e, NULL);
					fp_emit_str(e, "node", "  %s", x->node);
					fp_emit_str(e, "port", ":%s", x->port);
					fp_emit_str(e, "counter", " %s", x->d[d].name);
					fp_emit_i64(e, "delta", " +%lld\n", (int64_t)x->d[d].v);
					fp_emit_end(e);
					break;
				}
	}
	fp_emit_end(e);
}

static void report(const struct lul *L, const struct fp_queue *q, int nq, bool json, FILE *out)
{
	struct fp_emit e;

	fp_emit_init(&e, out, json);
	fp_emit_obj(&e, NULL);
	fp_emit_i64(&e, "observations", "latency under load: %lld flows with paths\n", L->n);
	fp_emit_arr(&e, "queues");
	for (int i = 0; i < nq; i++) {
		const struct fp_link *l = &L->t.links[q[i].hop / 2];
		bool back = q[i].hop & 1;
		char spec[256];

		fp_topo_link_spec(&L->t, q[i].hop / 2, spec, sizeof(spec));
		fp_emit_obj(&e, NULL);
		fp_emit_str(&e, "link", "%s", spec);
		fp_emit_str(&e, "from", "  queue %s", L->t.nodes[back ? l->b : l->a].name);
		fp_emit_str(&e, "to", " -> %s", L->t.nodes[back ? l->a : l->b].name);
		fp_emit_num(&e, "rise_us", ": p99 %+.0f us against the pairs that avoid it",
			    q[i].rise_us);
		fp_emit_i64(&e, "latency_flows", " (%lld latency flows", q[i].lat_flows);
		fp_emit_i64(&e, "bulk_flows", ", %lld bulk", q[i].bulk_flows);
		if (isfinite(q[i].deficit))
			fp_emit_num(&e, "bulk_fastest_pct",
				    ", the fastest at %.0f%% of all bulk's mean",
				    100 * (1 - q[i].deficit));
		fp_emit_text(&e, ")\n");
		if (i == 0)
			counters(&e, L, spec);
		fp_emit_end(&e);
	}
	fp_emit_end(&e);
	fp_emit_end(&e);
	if (json)
		fputc('\n', out);
}

int fp_lul_analyze(const char *topology, const char *dir, bool json, FILE *out, char *err,
		   size_t el)
{
	struct lul L;
	struct fp_queue q[5];
	struct dirent *de;
	DIR *d;
	int ret, nq = 0;

	memset(&L, 0, sizeof(L));
	fp_topo_init(&L.t);
	if (fp_topo_load(&L.t, topology, err, el)) {
		fp_topo_destroy(&L.t);
		return 2;
	}
	d = opendir(dir);
	ret = !d ? fp_say(err, el, "%s: %s", dir, strerror(errno)) : 0;
	for (unsigned seen = 0; !ret && d && (de = readdir(d)) && seen < 4 * FP_CLASS_MAX;)
		if (class_dir(dir, de->d_name)) {
			seen++;
			ret = add_class(&L, dir, de->d_name, err, el);
		}
	if (d)
		closedir(d);
	if (ret == -ENOMEM)
		fp_say(err, el, "out of memory reading %s (%u flows)", dir, L.n);
	if (!ret)
		nq = fp_queue_rank(L.t.nlinks, L.o, L.n, q, 5);
	if (!ret && nq < 0)
		ret = fp_say(err, el, "out of memory");
	if (!ret)
		report(&L, q, nq, json, out);
	if (L.have_bulk)
		fp_result_free(&L.bulk);
	free(L.o);
	fp_topo_destroy(&L.t);
	return ret ? 2 : nq > 0 && q[0].rise_us > 0;
}
