// SPDX-License-Identifier: MIT
/*
 * Hop addresses to nodes: a hops file with comments, CRLF and both families read; every bad
 * line refused with its line number; one address for two nodes refused; the topology's
 * hosts mapped by their endpoint ip.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/model/hopmap.h"
#include "t.h"

static int parse(struct fp_hopmap *m, const char *text, const struct fp_topo *t, char *err,
		 size_t el)
{
	int ret;

	fp_hopmap_init(m);
	ret = fp_hopmap_parse(m, text, strlen(text), "hops", t, err, el);
	return ret ? ret : fp_hopmap_seal(m, err, el);
}

static void files(void)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "10.0.0.1\n", "hops:1: expected 'ADDRESS NODE'" },
		{ "# c\n10.0.0.1 a b\n", "hops:2: expected" },
		{ "10.0.0.300 a\n", "hops:1: '10.0.0.300' is not an IPv4 or IPv6 address" },
		{ "10.0.0.1 a\n10.0.0.1 b\n", "address ::ffff:10.0.0.1 is given for both a and b" },
		{ "10.0.0.1 a\x01\n", "hops:1: 'a\x01' is not a node name" },
		{ "10.0.0.1 "
		  "n123456789012345678901234567890123456789012345678901234567890123\n",
		  "hops:1: expected 'ADDRESS NODE' (a node name of 1 to 63" },
		{ "10.0.0.1 a\n10.0.0.2 b\0\n", "hops:2: a NUL byte" },
	};
	struct fp_hopmap m;
	char err[256];

	CHECK(!parse(&m,
		     "# leaf0\n10.99.0.2 leaf0\r\n\n  10.99.0.34\tspine0  \n"
		     "10.99.0.2 leaf0\nfd00::1 spine1 \n",
		     NULL, err, sizeof(err)),
	      "%s", err);
	CHECK(m.n == 3, "3 addresses, %u", m.n);
	CHECK(fp_hopmap_find(&m, "10.99.0.2") && !strcmp(fp_hopmap_find(&m, "10.99.0.2"), "leaf0"),
	      "leaf0");
	CHECK(!strcmp(fp_hopmap_find(&m, "10.99.0.34"), "spine0"), "spine0");
	CHECK(!strcmp(fp_hopmap_find(&m, "fd00:0::1"), "spine1"), "v6, another spelling");
	CHECK(!fp_hopmap_find(&m, "10.99.0.3") && !fp_hopmap_find(&m, "x"), "unknown: NULL");
	fp_hopmap_free(&m);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i].text);
		int ret;

		if (strstr(bad[i].why, "NUL"))
			len += 2; /* the text after the NUL byte */
		fp_hopmap_init(&m);
		ret = fp_hopmap_parse(&m, bad[i].text, len, "hops", NULL, err, sizeof(err));
		if (!ret)
			ret = fp_hopmap_seal(&m, err, sizeof(err));
		CHECK(ret == -EINVAL && !strncmp(err, bad[i].why, strlen(bad[i].why)),
		      "bad %zu: %d '%s'", i, ret, err);
		fp_hopmap_free(&m);
	}
}

static void topology(void)
{
	struct fp_hopmap m;
	struct fp_topo t;
	char err[256];
	int h0, h1, l0;

	fp_topo_init(&t);
	h0 = fp_topo_add_node(&t, "h0", FP_HOST, 0);
	h1 = fp_topo_add_node(&t, "h1", FP_HOST, 0);
	l0 = fp_topo_add_node(&t, "leaf0", FP_SWITCH, 1);
	CHECK(h0 >= 0 && h1 >= 0 && l0 >= 0, "nodes");
	strcpy(t.nodes[h0].id.ip, "10.99.0.1");
	fp_hopmap_init(&m);
	CHECK(!fp_hopmap_add_topo(&m, &t, err, sizeof(err)), "%s", err);
	CHECK(!fp_hopmap_parse(&m, "10.99.0.2 leaf0\n", 15, "hops", &t, err, sizeof(err)), "%s",
	      err);
	CHECK(!fp_hopmap_seal(&m, err, sizeof(err)), "%s", err);
	CHECK(m.n == 2 && !strcmp(fp_hopmap_find(&m, "10.99.0.1"), "h0"), "h0 by its ip");
	CHECK(fp_hopmap_parse(&m, "10.99.0.6 leaf9\n", 15, "hops", &t, err, sizeof(err)) ==
			      -EINVAL &&
		      strstr(err, "hops:1: node 'leaf9' is not in the topology"),
	      "%s", err);
	fp_hopmap_free(&m);
	fp_topo_destroy(&t);
}

int main(void)
{
	files();
	topology();
	return t_done("hopmap");
}
