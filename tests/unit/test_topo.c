// SPDX-License-Identifier: MIT
/*
 * Topology model, loaders, importers, the format registry, the port index, checks and
 * stats. The simulator has its own test (test_sim.c).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/model/topo.h"
#include "../../fabric/model/topo_format.h"
#include "t.h"

static const char *srcdir = FP_SRCDIR;

static int load_text(struct fp_topo *t, const char *yaml, char *err)
{
	return fp_topo_load_yaml(t, yaml, strlen(yaml), "t.yaml", err, 256);
}

static void test_yaml(void)
{
	struct fp_topo t, u;
	char err[256];
	FILE *f;
	char *buf;
	size_t len;

	fp_topo_init(&t);
	CHECK(!load_text(&t,
			 "fabprobe_topology: 1\nname: x\nnodes:\n - {name: a}\n - {name: s, kind: "
			 "switch}\n"
			 "links:\n - {a: a, b: 's:p1', gbps: 100, lanes: 4, media: dac, length_m: "
			 "2}\n",
			 err),
	      "load: %s", err);
	CHECK(t.nnodes == 2 && t.nlinks == 1 && t.links[0].lane_gbps == 25 &&
		      t.links[0].media == FP_MEDIA_DAC && !strcmp(t.links[0].pb, "p1"),
	      "fields");
	fp_topo_destroy(&t);
	CHECK(load_text(&t, "fabprobe_topology: 1\nnodes:\n - {name: a, colour: red}\n", err) &&
		      strstr(err, "t.yaml:3") && strstr(err, "colour"),
	      "unknown key with its line: %s", err);
	CHECK(load_text(&t,
			"fabprobe_topology: 1\nnodes:\n - {name: a}\nlinks:\n - {a: a, b: zz, "
			"gbps: 1}\n",
			err) &&
		      strstr(err, "zz"),
	      "undefined node: %s", err);
	CHECK(load_text(&t,
			"fabprobe_topology: 1\nnodes:\n - {name: a}\n - {name: b}\nlinks:\n - {a: "
			"a, b: b, gbps: -3}\n",
			err) &&
		      strstr(err, "outside"),
	      "bounds: %s", err);
	CHECK(load_text(&t, "nodes: []\n", err) && strstr(err, "fabprobe_topology"),
	      "no header: %s", err);
	CHECK(load_text(&t, "fabprobe_topology: 1\nnodes: [\n", err), "truncated: %s", err);
	CHECK(load_text(&t, "\"just a string\"", err), "not a mapping");
	CHECK(!load_text(&t,
			 "{\"fabprobe_topology\": 1, \"nodes\": [{\"name\": \"a\"}, {\"name\": "
			 "\"b\"}],"
			 " \"links\": [{\"a\": \"a:x\", \"b\": \"b:y\", \"gbps\": 10}]}",
			 err),
	      "JSON too: %s", err);
	fp_topo_destroy(&t);

	/* generator -> YAML -> loader: the same model */
	struct fp_gen_opts g = { .k = 4,
				 .host_gbps = 100,
				 .fabric_gbps = 100,
				 .lanes = 4,
				 .host_media = FP_MEDIA_DAC,
				 .fabric_media = FP_MEDIA_AOC,
				 .host_len_m = 2,
				 .fabric_len_m = 30 };

	CHECK(!fp_gen_fat_tree(&t, &g, err, sizeof(err)), "fat-tree");
	CHECK(t.nnodes == 16 + 20 && t.nlinks == 48, "k=4: %u nodes %u links", t.nnodes, t.nlinks);
	f = open_memstream(&buf, &len);
	fp_topo_write_yaml(&t, f);
	fclose(f);
	fp_topo_init(&u);
	CHECK(!fp_topo_load_yaml(&u, buf, len, "rt", err, sizeof(err)), "reload: %s", err);
	CHECK(u.nnodes == t.nnodes && u.nlinks == t.nlinks, "round trip counts");
	for (unsigned i = 0; i < t.nlinks && i < u.nlinks; i++)
		CHECK(u.links[i].a == t.links[i].a && u.links[i].b == t.links[i].b &&
			      !strcmp(u.links[i].pa, t.links[i].pa) &&
			      u.links[i].media == t.links[i].media &&
			      u.links[i].length_m == t.links[i].length_m &&
			      u.links[i].gbps == t.links[i].gbps,
		      "link %u round trip", i);
	free(buf);
	fp_topo_destroy(&u);
	fp_topo_destroy(&t);
}

static void test_import(void)
{
	struct fp_topo t, u;
	char err[256], path[512], *text[2];
	size_t len[2];
	const char *files[2];
	char p1[512], p2[512];

	fp_topo_init(&t);
	snprintf(path, sizeof(path), "%s/tests/fixtures/ibnetdiscover.txt", srcdir);
	CHECK(!fp_topo_load(&t, path, err, sizeof(err)), "ibnetdiscover: %s", err);
	CHECK(t.nnodes == 5 && t.nlinks == 5, "ib: %u nodes, %u links", t.nnodes, t.nlinks);
	int leaf = fp_topo_find(&t, "leaf1"), n3 = fp_topo_find(&t, "node3_mlx5_0");

	CHECK(leaf >= 0 && t.nodes[leaf].kind == FP_SWITCH &&
		      !strcmp(t.nodes[leaf].id.guid, "0x0002c903007b8b10"),
	      "switch named from its description, with its GUID");
	CHECK(n3 >= 0 && t.nodes[n3].kind == FP_HOST, "CA is a host");
	for (unsigned i = 0; i < t.nlinks; i++) {
		const struct fp_link *l = &t.links[i];

		if (l->a == n3 || l->b == n3)
			CHECK(l->gbps == 400 && l->lanes == 4 && l->lane_gbps == 100,
			      "4xNDR = 400");
		if (!strcmp(l->pa, "40"))
			CHECK(l->trained_lanes == 2 && l->trained_gbps == 100 && l->gbps == 200,
			      "2xHDR among 4xHDR trained down");
	}
	/* the imported model round-trips through the native format */
	{
		char *buf;
		size_t blen;
		FILE *f = open_memstream(&buf, &blen);

		fp_topo_write_yaml(&t, f);
		fclose(f);
		fp_topo_init(&u);
		CHECK(!fp_topo_load_yaml(&u, buf, blen, "rt", err, sizeof(err)) &&
			      u.nlinks == t.nlinks &&
			      u.links[3].trained_lanes == t.links[3].trained_lanes,
		      "ib round trip: %s", err);
		fp_topo_destroy(&u);
		free(buf);
	}
	fp_topo_destroy(&t);

	snprintf(p1, sizeof(p1), "%s/tests/fixtures/host1.json", srcdir);
	snprintf(p2, sizeof(p2), "%s/tests/fixtures/host2.json", srcdir);
	files[0] = p1;
	files[1] = p2;
	CHECK(!fp_read_file(p1, 1 << 20, &text[0], &len[0], err, sizeof(err)) &&
		      !fp_read_file(p2, 1 << 20, &text[1], &len[1], err, sizeof(err)),
	      "read fixtures");
	CHECK(!fp_topo_load_lldp(&t, (const char *const *)text, len, 2, files, err, sizeof(err)),
	      "lldp: %s", err);
	CHECK(t.nnodes == 4 && t.nlinks == 3, "lldp: %u nodes %u links", t.nnodes, t.nlinks);
	CHECK(fp_topo_find(&t, "host1") >= 0 && fp_topo_find(&t, "leaf02") >= 0, "names");
	CHECK(t.links[0].gbps == 100 && t.links[0].media == FP_MEDIA_DAC &&
		      !strcmp(t.links[0].pb, "Ethernet0"),
	      "one neighbour as an object: 100GBASE-CR4 is 100 Gb/s copper");
	CHECK(t.links[1].gbps == 400 && t.links[1].media == FP_MEDIA_OPTIC,
	      "a list of neighbours, DR4 optic");
	fp_topo_destroy(&t);
	free(text[0]);
	free(text[1]);

	/* garbage, truncation, hostile sizes */
	static const char *const bad_ib[] = {
		"Switch 40 \"S-1\" # \"x\"\n[1] \"H-2\"[1] # \"y\" lid 1 4xHDR\n", /* dangling remote */
		"Switch 99999999 \"S-1\"\n",					   /* port count */
		"Switch 4 \"S-1\n",					  /* unterminated quote */
		"[1] \"S-1\"[1] # 4xHDR\n",				  /* port before node */
		"Switch 4 \"S-1\" # \"a\"\n[1] \"S-1\"[70000] # 4xHDR\n", /* port range */
		"Switch 4 \"S-1\" # \"a\"\n[1] \"S-2\"[1]\n",		  /* no width */
		"hello world\n",
	};
	for (size_t i = 0; i < sizeof(bad_ib) / sizeof(bad_ib[0]); i++)
		CHECK(fp_topo_load_ibnet(&t, bad_ib[i], strlen(bad_ib[i]), "bad", err,
					 sizeof(err)) &&
			      err[0],
		      "bad ibnetdiscover %zu refused", i);
	static const char *const bad_lldp[] = {
		"{\"lldp\": {}}",
		"{\"lldp\": {\"interface\": 5}}",
		"{\"lldp\": {\"interface\": {\"eth0\": {}}}}",
		"{\"lldp\": {\"interface\": [1, 2]}}",
		"{\"lldp\": {\"interface\": {\"eth0\": {\"chassis\": {\"x\": {}}, \"port\": {}}}}}",
		"[",
	};
	for (size_t i = 0; i < sizeof(bad_lldp) / sizeof(bad_lldp[0]); i++) {
		const char *tx = bad_lldp[i], *nm = "bad.json";
		size_t l = strlen(tx);

		CHECK(fp_topo_load_lldp(&t, &tx, &l, 1, &nm, err, sizeof(err)) && err[0],
		      "bad lldp %zu refused", i);
	}
}

/* every field of every node and link, and the name index */
static bool same_topo(const struct fp_topo *a, const struct fp_topo *b)
{
	if (a->nnodes != b->nnodes || a->nlinks != b->nlinks || strcmp(a->name, b->name))
		return false;
	for (unsigned i = 0; i < a->nnodes; i++) {
		const struct fp_node *x = &a->nodes[i], *y = &b->nodes[i];

		if (strcmp(x->name, y->name) || x->kind != y->kind || x->tier != y->tier ||
		    x->rail != y->rail || strcmp(x->group, y->group) || memcmp(&x->id, &y->id, sizeof(x->id)) ||
		    x->nic_gbps != y->nic_gbps || x->line != y->line ||
		    fp_topo_find(b, x->name) != (int)i)
			return false;
	}
	for (unsigned i = 0; i < a->nlinks; i++) {
		const struct fp_link *x = &a->links[i], *y = &b->links[i];

		if (x->a != y->a || x->b != y->b || strcmp(x->pa, y->pa) || strcmp(x->pb, y->pb) ||
		    x->gbps != y->gbps || x->lanes != y->lanes || x->lane_gbps != y->lane_gbps ||
		    x->media != y->media || strcmp(x->xcvr, y->xcvr) ||
		    x->length_m != y->length_m || strcmp(x->pn_a, y->pn_a) ||
		    strcmp(x->pn_b, y->pn_b) || x->up != y->up ||
		    x->trained_gbps != y->trained_gbps || x->trained_lanes != y->trained_lanes ||
		    x->lid_a != y->lid_a || x->lid_b != y->lid_b || x->line != y->line)
			return false;
	}
	return true;
}

/*
 * The event reader and the tree reader load the same topology from the same text, and the
 * event reader really takes the common shape (it does not step aside), in YAML and JSON.
 */
static void test_two_readers(void)
{
	struct fp_gen_opts o = { .hosts_per_leaf = 3,
				 .rails = 2,
				 .groups = 3,
				 .spines = 2,
				 .host_gbps = 400,
				 .fabric_gbps = 400,
				 .lanes = 4,
				 .host_media = FP_MEDIA_DAC,
				 .fabric_media = FP_MEDIA_OPTIC,
				 .host_len_m = 1.5,
				 .fabric_len_m = 20 };
	struct fp_topo g, ev, tr;
	char err[256], *buf;
	size_t len;
	FILE *f;

	fp_topo_init(&g);
	fp_topo_init(&ev);
	fp_topo_init(&tr);
	CHECK(!fp_gen_rail(&g, &o, err, sizeof(err)), "gen: %s", err);
	snprintf(g.nodes[0].id.guid, sizeof(g.nodes[0].id.guid), "0x0002c9030006b0d0");
	snprintf(g.links[1].xcvr, sizeof(g.links[1].xcvr), "DR4");
	snprintf(g.links[1].pn_a, sizeof(g.links[1].pn_a), "MMS1V00-WM");
	snprintf(g.links[1].pn_b, sizeof(g.links[1].pn_b), "pn: with colon");
	g.links[2].up = false;
	g.links[3].trained_gbps = 200;
	g.links[3].trained_lanes = 2;
	g.links[4].lid_a = 7;
	g.links[4].lid_b = 65535;
	f = open_memstream(&buf, &len);
	fp_topo_write_yaml(&g, f);
	fclose(f);
	CHECK(!fp_topo_load_yaml_events(&ev, buf, len, "g.yaml", err, sizeof(err)),
	      "the event reader takes what fabprobe writes: %s", err);
	CHECK(!fp_topo_load_yaml_tree(&tr, buf, len, "g.yaml", err, sizeof(err)), "tree: %s", err);
	CHECK(same_topo(&ev, &tr) && ev.nlinks == g.nlinks && ev.nnodes == g.nnodes,
	      "YAML: the same topology both ways (%u/%u nodes)", ev.nnodes, tr.nnodes);
	CHECK(!ev.links[2].up && ev.links[3].trained_lanes == 2 && ev.links[4].lid_b == 65535 &&
		      !strcmp(ev.links[1].pn_b, "pn: with colon") && ev.links[1].length_m == 1.5,
	      "fields survive the event reader");
	free(buf);

	static const char json[] =
		"{\"fabprobe_topology\": 1, \"name\": \"j\", \"comment\": \"hand written\",\n"
		" \"nodes\": [{\"name\": \"a\", \"nic_gbps\": 100},\n"
		"           {\"name\": \"s\", \"kind\": \"switch\", \"tier\": 2}],\n"
		" \"links\": [{\"a\": \"a:p1\", \"b\": \"s\", \"gbps\": 100, \"lanes\": 4,\n"
		"            \"state\": \"down\", \"media\": \"aoc\"}]}\n";
	CHECK(!fp_topo_load_yaml_events(&ev, json, strlen(json), "j.json", err, sizeof(err)),
	      "json, events: %s", err);
	CHECK(!fp_topo_load_yaml_tree(&tr, json, strlen(json), "j.json", err, sizeof(err)) &&
		      same_topo(&ev, &tr) && ev.nlinks == 1 && !strcmp(ev.links[0].pb, "l0") &&
		      ev.nodes[1].tier == 2 && ev.links[0].line == 4,
	      "JSON: the same topology both ways: %s", err);

	/* rare shapes: the event reader steps aside, the loader still reads them */
	static const char *const rare[] = {
		"fabprobe_topology: 1\nnodes:\n - &n {name: a}\n - {name: b}\nlinks:\n"
		" - {a: {node: a, port: x}, b: b, gbps: 1}\n",
		"fabprobe_topology: 1\nlinks: []\nnodes:\n - {name: a}\n",
		"fabprobe_topology: 1\nnodes:\n - {name: a, group: &g g1}\n - {name: b, group: "
		"*g}\n",
		"fabprobe_topology: 1\ncomment: {by: hand}\nnodes:\n - {name: a}\n",
	};
	for (size_t i = 0; i < sizeof(rare) / sizeof(rare[0]); i++) {
		int r = fp_topo_load_yaml_events(&ev, rare[i], strlen(rare[i]), "r", err,
						 sizeof(err));

		CHECK(r == -EAGAIN, "rare shape %zu: the event reader steps aside (%d)", i, r);
		CHECK(!fp_topo_load_yaml(&ev, rare[i], strlen(rare[i]), "r", err, sizeof(err)) &&
			      !fp_topo_load_yaml_tree(&tr, rare[i], strlen(rare[i]), "r", err,
						      sizeof(err)) &&
			      same_topo(&ev, &tr),
		      "rare shape %zu loads as the tree reads it: %s", i, err);
	}
	/* errors are the tree reader's, with their line */
	static const char dup[] = "fabprobe_topology: 1\nnodes:\n - {name: a}\n - {name: a}\n";
	CHECK(fp_topo_load_yaml(&ev, dup, strlen(dup), "d.yaml", err, sizeof(err)) &&
		      strstr(err, "d.yaml:4") && strstr(err, "defined twice"),
	      "duplicate node at its line: %s", err);
	fp_topo_destroy(&g);
	fp_topo_destroy(&ev);
	fp_topo_destroy(&tr);
}

/* The registry picks by content, then by the file name's ending. */
static void test_registry(void)
{
	struct fp_topo t;
	char err[256];
	static const char ib[] = "Ca 1 \"H-1\" # \"h\"\n[1](12) \"S-1\"[3] # lid 1 1xSDR\n"
				 "Switch 4 \"S-1\" # \"MF0;s:x\"\n[3] \"H-1\"[1] # lid 2 1xSDR\n";
	static const char lldp[] = "{\"lldp\": {\"interface\": {\"eth0\": {\"chassis\": {\"sw\": "
				   "{}}, \"port\": {\"id\": {\"value\": \"e1\"}}}}}}";

	fp_topo_init(&t);
	CHECK(!fp_topo_load_text(&t, ib, strlen(ib), "x.yaml", err, sizeof(err)) &&
		      !strcmp(t.name, "ibnetdiscover") && t.nlinks == 1,
	      "ibnetdiscover by content: %s", err);
	CHECK(!fp_topo_load_text(&t, lldp, strlen(lldp), "h7.json", err, sizeof(err)) &&
		      !strcmp(t.name, "lldp") && fp_topo_find(&t, "h7") >= 0,
	      "lldp by content: %s", err);
	CHECK(fp_topo_load_text(&t, "hello\n", 6, "dump.ibnet", err, sizeof(err)) &&
		      strstr(err, "not an ibnetdiscover line"),
	      "no content match: the ending picks ibnetdiscover, which says why: %s", err);
	CHECK(fp_topo_load_text(&t, "hello\n", 6, "x.yml", err, sizeof(err)) &&
		      strstr(err, "fabprobe_topology"),
	      "the ending picks YAML: %s", err);
	CHECK(fp_topo_load_text(&t, "hello\n", 6, "x.dat", err, sizeof(err)) &&
		      strstr(err, "not a fabprobe topology, ibnetdiscover output or lldpctl"),
	      "nothing matches: %s", err);
	fp_topo_destroy(&t);
}

/* The name index holds as nodes come; check still finds twins and shared ports. */
static void test_index(void)
{
	struct fp_topo t;
	struct fp_issue *v;
	unsigned n, twice = 0, shared = 0;
	char name[32];
	bool ok = true;

	fp_topo_init(&t);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		ok &= fp_topo_add_node(&t, name, i % 2 ? FP_SWITCH : FP_HOST, i % 2) == i;
		ok &= fp_topo_find(&t, name) == i && fp_topo_find(&t, "n0") == 0;
	}
	CHECK(ok && fp_topo_find(&t, "n5000") < 0, "every name found as it is added");
	CHECK(fp_topo_add_node(&t, "n7", FP_HOST, 0) == 5000 && fp_topo_find(&t, "n7") == 7,
	      "a twin is added, the first keeps its name");
	for (int i = 0; i + 1 < 5000; i++)
		fp_topo_add_link(&t, i, "p0", i + 1, "p1", 100, FP_MEDIA_DAC);
	fp_topo_add_link(&t, 5000, "p0", 1, "p1", 100, FP_MEDIA_DAC);
	t.links[t.nlinks - 1].line = 9;
	CHECK(!fp_topo_index(&t) && !fp_topo_check(&t, &v, &n), "check");
	for (unsigned i = 0; i < n; i++) {
		twice += strstr(v[i].text, "'n7' is defined twice") != NULL;
		shared += !strcmp(v[i].text, "port n1:p1 is used by two links (lines 0 and 9)");
	}
	/* n1:p1 (link 0's b end) is link 4999's b end too: one pair, one issue */
	CHECK(twice == 1 && shared == 1, "one twin (%u), one shared port (%u) of %u issues", twice,
	      shared, n);
	free(v);
	fp_topo_destroy(&t);
}

/* FNV-1a as the loaders hashed names before they were keyed: what an attacker could aim at */
static uint64_t old_fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

/*
 * Names crafted to share the low 13 bits of the old hash (the table's slot for 2,048
 * names): unkeyed, they formed one probe chain of 2,048 and each insert walked it. Keyed,
 * the longest run of occupied slots stays short; counted on the table, not timed.
 */
static void test_hash_collisions(void)
{
	enum { N = 2048, MASK = 8191 };
	char(*name)[16] = calloc(N, sizeof(*name));
	unsigned found = 0, run = 0, longest = 0;
	bool ok = true;
	struct fp_topo t;

	fp_topo_init(&t);
	for (unsigned i = 0; name && found < N; i++) {
		snprintf(name[found], sizeof(name[0]), "c%u", i);
		found += (old_fnv(name[found]) & MASK) == 0;
	}
	for (unsigned i = 0; i < found && ok; i++)
		ok = fp_topo_add_node(&t, name[i], FP_HOST, 0) == (int)i;
	CHECK(found == N && ok && t.hcap == MASK + 1, "%u crafted names added, table of %u", found,
	      t.hcap);
	for (unsigned i = 0; i < found && ok; i++)
		ok = fp_topo_find(&t, name[i]) == (int)i;
	CHECK(ok, "every crafted name is found");
	for (unsigned h = 0; h < t.hcap; h++) {
		run = t.hash[h] == UINT32_MAX ? 0 : run + 1;
		longest = run > longest ? run : longest;
	}
	CHECK(longest < 128, "longest probe run %u of %u names (keyed: short)", longest, found);
	fp_topo_destroy(&t);
	free(name);
}

static void test_check_stats(void)
{
	struct fp_topo t;
	struct fp_issue *v;
	unsigned n;
	char err[256];
	struct fp_topo_stats s;
	bool reach = false, dup = false, disc = false;

	fp_topo_init(&t);
	CHECK(!load_text(&t,
			 "fabprobe_topology: 1\nnodes:\n - {name: a, nic_gbps: 400}\n - {name: s, "
			 "kind: switch}\n"
			 " - {name: lone, kind: switch}\nlinks:\n"
			 " - {a: 'a:p0', b: 's:p0', gbps: 400, lanes: 4, media: dac, length_m: 3}\n"
			 " - {a: 'a:p0', b: 's:p1', gbps: 400, lanes: 4, media: aoc}\n",
			 err),
	      "%s", err);
	CHECK(!fp_topo_check(&t, &v, &n), "check");
	for (unsigned i = 0; i < n; i++) {
		reach |= strstr(v[i].text, "past its 2 m reach") != NULL && v[i].line == 7;
		dup |= strstr(v[i].text, "used by two links") != NULL;
		disc |= strstr(v[i].text, "disconnected") != NULL ||
			strstr(v[i].text, "no links") != NULL;
	}
	CHECK(reach, "3 m DAC at 100G lanes is past reach, line 7");
	CHECK(dup, "port used twice");
	CHECK(disc, "lone switch");
	free(v);
	fp_topo_destroy(&t);

	struct fp_gen_opts g = { .hosts_per_leaf = 4,
				 .leaves = 4,
				 .spines = 2,
				 .host_gbps = 100,
				 .oversub = 2,
				 .lanes = 1 };

	CHECK(!fp_gen_leaf_spine(&t, &g, err, sizeof(err)), "leaf-spine");
	fp_topo_stats(&t, &s);
	CHECK(s.hosts == 16 && fabs(s.oversub[1] - 2) < 1e-9, "2:1 at the leaves: %g",
	      s.oversub[1]);
	CHECK(fabs(s.bisection_gbps - 400) < 1e-6, "bisection of a 2:1 fabric: %g",
	      s.bisection_gbps);
	fp_topo_destroy(&t);
	g = (struct fp_gen_opts){ .k = 8, .host_gbps = 100, .fabric_gbps = 100, .lanes = 4 };
	CHECK(!fp_gen_fat_tree(&t, &g, err, sizeof(err)), "k=8");
	fp_topo_stats(&t, &s);
	CHECK(fabs(s.bisection_gbps - 6400) < 1e-6, "full bisection: %g", s.bisection_gbps);
	CHECK(!fp_topo_check(&t, &v, &n) && n == 0, "a generated fabric is clean (%u)", n);
	free(v);
	fp_topo_destroy(&t);
}

/* DOT text outside its quoted strings (a backslash escapes the next character inside one);
 * false when a string runs past the end of its line or of the text */
static bool dot_unquoted(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	bool in = false;

	for (; *s; s++) {
		if (in && *s == '\n')
			return false;
		if (in && *s == '\\' && s[1]) {
			s++;
		} else if (*s == '"') {
			in = !in;
		} else if (!in && n + 1 < cap) {
			out[n++] = *s;
		}
	}
	out[n] = 0;
	return !in;
}

/* issue 14, 11: names with a quote, a backslash, brackets or a newline (the YAML loader takes
 * them) stay inside their DOT strings; before the escaping, "[label=pwned]" was DOT of its own */
static void test_dot_escape(void)
{
	struct fp_topo t;
	char err[256], rest[4096];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	fp_topo_init(&t);
	CHECK(!load_text(&t,
			 "fabprobe_topology: 1\nname: 'g\"{'\nnodes:\n"
			 " - {name: 'h\"[label=pwned];\"x\\'}\n"
			 " - {name: \"s\\nw\", kind: switch}\nlinks:\n"
			 " - {a: 'h\"[label=pwned];\"x\\:p\"0\\', b: \"s\\nw:p1\", gbps: 100, "
			 "lanes: 4, media: dac}\n",
			 err),
	      "load: %s", err);
	f = open_memstream(&buf, &len);
	CHECK(f != NULL, "memstream");
	if (!f)
		goto out_topo;
	fp_topo_write_dot(&t, f, NULL, NULL);
	fclose(f);
	CHECK(dot_unquoted(buf, rest, sizeof(rest)), "every DOT string ends on its line:\n%s", buf);
	CHECK(!strstr(rest, "pwned") && !strchr(rest, '<') && !strstr(rest, "{'"),
	      "nothing of a name outside its quotes: %s", rest);
	CHECK(strstr(buf, "graph \"g\\\"{\" {") != NULL, "the graph's name escaped");
	CHECK(strstr(buf, " \"h\\\"[label=pwned];\\\"x\\\\\" [shape=box];") != NULL,
	      "a host's name escaped:\n%s", buf);
	CHECK(strstr(buf, " \"s\\nw\" [shape=ellipse];") != NULL, "a newline escaped");
	CHECK(strstr(buf, "tooltip=\"h\\\"[label=pwned];\\\"x\\\\:p\\\"0\\\\ <-> s\\nw:p1 100 Gb/s") !=
		      NULL,
	      "ports escaped in the tooltip:\n%s", buf);
	free(buf);
out_topo:
	fp_topo_destroy(&t);
}

/* topo check: a link that skips a tier or stays within one is a warning */
static void test_tier_links(void)
{
	const char *y = "fabprobe_topology: 1\nnodes:\n  - {name: h, kind: host}\n"
			"  - {name: l, kind: switch, tier: 1}\n  - {name: s, kind: switch, tier: 2}\n"
			"  - {name: s2, kind: switch, tier: 2}\nlinks:\n  - {a: h, b: l, gbps: 1}\n"
			"  - {a: l, b: s, gbps: 1}\n  - {a: s, b: s2, gbps: 1}\n  - {a: h, b: s2, gbps: 1}\n";
	struct fp_issue *is = NULL;
	struct fp_topo t;
	char err[256];
	unsigned n = 0, skip = 0, within = 0;

	fp_topo_init(&t);
	CHECK(!fp_topo_load_yaml(&t, y, strlen(y), "t.yaml", err, sizeof(err)), "%s", err);
	CHECK(!fp_topo_check(&t, &is, &n), "check");
	for (unsigned i = 0; i < n; i++) {
		skip += is[i].severity == 1 && !!strstr(is[i].text, "h:l3 <-> s2:l3 skips a tier");
		within += is[i].severity == 1 && !!strstr(is[i].text, "s:l2 <-> s2:l2 stays within");
	}
	CHECK(n == 2 && skip == 1 && within == 1, "%u issues: skip %u, within %u", n, skip, within);
	free(is);
	fp_topo_destroy(&t);
}

int main(void)
{
	test_tier_links();
	test_yaml();
	test_import();
	test_check_stats();
	test_two_readers();
	test_registry();
	test_index();
	test_hash_collisions();
	test_dot_escape();
	return t_done("topo");
}
