// SPDX-License-Identifier: MIT
/*
 * Where each flow's path comes from (issue 17, item 3): the reader marks it recorded
 * (run.json's "path"), traced (paths.json, with or without "source": "traced", at the top
 * or per flow) or expected; the join carries it into each observation; the analysis counts
 * them, and a link named from expected paths alone has half the confidence of the same
 * link named from known paths.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../benches/result_obs.h"
#include "../../benches/simrun.h"
#include "t.h"

/* h0 -> h2 (round 0) and h1 -> h3 (round 1), on the leaf-spine below; path: "" or a list */
static int run_text(char *buf, size_t len, const char *path0)
{
	return snprintf(
		buf, len,
		"{\"schema_version\": 1, \"world_size\": 4, \"pattern\": \"pairs\", "
		"\"status\": \"complete\", \"complete\": true, \"simulated\": true, "
		"\"hosts\": [{\"rank\": 0, \"hostname\": \"h0\"}, {\"rank\": 1, \"hostname\": "
		"\"h1\"}, {\"rank\": 2, \"hostname\": \"h2\"}, {\"rank\": 3, \"hostname\": "
		"\"h3\"}], \"schedule\": {\"rounds\": 2, \"flows\": 2}, \"results\": [{\"size\": "
		"65536, \"bandwidth\": {\"aggregate_Gbps\": 1}, \"flows\": [{\"round\": 0, "
		"\"flow\": 0, \"src\": 0, \"dst\": 2, \"avg_Gbps\": 0.1%s%s}, {\"round\": 1, "
		"\"flow\": 1, \"src\": 1, \"dst\": 3, \"avg_Gbps\": 0.1%s%s}]}]}",
		path0[0] ? ", \"path\": " : "", path0, path0[0] ? ", \"path\": " : "",
		path0[0] ? path0 + strlen(path0) + 1 : "");
}

struct fab {
	struct fp_topo t;
	struct fp_router r;
	struct fp_sim_net net;
};

static void fab_init(struct fab *f)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 2,
				 .leaves = 2,
				 .spines = 2,
				 .host_gbps = 0.1,
				 .fabric_gbps = 0.1,
				 .lanes = 1 };
	char err[256];

	fp_topo_init(&f->t);
	if (fp_gen_leaf_spine(&f->t, &g, err, sizeof(err)) || fp_router_init(&f->r, &f->t) ||
	    fp_sim_net_init(&f->net, &f->t, NULL, 0, 10)) {
		fprintf(stderr, "setup: %s\n", err);
		exit(1);
	}
}

/* parse, join, and count the observations by path source; -EINVAL etc. from the reader */
static int observe(struct fab *f, const char *run, const char *paths, unsigned *by_src,
		   unsigned char *src0, char *err, size_t el)
{
	struct fp_obs_buf ob = { 0 };
	struct fp_result res;
	bool named;
	int ret = fp_result_parse("t", run, strlen(run), paths, paths ? strlen(paths) : 0, &f->t,
				  &res, err, el);

	if (ret)
		return ret;
	*src0 = res.sizes[0].flows[0].source;
	ret = fp_result_observe(&res, 0, &f->t, &f->r, &f->net, 2, NULL, &ob, &named, err, el);
	memset(by_src, 0, sizeof(*by_src) * FP_PATH_NSRC);
	for (unsigned i = 0; !ret && i < ob.n; i++)
		by_src[ob.o[i].path_src]++;
	fp_obs_buf_free(&ob);
	fp_result_free(&res);
	return ret;
}

static void test_sources(void)
{
	static const char *const traced[] = {
		"{\"flows\": {\"0\": [\"h0\", \"leaf0\", \"spine1\", \"leaf1\", \"h2\"], "
		"\"1\": [\"h1\", \"leaf0\", \"spine0\", \"leaf1\", \"h3\"]}}",
		"{\"source\": \"traced\", \"flows\": {\"0\": [\"h0\", \"leaf0\", \"spine1\", "
		"\"leaf1\", \"h2\"], \"1\": [\"h1\", \"leaf0\", \"spine0\", \"leaf1\", \"h3\"]}}",
		"{\"flows\": {\"1\": {\"source\": \"traced\", \"path\": [\"h1\", \"leaf0\", "
		"\"spine0\", \"leaf1\", \"h3\"]}, \"0\": {\"path\": [\"h0\", \"leaf0\", "
		"\"spine1\", \"leaf1\", \"h2\"], \"source\": \"traced\"}}}",
	};
	char run[2048], rec[128], err[512];
	unsigned by[FP_PATH_NSRC];
	unsigned char s0 = 99;
	struct fab f;
	int ret;

	fab_init(&f);
	run_text(run, sizeof(run), "");
	ret = observe(&f, run, NULL, by, &s0, err, sizeof(err));
	CHECK(!ret && s0 == FP_PATH_EXPECTED && by[FP_PATH_EXPECTED] == 2, "no paths: %s", err);
	for (unsigned k = 0; k < 3; k++) {
		ret = observe(&f, run, traced[k], by, &s0, err, sizeof(err));
		CHECK(!ret && s0 == FP_PATH_TRACED && by[FP_PATH_TRACED] == 2 &&
			      by[FP_PATH_EXPECTED] == 0,
		      "paths.json form %u: ret %d, %s", k, ret, err);
	}
	/* recorded: the links h0-leaf0, leaf0-spine0, spine0-leaf1, leaf1-h2 by index */
	snprintf(rec, sizeof(rec), "[%d, %d, %d, %d]%c[%d, %d, %d, %d]",
		 fp_link_lookup(&f.t, "h0-leaf0"), fp_link_lookup(&f.t, "leaf0-spine0"),
		 fp_link_lookup(&f.t, "spine0-leaf1"), fp_link_lookup(&f.t, "leaf1-h2"), 0,
		 fp_link_lookup(&f.t, "h1-leaf0"), fp_link_lookup(&f.t, "leaf0-spine1"),
		 fp_link_lookup(&f.t, "spine1-leaf1"), fp_link_lookup(&f.t, "leaf1-h3"));
	run_text(run, sizeof(run), rec);
	ret = observe(&f, run, NULL, by, &s0, err, sizeof(err));
	CHECK(!ret && s0 == FP_PATH_RECORDED && by[FP_PATH_RECORDED] == 2, "recorded: %s", err);
	/* a source that is not "traced" is refused, at the top or per flow */
	run_text(run, sizeof(run), "");
	ret = observe(&f, run,
		      "{\"source\": \"routed\", \"flows\": {\"0\": [\"h0\", \"leaf0\", "
		      "\"spine1\", \"leaf1\", \"h2\"]}}",
		      by, &s0, err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "'source' is not \"traced\""), "top: %d %s", ret, err);
	ret = observe(&f, run, "{\"flows\": {\"0\": {\"source\": 7, \"path\": [\"h0\"]}}}", by, &s0,
		      err, sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "flow 0: field 'source'"), "flow: %d %s", ret, err);
	ret = observe(&f, run, "{\"flows\": {\"0\": {\"source\": \"traced\"}}}", by, &s0, err,
		      sizeof(err));
	CHECK(ret == -EINVAL && strstr(err, "not a list"), "no path: %d %s", ret, err);
	ret = observe(&f, run, "{\"flows\": {\"0\": [\"h0\"], \"0\": [\"h0\"]}}", by, &s0, err,
		      sizeof(err));
	CHECK(ret == -EINVAL, "a flow traced twice: %s", err);
	fp_sim_net_destroy(&f.net);
	fp_router_destroy(&f.r);
	fp_topo_destroy(&f.t);
}

/*
 * Every host pair over one leaf-spine link each, the flows over `bad` slow: named with
 * paths known, its confidence halves when every path is only expected (same P, same q).
 */
static void test_weight(void)
{
	struct fab f;
	struct fp_obs o[64];
	unsigned lk[64][3];
	double pr[64][3];
	struct fp_analysis a[2];
	int bad;
	unsigned n = 0;

	fab_init(&f);
	bad = fp_link_lookup(&f.t, "leaf0-spine1");
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			char hi[8], hj[8], up[32];
			int li = i / 2, lj = j / 2, sp = (i + j) % 2;

			if (li == lj)
				continue;
			snprintf(hi, sizeof(hi), "h%d", i);
			snprintf(hj, sizeof(hj), "h%d", j);
			for (int rep = 0; rep < 4; rep++) {
				snprintf(up, sizeof(up), "leaf%d-spine%d", li, sp);
				lk[n][0] = (unsigned)fp_link_lookup(&f.t, up);
				snprintf(up, sizeof(up), "spine%d-leaf%d", sp, lj);
				lk[n][1] = (unsigned)fp_link_lookup(&f.t, up);
				lk[n][2] = (unsigned)fp_link_lookup(&f.t, "h0-leaf0");
				pr[n][0] = pr[n][1] = 1;
				o[n] = (struct fp_obs){ .src = fp_topo_find(&f.t, hi),
							.dst = fp_topo_find(&f.t, hj),
							.pred = 1,
							.np = 2,
							.link = lk[n],
							.prob = pr[n] };
				o[n].meas = (int)lk[n][0] == bad || (int)lk[n][1] == bad ? 0.4 : 1;
				n++;
			}
		}
	for (int k = 0; k < 2; k++) {
		for (unsigned i = 0; i < n; i++)
			o[i].path_src = k ? FP_PATH_EXPECTED : FP_PATH_TRACED;
		CHECK(!fp_analyze(&f.t, o, n, &a[k]), "analyze");
		CHECK(a[k].paths[k ? FP_PATH_EXPECTED : FP_PATH_TRACED] == n, "counted by source");
		CHECK(a[k].n >= 1 && !a[k].s[0].host && a[k].s[0].link == bad,
		      "%s paths: the slow link first (%u suspects)", k ? "expected" : "traced",
		      a[k].n);
	}
	CHECK(a[0].n && a[1].n && fabs(a[1].s[0].confidence - a[0].s[0].confidence / 2) < 1e-9,
	      "expected paths halve the confidence: %.3f vs %.3f", a[1].s[0].confidence,
	      a[0].s[0].confidence);
	CHECK(!strcmp(fp_path_src_name(FP_PATH_ROUTED), "routed") &&
		      !strcmp(fp_path_src_name(FP_PATH_EXPECTED), "expected"),
	      "names");
	fp_sim_net_destroy(&f.net);
	fp_router_destroy(&f.r);
	fp_topo_destroy(&f.t);
}

/* permutation rounds can draw one pair twice: the same flow id in two rounds is read */
static void test_repeated_pair(void)
{
	const char *run = "{\"world_size\": 2, \"schedule\": {\"flows\": 1, \"rounds\": 2}, "
			  "\"hosts\": [{}, {}], \"results\": [{\"size\": 8, \"flows\": ["
			  "{\"src\": 0, \"dst\": 1, \"round\": 0, \"flow\": 0}, "
			  "{\"src\": 0, \"dst\": 1, \"round\": 1, \"flow\": 0}, "
			  "{\"src\": 0, \"dst\": 1, \"round\": 1, \"flow\": 0}]}]}";
	struct fp_result res;
	char err[512] = "";
	int ret = fp_result_parse("t", run, strlen(run), NULL, 0, NULL, &res, err, sizeof(err));

	CHECK(ret == -EINVAL && strstr(err, "flow 0 has two records in round 1"), "%d %s", ret,
	      err);
	/* without the third record: one pair in two rounds */
	char *two = strdup(run), *cut = strstr(two, ", {\"src\": 0, \"dst\": 1, \"round\": 1");

	cut = strstr(cut + 1, ", {\"src\"");
	memmove(cut, "]}]}", 5);
	ret = fp_result_parse("t", two, strlen(two), NULL, 0, NULL, &res, err, sizeof(err));
	CHECK(!ret && res.sizes[0].nflows == 2, "one pair in two rounds: %d %s", ret, err);
	if (!ret)
		fp_result_free(&res);
	free(two);
}

int main(void)
{
	test_repeated_pair();
	test_sources();
	test_weight();
	return t_done("analyze_paths");
}
