// SPDX-License-Identifier: MIT
/*
 * fabprobe analyze --topology T RESULTS...: join what was measured with the fabric it ran
 * on and name the link or host that holds it back, with evidence. Exit 0 clean, 1 suspects,
 * 2 bad input.
 */
#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../benches/simrun.h"
#include "../core/csv.h"
#include "../core/json.h"
#include "../core/opts.h"
#include "../fabric/analyze.h"
#include "../fabric/inventory.h"
#include "../fabric/jread.h"
#include "../fabric/sim.h"
#include "cli.h"

struct an_cfg {
	const char *topology, *dot, *map, *flows, *inventory;
	int format;
	bool plan;
	int64_t samples;
};

#define A(n, t, f, d, lo, hi, ch, mv, h)                                                           \
	{                                                                                          \
		n, t, offsetof(struct an_cfg, f), d, lo, hi, ch, NULL, mv, h                       \
	}

static const struct fp_opt an_opts[] = {
	A("topology", FP_OPT_STRING, topology, NULL, 0, 0, NULL, "FILE",
	  "the fabric the runs ran on"),
	A("format", FP_OPT_CHOICE, format, "text", 0, 0, "text|json", NULL, "output"),
	A("dot", FP_OPT_STRING, dot, NULL, 0, 0, NULL, "FILE",
	  "also write the topology with the suspects in red"),
	A("inventory", FP_OPT_STRING, inventory, NULL, 0, 0, NULL, "FILES",
	  "comma-separated fabprobe inventory --format json documents, one per host"),
	A("flows", FP_OPT_STRING, flows, NULL, 0, 0, NULL, "FILE",
	  "also write every flow's measured and predicted rate (CSV, for scatter plots)"),
	A("plan", FP_OPT_BOOL, plan, NULL, 0, 0, NULL, NULL,
	  "print the host pairs to run next when two suspects cannot be told apart"),
	A("samples", FP_OPT_INT, samples, "16", 1, 1024, NULL, NULL,
	  "ECMP draws averaged to predict a flow whose path is unknown"),
	FP_OPT_END,
};

struct obs_buf {
	struct fp_obs *o;
	unsigned n, cap;
	/* error counters that grew during a run, per rank's host: counter findings */
	struct grew {
		int node;
		char text[200];
	} grew[32];
	unsigned ngrew;
};

static int say(char *err, size_t el, const char *fmt, const char *a, const char *b)
{
	snprintf(err, el, fmt, a, b);
	return -EINVAL;
}

static int add_probs(struct fp_obs *o, unsigned *links, double *probs, unsigned np)
{
	o->link = malloc(sizeof(*o->link) * (np ? np : 1));
	o->prob = malloc(sizeof(*o->prob) * (np ? np : 1));
	if (!o->link || !o->prob)
		return -ENOMEM;
	memcpy(o->link, links, sizeof(*links) * np);
	memcpy(o->prob, probs, sizeof(*probs) * np);
	o->np = np;
	return 0;
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

/*
 * Traced paths (scripts/lab/lab trace): {"flows": {"ID": [node, node, ...]}}. Fills the
 * directed links of flow id into out; false when there is no usable trace for it.
 */
static bool traced_path(struct fy_node *paths, const struct fp_topo *t, unsigned id, int src,
			int dst, unsigned *out, unsigned *hops)
{
	char k[16], name[FP_NAME_LEN];
	struct fy_node *seq, *it;
	void *iter = NULL;
	int prev = -1;

	snprintf(k, sizeof(k), "%u", id);
	seq = fp_jkey(paths, k);
	if (!seq || !fy_node_is_sequence(seq) ||
	    fy_node_sequence_item_count(seq) > FP_SIM_MAXHOPS + 1)
		return false;
	*hops = 0;
	while ((it = fy_node_sequence_iterate(seq, &iter))) {
		int n = fp_jstr(it, name, sizeof(name)) ? fp_topo_find(t, name) : -1;
		int link = -1;

		if (n < 0)
			return false;
		if (prev < 0) {
			if (n != src)
				return false;
			prev = n;
			continue;
		}
		for (unsigned j = t->adj_off[prev]; j < t->adj_off[prev + 1] && link < 0; j++)
			if (fp_link_peer(&t->links[t->adj[j]], prev) == n)
				link = (int)t->adj[j];
		if (link < 0 || *hops >= FP_SIM_MAXHOPS)
			return false;
		out[(*hops)++] = 2 * (unsigned)link + (t->links[link].a == prev ? 0 : 1);
		prev = n;
	}
	return prev == dst;
}

/* Observations from one run folder's largest size, predicted on the topology. */
/*
 * Observations from one run's largest size, predicted on the topology. The run's JSON and
 * its traced paths (NULL when there are none) are outside input: bounded, validated.
 */
static int load_run_text(const char *path, const char *text, size_t len, const char *ptext,
			 size_t plen, unsigned runidx, const struct fp_topo *t, struct fp_router *r,
			 const struct fp_sim_net *net, unsigned samples, struct obs_buf *ob,
			 char *err, size_t el, bool *named)
{
	char buf[128], perr[256];
	struct fy_document *doc, *tdoc;
	struct fy_node *tpaths, *root, *hosts, *results, *best = NULL, *flows, *it;
	void *iter = NULL;
	double ws, bestsize = -1;
	int *node_of = NULL, ret = -EINVAL, nr;
	bool by_name = true;

	tdoc = ptext ? fp_yaml_parse(ptext, plen, "paths.json", perr, sizeof(perr)) : NULL;
	tpaths = tdoc ? fp_jkey(fy_document_root(tdoc), "flows") : NULL;
	doc = fp_yaml_parse(text, len, path, err, el);
	if (!doc) {
		if (tdoc)
			fy_document_destroy(tdoc);
		return -EINVAL;
	}
	root = fy_document_root(doc);
	if (!fp_jnum(fp_jkey(root, "world_size"), &ws) || ws < 1 || ws > 1e6 ||
	    !(hosts = fp_jkey(root, "hosts")) || !fy_node_is_sequence(hosts) ||
	    !(results = fp_jkey(root, "results")) || !fy_node_is_sequence(results)) {
		ret = say(err, el, "%s: not a fabprobe result (no world_size, hosts or results)%s",
			  path, "");
		goto out;
	}
	nr = (int)ws;
	if (fy_node_sequence_item_count(hosts) != nr) {
		ret = say(err, el, "%s: hosts and world_size disagree%s", path, "");
		goto out;
	}
	node_of = malloc(sizeof(int) * (size_t)nr);
	if (!node_of) {
		ret = -ENOMEM;
		goto out;
	}
	/* ranks to nodes: by hostname when every name is in the topology, else rank order */
	iter = NULL;
	for (int k = 0; k < nr; k++) {
		/* libfyaml sequences are lists: walk them, never index them */
		struct fy_node *h = fy_node_sequence_iterate(hosts, &iter);

		node_of[k] = fp_jstr(fp_jkey(h, "hostname"), buf, sizeof(buf))
				     ? fp_topo_find(t, buf)
				     : -1;
		if (node_of[k] < 0 || t->nodes[node_of[k]].kind != FP_HOST)
			by_name = false;
	}
	if (!by_name) {
		int hl[65536];
		unsigned nh = fp_topo_hosts(t, hl, 65536);

		if ((unsigned)nr > nh) {
			snprintf(err, el,
				 "%s: %d ranks, but the topology has %u hosts and its names "
				 "do not match the run's hostnames",
				 path, nr, nh);
			goto out;
		}
		for (int k = 0; k < nr; k++)
			node_of[k] = hl[k];
	}
	*named = by_name;
	/*
	 * The run's own port counters: errors, drops, CRC, symbol errors, carrier changes that
	 * grew while it ran point at that host's link, whatever the rates say.
	 */
	{
		struct fy_node *cs = fp_jkey(root, "counters"), *cr;
		void *ci = NULL;

		while (cs && (cr = fy_node_sequence_iterate(cs, &ci))) {
			struct fy_node *dl = fp_jkey(cr, "deltas");
			struct fy_node_pair *pp;
			void *pi = NULL;
			double rk;
			char port[48] = "?";

			if (!fp_jnum(fp_jkey(cr, "rank"), &rk) || rk < 0 || rk >= nr)
				continue;
			fp_jstr(fp_jkey(cr, "port"), port, sizeof(port));
			while (dl && fy_node_is_mapping(dl) &&
			       (pp = fy_node_mapping_iterate(dl, &pi))) {
				char k[64];
				double v;

				if (!fp_jstr(fy_node_pair_key(pp), k, sizeof(k)) ||
				    !fp_jnum(fy_node_pair_value(pp), &v) || v <= 0)
					continue;
				if (fp_counter_is_fault(k) && ob->ngrew < 32) {
					ob->grew[ob->ngrew].node = node_of[(int)rk];
					snprintf(ob->grew[ob->ngrew++].text, 200,
						 "%s: %s grew by %.0f during the run", port, k, v);
				}
			}
		}
	}
	iter = NULL;
	while ((it = fy_node_sequence_iterate(results, &iter))) {
		double s;

		if (fp_jnum(fp_jkey(it, "size"), &s) && s > bestsize && fp_jkey(it, "bandwidth")) {
			bestsize = s;
			best = it;
		}
	}
	if (!best) {
		ret = say(err, el, "%s: no bandwidth results (an empty run, or latency only)%s",
			  path, "");
		goto out;
	}
	flows = fp_jkey(best, "flows");
	if (!flows || !fy_node_is_sequence(flows) || !fy_node_sequence_item_count(flows)) {
		ret = say(err, el, "%s: results without flows%s", path, "");
		goto out;
	}
	/* group by round, predict each round with the same flows */
	{
		int n = fy_node_sequence_item_count(flows), maxr = 0;
		int *src = malloc(sizeof(int) * (size_t)n), *dst = malloc(sizeof(int) * (size_t)n);
		int *rnd = malloc(sizeof(int) * (size_t)n);
		double *meas = malloc(sizeof(double) * (size_t)n),
		       *pred = calloc((size_t)n, sizeof(double));
		unsigned *pth = calloc((size_t)n * FP_SIM_MAXHOPS, sizeof(unsigned));
		unsigned *hops = calloc((size_t)n, sizeof(unsigned));
		bool known = true;

		ret = src && dst && rnd && meas && pred && pth && hops ? 0 : -ENOMEM;
		void *fit = NULL;

		for (int i = 0; i < n && !ret; i++) {
			struct fy_node *f = fy_node_sequence_iterate(flows, &fit), *p;
			double s, d, rd, g;

			if (!fp_jnum(fp_jkey(f, "src"), &s) || !fp_jnum(fp_jkey(f, "dst"), &d) ||
			    !fp_jnum(fp_jkey(f, "round"), &rd) ||
			    !fp_jnum(fp_jkey(f, "avg_Gbps"), &g) || s < 0 || d < 0 || s >= nr ||
			    d >= nr || rd < 0 || rd > 1e7 || g < 0) {
				ret = say(err, el, "%s: a flow record is malformed%s", path, "");
				break;
			}
			src[i] = node_of[(int)s];
			dst[i] = node_of[(int)d];
			rnd[i] = (int)rd;
			meas[i] = g;
			if (rnd[i] > maxr)
				maxr = rnd[i];
			p = fp_jkey(f, "path");
			double fid;

			if (!p && tpaths && fp_jnum(fp_jkey(f, "flow"), &fid) && fid >= 0 &&
			    traced_path(tpaths, t, (unsigned)fid, src[i], dst[i],
					pth + (size_t)i * FP_SIM_MAXHOPS, &hops[i])) {
				/* traced in the lab */
			} else if (p && fy_node_is_sequence(p) &&
				   fy_node_sequence_item_count(p) <= FP_SIM_MAXHOPS) {
				int node = src[i];
				void *pit = NULL;

				for (int k = 0; k < fy_node_sequence_item_count(p); k++) {
					double l;

					if (!fp_jnum(fy_node_sequence_iterate(p, &pit), &l) ||
					    l < 0 || l >= t->nlinks) {
						known = false;
						break;
					}
					const struct fp_link *lk = &t->links[(int)l];

					pth[(size_t)i * FP_SIM_MAXHOPS + k] =
						2 * (unsigned)l + (lk->a == node ? 0 : 1);
					node = fp_link_peer(lk, node);
					hops[i]++;
				}
				known = known && node == dst[i];
			} else {
				known = false;
			}
		}
		/* predict round by round: the flows of a round share the fabric */
		for (int rd = 0; rd <= maxr && !ret; rd++) {
			int cnt = 0;

			for (int i = 0; i < n; i++)
				cnt += rnd[i] == rd;
			if (!cnt)
				continue;
			int *s2 = malloc(sizeof(int) * (size_t)cnt),
			    *d2 = malloc(sizeof(int) * (size_t)cnt);
			unsigned *p2 = malloc(sizeof(unsigned) * FP_SIM_MAXHOPS * (size_t)cnt);
			unsigned *h2 = malloc(sizeof(unsigned) * (size_t)cnt);
			double *rt = malloc(sizeof(double) * (size_t)cnt),
			       *sum = calloc((size_t)cnt, sizeof(double));
			struct fp_sim_flows fl = { .n = (unsigned)cnt, .path = p2, .hops = h2 };
			int j = 0;

			if (!s2 || !d2 || !p2 || !h2 || !rt || !sum)
				ret = -ENOMEM;
			for (int i = 0; i < n && !ret; i++) {
				if (rnd[i] != rd)
					continue;
				s2[j] = src[i];
				d2[j] = dst[i];
				if (known) {
					memcpy(p2 + (size_t)j * FP_SIM_MAXHOPS,
					       pth + (size_t)i * FP_SIM_MAXHOPS,
					       sizeof(unsigned) * FP_SIM_MAXHOPS);
					h2[j] = hops[i];
				}
				j++;
			}
			fl.src = s2;
			fl.dst = d2;
			for (unsigned sm = 0; sm < (known ? 1 : samples) && !ret; sm++) {
				if (!known &&
				    fp_sim_paths(r, &fl, 1000003ull * sm + 17 + (uint64_t)rd,
						 NULL)) {
					snprintf(err, el,
						 "%s: round %d has hosts the topology cannot "
						 "connect",
						 path, rd);
					ret = -EINVAL;
					break;
				}
				ret = fp_sim_maxmin(net, &fl, rt);
				for (int q = 0; q < cnt && !ret; q++)
					sum[q] += rt[q] / (known ? 1 : samples);
			}
			j = 0;
			for (int i = 0; i < n && !ret; i++)
				if (rnd[i] == rd)
					pred[i] = sum[j++];
			free(s2);
			free(d2);
			free(p2);
			free(h2);
			free(rt);
			free(sum);
		}
		/* observations, with the links each flow may cross */
		for (int i = 0; i < n && !ret; i++) {
			unsigned ls[512];
			double ps[512];
			struct acc a = { ls, ps, 0, 512 };
			struct fp_obs *o;

			if (src[i] == dst[i])
				continue;
			if (ob->n == ob->cap) {
				unsigned c = ob->cap ? ob->cap * 2 : 1024;
				void *q = realloc(ob->o, sizeof(*ob->o) * c);

				if (!q) {
					ret = -ENOMEM;
					break;
				}
				ob->o = q;
				ob->cap = c;
			}
			o = &ob->o[ob->n];
			memset(o, 0, sizeof(*o));
			o->src = src[i];
			o->dst = dst[i];
			o->meas = meas[i];
			o->pred = pred[i];
			o->run = runidx;
			o->round = (unsigned)rnd[i];
			if (known) {
				for (unsigned k = 0; k < hops[i]; k++)
					acc_add(&a, pth[(size_t)i * FP_SIM_MAXHOPS + k], 1);
			} else {
				fp_sim_path_probs(r, src[i], dst[i], acc_add, &a);
			}
			ret = add_probs(o, ls, ps, a.n);
			if (!ret)
				ob->n++;
		}
		free(src);
		free(dst);
		free(rnd);
		free(meas);
		free(pred);
		free(pth);
		free(hops);
	}
out:
	free(node_of);
	fy_document_destroy(doc);
	if (tdoc)
		fy_document_destroy(tdoc);
	return ret;
}

static int load_run(const char *dir, unsigned runidx, const struct fp_topo *t, struct fp_router *r,
		    const struct fp_sim_net *net, unsigned samples, struct obs_buf *ob, char *err,
		    size_t el, bool *named)
{
	char path[4200], ppath[4200], *text = NULL, *ptext = NULL;
	size_t len = 0, plen = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/run.json", dir);
	snprintf(ppath, sizeof(ppath), "%s/paths.json", dir);
	ret = fp_read_file(path, 1u << 30, &text, &len, err, el);
	if (ret)
		return ret;
	if (!access(ppath, R_OK) && fp_read_file(ppath, 1u << 30, &ptext, &plen, err, el)) {
		free(text);
		return -EINVAL;
	}
	ret = load_run_text(path, text, len, ptext, plen, runidx, t, r, net, samples, ob, err, el,
			    named);
	free(text);
	free(ptext);
	return ret;
}

/* Physical rules that the topology's own fields can show. */
static void rules(const struct fp_link *l, char *buf, size_t len)
{
	double reach = fp_copper_reach_m(l->media, l->lane_gbps);
	size_t o = 0;

	buf[0] = 0;
	if (l->trained_gbps > 0 && l->trained_gbps < l->gbps)
		o += (size_t)snprintf(buf + o, len - o, "trained at %g of %g Gb/s; ",
				      l->trained_gbps, l->gbps);
	if (l->trained_lanes > 0 && l->trained_lanes < l->lanes && o < len)
		o += (size_t)snprintf(buf + o, len - o, "trained x%d of x%d lanes; ",
				      l->trained_lanes, l->lanes);
	if (reach > 0 && l->length_m > reach && o < len)
		o += (size_t)snprintf(buf + o, len - o,
				      "%s of %g m is past the %g m reach of "
				      "copper at %g Gb/s per lane (IEEE 802.3 CR PMDs); ",
				      fp_media_name(l->media), l->length_m, reach, l->lane_gbps);
	if (o >= 2 && o < len)
		buf[o - 2] = 0; /* the last "; " */
}

static void link_name(const struct fp_topo *t, int l, char *buf, size_t len)
{
	const struct fp_link *k = &t->links[l];

	snprintf(buf, len, "%s:%s <-> %s:%s", t->nodes[k->a].name, k->pa, t->nodes[k->b].name,
		 k->pb);
}

static void action(const struct fp_topo *t, const struct fp_suspect *s, char *buf, size_t len)
{
	char ln[160];

	link_name(t, s->link, ln, sizeof(ln));
	if (s->host) {
		snprintf(buf, len,
			 "check host %s: its NIC (PCIe width and speed, NUMA, firmware, "
			 "error counters) and its cable %s",
			 t->nodes[s->node].name, ln);
		return;
	}
	const struct fp_link *l = &t->links[s->link];

	if (l->media == FP_MEDIA_OPTIC)
		snprintf(buf, len, "clean or replace the optics of %s (%s), then the fibre", ln,
			 l->xcvr[0] ? l->xcvr : "transceiver");
	else if (l->media == FP_MEDIA_UNKNOWN)
		snprintf(buf, len, "reseat, then replace the cable %s", ln);
	else
		snprintf(buf, len, "reseat, then replace the %s %s", fp_media_name(l->media), ln);
	for (char *p = buf; *p; p++)
		if (p > buf + 16 && p[-1] == ' ' && p[0] >= 'a' && p[0] <= 'z' &&
		    !strncmp(p - 4, "the ", 4) &&
		    (!strncmp(p, "aoc", 3) || !strncmp(p, "dac", 3) || !strncmp(p, "acc", 3) ||
		     !strncmp(p, "aec", 3)))
			for (int i = 0; i < 3; i++)
				p[i] = (char)(p[i] - 32);
}

/* Links the topology itself shows to be wrong, that no measurement named: counted apart. */
static bool is_suspect(const struct fp_analysis *a, unsigned l)
{
	for (unsigned i = 0; i < a->n; i++)
		if (!a->s[i].host && a->s[i].link == (int)l)
			return true;
	return false;
}

static unsigned physical_text(const struct fp_topo *t, const struct fp_analysis *a, FILE *f)
{
	char ln[160], rl[400];
	unsigned n = 0;

	for (unsigned l = 0; l < t->nlinks; l++) {
		rules(&t->links[l], rl, sizeof(rl));
		if (!rl[0] || is_suspect(a, l))
			continue;
		if (f && !n++)
			fprintf(f, "physical findings (from the link state in the topology):\n");
		else if (!f)
			n++;
		link_name(t, (int)l, ln, sizeof(ln));
		if (f)
			fprintf(f, "   LINK %s: %s\n", ln, rl);
	}
	return n;
}

/* Physical evidence from host inventories, tied to a host or its link. */
struct finding {
	int node, link; /* link -1: about the host */
	char text[320];
};

struct findings {
	struct finding f[64];
	unsigned n;
};

static void add_finding(struct findings *fs, int node, int link, const char *fmt, ...)
{
	va_list ap;

	if (fs->n >= 64)
		return;
	fs->f[fs->n].node = node;
	fs->f[fs->n].link = link;
	va_start(ap, fmt);
	vsnprintf(fs->f[fs->n].text, sizeof(fs->f[0].text), fmt, ap);
	va_end(ap);
	fs->n++;
}

/* the host's link that ends in this port name, else its only link */
static int host_link(const struct fp_topo *t, int h, const char *port)
{
	int only = -1, n = 0;

	for (unsigned k = t->adj_off[h]; k < t->adj_off[h + 1]; k++) {
		const struct fp_link *l = &t->links[t->adj[k]];

		if (!strcmp(l->a == h ? l->pa : l->pb, port))
			return (int)t->adj[k];
		only = (int)t->adj[k];
		n++;
	}
	return n == 1 ? only : -1;
}

/*
 * Rules on one inventory (fabprobe inventory --format json). Thresholds: PCIe against the
 * device's own maximum; RX power within 3 dB of the module's own low alarm; lanes more
 * than 3 dB apart (a dirty connector loses power on some fibres only); any uncorrectable
 * FEC block; module alarm or warning flags.
 */
static int inventory_rules_text(const struct fp_topo *t, const char *path, const char *text,
				size_t len, struct findings *fs, char *err, size_t el)
{
	char host[64], name[64], buf[256];
	struct fy_document *doc;
	struct fy_node *ports, *p;
	void *it = NULL;
	int h, ret;

	doc = fp_yaml_parse(text, len, path, err, el);
	if (!doc)
		return -EINVAL;
	ret = -EINVAL;
	if (!fp_jstr(fp_jkey(fy_document_root(doc), "host"), host, sizeof(host)) ||
	    !(ports = fp_jkey(fy_document_root(doc), "ports")) || !fy_node_is_sequence(ports)) {
		snprintf(err, el, "%s: not a fabprobe inventory (no host or ports)", path);
		goto out;
	}
	h = fp_topo_find(t, host);
	if (h < 0 || t->nodes[h].kind != FP_HOST) {
		snprintf(err, el,
			 "%s: host '%s' is not a host of the topology (fabprobe inventory "
			 "--hostname NAME)",
			 path, host);
		goto out;
	}
	while ((p = fy_node_sequence_iterate(ports, &it))) {
		struct fy_node *pc = fp_jkey(p, "pcie"), *m = fp_jkey(p, "module"), *e;
		double w, mw, sp, msp, v;
		int link;

		if (!fp_jstr(fp_jkey(p, "name"), name, sizeof(name)))
			continue;
		link = host_link(t, h, name);
		if (pc && fp_jnum(fp_jkey(pc, "width"), &w) &&
		    fp_jnum(fp_jkey(pc, "max_width"), &mw) &&
		    fp_jnum(fp_jkey(pc, "speed_gts"), &sp) &&
		    fp_jnum(fp_jkey(pc, "max_speed_gts"), &msp) && (w < mw || sp < msp))
			add_finding(fs, h, -1,
				    "%s: PCIe x%g at %g GT/s, below its own x%g at %g GT/s: "
				    "reseat the NIC or move it to a full slot",
				    name, w, sp, mw, msp);
		e = fp_jkey(p, "ethtool");
		if (e && fp_jnum(fp_jkey(e, "fec_uncorrectable"), &v) && v > 0)
			add_finding(fs, h, link,
				    "%s: %g uncorrectable FEC blocks (any is too many)", name, v);
		if (!m || link < 0)
			continue;
		{
			struct fy_node *lanes = fp_jkey(m, "lanes_dom"), *ln;
			void *li = NULL;
			double lo = 1e9, hi = -1e9, worst = 1e9;
			int lane = 0, worst_lane = 0;

			while (lanes && (ln = fy_node_sequence_iterate(lanes, &li))) {
				struct fy_node *rx = fp_jkey(ln, "rx_power_mw");
				double val, la, dbm;

				lane++;
				if (!fp_jnum(fp_jkey(rx, "value"), &val))
					continue;
				dbm = val > 0 ? 10 * log10(val) : -40;
				lo = fmin(lo, dbm);
				hi = fmax(hi, dbm);
				if (fp_jnum(fp_jkey(rx, "low_alarm"), &la) && la > 0 &&
				    dbm - 10 * log10(la) < worst) {
					worst = dbm - 10 * log10(la);
					worst_lane = lane;
				}
			}
			if (worst < 3)
				add_finding(
					fs, h, link,
					"%s: module RX power on lane %d is %.1f dB from its "
					"low alarm (the module's own threshold; 3 dB margin rule)",
					name, worst_lane, worst);
			if (hi - lo > 3)
				add_finding(fs, h, link,
					    "%s: module RX power spreads %.1f dB across lanes "
					    "(> 3 dB: a dirty connector or a bad fibre)",
					    name, hi - lo);
			if (fp_jstr(fp_jkey(m, "flags"), buf, sizeof(buf)) && buf[0])
				add_finding(fs, h, link, "%s: module flags: %s", name, buf);
		}
	}
	ret = 0;
out:
	fy_document_destroy(doc);
	return ret;
}

static int inventory_rules(const struct fp_topo *t, const char *path, struct findings *fs,
			   char *err, size_t el)
{
	char *text;
	size_t len;
	int ret = fp_read_file(path, 16u << 20, &text, &len, err, el);

	if (ret)
		return ret;
	ret = inventory_rules_text(t, path, text, len, fs, err, el);
	free(text);
	return ret;
}

static void findings_json(const struct fp_topo *t, const struct findings *fs, struct fp_json *j)
{
	char ln[160];

	fp_json_arr(j, "inventory_findings");
	for (unsigned i = 0; fs && i < fs->n; i++) {
		fp_json_obj(j, NULL);
		fp_json_str(j, "host", t->nodes[fs->f[i].node].name);
		if (fs->f[i].link >= 0) {
			link_name(t, fs->f[i].link, ln, sizeof(ln));
			fp_json_i64(j, "link", fs->f[i].link);
			fp_json_str(j, "ports", ln);
		}
		fp_json_str(j, "finding", fs->f[i].text);
		fp_json_end(j);
	}
	fp_json_end(j);
}

static void findings_text(const struct fp_topo *t, const struct findings *fs, FILE *f)
{
	char ln[160];

	if (fs->n)
		fprintf(f, "physical findings (host inventories and the runs' counters):\n");
	for (unsigned i = 0; i < fs->n; i++) {
		if (fs->f[i].link >= 0) {
			link_name(t, fs->f[i].link, ln, sizeof(ln));
			fprintf(f, "   LINK %s: %s\n", ln, fs->f[i].text);
		} else {
			fprintf(f, "   HOST %s: %s\n", t->nodes[fs->f[i].node].name, fs->f[i].text);
		}
	}
}

static void report_text(const struct fp_topo *t, const struct fp_analysis *a, unsigned nruns,
			bool plan, struct fp_router *r)
{
	char ln[160], act[300], rl[400];

	if (!a->n) {
		unsigned np = physical_text(t, a, NULL);

		printf("fabprobe analyze: %s: %u flows in %u run%s measured within the noise "
		       "(%.1f%%) of what the topology predicts\n",
		       np ? "no measured suspect, but physical findings" : "clean", a->nobs, nruns,
		       nruns > 1 ? "s" : "", 100 * a->sigma);
		physical_text(t, a, stdout);
		return;
	}
	printf("fabprobe analyze: %u suspect%s, from %u flows in %u run%s: %u below %.0f%% of "
	       "predicted (noise %.1f%%, baseline %.0f%% of predicted)\n\n",
	       a->n, a->n > 1 ? "s" : "", a->nobs, nruns, nruns > 1 ? "s" : "", a->nbad,
	       100 * a->threshold, 100 * a->sigma, 100 * a->calib);
	for (unsigned i = 0; i < a->n; i++) {
		const struct fp_suspect *s = &a->s[i];
		const struct fp_link *l = &t->links[s->link];

		link_name(t, s->link, ln, sizeof(ln));
		action(t, s, act, sizeof(act));
		if (s->host) {
			printf("%u. HOST %s   confidence %.2f\n", i + 1, t->nodes[s->node].name,
			       s->confidence);
			printf("   %u of its %u flows are slow, toward every peer; they measure "
			       "%.0f%% of "
			       "predicted (median)\n",
			       s->bad, s->total, 100 * s->health);
		} else {
			printf("%u. LINK %s (%s%s%s", i + 1, ln, fp_media_name(l->media),
			       l->xcvr[0] ? " " : "", l->xcvr);
			if (l->length_m > 0)
				printf(", %g m", l->length_m);
			printf(", %g Gb/s)   confidence %.2f\n", l->gbps, s->confidence);
			printf("   carries %u of the bad flows (%u of its %u flows are bad, %.0f%% "
			       "of its "
			       "expected traffic); fitted health %.0f%% of capacity\n",
			       s->bad, s->bad, s->total, 100 * s->votes, 100 * s->health);
			rules(l, rl, sizeof(rl));
			if (rl[0])
				printf("   physical: %s\n", rl);
			for (unsigned k = 0; k < s->ntwins; k++) {
				link_name(t, s->twins[k], ln, sizeof(ln));
				printf("   AMBIGUOUS: these flows cannot tell it from %s; run the "
				       "pairs "
				       "of --plan to separate them\n",
				       ln);
			}
		}
		printf("   action: %s\n\n", act);
		if (plan && !s->host)
			for (unsigned k = 0; k < s->ntwins; k++) {
				int pa[10], pb[10];
				unsigned np = fp_analyze_plan(r, s->link, s->twins[k], pa, pb, 10);

				printf("   plan: run these pairs to separate it from #%d:",
				       s->twins[k]);
				for (unsigned j = 0; j < np; j++)
					printf(" %s->%s", t->nodes[pa[j]].name,
					       t->nodes[pb[j]].name);
				printf("\n\n");
			}
	}
	physical_text(t, a, stdout);
}

struct findings;
static void findings_json(const struct fp_topo *t, const struct findings *fs, struct fp_json *j);

static void report_json(const struct fp_topo *t, const struct fp_analysis *a, unsigned nruns,
			const struct findings *fs)
{
	struct fp_json j;
	char ln[160], act[300], rl[400];

	fp_json_init(&j, stdout, true);
	fp_json_obj(&j, NULL);
	fp_json_u64(&j, "schema_version", 1);
	fp_json_str(&j, "verdict", a->n ? "suspects" : "clean");
	fp_json_u64(&j, "runs", nruns);
	fp_json_u64(&j, "flows", a->nobs);
	fp_json_u64(&j, "bad_flows", a->nbad);
	fp_json_num(&j, "noise", a->sigma);
	fp_json_num(&j, "baseline", a->calib);
	fp_json_num(&j, "threshold", a->threshold);
	findings_json(t, fs, &j);
	fp_json_arr(&j, "physical");
	for (unsigned l = 0; l < t->nlinks; l++) {
		rules(&t->links[l], rl, sizeof(rl));
		if (!rl[0] || is_suspect(a, l))
			continue;
		link_name(t, (int)l, ln, sizeof(ln));
		fp_json_obj(&j, NULL);
		fp_json_i64(&j, "link", l);
		fp_json_str(&j, "ports", ln);
		fp_json_str(&j, "finding", rl);
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_json_arr(&j, "suspects");
	for (unsigned i = 0; i < a->n; i++) {
		const struct fp_suspect *s = &a->s[i];
		const struct fp_link *l = &t->links[s->link];

		fp_json_obj(&j, NULL);
		fp_json_u64(&j, "rank", i + 1);
		fp_json_str(&j, "kind", s->host ? "host" : "link");
		if (s->host)
			fp_json_str(&j, "host", t->nodes[s->node].name);
		fp_json_i64(&j, "link", s->link);
		fp_json_str(&j, "a", t->nodes[l->a].name);
		fp_json_str(&j, "a_port", l->pa);
		fp_json_str(&j, "b", t->nodes[l->b].name);
		fp_json_str(&j, "b_port", l->pb);
		fp_json_str(&j, "media", fp_media_name(l->media));
		fp_json_num(&j, "length_m", l->length_m);
		fp_json_num(&j, "confidence", s->confidence);
		fp_json_num(&j, "health", s->health);
		fp_json_num(&j, "bad_share", s->votes);
		fp_json_u64(&j, "bad_flows", s->bad);
		fp_json_u64(&j, "flows", s->total);
		rules(l, rl, sizeof(rl));
		if (rl[0])
			fp_json_str(&j, "physical", rl);
		fp_json_arr(&j, "ambiguous_with");
		for (unsigned k = 0; k < s->ntwins; k++) {
			link_name(t, s->twins[k], ln, sizeof(ln));
			fp_json_str(&j, NULL, ln);
		}
		fp_json_end(&j);
		action(t, s, act, sizeof(act));
		fp_json_str(&j, "action", act);
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fp_json_end(&j);
}

static void obs_free(struct obs_buf *ob)
{
	for (unsigned i = 0; i < ob->n; i++) {
		free(ob->o[i].link);
		free(ob->o[i].prob);
	}
	free(ob->o);
	ob->o = NULL;
	ob->n = 0;
}

static void teardown(struct obs_buf *ob, struct fp_sim_net *net, struct fp_router *r,
		     struct fp_topo *t)
{
	obs_free(ob);
	fp_sim_net_destroy(net);
	fp_router_destroy(r);
	fp_topo_destroy(t);
}

int fp_analyze_dirs(const char *topology, const char *const *dirs, int n, unsigned *suspects,
		    char *err, size_t el)
{
	struct fp_topo t;
	struct fp_router r = { 0 };
	struct fp_sim_net net = { 0 };
	struct obs_buf ob = { 0 };
	struct fp_analysis a;
	bool named;
	int ret;

	fp_topo_init(&t);
	ret = fp_topo_load(&t, topology, err, el);
	if (!ret && (fp_router_init(&r, &t) || fp_sim_net_init(&net, &t, NULL, 0, 10)))
		ret = -ENOMEM;
	for (int i = 0; i < n && !ret; i++)
		ret = load_run(dirs[i], (unsigned)i, &t, &r, &net, 16, &ob, err, el, &named);
	if (!ret)
		ret = fp_analyze(&t, ob.o, ob.n, &a);
	if (!ret)
		*suspects = a.n;
	teardown(&ob, &net, &r, &t);
	return ret;
}

int fp_cmd_analyze(int argc, char **argv)
{
	struct findings *fs = NULL; /* 20 KB: on the heap */
	struct an_cfg c;
	const char *pos[256];
	char err[512];
	int np = 0, status = 2;
	struct fp_topo t;
	struct fp_router r = { 0 };
	struct fp_sim_net net = { 0 };
	struct obs_buf ob = { 0 };
	struct fp_analysis a;
	bool named = true;

	memset(&c, 0, sizeof(c));
	fp_topo_init(&t);
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fabprobe analyze --topology FILE RESULT_DIR...\n\n"
			       "Names the links and hosts that explain the slow flows. Exit 0 "
			       "clean, "
			       "1 suspects, 2 bad input.\n\noptions:\n");
			fp_opts_help(stdout, an_opts);
			return 0;
		}
	if (fp_opts_parse(an_opts, &c, argc, argv, pos, 256, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe analyze: %s\n", err);
		return 2;
	}
	if (!c.topology || np < 1) {
		fprintf(stderr,
			"fabprobe analyze: --topology FILE and at least one result folder\n");
		return 2;
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		fprintf(stderr, "fabprobe analyze: out of memory\n");
		return 2;
	}
	if (fp_topo_load(&t, c.topology, err, sizeof(err))) {
		fprintf(stderr, "fabprobe analyze: %s\n", err);
		goto out;
	}
	if (fp_router_init(&r, &t) || fp_sim_net_init(&net, &t, NULL, 0, 10)) {
		fprintf(stderr, "fabprobe analyze: out of memory\n");
		goto out;
	}
	for (int i = 0; i < np; i++) {
		bool nm;

		if (load_run(pos[i], (unsigned)i, &t, &r, &net, (unsigned)c.samples, &ob, err,
			     sizeof(err), &nm)) {
			fprintf(stderr, "fabprobe analyze: %s\n", err);
			goto out;
		}
		named = named && nm;
	}
	if (!named)
		fprintf(stderr, "fabprobe analyze: hostnames do not match the topology; rank k is "
				"taken to be its k-th host\n");
	if (fp_analyze(&t, ob.o, ob.n, &a)) {
		fprintf(stderr, "fabprobe analyze: out of memory\n");
		goto out;
	}
	if (c.inventory) {
		char list[4096], *save = NULL, *file;

		snprintf(list, sizeof(list), "%s", c.inventory);
		for (file = strtok_r(list, ",", &save); file; file = strtok_r(NULL, ",", &save))
			if (inventory_rules(&t, file, fs, err, sizeof(err))) {
				fprintf(stderr, "fabprobe analyze: %s\n", err);
				goto out;
			}
	}
	for (unsigned i = 0; i < ob.ngrew; i++)
		add_finding(fs, ob.grew[i].node, host_link(&t, ob.grew[i].node, ""), "%s",
			    ob.grew[i].text);
	if (c.format == 1) {
		report_json(&t, &a, (unsigned)np, fs);
	} else {
		report_text(&t, &a, (unsigned)np, c.plan, &r);
		findings_text(&t, fs, stdout);
	}
	if (c.dot) {
		struct fp_afile f;
		bool *rl = calloc(t.nlinks, sizeof(bool)), *rn = calloc(t.nnodes, sizeof(bool));

		if (rl && rn && !fp_afile_open(&f, c.dot)) {
			for (unsigned i = 0; i < a.n; i++) {
				if (a.s[i].host)
					rn[a.s[i].node] = true;
				else
					rl[a.s[i].link] = true;
			}
			fp_topo_write_dot(&t, f.f, rl, rn);
			if (fp_afile_commit(&f))
				fprintf(stderr, "fabprobe analyze: cannot write %s\n", c.dot);
		}
		free(rl);
		free(rn);
	}
	if (c.flows) {
		struct fp_afile f;

		if (fp_afile_open(&f, c.flows)) {
			fprintf(stderr, "fabprobe analyze: cannot write %s\n", c.flows);
			goto out;
		}
		fprintf(f.f, "run,round,src,dst,measured_Gbps,predicted_Gbps,ratio,bad,suspect\n");
		for (unsigned i = 0; i < ob.n; i++) {
			const struct fp_obs *o = &ob.o[i];
			unsigned sus = 0;

			/* the first suspect this flow crosses (or touches, for a host) */
			for (unsigned k = 0; k < a.n && !sus; k++)
				for (unsigned q = 0; q < o->np && !sus; q++)
					if ((int)o->link[q] == a.s[k].link && o->prob[q] >= 0.5)
						sus = k + 1;
			fprintf(f.f, "%u,%u,", o->run, o->round);
			fp_csv_field(f.f, t.nodes[o->src].name);
			fputc(',', f.f);
			fp_csv_field(f.f, t.nodes[o->dst].name);
			fprintf(f.f, ",%.6g,%.6g,%.4f,%d,%u\n", o->meas, o->pred, o->q, o->bad,
				sus);
		}
		if (fp_afile_commit(&f))
			fprintf(stderr, "fabprobe analyze: cannot write %s\n", c.flows);
	}
	status = a.n || fs->n || physical_text(&t, &a, NULL) ? 1 : 0;
out:
	teardown(&ob, &net, &r, &t);
	free(fs);
	return status;
}
