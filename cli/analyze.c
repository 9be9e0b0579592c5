// SPDX-License-Identifier: MIT
/*
 * fabprobe analyze --topology T RESULTS...: join what was measured with the fabric it ran
 * on and name the link or host that holds it back, with evidence. Exit 0 clean, 1 suspects,
 * 2 bad input.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../benches/lul_analyze.h"
#include "../benches/result_obs.h"
#include "../core/csv.h"
#include "../core/json.h"
#include "../core/opts.h"
#include "cli.h"

struct an_cfg {
	const char *topology, *dot, *map, *flows, *inventory, *routes;
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
	A("routes", FP_OPT_STRING, routes, NULL, 0, 0, NULL, "FILE",
	  "route flows without a recorded or traced path by the SM's forwarding tables "
	  "(ibroute, dump_lfts, opensm-lfts.dump), not the ECMP expectation"),
	A("map", FP_OPT_STRING, map, NULL, 0, 0, NULL, "FILE|order",
	  "ranks to endpoints from rank,endpoint CSV lines, or by file order (default: by "
	  "identity: GUIDs, device, netdev, MAC, IP, hostname)"),
	FP_OPT_END,
};

/*
 * The verdict, one word for text, JSON and the exit status alike (results/README.md,
 * "analyze --format json"): suspects the rates name; else links too thinly covered to tell;
 * else findings besides the rates (the topology's link state, inventories, the switches' and
 * hosts' counters: errors over their limit, flapping, congestion; a soak's degradation);
 * else clean. Only clean exits 0.
 */
enum an_verdict { V_CLEAN, V_FINDINGS, V_COVERAGE, V_SUSPECTS };

static const char *const verdict_word[] = { "clean", "findings", "insufficient coverage",
					    "suspects" };

static enum an_verdict verdict_of(const struct fp_verdict *v)
{
	if (v->a.n + v->a.more)
		return V_SUSPECTS;
	if (v->a.nthin + v->a.thin_more)
		return V_COVERAGE;
	if (v->fs.n + v->fs.more || v->soak_degraded || fp_physical_count(&v->t, &v->a))
		return V_FINDINGS;
	return V_CLEAN;
}

/* links the topology shows to be wrong that no suspect names: text or JSON, same calls */
static void emit_physical(const struct fp_topo *t, const struct fp_analysis *a, struct fp_emit *e)
{
	char ln[160], rl[400];
	unsigned n = 0;

	fp_emit_arr(e, "physical");
	for (unsigned l = 0; l < t->nlinks; l++) {
		fp_link_rules(&t->links[l], rl, sizeof(rl));
		if (!rl[0] || fp_analysis_names_link(a, l))
			continue;
		if (!n++)
			fp_emit_text(e,
				     "physical findings (from the link state in the topology):\n");
		fp_link_name(t, (int)l, ln, sizeof(ln));
		fp_emit_obj(e, NULL);
		fp_emit_i64(e, "link", NULL, l);
		fp_emit_str(e, "ports", "   LINK %s: ", ln);
		fp_emit_str(e, "finding", "%s\n", rl);
		fp_emit_end(e);
	}
	fp_emit_end(e);
}

/* what host inventories and the runs' counters show: text or JSON, same calls */
static void emit_findings(const struct fp_topo *t, const struct fp_findings *fs, struct fp_emit *e)
{
	char ln[160];

	fp_emit_arr(e, "inventory_findings");
	if (fs->n)
		fp_emit_text(e, "physical findings (host inventories and the runs' counters):\n");
	for (unsigned i = 0; i < fs->n; i++) {
		const struct fp_finding *f = &fs->f[i];

		fp_emit_obj(e, NULL);
		fp_emit_str(e, "host", f->link < 0 ? "   HOST %s: " : NULL, t->nodes[f->node].name);
		if (f->link >= 0) {
			fp_link_name(t, f->link, ln, sizeof(ln));
			fp_emit_i64(e, "link", NULL, f->link);
			fp_emit_str(e, "ports", "   LINK %s: ", ln);
		}
		fp_emit_str(e, "finding", "%s\n", f->text);
		fp_emit_end(e);
	}
	fp_emit_end(e);
	if (fs->more)
		fp_emit_text(
			e,
			"   ... and %u more finding%s, not listed: the list holds the first %u\n",
			fs->more, fs->more > 1 ? "s" : "", fs->n);
}

/* a down link's action is about its state; the others' are evidence's (fp_suspect_action) */
static void suspect_action(const struct fp_topo *t, const struct fp_suspect *s, char *act,
			   size_t len)
{
	char ln[160];

	if (s->server) {
		snprintf(act, len,
			 "check server %s as a whole (PCIe root, CPU and memory bandwidth, "
			 "firmware, power, thermal) before its %u NICs or their cables",
			 t->nodes[s->node].id.host, s->nnics);
		return;
	}
	if (!s->down && !s->blackhole) {
		fp_suspect_action(t, s, act, len);
		return;
	}
	fp_link_name(t, s->link, ln, sizeof(ln));
	if (s->blackhole) {
		snprintf(act, len,
			 "the link %s is up and routed over but passes nothing: check its "
			 "optics, its port's error and discard counters and its ACLs, or take it "
			 "out of routing",
			 ln);
		return;
	}
	snprintf(act, len,
		 "check the port state at both ends of %s (admin down, no carrier, optics), "
		 "bring it up or replace the cable",
		 ln);
}

/* one host suspect, in text: an endpoint, or a server whose NICs are all slow */
static void text_host(const struct fp_topo *t, const struct fp_suspect *s, unsigned i)
{
	char ln[160];

	if (s->server) {
		printf("%u. HOST %s (server: all %u of its NICs are slow)   confidence %.2f\n",
		       i + 1, t->nodes[s->node].id.host, s->nnics, s->confidence);
		printf("   NICs:");
		for (unsigned k = 0; k < t->nnodes; k++)
			if (t->nodes[k].kind == FP_HOST &&
			    !strcmp(t->nodes[k].id.host, t->nodes[s->node].id.host))
				printf(" %s", t->nodes[k].name);
		printf("\n");
	} else {
		printf("%u. HOST %s   confidence %.2f\n", i + 1, t->nodes[s->node].name,
		       s->confidence);
	}
	printf("   %u of its %u flows are slow, toward every peer; they measure %.0f%% of "
	       "predicted (median)\n",
	       s->bad, s->total, 100 * s->health);
	if (s->cable >= 0) {
		fp_link_name(t, s->cable, ln, sizeof(ln));
		printf("   AMBIGUOUS: the host (its NIC) or its one cable %s: every flow crosses "
		       "both; --plan gives the probe that separates them\n",
		       ln);
	}
}

/* one link suspect, in text: the link, its evidence, its twins */
static void text_link(const struct fp_topo *t, const struct fp_suspect *s, unsigned i)
{
	const struct fp_link *l = &t->links[s->link];
	char ln[200], rl[400];

	fp_link_name(t, s->link, ln, sizeof(ln));
	printf("%u. LINK %s (%s%s%s", i + 1, ln, fp_media_name(l->media), l->xcvr[0] ? " " : "",
	       l->xcvr);
	if (l->length_m > 0)
		printf(", %g m", l->length_m);
	printf(", %g Gb/s)%s   confidence %.2f\n", l->gbps,
	       s->down	      ? " DOWN"
	       : s->blackhole ? " BLACKHOLE"
			      : "",
	       s->confidence);
	fp_topo_link_spec(t, (unsigned)s->link, ln, sizeof(ln));
	printf("   name: %s (as sim --faults and lab fault take it)\n", ln);
	if (s->down)
		printf("   carries none of the flows whose paths are known, where their ECMP "
		       "expectation puts %.1f: their share went to its siblings\n",
		       s->expected);
	else if (s->blackhole)
		printf("   %u of the %u flows that could not connect or stalled may cross it "
		       "(mean probability %.2f), and no flow that went on is known to\n",
		       s->bad, s->total, s->votes);
	else
		printf("   carries %u of the bad flows (%u of its %u flows are bad, %.0f%% of its "
		       "expected traffic); fitted health %.0f%% of capacity\n",
		       s->bad, s->bad, s->total, 100 * s->votes, 100 * s->health);
	fp_link_rules(l, rl, sizeof(rl));
	if (rl[0])
		printf("   physical: %s\n", rl);
	for (unsigned k = 0; k < s->ntwins; k++) {
		fp_link_name(t, s->twins[k], ln, sizeof(ln));
		printf("   AMBIGUOUS: these flows cannot tell it from %s; run the pairs of --plan "
		       "to separate them\n",
		       ln);
	}
	if (s->twins_more)
		printf("   AMBIGUOUS: and from %u more link%s, not listed\n", s->twins_more,
		       s->twins_more > 1 ? "s" : "");
}

/* where the flows' paths came from: "paths: 0 recorded, 96 traced, 0 routed, 16 expected" */
static void paths_text(const struct fp_analysis *a)
{
	static const enum fp_path_src order[] = { FP_PATH_RECORDED, FP_PATH_TRACED, FP_PATH_ROUTED,
						  FP_PATH_EXPECTED };

	printf("paths:");
	for (unsigned k = 0; k < 4; k++)
		printf("%s %u %s", k ? "," : "", a->paths[order[k]], fp_path_src_name(order[k]));
	printf("\n");
}

/* the verdict abstains: links crossed by too few flows to tell, and with --plan the pairs */
static void text_thin(const struct fp_topo *t, const struct fp_analysis *a, bool plan,
		      struct fp_router *r)
{
	char ln[200];

	printf("fabprobe analyze: insufficient coverage for");
	for (unsigned k = 0; k < a->nthin; k++) {
		fp_link_name(t, a->thin[k], ln, sizeof(ln));
		printf("%s %s", k ? "," : "", ln);
	}
	if (a->thin_more)
		printf(" and %u more link%s (not listed)", a->thin_more,
		       a->thin_more > 1 ? "s" : "");
	printf(": their bad flows are unlikely for noise but too few to name a suspect; "
	       "%s\n",
	       plan ? "run the pairs below to cover them"
		    : "--plan gives the pairs that cover them");
	for (unsigned k = 0; plan && k < a->nthin; k++) {
		int pa[8], pb[8];
		double pr[8];
		int np = fp_analyze_cover_plan(r, a->thin[k], pa, pb, pr, 8);

		fp_link_name(t, a->thin[k], ln, sizeof(ln));
		printf("   plan: pairs crossing %s:", ln);
		for (int j = 0; j < np; j++)
			printf(" %s->%s (%.0f%%)", t->nodes[pa[j]].name, t->nodes[pb[j]].name,
			       100 * pr[j]);
		printf("\n");
	}
}

/*
 * A verdict without suspects holds for the links this run tested only: those it could not
 * (fp_analyze_untested) are counted, the first listed, and with --plan the pairs that
 * would cross them.
 */
#define AN_UNTESTED_LISTED 8
static void text_untested(struct fp_verdict *v, const unsigned char *un, int nun, bool plan)
{
	const struct fp_topo *t = &v->t;
	char ln[200];
	unsigned k = 0;

	if (nun <= 0)
		return;
	printf("untested: %d of %u links: had one lost %.0f%% of its rate, too few of its flows "
	       "would have slowed beyond the noise to name it (held back elsewhere, or too few "
	       "crossed it):",
	       nun, t->nlinks, 100 * (1 - FP_UNTESTED_AT));
	for (unsigned l = 0; l < t->nlinks && k < AN_UNTESTED_LISTED; l++)
		if (un[l]) {
			fp_link_name(t, (int)l, ln, sizeof(ln));
			printf("%s %s", k++ ? "," : "", ln);
		}
	if (nun > (int)k)
		printf(" and %d more (--format json lists them all)", nun - (int)k);
	printf("; %s\n", plan ? "the pairs below would cross them"
			      : "--plan gives the pairs that would cross them");
	for (unsigned l = 0, m = 0; plan && l < t->nlinks && m < k; l++) {
		int pa[8], pb[8];
		double pr[8];
		int np;

		if (!un[l])
			continue;
		m++;
		np = fp_analyze_cover_plan(&v->r, (int)l, pa, pb, pr, 8);
		fp_link_name(t, (int)l, ln, sizeof(ln));
		printf("   plan: pairs crossing %s:", ln);
		for (int j = 0; j < np; j++)
			printf(" %s->%s (%.0f%%)", t->nodes[pa[j]].name, t->nodes[pb[j]].name,
			       100 * pr[j]);
		printf("\n");
	}
}

static void report_text(struct fp_emit *e, struct fp_verdict *v, bool plan, const unsigned char *un,
			int nun)
{
	const struct fp_topo *t = &v->t;
	const struct fp_analysis *a = &v->a;
	enum an_verdict vd = verdict_of(v);
	unsigned nruns = v->nruns;
	char act[300];

	if (vd == V_COVERAGE) {
		text_thin(t, a, plan, &v->r);
		paths_text(a);
		emit_physical(t, a, e);
		return;
	}
	if (vd != V_SUSPECTS) {
		printf("fabprobe analyze: %s: %u flows in %u run%s measured within the noise "
		       "(%.1f%%) of what the topology predicts%s\n",
		       verdict_word[vd], a->nobs, nruns, nruns > 1 ? "s" : "", 100 * a->sigma,
		       vd == V_FINDINGS ? ", but the evidence below is not clean" : "");
		if (a->nbad)
			printf("%u below %.0f%% of predicted, but no link or host holds more of "
			       "them than noise would (%u links, %u hosts tested; noise slows "
			       "%.2f%% of flows)\n",
			       a->nbad, 100 * a->threshold, a->links_tested, a->hosts_tested,
			       100 * a->p0);
		text_untested(v, un, nun, plan);
		paths_text(a);
		emit_physical(t, a, e);
		return;
	}
	printf("fabprobe analyze: %u suspect%s, from %u flows in %u run%s: %u below %.0f%% of "
	       "predicted (noise %.1f%%, baseline %.0f%% of predicted)\n",
	       a->n + a->more, a->n + a->more > 1 ? "s" : "", a->nobs, nruns, nruns > 1 ? "s" : "",
	       a->nbad, 100 * a->threshold, 100 * a->sigma, 100 * a->calib);
	if (a->nlossy > a->nretx)
		printf("%u of the bad flows lost frames (more than %.3g%% of those sent, 3x the "
		       "run's "
		       "median); a lossy link's fitted health is not its capacity\n",
		       a->nlossy - a->nretx, 100 * a->loss_threshold);
	if (a->nretx)
		printf("%u of the bad flows resent more TCP segments than congestion explains "
		       "(over %.3g%% of those sent; the run's baseline %.3g%%); a lossy link's "
		       "fitted health is not its capacity\n",
		       a->nretx, 100 * a->retx_threshold, 100 * a->retx_base);
	paths_text(a);
	if (a->nfailed)
		printf("%u flows could not connect or stalled (failed_flows of the runs that "
		       "failed)\n",
		       a->nfailed);
	printf("\n");
	for (unsigned i = 0; i < a->n; i++) {
		const struct fp_suspect *s = &a->s[i];

		suspect_action(t, s, act, sizeof(act));
		if (s->host)
			text_host(t, s, i);
		else
			text_link(t, s, i);
		printf("   action: %s\n\n", act);
		if (plan && s->cable >= 0)
			printf("   plan: fabprobe run pairs --np 2 on %s over its own port (a "
			       "loopback "
			       "through its NIC, not its cable): slow there is the host, else the "
			       "cable; --fabric-counters on the cable's switch port shows its "
			       "errors\n\n",
			       t->nodes[s->node].name);
		if (plan && !s->host)
			for (unsigned k = 0; k < s->ntwins; k++) {
				int pa[10], pb[10];
				unsigned np =
					fp_analyze_plan(&v->r, s->link, s->twins[k], pa, pb, 10);

				printf("   plan: run these pairs to separate it from #%d:",
				       s->twins[k]);
				for (unsigned j = 0; j < np; j++)
					printf(" %s->%s", t->nodes[pa[j]].name,
					       t->nodes[pb[j]].name);
				printf("\n\n");
			}
	}
	if (a->more)
		printf("... and %u more suspect%s, not listed: the list holds the first %u "
		       "found\n\n",
		       a->more, a->more > 1 ? "s" : "", a->n);
	if (a->down_explained)
		printf("%u suspect%s of the rates not named: every slow flow of %s crossed a "
		       "link that took a down link's traffic (congestion from the reroute)\n\n",
		       a->down_explained, a->down_explained > 1 ? "s" : "",
		       a->down_explained > 1 ? "each" : "it");
	emit_physical(t, a, e);
}

static void report_json(struct fp_emit *e, const struct fp_verdict *v, const unsigned char *un,
			int nun)
{
	const struct fp_topo *t = &v->t;
	const struct fp_analysis *a = &v->a;
	const struct fp_findings *fs = &v->fs;
	struct fp_json *j = &e->j;
	char ln[200], act[300], rl[400];

	fp_json_obj(j, NULL);
	fp_json_u64(j, "schema_version", 1);
	fp_json_str(j, "verdict", verdict_word[verdict_of(v)]);
	fp_json_u64(j, "runs", v->nruns);
	fp_json_u64(j, "flows", a->nobs);
	fp_json_u64(j, "bad_flows", a->nbad);
	fp_json_u64(j, "failed_flows", a->nfailed);
	fp_json_u64(j, "lossy_flows", a->nlossy);
	fp_json_u64(j, "retransmitting_flows", a->nretx);
	fp_json_num(j, "retrans_baseline", a->retx_base);
	fp_json_num(j, "retrans_threshold", a->retx_threshold);
	fp_json_u64(j, "suspects_total", a->n + a->more);
	fp_json_u64(j, "suspects_not_listed", a->more);
	fp_json_u64(j, "suspects_explained_by_down", a->down_explained);
	fp_json_num(j, "noise", a->sigma);
	fp_json_num(j, "baseline", a->calib);
	fp_json_num(j, "threshold", a->threshold);
	fp_json_u64(j, "soak_degraded", v->soak_degraded);
	fp_json_num(j, "noise_bad_share", a->p0);
	fp_json_u64(j, "links_tested", a->links_tested);
	fp_json_u64(j, "hosts_tested", a->hosts_tested);
	fp_json_obj(j, "paths");
	for (unsigned k = 0; k < FP_PATH_NSRC; k++)
		fp_json_u64(j, fp_path_src_name((enum fp_path_src)k), a->paths[k]);
	fp_json_end(j);
	emit_findings(t, fs, e);
	fp_json_u64(j, "inventory_findings_not_listed", fs->more);
	emit_physical(t, a, e);
	fp_json_arr(j, "insufficient_coverage");
	for (unsigned k = 0; k < a->nthin; k++) {
		fp_link_name(t, a->thin[k], ln, sizeof(ln));
		fp_json_str(j, NULL, ln);
	}
	fp_json_end(j);
	fp_json_u64(j, "insufficient_coverage_not_listed", a->thin_more);
	if (nun >= 0) { /* computed where no suspect is named: every untested link */
		fp_json_num(j, "untested_at", FP_UNTESTED_AT);
		fp_json_u64(j, "untested_count", (uint64_t)nun);
		fp_json_arr(j, "untested");
		for (unsigned l = 0; l < t->nlinks; l++)
			if (un[l]) {
				fp_json_obj(j, NULL);
				fp_json_u64(j, "link", l);
				fp_link_name(t, (int)l, ln, sizeof(ln));
				fp_json_str(j, "ports", ln);
				fp_json_end(j);
			}
		fp_json_end(j);
	}
	fp_json_arr(j, "suspects");
	for (unsigned i = 0; i < a->n; i++) {
		const struct fp_suspect *s = &a->s[i];
		const struct fp_link *l = &t->links[s->link];

		fp_json_obj(j, NULL);
		fp_json_u64(j, "rank", i + 1);
		fp_json_str(j, "kind", s->host ? "host" : "link");
		fp_json_str(j, "state", s->down ? "down" : s->blackhole ? "blackhole" : "up");
		if (s->blackhole)
			fp_json_u64(j, "failed_flows", s->bad);
		if (s->down)
			fp_json_num(j, "expected_flows", s->expected);
		if (s->host)
			fp_json_str(j, "host",
				    s->server ? t->nodes[s->node].id.host : t->nodes[s->node].name);
		if (s->server) {
			fp_json_arr(j, "nics");
			for (unsigned k = 0; k < t->nnodes; k++)
				if (t->nodes[k].kind == FP_HOST &&
				    !strcmp(t->nodes[k].id.host, t->nodes[s->node].id.host))
					fp_json_str(j, NULL, t->nodes[k].name);
			fp_json_end(j);
		}
		fp_json_i64(j, "link", s->link);
		fp_topo_link_spec(t, (unsigned)s->link, ln, sizeof(ln));
		fp_json_str(j, "link_name", ln);
		fp_json_str(j, "a", t->nodes[l->a].name);
		fp_json_str(j, "a_port", l->pa);
		fp_json_str(j, "b", t->nodes[l->b].name);
		fp_json_str(j, "b_port", l->pb);
		fp_json_str(j, "media", fp_media_name(l->media));
		fp_json_num(j, "length_m", l->length_m);
		fp_json_num(j, "confidence", s->confidence);
		fp_json_num(j, "health", s->health);
		fp_json_num(j, "bad_share", s->votes);
		fp_json_u64(j, "bad_flows", s->bad);
		fp_json_u64(j, "flows", s->total);
		fp_link_rules(l, rl, sizeof(rl));
		if (rl[0])
			fp_json_str(j, "physical", rl);
		fp_json_arr(j, "ambiguous_with");
		for (unsigned k = 0; k < s->ntwins; k++) {
			fp_link_name(t, s->twins[k], ln, sizeof(ln));
			fp_json_str(j, NULL, ln);
		}
		if (s->cable >= 0) {
			fp_link_name(t, s->cable, ln, sizeof(ln));
			fp_json_str(j, NULL, ln);
		}
		fp_json_end(j);
		fp_json_u64(j, "ambiguous_not_listed", s->twins_more);
		if (s->cable >= 0)
			fp_json_i64(j, "ambiguous_link", s->cable);
		suspect_action(t, s, act, sizeof(act));
		fp_json_str(j, "action", act);
		fp_json_end(j);
	}
	fp_json_end(j);
	fp_json_end(j);
}

static void write_dot(const struct fp_verdict *v, const char *path)
{
	const struct fp_analysis *a = &v->a;
	bool *rl = calloc(v->t.nlinks + 1, sizeof(bool)),
	     *rn = calloc(v->t.nnodes + 1, sizeof(bool));
	struct fp_afile f;

	if (rl && rn && !fp_afile_open(&f, path)) {
		for (unsigned i = 0; i < a->n; i++) {
			if (a->s[i].host)
				rn[a->s[i].node] = true;
			else
				rl[a->s[i].link] = true;
		}
		fp_topo_write_dot(&v->t, f.f, rl, rn);
		if (fp_afile_commit(&f))
			fprintf(stderr, "fabprobe analyze: cannot write %s\n", path);
	} else {
		fprintf(stderr, "fabprobe analyze: cannot write %s\n", path);
	}
	free(rl);
	free(rn);
}

/* every flow's measured and predicted rate, and the first suspect it crosses */
static int write_flows(const struct fp_verdict *v, const char *path)
{
	const struct fp_analysis *a = &v->a;
	struct fp_afile f;

	if (fp_afile_open(&f, path))
		return -EIO;
	fprintf(f.f, "run,round,src,dst,measured_Gbps,predicted_Gbps,ratio,bad,suspect\n");
	for (unsigned i = 0; i < v->ob.n; i++) {
		const struct fp_obs *o = &v->ob.o[i];
		unsigned sus = 0;

		for (unsigned k = 0; k < a->n && !sus; k++)
			for (unsigned q = 0; q < o->np && !sus; q++)
				if ((int)o->link[q] == a->s[k].link && o->prob[q] >= 0.5)
					sus = k + 1;
		fprintf(f.f, "%u,%u,", o->run, o->round);
		fp_csv_field(f.f, v->t.nodes[o->src].name);
		fputc(',', f.f);
		fp_csv_field(f.f, v->t.nodes[o->dst].name);
		fprintf(f.f, ",%.6g,%.6g,%.4f,%d,%u\n", o->meas, o->pred, o->q, o->bad, sus);
	}
	return fp_afile_commit(&f);
}

int fp_cmd_analyze(int argc, char **argv)
{
	struct fp_verdict *v = NULL; /* 20 KB of findings: on the heap */
	struct fp_verdict_opts vo = { 0 };
	struct fp_emit e;
	struct an_cfg c;
	const char *pos[256];
	char err[512];
	int np = 0, status = 2, nun = -1;
	unsigned char *un = NULL; /* links this run could not have named */

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fabprobe analyze --topology FILE RESULT_DIR...\n\n"
			       "Names the links and hosts that explain the slow flows. Exit 0 "
			       "clean, 1 suspects, 2 bad input.\n\noptions:\n");
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
	if (np == 1 && fp_lul_is_classes(pos[0])) {
		status =
			fp_lul_analyze(c.topology, pos[0], c.format == 1, stdout, err, sizeof(err));
		if (status == 2)
			fprintf(stderr, "fabprobe analyze: %s\n", err);
		return status;
	}
	v = malloc(sizeof(*v));
	if (!v) {
		fprintf(stderr, "fabprobe analyze: out of memory\n");
		return 2;
	}
	vo = (struct fp_verdict_opts){ .topology = c.topology,
				       .dirs = pos,
				       .ndirs = np,
				       .inventory = c.inventory,
				       .samples = (unsigned)c.samples,
				       .map = c.map,
				       .routes = c.routes };
	if (fp_verdict_build(v, &vo, err, sizeof(err))) {
		fprintf(stderr, "fabprobe analyze: %s\n", err);
		goto out;
	}
	if (!v->named)
		fprintf(stderr, "fabprobe analyze: --map order: rank k is taken to be the "
				"topology's k-th host\n");
	/* a verdict without suspects says which links it could not have named */
	if (verdict_of(v) == V_CLEAN || verdict_of(v) == V_FINDINGS) {
		un = calloc(v->t.nlinks ? v->t.nlinks : 1, 1);
		nun = un ? fp_analyze_untested(&v->r, v->ob.o, v->ob.n, &v->a, FP_UNTESTED_AT, un)
			 : -ENOMEM;
		if (nun < 0) {
			fprintf(stderr, "fabprobe analyze: out of memory\n");
			goto out;
		}
	}
	fp_emit_init(&e, stdout, c.format == 1);
	if (c.format == 1) {
		report_json(&e, v, un, nun);
	} else {
		report_text(&e, v, c.plan, un, nun);
		emit_findings(&v->t, &v->fs, &e);
		if (v->soak_degraded)
			printf("soak: %u flow(s) or port(s) degraded over time (run.json "
			       "\"degraded\", with the evidence)\n",
			       v->soak_degraded);
	}
	if (c.dot)
		write_dot(v, c.dot);
	if (c.flows && write_flows(v, c.flows)) {
		fprintf(stderr, "fabprobe analyze: cannot write %s\n", c.flows);
		goto out;
	}
	status = verdict_of(v) != V_CLEAN;
out:
	free(un);
	fp_verdict_destroy(v);
	free(v);
	return status;
}
