// SPDX-License-Identifier: MIT
/*
 * Naming a link (issue 16): "#i", "a-b" (refused, listing them, when parallel links make it
 * ambiguous) and "a:port-b:port", either end first, with node names that hold '-'; every
 * name fp_topo_link_spec() prints resolves back to its link; sim's --faults takes all forms.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../benches/simrun.h"
#include "../../fabric/model/topo.h"
#include "t.h"

/*
 * h0 - leaf0 = spine0 (two parallel links, ports p1 and p2), and two nodes whose names
 * make "a-b-c" mean two different links: "a-b" <-> "c" and "a" <-> "b-c".
 */
static void fabric(struct fp_topo *t)
{
	const char *names[] = { "h0", "leaf0", "spine0", "a-b", "c", "a", "b-c" };
	int n[7];

	fp_topo_init(t);
	for (int i = 0; i < 7; i++)
		n[i] = fp_topo_add_node(t, names[i], i ? FP_SWITCH : FP_HOST, i == 2 ? 2 : 1);
	fp_topo_add_link(t, n[0], "1", n[1], "1", 100, FP_MEDIA_DAC);	/* #0 */
	fp_topo_add_link(t, n[1], "p1", n[2], "p1", 100, FP_MEDIA_AOC); /* #1 */
	fp_topo_add_link(t, n[1], "p2", n[2], "p2", 100, FP_MEDIA_AOC); /* #2 */
	fp_topo_add_link(t, n[3], "1", n[4], "2", 100, FP_MEDIA_AOC);	/* #3 */
	fp_topo_add_link(t, n[5], "1", n[6], "2", 100, FP_MEDIA_AOC);	/* #4 */
	fp_topo_index(t);
}

static void test_forms(void)
{
	struct fp_topo t;
	char err[512] = "";

	fabric(&t);
	CHECK(fp_topo_link_find(&t, "#2", err, sizeof(err)) == 2, "#2: %s", err);
	CHECK(fp_topo_link_find(&t, "#5", err, sizeof(err)) == -ENOENT && strstr(err, "#0 to #4"),
	      "#5 is past the end: '%s'", err);
	CHECK(fp_topo_link_find(&t, "#1x", err, sizeof(err)) == -ENOENT, "#1x is no index");
	CHECK(fp_topo_link_find(&t, "h0-leaf0", err, sizeof(err)) == 0 &&
		      fp_topo_link_find(&t, "leaf0-h0", err, sizeof(err)) == 0,
	      "a-b, either end first: %s", err);
	CHECK(fp_topo_link_find(&t, "leaf0:p2-spine0:p2", err, sizeof(err)) == 2 &&
		      fp_topo_link_find(&t, "spine0:p1-leaf0:p1", err, sizeof(err)) == 1,
	      "a:port-b:port picks one of parallel links: %s", err);
	CHECK(fp_topo_link_find(&t, "leaf0:p1-spine0:p2", err, sizeof(err)) == -ENOENT,
	      "ports that no one cable joins");
	CHECK(fp_topo_link_find(&t, "leaf0-spine0", err, sizeof(err)) == -EEXIST &&
		      strstr(err, "2 parallel links: #1 leaf0:p1-spine0:p1, #2 leaf0:p2-spine0:p2"),
	      "parallel links: refused, listing them: '%s'", err);
	CHECK(fp_topo_link_find(&t, "a-b-c", err, sizeof(err)) == -EEXIST &&
		      strstr(err, "#3 a-b:1-c:2") && strstr(err, "#4 a:1-b-c:2"),
	      "names with '-': both readings are listed: '%s'", err);
	CHECK(fp_topo_link_find(&t, "a-b:1-c:2", err, sizeof(err)) == 3 &&
		      fp_topo_link_find(&t, "b-c:2-a:1", err, sizeof(err)) == 4,
	      "ports tell them apart: %s", err);
	CHECK(fp_topo_link_find(&t, "h0-spine0", err, sizeof(err)) == -ENOENT &&
		      strstr(err, "no link 'h0-spine0'"),
	      "no such link: '%s'", err);
	CHECK(fp_topo_link_find(&t, "", NULL, 0) == -ENOENT, "empty text, no message buffer");
	fp_topo_destroy(&t);
}

/* what analyze and topo link print is what --faults and the lab take back */
static void test_round_trip(void)
{
	struct fp_gen_opts o = { .leaves = 3,
				 .spines = 2,
				 .uplinks = 2,
				 .hosts_per_leaf = 2,
				 .host_gbps = 100,
				 .fabric_gbps = 100,
				 .lanes = 4 };
	struct fp_topo t;
	char err[512] = "", spec[256];
	unsigned ok = 0;

	fp_topo_init(&t);
	CHECK(!fp_gen_leaf_spine(&t, &o, err, sizeof(err)), "gen: %s", err);
	for (unsigned i = 0; i < t.nlinks; i++) {
		fp_topo_link_spec(&t, i, spec, sizeof(spec));
		ok += fp_topo_link_find(&t, spec, err, sizeof(err)) == (int)i;
	}
	CHECK(t.nlinks == 18 && ok == t.nlinks, "%u of %u names resolve back", ok, t.nlinks);
	fp_topo_destroy(&t);
}

static void test_faults(void)
{
	struct fp_fault f[4];
	struct fp_topo t;
	char err[512] = "";
	unsigned n = 0;

	fabric(&t);
	CHECK(!fp_faults_parse(&t,
			       "down:leaf0:p2-spine0:p2,degrade:spine0:p1-leaf0:p1:0.25,"
			       "loss:h0-leaf0:0.01",
			       f, 4, &n, err, sizeof(err)) &&
		      n == 3 && f[0].link == 2 && f[0].kind == FP_FAULT_DOWN && f[1].link == 1 &&
		      f[1].value == 0.25 && f[2].link == 0,
	      "--faults with a:port-b:port and a-b: %s", err);
	CHECK(fp_faults_parse(&t, "down:#4", f, 4, &n, err, sizeof(err)) == 0 && f[0].link == 4,
	      "--faults with #i: %s", err);
	CHECK(fp_faults_parse(&t, "degrade:leaf0-spine0:0.5", f, 4, &n, err, sizeof(err)) ==
			      -EINVAL &&
		      strstr(err, "ambiguous") && strstr(err, "#2 leaf0:p2-spine0:p2"),
	      "--faults never picks one of parallel links: '%s'", err);
	fp_topo_destroy(&t);
}

int main(void)
{
	test_forms();
	test_round_trip();
	test_faults();
	return t_done("topo_link");
}
