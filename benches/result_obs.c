// SPDX-License-Identifier: MIT
/*
 * From a run to the analyzer's observations: ranks to topology hosts, each flow's path
 * (recorded by the simulator, traced in the lab, or unknown: ECMP-averaged), and the
 * rate the topology predicts for it, round by round.
 */
#include "result_obs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/file.h"
#include "../core/json.h"
#include "../fabric/inventory/inventory.h"
#include "../fabric/model/ber.h"
#include "result_dippath.h"
#include "result_flap.h"

/*
 * Ranks to endpoints: by identity (fp_topo_map), by an explicit "rank,endpoint" CSV file,
 * or, only when asked (map "order"), rank k to the k-th host in file order.
 */
static int map_ranks(const struct fp_result *res, const struct fp_topo *t, const char *map,
		     int *node_of, bool *named, char *err, size_t el)
{
	unsigned nr = (unsigned)res->world_size, nh;
	char e2[400], *text;
	size_t len;
	int ret;

	*named = !map || strcmp(map, "order");
	if (!map) {
		ret = fp_topo_map(t, res->ident, nr, node_of, e2, sizeof(e2));
		if (ret == -EINVAL)
			snprintf(err, el, "%s: %s", res->where, e2);
		return ret;
	}
	if (*named) {
		ret = fp_read_file(map, 64u << 20, &text, &len, err, el);
		if (ret)
			return ret == -ENOMEM ? ret : -EINVAL;
		ret = fp_topo_map_csv(t, text, len, map, nr, node_of, err, el);
		free(text);
		return ret;
	}
	nh = fp_topo_hosts(t, NULL, 0);
	if (nr > nh) {
		snprintf(err, el, "%s: %u ranks, but the topology has %u hosts (--map order)",
			 res->where, nr, nh);
		return -EINVAL;
	}
	fp_topo_hosts(t, node_of, nr);
	return 0;
}

/* the growth of counter name on c's rank and port, -1 when the run has none */
static double same_port(const struct fp_result *res, const struct fp_rctr *c, const char *name)
{
	for (unsigned i = 0; i < res->nctr; i++)
		if (res->ctr[i].rank == c->rank && !strcmp(res->ctr[i].port, c->port) &&
		    !strcmp(res->ctr[i].name, name))
			return res->ctr[i].delta;
	return -1;
}

/* the text of a new counter finding on node, NULL (counted) when the list is full */
static char *grew_slot(struct fp_obs_buf *ob, int node)
{
	if (ob->ngrew >= FP_OBS_MAXGREW) {
		ob->ngrew_more++;
		return NULL;
	}
	ob->grew[ob->ngrew].node = node;
	ob->grew[ob->ngrew].link = -1;
	return ob->grew[ob->ngrew++].text;
}

/* error counters that grew while the run ran, judged per frame (fp_host_counter_judge):
 * the physical ones point at that host's link; drops are congestion, not listed */
static void grew_counters(const struct fp_result *res, const struct fp_topo *t, const int *node_of,
			  struct fp_obs_buf *ob)
{
	for (unsigned i = 0; i < res->nctr; i++) {
		const struct fp_rctr *c = &res->ctr[i];
		bool tx = !strncmp(c->name, "tx_", 3);
		char why[200], *text;

		/* FEC blocks: a BER against the host's link over the run (fabric/model/ber.c) */
		if (fp_fec_judge(t, node_of[c->rank], c->name, c->delta, res->seconds, why,
				 sizeof(why))) {
			if (why[0] && (text = grew_slot(ob, node_of[c->rank])))
				snprintf(text, sizeof(ob->grew[0].text), "%s: %s",
					 c->port[0] ? c->port : "?", why);
			continue;
		}

		if (c->delta <= 0 || !fp_counter_is_fault(c->name) ||
		    !fp_host_counter_judge(
			    c->name, c->delta, same_port(res, c, tx ? "tx_packets" : "rx_packets"),
			    same_port(res, c, tx ? "tx_bytes" : "rx_bytes"), why, sizeof(why)))
			continue;
		if ((text = grew_slot(ob, node_of[c->rank])))
			snprintf(text, sizeof(ob->grew[0].text), "%s: %s",
				 c->port[0] ? c->port : "?", why);
	}
}

/*
 * name next to res's run.json into *text (path for messages): 0 with *text NULL when res
 * came from no folder or the file is absent, -EINVAL with err, -ENOMEM
 */
static int side_file(const struct fp_result *res, const char *name, char *path, size_t plen,
		     char **text, size_t *len, char *err, size_t el)
{
	size_t dl = strlen(res->where);
	int ret;

	*text = NULL;
	if (dl < 9 || strcmp(res->where + dl - 9, "/run.json"))
		return 0;
	snprintf(path, plen, "%.*s/%s", (int)(dl - 9), res->where, name);
	if (access(path, F_OK))
		return 0;
	ret = fp_read_file(path, FP_FLAP_MAXBYTES, text, len, err, el);
	return ret == -ENOMEM || !ret ? ret : -EINVAL;
}

/* a soak's counters.csv: each rank's link that went down more than once (fp_flap_is) is a
 * physical finding on its host's link */
static int flap_counters(const struct fp_result *res, const int *node_of, struct fp_obs_buf *ob,
			 char *err, size_t el)
{
	struct fp_flaps f;
	char path[4200], *text;
	size_t len;
	int ret;

	ret = side_file(res, "counters.csv", path, sizeof(path), &text, &len, err, el);
	if (ret || !text)
		return ret;
	ret = fp_flap_parse(path, text, len, res->world_size, &f, err, el);
	free(text);
	for (size_t i = 0; !ret && i < (size_t)f.nranks * FP_FLAP_KINDS; i++) {
		char *slot;

		if (fp_flap_is(&f.s[i]) && (slot = grew_slot(ob, node_of[f.s[i].rank])))
			fp_flap_text(&f.s[i], slot, sizeof(ob->grew[0].text));
	}
	fp_flaps_free(&f);
	return ret;
}

/* rank r's link flapped by the rates: every flow to or from r dipped and recovered twice
 * (fp_dip_parse), and some flow elsewhere did not; the finding names one of its dips */
static void dip_rank(const struct fp_dip_rank *k, int node, struct fp_obs_buf *ob)
{
	const struct fp_dip *e = k->first;
	char *text;

	if (!k->touch || k->dipped < k->touch || !k->steady || !(text = grew_slot(ob, node)))
		return;
	snprintf(text, sizeof(ob->grew[0].text),
		 "FLAPPING: all %u flows through it fell below %g%% of their best rate and "
		 "recovered, twice or more (flow %d->%d: %.3g Gb/s in %.1f-%.1f s); %u flows "
		 "elsewhere did not",
		 k->touch, 100 * FP_DIP_LOW, e->src, e->dst, e->dip_gbps, e->t0, e->t1, k->steady);
}

/* of a link's outages, the most flows elsewhere that fell with its own */
static unsigned max_off(const struct fp_dip_link *k)
{
	unsigned m = 0;

	for (unsigned i = 0; i < k->events && i < FP_DIP_OUTAGES; i++)
		m = k->ev[i].off > m ? k->ev[i].off : m;
	return m;
}

/* a link found by fp_dip_links: a finding on it, its first outages named */
static void dip_link(const struct fp_topo *t, const struct fp_dip_link *k, struct fp_obs_buf *ob)
{
	char *text;
	size_t o;
	int w;

	if (!(text = grew_slot(ob, t->links[k->link].a)))
		return;
	ob->grew[ob->ngrew - 1].link = k->link;
	w = snprintf(text, sizeof(ob->grew[0].text),
		     "FLAPPING: its flows fell below half their median rate together in %u "
		     "outages (of %u flows of known path through it:",
		     k->events, k->flows);
	o = w < 0 ? 0 : (size_t)w;
	for (unsigned i = 0; i < k->events && i < FP_DIP_OUTAGES && o < sizeof(ob->grew[0].text);
	     i++) {
		w = snprintf(text + o, sizeof(ob->grew[0].text) - o, "%s %u in %.1f-%.1f s",
			     i ? "," : "", k->ev[i].dipped, k->ev[i].t0, k->ev[i].t1);
		o += w < 0 ? 0 : (size_t)w;
	}
	if (o < sizeof(ob->grew[0].text))
		w = snprintf(text + o, sizeof(ob->grew[0].text) - o,
			     "), at most %u of %u elsewhere with them", max_off(k), k->steady);
	o += w < 0 ? 0 : (size_t)w;
	if (k->also >= 0 && o < sizeof(ob->grew[0].text)) {
		char name[96];

		fp_link_name(t, k->also, name, sizeof(name));
		snprintf(text + o, sizeof(ob->grew[0].text) - o, "; the same flows cross %s", name);
	}
}

/*
 * A soak's soak.csv: flows whose rate fell to near zero and came back (rate dips), by rank
 * (every flow of a host) and then on the paths of this run's observations, ob->o[first..)
 */
static int flap_rates(const struct fp_result *res, const struct fp_topo *t, const int *node_of,
		      struct fp_obs_buf *ob, unsigned first, char *err, size_t el)
{
	struct fp_dip_link links[8];
	struct fp_dip_rank *k = NULL;
	struct fp_dips d;
	char path[4200], *text;
	unsigned nl = 0, nall = 0;
	size_t len;
	int ret;

	ret = side_file(res, "soak.csv", path, sizeof(path), &text, &len, err, el);
	if (ret || !text)
		return ret;
	ret = fp_dip_parse(path, text, len, res->world_size, &d, err, el);
	free(text);
	/* every rank's tallies in one pass over the flows: O(flows + ranks), not their product */
	if (!ret && !(k = calloc((size_t)(res->world_size > 0 ? res->world_size : 1), sizeof(*k))))
		ret = -ENOMEM;
	if (!ret)
		fp_dip_ranks(&d, res->world_size, k);
	for (int r = 0; !ret && r < res->world_size; r++)
		dip_rank(&k[r], node_of[r], ob);
	if (!ret)
		ret = fp_dip_links(t, &d, node_of, ob->o + first, ob->n - first, links,
				   sizeof(links) / sizeof(links[0]), &nl, &nall);
	if (!ret)
		ob->ngrew_more += nall - nl; /* past the list: counted, not dropped silently */
	for (unsigned i = 0; !ret && i < nl; i++)
		dip_link(t, &links[i], ob);
	free(k);
	fp_dips_free(&d);
	return ret;
}

/* the directed link from node a to node b, -1 when they are not neighbours */
static int dlink(const struct fp_topo *t, int a, int b)
{
	for (unsigned j = t->adj_off[a]; j < t->adj_off[a + 1]; j++)
		if (fp_link_peer(&t->links[t->adj[j]], a) == b)
			return 2 * (int)t->adj[j] + (t->links[t->adj[j]].a == a ? 0 : 1);
	return -1;
}

/* a traced path (node names) as directed links; false when it does not join src to dst */
static bool traced_path(const struct fp_rtrace *tr, const struct fp_topo *t, int src, int dst,
			unsigned *out, unsigned *hops)
{
	int prev = src;

	if (fp_topo_find(t, tr->node[0]) != src || tr->n > FP_SIM_MAXHOPS + 1)
		return false;
	*hops = 0;
	for (unsigned k = 1; k < tr->n; k++) {
		int n = fp_topo_find(t, tr->node[k]), l = n < 0 ? -1 : dlink(t, prev, n);

		if (l < 0)
			return false;
		out[(*hops)++] = (unsigned)l;
		prev = n;
	}
	return prev == dst;
}

/* links in order (checked by the reader, or the tables') as directed links from src */
static bool link_path(const unsigned *path, unsigned npath, const struct fp_topo *t, int src,
		      int dst, unsigned *out, unsigned *hops)
{
	int node = src;

	if (npath > FP_SIM_MAXHOPS)
		return false;
	for (unsigned k = 0; k < npath; k++) {
		const struct fp_link *lk = &t->links[path[k]];

		if (lk->a != node && lk->b != node)
			return false;
		out[k] = 2 * path[k] + (lk->a == node ? 0 : 1);
		node = fp_link_peer(lk, node);
	}
	*hops = npath;
	return node == dst;
}

struct flows {
	unsigned n, maxr;
	int *src, *dst;
	unsigned *rnd, *pth, *hops;
	double *meas, *pred, *loss;
	double *retrans, *segs; /* TCP sources' counts (segs 0: none) */
	unsigned char *psrc;	/* enum fp_path_src */
	unsigned char *fixed;	/* one path, known: else ECMP (or LMC) draws */
	bool known;		/* every flow's path is fixed: no draws */
};

static void flows_free(struct flows *f)
{
	free(f->src);
	free(f->dst);
	free(f->rnd);
	free(f->pth);
	free(f->hops);
	free(f->meas);
	free(f->pred);
	free(f->loss);
	free(f->retrans);
	free(f->segs);
	free(f->psrc);
	free(f->fixed);
}

/*
 * A flow the run has no path for, routed by the subnet manager's tables to its
 * destination's LID: fixed when the port has one LID; with LMC, the run did not record
 * which DLID the flow used, so its path is drawn over them (*fixed false).
 */
static int routed_path(struct fp_router *r, int src, int dst, unsigned *out, unsigned *hops,
		       bool *fixed)
{
	unsigned nl = 0, base = fp_routes_lid_of(r->lft, dst, &nl), links[FP_SIM_MAXHOPS];
	int h = 0;

	for (unsigned k = 0; base && k < nl && h >= 0; k++)
		h = fp_routes_path(r->lft, r->t, src, base + k, links, FP_SIM_MAXHOPS, NULL);
	if (!base || h < 0 || !link_path(links, (unsigned)h, r->t, src, dst, out, hops))
		return -EHOSTUNREACH;
	*fixed = nl == 1;
	return 0;
}

static int flows_alloc(struct flows *fl, size_t n)
{
	fl->n = (unsigned)n;
	fl->src = malloc(sizeof(int) * n);
	fl->dst = malloc(sizeof(int) * n);
	fl->rnd = malloc(sizeof(unsigned) * n);
	fl->pth = calloc(n * FP_SIM_MAXHOPS, sizeof(unsigned));
	fl->hops = calloc(n, sizeof(unsigned));
	fl->meas = malloc(sizeof(double) * n);
	fl->pred = calloc(n, sizeof(double));
	fl->loss = calloc(n, sizeof(double));
	fl->retrans = calloc(n, sizeof(double));
	fl->segs = calloc(n, sizeof(double));
	fl->psrc = calloc(n, 1);
	fl->fixed = calloc(n, 1);
	if (!fl->src || !fl->dst || !fl->rnd || !fl->pth || !fl->hops || !fl->meas || !fl->pred ||
	    !fl->loss || !fl->retrans || !fl->segs || !fl->psrc || !fl->fixed)
		return -ENOMEM;
	return 0;
}

/* flow i's path: recorded, traced, routed by the tables, or none (expected); false: bad */
static bool flow_path(const struct fp_result *res, const struct fp_rflow *f, struct fp_router *r,
		      struct flows *fl, size_t i)
{
	unsigned *out = fl->pth + i * FP_SIM_MAXHOPS;
	bool fixed = true;

	fl->psrc[i] = f->source;
	if (f->source == FP_PATH_RECORDED)
		return (fl->fixed[i] = link_path(f->path, f->npath, r->t, fl->src[i], fl->dst[i],
						 out, &fl->hops[i]));
	if (f->source == FP_PATH_TRACED)
		return (fl->fixed[i] = traced_path(&res->traces[f->trace], r->t, fl->src[i],
						   fl->dst[i], out, &fl->hops[i]));
	if (!r->lft)
		return true;
	if (routed_path(r, fl->src[i], fl->dst[i], out, &fl->hops[i], &fixed))
		return false;
	fl->psrc[i] = FP_PATH_ROUTED;
	fl->fixed[i] = fixed;
	return true;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/*
 * The ids of the flows that failed (failed_flows: a stall, after sizes were measured),
 * sorted; NULL with *n 0 when none. trace skips them, so in a measured size they are the
 * flows without a traced path among traced ones.
 */
static unsigned *failed_ids(const struct fp_result *res, size_t *n)
{
	const struct fp_rsize *c = res->connect >= 0 ? &res->sizes[res->connect] : NULL;
	unsigned *ids = c && res->nfailed ? malloc(sizeof(*ids) * res->nfailed) : NULL;

	*n = 0;
	for (unsigned k = 0; ids && k < c->nflows && *n < res->nfailed; k++)
		if (c->flows[k].avg_gbps == 0)
			ids[(*n)++] = c->flows[k].flow;
	if (ids)
		qsort(ids, *n, sizeof(*ids), cmp_unsigned);
	return ids;
}

static int flows_fill(const struct fp_result *res, const struct fp_rsize *z, struct fp_router *r,
		      const int *node_of, struct flows *fl, char *err, size_t el)
{
	size_t n = z->nflows, npath = 0, nfixed = 0, nfail, nfree = 0, nglitch = 0;
	unsigned *fail = failed_ids(res, &nfail);
	int ret = 0;

	if (res->nfailed && !fail)
		return -ENOMEM;
	if (flows_alloc(fl, n)) {
		free(fail);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct fp_rflow *f = &z->flows[i];

		if (!f->has_bw) {
			snprintf(err, el, "%s: size %llu, flow record %zu: no field 'avg_Gbps'",
				 res->where, (unsigned long long)z->size, i);
			ret = -EINVAL;
			break;
		}
		fl->src[i] = node_of[f->src];
		fl->dst[i] = node_of[f->dst];
		fl->rnd[i] = f->round;
		fl->meas[i] = f->avg_gbps;
		fl->loss[i] = f->loss;
		fl->retrans[i] = f->retrans;
		fl->segs[i] = f->segs_out;
		if (f->round > fl->maxr)
			fl->maxr = f->round;
		/* a path that does not join the flow's hosts is bad input, never a guess; but a
		 * trace is probes, and one that went astray (lost, answered out of turn) leaves
		 * its flow's path expected: a few in a run (one in twenty, and one), said. A wrong
		 * join of ranks to hosts breaks most of them, and stays an error */
		bool fits = flow_path(res, f, r, fl, i), glitch = false;

		if (!fits && f->source == FP_PATH_TRACED && nglitch < 1 + n / 20) {
			glitch = true;
			nglitch++;
			fl->psrc[i] = FP_PATH_EXPECTED;
			fl->fixed[i] = false;
			fprintf(stderr,
				"fabprobe analyze: %s: flow %u: its traced path does not join rank "
				"%d's "
				"host to rank %d's: taken as expected\n",
				res->where, f->flow, f->src, f->dst);
		} else if (!fits) {
			snprintf(err, el,
				 "%s: size %llu, flow record %zu (flow %u): %s is not a route "
				 "through the topology from rank %d's host to rank %d's",
				 res->where, (unsigned long long)z->size, i, f->flow,
				 f->source == FP_PATH_RECORDED ? "field 'path'"
				 : f->source == FP_PATH_TRACED
					 ? "field 'path' (traced in paths.json)"
					 : "the path the --routes tables give",
				 f->src, f->dst);
			ret = -EINVAL;
			break;
		}
		npath += f->source != FP_PATH_EXPECTED && !glitch;
		nfixed += fl->fixed[i];
		/* a flow that stalled later was not traced: its path is expected, not missing */
		nfree += glitch || (f->source == FP_PATH_EXPECTED && nfail &&
				    bsearch(&f->flow, fail, nfail, sizeof(*fail), cmp_unsigned));
		/* with the SM's tables, the flows without a path are routed, not averaged */
		if (!r->lft && npath && npath + nfree != i + 1) {
			snprintf(err, el,
				 "%s: size %llu, flow record %zu: %zu flow records have a 'path' "
				 "and %zu not: all or none must (they would be ECMP-averaged)",
				 res->where, (unsigned long long)z->size, i, npath, i + 1 - npath);
			ret = -EINVAL;
			break;
		}
	}
	free(fail);
	fl->known = !ret && n && nfixed == n;
	return ret;
}

/* one round's flows (idx[0..cnt), fl's indices) share the fabric: max-min rates, averaged
 * over ECMP draws */
static int predict_round(const struct fp_result *res, struct flows *fl, unsigned rd,
			 const unsigned *idx, unsigned cnt, struct fp_router *r,
			 const struct fp_sim_net *net, unsigned samples, char *err, size_t el)
{
	unsigned draws = fl->known ? 1 : samples;
	int ret = 0;

	if (!cnt)
		return 0;
	int *s2 = malloc(sizeof(int) * cnt), *d2 = malloc(sizeof(int) * cnt);
	unsigned *p2 = calloc((size_t)FP_SIM_MAXHOPS * cnt, sizeof(unsigned));
	unsigned *h2 = calloc(cnt, sizeof(unsigned));
	double *rt = malloc(sizeof(double) * cnt), *sum = calloc(cnt, sizeof(double));
	struct fp_sim_flows sf = { .n = cnt, .src = s2, .dst = d2, .path = p2, .hops = h2 };

	if (!s2 || !d2 || !p2 || !h2 || !rt || !sum) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned j = 0; j < cnt; j++) {
		unsigned i = idx[j];

		s2[j] = fl->src[i];
		d2[j] = fl->dst[i];
		memcpy(p2 + (size_t)j * FP_SIM_MAXHOPS, fl->pth + (size_t)i * FP_SIM_MAXHOPS,
		       sizeof(unsigned) * FP_SIM_MAXHOPS);
		h2[j] = fl->hops[i];
	}
	for (unsigned sm = 0; sm < draws && !ret; sm++) {
		if (!fl->known && fp_sim_paths(r, &sf, 1000003ull * sm + 17 + rd, NULL)) {
			snprintf(err, el, "%s: round %u has hosts the topology cannot connect",
				 res->where, rd);
			ret = -EINVAL;
			break;
		}
		/* the draw re-routes every flow: those with a fixed path keep it */
		for (unsigned q = 0; q < cnt && !fl->known; q++) {
			unsigned i = idx[q];

			if (fl->fixed[i]) {
				memcpy(p2 + (size_t)q * FP_SIM_MAXHOPS,
				       fl->pth + (size_t)i * FP_SIM_MAXHOPS,
				       sizeof(unsigned) * FP_SIM_MAXHOPS);
				h2[q] = fl->hops[i];
			}
		}
		ret = fp_sim_maxmin(net, &sf, rt);
		for (unsigned q = 0; q < cnt && !ret; q++)
			sum[q] += rt[q] / draws;
	}
	for (unsigned j = 0; j < cnt && !ret; j++)
		fl->pred[idx[j]] = sum[j];
out:
	free(s2);
	free(d2);
	free(p2);
	free(h2);
	free(rt);
	free(sum);
	return ret;
}

/* every round's flows, one pass: a million flows in a thousand rounds are not scanned a
 * thousand times */
static int predict_rounds(const struct fp_result *res, struct flows *fl, struct fp_router *r,
			  const struct fp_sim_net *net, unsigned samples, char *err, size_t el)
{
	unsigned *start = calloc((size_t)fl->maxr + 2, sizeof(*start));
	unsigned *idx = malloc(sizeof(*idx) * (fl->n ? fl->n : 1));
	int ret = 0;

	if (!start || !idx) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < fl->n; i++)
		start[fl->rnd[i] + 1]++;
	for (unsigned rd = 0; rd <= fl->maxr; rd++)
		start[rd + 1] += start[rd];
	for (unsigned i = 0; i < fl->n; i++) /* counting sort: file order within a round */
		idx[start[fl->rnd[i]]++] = i;
	for (unsigned rd = fl->maxr + 1; rd > 0; rd--) /* back to each round's first */
		start[rd] = start[rd - 1];
	start[0] = 0;
	for (unsigned rd = 0; rd <= fl->maxr && !ret; rd++)
		ret = predict_round(res, fl, rd, idx + start[rd], start[rd + 1] - start[rd], r, net,
				    samples, err, el);
out:
	free(start);
	free(idx);
	return ret;
}

struct acc {
	unsigned *l;
	double *p;
	unsigned n, cap;
};

static void acc_add(void *ctx, unsigned dl, double p)
{
	struct acc *a = ctx;

	for (unsigned i = 0; i < a->n; i++)
		if (a->l[i] == dl / 2) {
			a->p[i] += p;
			return;
		}
	if (a->n < a->cap) {
		a->l[a->n] = dl / 2;
		a->p[a->n++] = p;
	}
}

/* a routed flow whose DLID is one of 2^LMC: each LID's path, equally likely */
static void lmc_probs(struct fp_router *r, int src, int dst, struct acc *a)
{
	unsigned nl = 0, base = fp_routes_lid_of(r->lft, dst, &nl), links[FP_SIM_MAXHOPS];

	for (unsigned k = 0; base && k < nl; k++) {
		int node = src,
		    h = fp_routes_path(r->lft, r->t, src, base + k, links, FP_SIM_MAXHOPS, NULL);

		for (int j = 0; j < h; j++) {
			const struct fp_link *l = &r->t->links[links[j]];

			acc_add(a, 2 * links[j] + (l->a == node ? 0 : 1), 1.0 / nl);
			node = fp_link_peer(l, node);
		}
	}
}

static int obs_add(struct fp_obs_buf *ob, const struct flows *fl, unsigned i, unsigned runidx,
		   struct fp_router *r)
{
	unsigned ls[512];
	double ps[512];
	struct acc a = { ls, ps, 0, 512 };
	struct fp_obs *o;

	if (ob->n == ob->cap) {
		unsigned c = ob->cap ? ob->cap * 2 : 1024;
		void *q = realloc(ob->o, sizeof(*ob->o) * c);

		if (!q)
			return -ENOMEM;
		ob->o = q;
		ob->cap = c;
	}
	if (fl->fixed[i])
		for (unsigned k = 0; k < fl->hops[i]; k++)
			acc_add(&a, fl->pth[(size_t)i * FP_SIM_MAXHOPS + k], 1);
	else if (fl->psrc[i] == FP_PATH_ROUTED)
		lmc_probs(r, fl->src[i], fl->dst[i], &a);
	else
		fp_sim_path_probs(r, fl->src[i], fl->dst[i], acc_add, &a);
	o = &ob->o[ob->n];
	*o = (struct fp_obs){ .src = fl->src[i],
			      .dst = fl->dst[i],
			      .meas = fl->meas[i],
			      .pred = fl->pred[i],
			      .loss = fl->loss[i],
			      .retrans = fl->retrans[i],
			      .segs = fl->segs[i],
			      .run = runidx,
			      .round = fl->rnd[i],
			      .np = a.n,
			      .path_src = fl->psrc[i] };
	o->link = malloc(sizeof(*o->link) * (a.n ? a.n : 1));
	o->prob = malloc(sizeof(*o->prob) * (a.n ? a.n : 1));
	if (!o->link || !o->prob) {
		free(o->link);
		free(o->prob);
		return -ENOMEM;
	}
	memcpy(o->link, ls, sizeof(*ls) * a.n);
	memcpy(o->prob, ps, sizeof(*ps) * a.n);
	ob->n++;
	return 0;
}

/*
 * A run whose flows could not all connect, or stalled (failed_flows): its connect phase,
 * every flow with the path it has (traced when the trace got through, else expected), rate
 * 0 when it failed (failed), NaN when it connected and did not stall (fp_analyze_blackhole).
 */
static int connect_obs(const struct fp_result *res, unsigned runidx, struct fp_router *r,
		       const int *node_of, struct fp_obs_buf *ob)
{
	const struct fp_rsize *z = &res->sizes[res->connect];
	struct flows fl = { 0 };
	int ret = flows_alloc(&fl, z->nflows);

	for (unsigned i = 0; i < z->nflows && !ret; i++) {
		fl.src[i] = node_of[z->flows[i].src];
		fl.dst[i] = node_of[z->flows[i].dst];
		fl.meas[i] = z->flows[i].avg_gbps;
		fl.rnd[i] = 0;
		if (!flow_path(res, &z->flows[i], r, &fl, i)) { /* a trace cut short: expected */
			fl.fixed[i] = 0;
			fl.hops[i] = 0;
			fl.psrc[i] = FP_PATH_EXPECTED;
		}
		ret = obs_add(ob, &fl, i, runidx, r);
		if (!ret)
			ob->o[ob->n - 1].failed = fl.meas[i] == 0;
	}
	flows_free(&fl);
	return ret;
}

int fp_result_observe(const struct fp_result *res, unsigned runidx, const struct fp_topo *t,
		      struct fp_router *r, const struct fp_sim_net *net, unsigned samples,
		      const char *map, struct fp_obs_buf *ob, bool *named, char *err, size_t el)
{
	const struct fp_rsize *z = fp_result_largest_bw(res);
	struct flows fl = { 0 };
	int *node_of = malloc(sizeof(int) * (size_t)res->world_size);
	unsigned first;
	int ret;

	if (!node_of)
		return -ENOMEM;
	ret = map_ranks(res, t, map, node_of, named, err, el);
	if (ret)
		goto out;
	grew_counters(res, t, node_of, ob);
	ret = flap_counters(res, node_of, ob, err, el);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (!z && res->connect >= 0 && res->nfailed) {
		ret = connect_obs(res, runidx, r, node_of, ob);
		goto out;
	}
	if (!z) {
		snprintf(err, el, "%s: no bandwidth results (an empty run, or latency only)",
			 res->where);
		goto out;
	}
	if (!z->nflows) {
		snprintf(err, el, "%s: results without flows", res->where);
		goto out;
	}
	ret = flows_fill(res, z, r, node_of, &fl, err, el);
	if (!ret)
		ret = predict_rounds(res, &fl, r, net, samples, err, el);
	first = ob->n;
	for (unsigned i = 0; i < fl.n && !ret; i++)
		ret = obs_add(ob, &fl, i, runidx, r);
	if (!ret) /* after the paths: the rate dips are localised on them */
		ret = flap_rates(res, t, node_of, ob, first, err, el);
	/* sizes measured, then flows stalled (a link that blackholed mid-run): both told */
	if (!ret && res->connect >= 0 && res->nfailed)
		ret = connect_obs(res, runidx, r, node_of, ob);
out:
	flows_free(&fl);
	free(node_of);
	return ret;
}

unsigned fp_obs_measured_first(struct fp_obs_buf *ob)
{
	unsigned k = 0;

	for (unsigned i = 0; i < ob->n; i++)
		if (!ob->o[i].failed && !isnan(ob->o[i].meas)) {
			struct fp_obs t = ob->o[k];

			ob->o[k++] = ob->o[i];
			ob->o[i] = t;
		}
	return k;
}

void fp_obs_buf_free(struct fp_obs_buf *ob)
{
	for (unsigned i = 0; i < ob->n; i++) {
		free(ob->o[i].link);
		free(ob->o[i].prob);
	}
	free(ob->o);
	ob->o = NULL;
	ob->n = ob->cap = 0;
	ob->ngrew = ob->ngrew_more = 0;
}

/* the run's link ends as a fabric-counters document's first and last snapshot */
static void fabric_doc(struct fp_json *j, const struct fp_result *res)
{
	fp_json_obj(j, NULL);
	fp_json_arr(j, "snapshots");
	for (int last = 0; last < 2; last++) {
		fp_json_obj(j, NULL);
		fp_json_num(j, "time", last ? res->fabric_seconds : 0);
		fp_json_arr(j, "ends");
		for (unsigned i = 0; i < res->nfabric; i++) {
			const struct fp_rfcend *e = &res->fabric[i];

			/* not read both times, or no time between the reads: no interval */
			if (!last && (!e->has_deltas || res->fabric_seconds <= 0))
				continue;
			fp_json_obj(j, NULL);
			fp_json_str(j, "node", e->node);
			fp_json_str(j, "port", e->port);
			fp_json_str(j, "status", last ? e->status : "ok");
			if (last && e->why[0])
				fp_json_str(j, "why", e->why);
			fp_json_obj(j, "counters");
			for (unsigned k = 0; res->fabric_seconds > 0 && k < e->nd; k++)
				fp_json_u64(j, e->d[k].name, last ? e->d[k].v : 0);
			fp_json_end(j);
			fp_json_end(j);
		}
		fp_json_end(j);
		fp_json_end(j);
	}
	fp_json_end(j);
	fp_json_end(j);
}

int fp_result_fabric_rules(const struct fp_result *res, const struct fp_topo *t,
			   struct fp_findings *fs, char *err, size_t el)
{
	struct fp_json j;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (!res->has_fabric || !res->nfabric)
		return 0;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fp_json_init(&j, f, false);
	fabric_doc(&j, res);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	ret = fp_inventory_rules_text(t, res->where, text, len, fs, err, el);
	free(text);
	return ret;
}

static int add_inventories(struct fp_verdict *v, const char *files, char *err, size_t el)
{
	char list[4096], *save = NULL, *file;

	if (snprintf(list, sizeof(list), "%s", files) >= (int)sizeof(list)) {
		snprintf(err, el, "--inventory: the list of files is too long");
		return -EINVAL;
	}
	for (file = strtok_r(list, ",", &save); file; file = strtok_r(NULL, ",", &save)) {
		int ret = fp_inventory_rules(&v->t, file, &v->fs, err, el);

		if (ret)
			return ret;
	}
	return 0;
}

int fp_verdict_build(struct fp_verdict *v, const struct fp_verdict_opts *o, char *err, size_t el)
{
	int ret;

	memset(v, 0, sizeof(*v));
	if (el)
		err[0] = 0;
	fp_topo_init(&v->t);
	fp_routes_init(&v->lft);
	v->named = true;
	ret = fp_topo_load(&v->t, o->topology, err, el);
	if (!ret && (fp_router_init(&v->r, &v->t) || fp_sim_net_init(&v->net, &v->t, NULL, 0, 10)))
		ret = -ENOMEM;
	/* the SM's tables, joined to the topology as topo and sim join them */
	if (!ret && o->routes) {
		ret = fp_routes_open(&v->lft, o->routes, &v->t, err, el);
		if (!ret)
			fp_router_use_lft(&v->r, &v->lft);
	}
	for (int i = 0; i < o->ndirs && !ret; i++) {
		struct fp_result res;
		bool named = true; /* a folder that did not load names nothing wrong */

		ret = fp_result_load(o->dirs[i], &v->t, &res, err, el);
		if (!ret)
			ret = fp_result_observe(&res, (unsigned)i, &v->t, &v->r, &v->net,
						o->samples ? o->samples : 16, o->map, &v->ob,
						&named, err, el);
		if (ret == -ENOMEM &&
		    !strstr(err, "out of memory")) /* the join's, not the read's */
			snprintf(err, el, "out of memory reading %s (%u flows)", o->dirs[i],
				 fp_result_largest_bw(&res) ? fp_result_largest_bw(&res)->nflows
							    : 0);
		/* the switches' own counters around the run: the --inventory rules */
		if (!ret)
			ret = fp_result_fabric_rules(&res, &v->t, &v->fs, err, el);
		if (!ret && res.ndegraded > 0)
			v->soak_degraded += (unsigned)res.ndegraded;
		fp_result_free(&res);
		v->named = v->named && named;
		v->nruns++;
	}
	/* measured flows first; after them the connect phases of runs that failed (NaN, 0) */
	unsigned nm = fp_obs_measured_first(&v->ob);

	if (!ret)
		ret = fp_analyze(&v->t, v->ob.o, nm, &v->a);
	if (!ret)
		ret = fp_analyze_down(&v->r, v->ob.o, v->ob.n, &v->a);
	if (!ret)
		ret = fp_analyze_down_explain(&v->t, v->ob.o, nm, &v->a);
	if (!ret && nm < v->ob.n)
		ret = fp_analyze_blackhole(&v->r, v->ob.o + nm, v->ob.n - nm, &v->a);
	if (!ret && o->inventory)
		ret = add_inventories(v, o->inventory, err, el);
	if (!ret) /* switch octets against the simulator's loads for the flows */
		fp_link_load_rules(&v->t, v->ob.o, v->ob.n, &v->fs);
	for (unsigned i = 0; !ret && i < v->ob.ngrew; i++)
		fp_findings_add(&v->fs, v->ob.grew[i].node,
				v->ob.grew[i].link >= 0
					? v->ob.grew[i].link
					: fp_host_link(&v->t, v->ob.grew[i].node, ""),
				"%s", v->ob.grew[i].text);
	v->fs.more += v->ob.ngrew_more; /* the counters' findings past the list: counted */
	if (ret == -ENOMEM && !strstr(err, "out of memory"))
		snprintf(err, el, "out of memory");
	return ret;
}

void fp_verdict_destroy(struct fp_verdict *v)
{
	if (!v)
		return;
	fp_obs_buf_free(&v->ob);
	fp_sim_net_destroy(&v->net);
	fp_router_destroy(&v->r);
	fp_routes_destroy(&v->lft);
	fp_topo_destroy(&v->t);
}

int fp_analyze_dirs(const char *topology, const char *const *dirs, int n, unsigned *suspects,
		    char *err, size_t el)
{
	struct fp_verdict_opts o = { .topology = topology, .dirs = dirs, .ndirs = n };
	struct fp_verdict *v = malloc(sizeof(*v)); /* 20 KB of findings: on the heap */
	int ret;

	if (!v)
		return -ENOMEM;
	ret = fp_verdict_build(v, &o, err, el);
	if (!ret)
		*suspects = v->a.n + v->a.more;
	fp_verdict_destroy(v);
	free(v);
	return ret;
}
