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

#include "../benches/result_obs.h"
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

static void teardown(struct fp_obs_buf *ob, struct fp_sim_net *net, struct fp_router *r,
		     struct fp_topo *t)
{
	fp_obs_buf_free(ob);
	fp_sim_net_destroy(net);
	fp_router_destroy(r);
	fp_topo_destroy(t);
}

static int load_run(const char *dir, unsigned runidx, const struct fp_topo *t, struct fp_router *r,
		    const struct fp_sim_net *net, unsigned samples, struct fp_obs_buf *ob,
		    char *err, size_t el, bool *named)
{
	struct fp_result res;
	int ret = fp_result_load(dir, t, &res, err, el);

	if (!ret)
		ret = fp_result_observe(&res, runidx, t, r, net, samples, ob, named, err, el);
	fp_result_free(&res);
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
	struct fp_obs_buf ob = { 0 };
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
