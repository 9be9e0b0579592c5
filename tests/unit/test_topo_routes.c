// SPDX-License-Identifier: MIT
/*
 * LFTs as the real subnet manager wrote them (issue 17): tests/fixtures/routes/2sw.* were
 * taken from opensm 3.3.23 on ibsim's net.2sw2path4hca (ibnetdiscover, ibroute, dump_lfts,
 * opensm-lfts.dump, ibtracert for every CA pair). Every path the tables give must be the
 * one ibtracert printed; the hand-written *.lfts are what a healthy SM never writes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/file.h"
#include "../../fabric/model/route.h"
#include "../../fabric/model/topo.h"
#include "../../fabric/model/topo_routes.h"
#include "t.h"

#ifndef FP_SRCDIR
#define FP_SRCDIR "."
#endif

static const char *fixture(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/tests/fixtures/routes/%s", FP_SRCDIR, name);
	return p;
}

static int by_guid(const struct fp_topo *t, uint64_t g)
{
	for (unsigned i = 0; i < t->nnodes; i++)
		if (strtoull(t->nodes[i].id.guid, NULL, 16) == g ||
		    strtoull(t->nodes[i].id.port_guid, NULL, 16) == g)
			return (int)i;
	return -1;
}

/*
 * ibtracert's "From ca {GUID} portnum 1 lid 2-2", then "[OUT] -> ... {GUID}[IN] lid ..."
 * per hop: compare each hop (node left, port left by) with the path the tables give.
 */
static unsigned compare_traces(const struct fp_routes *r, const struct fp_topo *t, const char *txt)
{
	unsigned links[64], pairs = 0;
	const char *s = txt;
	int n = 0, at = -1, src = -1, dlid = 0, hop = 0;

	while (s && *s) {
		unsigned long long g;
		int out, lo, hi;

		if (sscanf(s, "From %*s {%llx} portnum %*d lid %d", &g, &lo) == 2) {
			src = at = by_guid(t, g);
			hop = 0;
		} else if (sscanf(s, "[%d] -> %*s port {%llx}", &out, &g) == 2 ||
			   sscanf(s, "[%d] -> %*s %*s port {%llx}", &out, &g) == 2) {
			int lk = hop < n ? (int)links[hop] : -1;
			const struct fp_link *l = lk >= 0 ? &t->links[lk] : NULL;

			CHECK(l && (l->a == at ? atoi(l->pa) : atoi(l->pb)) == out &&
				      fp_link_peer(l, at) == by_guid(t, g),
			      "hop %d from %s: ibtracert leaves by port %d to 0x%llx", hop,
			      at >= 0 ? t->nodes[at].name : "?", out, g);
			at = by_guid(t, g);
			hop++;
		} else if (sscanf(s, "To %*s {%llx} portnum %*d lid %d-%d", &g, &lo, &hi) == 3) {
			CHECK(hop == n, "the path to LID %d has %d hops, ibtracert %d", dlid, n, hop);
			pairs++;
		}
		/* the next hop list belongs to the pair whose "To" comes last: look ahead */
		if (!strncmp(s, "From ", 5)) {
			const char *to = strstr(s, "\nTo ");

			dlid = 0;
			if (to && sscanf(to + 1, "To %*s {%*x} portnum %*d lid %d", &dlid) == 1)
				n = fp_routes_path(r, t, src, (unsigned)dlid, links, 64, NULL);
			CHECK(n > 0, "a routed path to LID %d: %d", dlid, n);
		}
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	return pairs;
}

static void load(struct fp_routes *r, const struct fp_topo *t, const char *name)
{
	char err[256];

	fp_routes_init(r);
	CHECK(!fp_routes_load(r, fixture(name), err, sizeof(err)), "%s: %s", name, err);
	CHECK(!fp_routes_join(r, t, err, sizeof(err)), "%s: %s", name, err);
}

/* the three formats of one SM's tables: the same tables, every path as ibtracert has it */
static void real_tables(const struct fp_topo *t)
{
	static const char *const names[] = { "2sw.ibroute", "2sw.dump_lfts", "2sw.opensm-lfts" };
	struct fp_routes r[3];
	char *trace, err[256];
	size_t len;

	CHECK(!fp_read_file(fixture("2sw.ibtracert"), 1 << 20, &trace, &len, err, sizeof(err)),
	      "%s", err);
	for (int i = 0; i < 3; i++) {
		load(&r[i], t, names[i]);
		CHECK(r[i].nsw == 2, "%s: %u tables", names[i], r[i].nsw);
		CHECK(compare_traces(&r[i], t, trace) == 12, "%s: 12 CA pairs traced", names[i]);
		CHECK(fp_routes_lid_of(&r[i], fp_topo_find(t, "Hca4"), NULL) == 6, "%s: Hca4 is LID 6",
		      names[i]);
	}
	for (unsigned s = 0; s < 2 && r[0].nsw == 2 && r[1].nsw == 2 && r[2].nsw == 2; s++)
		for (unsigned k = 1; k < 2; k++) {
			/* dump_lfts walks switches in its own order: match by GUID */
			const struct fp_lft *a = &r[0].sw[s], *b = &r[k].sw[0], *c = &r[2].sw[0];

			b = b->guid == a->guid ? b : &r[k].sw[1];
			c = c->guid == a->guid ? c : &r[2].sw[1];
			CHECK(b->guid == a->guid && c->guid == a->guid &&
				      !memcmp(a->port, b->port, 7) && !memcmp(a->port, c->port, 7),
			      "switch 0x%" PRIx64 ": one table in all three formats", a->guid);
		}
	for (int i = 0; i < 3; i++) {
		struct fp_issue *v = NULL;
		unsigned n = 99;

		CHECK(!fp_routes_check(&r[i], t, &v, &n) && n == 0,
		      "%s: a healthy SM's tables have no findings (%u, first: %s)", names[i], n,
		      n && v ? v[0].text : "");
		free(v);
		fp_routes_destroy(&r[i]);
	}
	free(trace);
}

/* fixture name, then what topo check must say (every string in one finding) */
static void finds(const struct fp_topo *t, const char *name, const char *a, const char *b)
{
	struct fp_routes r;
	struct fp_issue *v = NULL;
	unsigned n = 0, hit = 0;

	load(&r, t, name);
	CHECK(!fp_routes_check(&r, t, &v, &n), "%s: check ran", name);
	for (unsigned i = 0; i < n; i++)
		hit += strstr(v[i].text, a) && strstr(v[i].text, b);
	CHECK(hit == 1, "%s: one finding with '%s' and '%s' (of %u)", name, a, b, n);
	free(v);
	fp_routes_destroy(&r);
}

static void broken(struct fp_topo *t)
{
	struct fp_routes r;
	unsigned links[16];
	int at = -1;

	finds(t, "loop.lfts", "LID 6 (Hca4): forwarding loop", "Switch");
	finds(t, "loop.lfts", "credit loop", "Switch1/3");
	finds(t, "missing.lfts", "Switch2 has no route to 1 LID", "2 (Hca1)");
	finds(t, "unbalanced.lfts", "Switch1: parallel links", "port 3: 2, port 5: 0");
	load(&r, t, "loop.lfts");
	CHECK(fp_routes_path(&r, t, fp_topo_find(t, "Hca1"), 6, links, 16, &at) == -ELOOP,
	      "a looping LID is -ELOOP");
	fp_routes_destroy(&r);
	load(&r, t, "missing.lfts");
	CHECK(fp_routes_path(&r, t, fp_topo_find(t, "Hca4"), 2, links, 16, &at) == -EHOSTUNREACH &&
		      at == fp_topo_find(t, "Switch2"),
	      "a missing LID stops at the switch without it");
	fp_routes_destroy(&r);
	/* a route out of a port that is down: Switch1 port 5 (to Switch2) */
	load(&r, t, "2sw.opensm-lfts");
	int lk = fp_routes_port_link(t, fp_topo_find(t, "Switch1"), 5);

	CHECK(lk >= 0, "Switch1 port 5 has a cable");
	if (lk >= 0) {
		t->links[lk].up = false;
		finds(t, "2sw.opensm-lfts", "Switch1 routes 1 LIDs out of port 5", "down");
		CHECK(fp_routes_path(&r, t, fp_topo_find(t, "Hca1"), 6, links, 16, NULL) ==
			      -ENETDOWN,
		      "a route out of a down port is -ENETDOWN");
		t->links[lk].up = true;
	}
	fp_routes_destroy(&r);
}

/*
 * The router's hook: with tables, fp_route_path is the tables' path; with LMC 1 Hca4 has
 * LIDs 6 and 7, routed over Switch1's two parallel links, and the flow hash picks its DLID.
 */
static void router(const struct fp_topo *t)
{
	static const char lmc[] =
		"Unicast lids [0-7] of switch Lid 1 guid 0x0000000000200000 ('Switch1'):\n"
		"0x0001 000 # Switch portguid 0x0000000000200000: 'Switch1'\n"
		"0x0002 001 # Channel Adapter portguid 0x0000000000100001: 'Hca1'\n"
		"0x0006 003 # Channel Adapter portguid 0x000000000010000a: 'Hca4'\n"
		"0x0007 005 # Channel Adapter portguid 0x000000000010000a: 'Hca4'\n"
		"Unicast lids [0-7] of switch Lid 3 guid 0x0000000000200001 ('Switch2'):\n"
		"0x0002 003 # Channel Adapter portguid 0x0000000000100001: 'Hca1'\n"
		"0x0006 002 # Channel Adapter portguid 0x000000000010000a: 'Hca4'\n"
		"0x0007 002 # Channel Adapter portguid 0x000000000010000a: 'Hca4'\n";
	int h1 = fp_topo_find(t, "Hca1"), h4 = fp_topo_find(t, "Hca4");
	unsigned links[16], used3 = 0, used5 = 0, n = 0;
	struct fp_router rt;
	struct fp_routes r;
	char err[256];

	fp_routes_init(&r);
	CHECK(!fp_routes_parse(&r, lmc, sizeof(lmc) - 1, "lmc", err, sizeof(err)) &&
		      !fp_routes_join(&r, t, err, sizeof(err)),
	      "%s", err);
	CHECK(fp_routes_lid_of(&r, h4, &n) == 6 && n == 2, "Hca4: LIDs 6 and 7 (%u)", n);
	CHECK(!fp_router_init(&rt, t), "router");
	fp_router_use_lft(&rt, &r);
	for (uint64_t hash = 0; hash < 16; hash++) {
		int k = fp_route_path(&rt, h1, h4, hash, links, 16);
		int up = k == 3 ? fp_routes_port_link(t, fp_topo_find(t, "Switch1"), 3) : -2;

		CHECK(k == 3, "Hca1 -> Hca4 is 3 hops by the tables: %d", k);
		used3 += k == 3 && (int)links[1] == up;
		used5 += k == 3 && (int)links[1] != up;
	}
	CHECK(used3 && used5 && used3 + used5 == 16, "flows use both LIDs: port 3 %u, port 5 %u",
	      used3, used5);
	CHECK(fp_route_path(&rt, h4, h1, 0, links, 16) == 3, "and back by Switch2's table");
	fp_router_destroy(&rt);
	fp_routes_destroy(&r);
}

static void bad(const char *text, const char *what)
{
	struct fp_routes r;
	char err[256] = "";

	fp_routes_init(&r);
	CHECK(fp_routes_parse(&r, text, strlen(text), "bad", err, sizeof(err)) == -EINVAL &&
		      strstr(err, what),
	      "'%s': %s", what, err);
	fp_routes_destroy(&r);
}

int main(void)
{
	struct fp_topo t;
	char err[256];

	fp_topo_init(&t);
	CHECK(!fp_topo_load(&t, fixture("2sw.ibnet"), err, sizeof(err)), "%s", err);
	if (t.nnodes == 6) {
		real_tables(&t);
		broken(&t);
		router(&t);
	}
	bad("", "no forwarding tables");
	bad("0x0001 001\n", "before any switch header");
	bad("Unicast lids [0-1] of switch Lid 1:\n", "without a guid");
	bad("Unicast lids [0-1] of switch Lid 1 guid 0x1 (a):\n0xc000 001\n", "not a unicast LID");
	bad("Unicast lids [0-1] of switch Lid 1 guid 0x1 (a):\n0x0002 1\n0x0002 2\n", "twice");
	bad("Unicast lids [0-1] of switch Lid 1 guid 0x1 (a):\n0x0002 x\n", "not a route line");
	bad("Unicast lids [0-1] of switch Lid 1 guid 0x1 (a):\n0x0002 256\n", "port out of range");
	bad("Unicast lids [0-1] of switch Lid 1 guid 0x1 (a):\nUnicast lids [0-1] of switch Lid 1 "
	    "guid 0x1 (a):\n",
	    "a second table");
	{
		/* ibroute -M output in the same file: its mask lines are no unicast routes */
		static const char mc[] =
			"Multicast mlids [0xc000-0xc001] of switch Lid 1 guid 0x1 (a):\n"
			"0xc000  0 1 0\n"
			"Unicast lids [0x0-0x2] of switch Lid 1 guid 0x1 (a):\n0x0002 003 : (x)\n";
		struct fp_routes r;

		fp_routes_init(&r);
		CHECK(!fp_routes_parse(&r, mc, sizeof(mc) - 1, "mc", err, sizeof(err)) &&
			      r.nsw == 1 && r.sw[0].port[2] == 3 && !strcmp(r.sw[0].name, "a"),
		      "multicast tables skipped: %s", err);
		fp_routes_destroy(&r);
	}
	fp_topo_destroy(&t);
	return t_done("topo_routes");
}
