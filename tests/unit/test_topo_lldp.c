// SPDX-License-Identifier: MIT
/*
 * LLDP as lldpd writes it (issue 16). The fixtures under tests/fixtures/lldp are real
 * lldpcli output from two lldpd 1.0.16 in network namespaces joined by a veth: rfA's
 * neighbours (json and json0) and its `show chassis`, and rfB's neighbours. lldpd on Linux
 * sends the port id as a MAC with the interface name in descr.
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

		if ((!strcmp(na, a) && !strcmp(l->pa, pa) && !strcmp(nb, b) && !strcmp(l->pb, pb)) ||
		    (!strcmp(na, b) && !strcmp(l->pa, pb) && !strcmp(nb, a) && !strcmp(l->pb, pa)))
			return true;
	}
	return false;
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
	fp_topo_destroy(&t);
	return t_done("topo_lldp");
}
