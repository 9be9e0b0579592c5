// SPDX-License-Identifier: MIT
/*
 * LLDP as lldpd writes it (issue 16). The fixtures under tests/fixtures/lldp are real
 * lldpcli output from two lldpd 1.0.16 in network namespaces joined by a veth: rfA's
 * neighbours (json and json0) and its `show chassis`, and rfB's neighbours. lldpd on Linux
 * sends the port id as a MAC with the interface name in descr. leaf0*.json are a lab leaf's
 * (tests/integration/lab_lldp.sh, its ports renamed p0..p3), four neighbours in a list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/file.h"
#include "../../fabric/model/topo.h"
#include "t.h"

#ifndef FP_SRCDIR
#define FP_SRCDIR "."
#endif

/* import these fixture files as one fabric */
static int import(struct fp_topo *t, const char *const *names, unsigned n, char *err, size_t el)
{
	char *texts[4] = { 0 }, paths[4][512];
	const char *srcs[4];
	size_t lens[4];
	int ret = 0;

	for (unsigned i = 0; i < n && !ret; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/tests/fixtures/lldp/%s", FP_SRCDIR,
			 names[i]);
		srcs[i] = paths[i];
		ret = fp_read_file(paths[i], 1 << 20, &texts[i], &lens[i], err, el);
	}
	if (!ret)
		ret = fp_topo_load_lldp(t, (const char *const *)texts, lens, n, srcs, err, el);
	for (unsigned i = 0; i < n; i++)
		free(texts[i]);
	return ret;
}

static bool has_link(const struct fp_topo *t, const char *a, const char *pa, const char *b,
		     const char *pb)
{
	for (unsigned i = 0; i < t->nlinks; i++) {
		const struct fp_link *l = &t->links[i];
		const char *na = t->nodes[l->a].name, *nb = t->nodes[l->b].name;

		if ((!strcmp(na, a) && !strcmp(l->pa, pa) && !strcmp(nb, b) &&
		     !strcmp(l->pb, pb)) ||
		    (!strcmp(na, b) && !strcmp(l->pa, pb) && !strcmp(nb, a) && !strcmp(l->pb, pa)))
			return true;
	}
	return false;
}

/* -f json writes a lone capability as the object itself, not a list of one */
static void lone_capability(struct fp_topo *t)
{
	static const char *const fmt =
		"{\"lldp\": {\"interface\": {\"eth0\": {\"chassis\": {\"%s\": {"
		"\"capability\": {\"type\": \"%s\", \"enabled\": true}}},"
		"\"port\": {\"id\": {\"type\": \"ifname\", \"value\": \"Ethernet7\"}}}}}}";
	static const char *const caps[][2] = { { "Station", "srv1" }, { "Bridge", "tor1" } };
	char text[512], err[256];

	for (int i = 0; i < 2; i++) {
		const char *src = "x/me.json", *p = text;
		size_t len = (size_t)snprintf(text, sizeof(text), fmt, caps[i][1], caps[i][0]);
		int n;

		CHECK(!fp_topo_load_lldp(t, &p, &len, 1, &src, err, sizeof(err)), "%s: %s",
		      caps[i][0], err);
		n = fp_topo_find(t, caps[i][1]);
		CHECK(n >= 0 && t->nodes[n].kind == (i ? FP_SWITCH : FP_HOST) &&
			      has_link(t, "me", "eth0", caps[i][1], "Ethernet7"),
		      "a lone %s capability: a %s, its port by the ifname id", caps[i][0],
		      i ? "switch" : "host");
	}
}

int main(void)
{
	static const char *const both[] = { "a.json", "a.chassis.json", "rfB.json" };
	static const char *const json0[] = { "a0.json" };
	struct fp_topo t;
	char err[512] = "";
	int a, b;

	fp_topo_init(&t);
	CHECK(!import(&t, both, 3, err, sizeof(err)), "import: %s", err);
	a = fp_topo_find(&t, "rfA");
	b = fp_topo_find(&t, "rfB");
	CHECK(t.nnodes == 2 && a >= 0 && b >= 0,
	      "%u nodes: rfA named by its show chassis (not its file 'a'), rfB by its file",
	      t.nnodes);
	CHECK(t.nlinks == 1 && has_link(&t, "rfA", "rfa0", "rfB", "rfb0"),
	      "one cable seen from both ends is one link, ports named by descr, not MAC (%u links)",
	      t.nlinks);
	CHECK(a >= 0 && b >= 0 && t.nodes[a].kind == FP_HOST && t.nodes[b].kind == FP_SWITCH &&
		      t.nodes[b].tier == 1,
	      "Station only is a host, Router enabled a switch");
	CHECK(t.nlinks == 1 && t.links[0].gbps == 10, "10GbaseT: 10 Gb/s");
	CHECK(!import(&t, json0, 1, err, sizeof(err)) && t.nlinks == 1 &&
		      has_link(&t, "a0", "rfa0", "rfB", "rfb0"),
	      "-f json0: %s", err);
	/* a switch's own file: its show chassis says Router, so it is a switch even when no
	 * neighbour's file says so (it was a host under its hosts before) */
	static const char *const leaf[] = { "leaf0.json", "leaf0.chassis.json" };
	CHECK(!import(&t, leaf, 2, err, sizeof(err)), "leaf0: %s", err);
	a = fp_topo_find(&t, "leaf0");
	CHECK(t.nnodes == 5 && a >= 0 && t.nodes[a].kind == FP_SWITCH && t.nodes[a].tier == 1,
	      "leaf0 is a tier 1 switch by its own chassis (%u nodes)", t.nnodes);
	b = fp_topo_find(&t, "spine1");
	CHECK(b >= 0 && t.nodes[b].kind == FP_SWITCH && t.nodes[b].tier == 2, "spine1 above it");
	b = fp_topo_find(&t, "h1");
	CHECK(b >= 0 && t.nodes[b].kind == FP_HOST, "h1, Station only, a host");
	CHECK(t.nlinks == 4 && has_link(&t, "leaf0", "p0", "h0", "p0") &&
		      has_link(&t, "leaf0", "p1", "h1", "p0") &&
		      has_link(&t, "leaf0", "p2", "spine0", "p0") &&
		      has_link(&t, "leaf0", "p3", "spine1", "p0"),
	      "four links, local ports by interface, remote by descr (%u)", t.nlinks);
	lone_capability(&t);
	fp_topo_destroy(&t);
	return t_done("topo_lldp");
}
