// SPDX-License-Identifier: MIT
/*
 * ibnetdiscover dumps as real fabrics give them (issue 16): SHARP aggregation nodes on
 * every switch, servers of several HCAs ("gpu01 mlx5_2"), HCAs left at their default
 * description, parallel and trained-down cables, the -p format, and truncated dumps.
 * The fixtures under tests/fixtures/ibnet are written in the tool's exact formats.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/file.h"
#include "../../fabric/model/topo.h"
#include "t.h"

#ifndef FP_SRCDIR
#define FP_SRCDIR "."
#endif

static const char *fixture(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/tests/fixtures/ibnet/%s", FP_SRCDIR, name);
	return p;
}

static const struct fp_node *node(const struct fp_topo *t, const char *name)
{
	int n = fp_topo_find(t, name);

	return n >= 0 ? &t->nodes[n] : NULL;
}

/* both formats of one fabric: 4 switches, 8 HCAs of 2 servers, 2 default-named HCAs */
static void check_gpu_fabric(const char *file, bool node_guids)
{
	const struct fp_node *n;
	struct fp_topo t;
	char err[256];
	unsigned hosts = 0, trained = 0, parallel = 0;

	fp_topo_init(&t);
	CHECK(!fp_topo_load(&t, fixture(file), err, sizeof(err)), "%s: %s", file, err);
	for (unsigned i = 0; i < t.nnodes; i++) {
		hosts += t.nodes[i].kind == FP_HOST;
		CHECK(!strstr(t.nodes[i].name, "Aggregation"), "%s: %s is no host", file,
		      t.nodes[i].name);
	}
	CHECK(t.nnodes == 14 && hosts == 10 && t.nlinks == 18,
	      "%s: %u nodes (%u hosts), %u links: aggregation nodes are not hosts", file, t.nnodes,
	      hosts, t.nlinks);
	CHECK(node(&t, "leaf1") && node(&t, "leaf1")->tier == 1 && node(&t, "leaf2")->tier == 1 &&
		      node(&t, "spine1")->tier == 2 && node(&t, "spine2")->tier == 2,
	      "%s: tiers from compute endpoints: leaves 1, spines 2", file);
	CHECK(node(&t, "spine2") && strstr(node(&t, "spine2")->note, "SHARP aggregation node"),
	      "%s: the aggregation node is a note on its switch", file);
	n = node(&t, "gpu01_mlx5_2");
	CHECK(n && !strcmp(n->id.host, "gpu01") && !strcmp(n->id.dev, "mlx5_2") && n->rail == 2 &&
		      !strcmp(n->id.port_guid, "0x0c42a10300000121") &&
		      !strcmp(n->id.guid, node_guids ? "0x0c42a10300000120" : ""),
	      "%s: 'gpu01 mlx5_2' is rail 2 of server gpu01, with its GUIDs", file);
	n = node(&t, node_guids ? "H-0c42a10300009000" : "H-0c42a10300009001");
	CHECK(n && n->kind == FP_HOST && !n->id.host[0],
	      "%s: a default description is named by GUID", file);
	for (unsigned i = 0; i < t.nlinks; i++) {
		const struct fp_link *l = &t.links[i];
		const char *a = t.nodes[l->a].name, *b = t.nodes[l->b].name;

		trained += l->trained_lanes == 2 && l->lanes == 4 && l->gbps == 400;
		parallel += (!strcmp(a, "leaf1") && !strcmp(b, "spine1")) ||
			    (!strcmp(b, "leaf1") && !strcmp(a, "spine1"));
	}
	CHECK(trained == 1 && parallel == 2, "%s: one 2xNDR trained down (%u), 2 parallel (%u)",
	      file, trained, parallel);
	fp_topo_destroy(&t);
}

static int load_text(struct fp_topo *t, const char *text, char *err, size_t el)
{
	return fp_topo_load_ibnet(t, text, strlen(text), "x.ibnet", err, el);
}

#define SW1                                                                                        \
	"Switch\t36 \"S-0002c903007b8b10\"\t\t# \"MF0;sw1:MQM8700/U1\" enhanced port 0 lid 3 lmc " \
	"0\n"
#define CA(g, d)     "Ca\t1 \"H-00000000000000" g "\"\t\t# \"" d "\"\n"
#define SWP(p, g, d) "[" p "]\t\"H-00000000000000" g "\"[1](" g "01) \t\t# \"" d "\" lid 5 4xHDR\n"
#define CAP(g, p)                                                                                  \
	"[1](" g "01) \t\"S-0002c903007b8b10\"[" p "]\t\t# lid 5 lmc 0 \"MF0;sw1\" lid 3 4xHDR\n"

static void test_shapes(void)
{
	/* two HCAs share a description: both are named by GUID, neither by file order */
	const char *dup = SW1 SWP("1", "a0", "node1 mlx5_0")
		SWP("2", "b0", "node1 mlx5_0") "\n" CA("a0", "node1 mlx5_0")
			CAP("a0", "1") "\n" CA("b0", "node1 mlx5_0") CAP("b0", "2");
	/* cut after the last CA's node line: its cable is listed from the switch's end only */
	const char *cut = SW1 SWP("1", "a0", "node1 mlx5_0")
		SWP("2", "b0", "node2 mlx5_0") "\n" CA("a0", "node1 mlx5_0")
			CAP("a0", "1") "\n" CA("b0", "node2 mlx5_0");
	/* ibnetdiscover --node-name-map: the switch's port line shows the mapped name only */
	const char *mapped = SW1 SWP("1", "a0", "node7 mlx5_1") SWP(
		"2", "b0", "node2 mlx5_0") "\n" CA("a0", "MT4129 ConnectX7 Mellanox Technologies")
		CAP("a0", "1") "\n" CA("b0", "node2 mlx5_0") CAP("b0", "2");
	struct fp_topo t;
	char err[256] = "";

	fp_topo_init(&t);
	CHECK(!load_text(&t, mapped, err, sizeof(err)) && node(&t, "node7_mlx5_1") &&
		      node(&t, "node7_mlx5_1")->rail == 1 && node(&t, "node2_mlx5_0"),
	      "the port line's (mapped) description wins over the CA's own line: %s", err);
	CHECK(!load_text(&t, dup, err, sizeof(err)) && t.nnodes == 3 &&
		      fp_topo_find(&t, "H-00000000000000a0") >= 0 &&
		      fp_topo_find(&t, "H-00000000000000b0") >= 0 &&
		      fp_topo_find(&t, "node1_mlx5_0") < 0,
	      "a shared description: both by GUID (%s)", err);
	CHECK(load_text(&t, cut, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "sw1 port 2 <-> node2_mlx5_0 port 1 is listed from one end "
				  "only: a truncated dump?"),
	      "a truncated dump is refused: '%s'", err);
	fp_topo_destroy(&t);
}

/* the node-name-map: its rules, its refusals with file:line, and names winning on import */
static void test_name_map(void)
{
	const char *good =
		"# IB1\n\n  0xb8599f0300a10010 \"MF0;L1:MQM9700/U1\"\r\n"
		"0x0c42a10300009000\tstor01 mlx5_0  \n"
		"883445511175049233 \"stor02 mlx5_0\" # the -p dump's port GUID\n"
		"0x0c42a10300000100 \"gpu01 mlx5_0\"\n0xc42a10300000100 \"gpu01 mlx5_0\"\n";
	static const char *const bad[][2] = {
		{ "0x10 \"a\"\n# c\n0x10 \"b\"\n", "m:3: GUID 0x0000000000000010 is named twice "
						   "(also line 1)" },
		{ "\n0x10 \"open\n", "m:2: the name's quote is not closed" },
		{ "0x10 \"a\" b\n", "m:1: text after the quoted name" },
		{ "0x10\n", "m:1: not 'GUID \"name\"'" },
		{ "0x10 \"\"\n", "m:1: no name after the GUID" },
		{ "0x10000000000000000 \"a\"\n", "m:1: not 'GUID \"name\"'" },
		{ "guid \"a\"\n", "m:1: not 'GUID \"name\"'" },
	};
	struct fp_ib_namemap m;
	struct fp_topo t;
	char err[256] = "", *text = NULL;
	size_t len;

	fp_ib_namemap_init(&m);
	fp_topo_init(&t);
	CHECK(!fp_ib_namemap_parse(&m, good, strlen(good), "m", err, sizeof(err)) && m.n == 5,
	      "comments, blanks, CRLF, tabs, unquoted and decimal GUIDs, a repeat: %s", err);
	CHECK(m.n && !strcmp(fp_ib_namemap_get(&m, 0x0c42a10300009000ull), "stor01 mlx5_0") &&
		      !strcmp(fp_ib_namemap_get(&m, 0x0c42a10300009011ull), "stor02 mlx5_0") &&
		      !fp_ib_namemap_get(&m, 0x11),
	      "lookups by GUID");
	CHECK(!fp_read_file(fixture("gpu-ndr.txt"), 1 << 20, &text, &len, err, sizeof(err)) &&
		      !fp_topo_load_ibnet_map(&t, text, len, "d", &m, err, sizeof(err)),
	      "a dump named through the map: %s", err);
	CHECK(node(&t, "L1") && !node(&t, "leaf1") && node(&t, "L1")->tier == 1 &&
		      node(&t, "stor01_mlx5_0") &&
		      !strcmp(node(&t, "stor01_mlx5_0")->id.host, "stor01") &&
		      node(&t, "stor02_mlx5_0") && !node(&t, "H-0c42a10300009000"),
	      "names from the map win over descriptions, and are read as descriptions");
	free(text);
	text = NULL;
	CHECK(!fp_read_file(fixture("gpu-ndr-p.txt"), 1 << 20, &text, &len, err, sizeof(err)) &&
		      !fp_topo_load_ibnet_map(&t, text, len, "p", &m, err, sizeof(err)) &&
		      node(&t, "L1") && node(&t, "stor02_mlx5_0") && !node(&t, "stor01_mlx5_0"),
	      "-p: switches by GUID, CAs by the port GUID it shows: %s", err);
	free(text);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = fp_ib_namemap_parse(&m, bad[i][0], strlen(bad[i][0]), "m", err,
					    sizeof(err));

		CHECK(r == -EINVAL && strstr(err, bad[i][1]) && !m.n, "bad map %zu: '%s'", i, err);
	}
	fp_topo_destroy(&t);
	fp_ib_namemap_destroy(&m);
}

/* one line more than FP_IB_MAP_MAX nodes: refused with the limit named, nothing kept */
static void test_map_cap(void)
{
	size_t len = (size_t)(FP_IB_MAP_MAX + 1) * 4;
	char *text = malloc(len), err[256] = "";
	struct fp_ib_namemap m;
	int r;

	fp_ib_namemap_init(&m);
	if (!text) {
		CHECK(0, "malloc");
		return;
	}
	for (size_t i = 0; i < len; i += 4)
		memcpy(text + i, "1 a\n", 4);
	r = fp_ib_namemap_parse(&m, text, len - 4, "m", err, sizeof(err));
	CHECK(!r && m.n == FP_IB_MAP_MAX, "at the limit: %s", err);
	r = fp_ib_namemap_parse(&m, text, len, "m", err, sizeof(err));
	CHECK(r == -EINVAL && strstr(err, "m:131073: more than 131072 nodes") && !m.n, "%s", err);
	fp_ib_namemap_destroy(&m);
	free(text);
}

int main(void)
{
	check_gpu_fabric("gpu-ndr.txt", true);
	check_gpu_fabric("gpu-ndr-p.txt", false);
	test_shapes();
	test_name_map();
	test_map_cap();
	return t_done("topo_ibnet");
}
