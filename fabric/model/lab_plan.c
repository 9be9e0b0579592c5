// SPDX-License-Identifier: MIT
/*
 * The virtual lab's build plan from a topology: namespaces, veth pairs with addresses and
 * rates, management addresses, and per-switch ECMP routes. scripts/lab executes it line by
 * line; nothing here touches the system.
 *
 * Address plan (documented in scripts/lab/README.md): link i is the /30 10.99.(i/64).(4*(i%64))
 * with .1 on end a and .2 on end b; a host's address is its address on its link; host k's
 * management address is 10.98.0.(k+1)/24; the control namespace is 10.98.0.254.
 * Interfaces are fpl<link index>, but a host's own is its endpoint's `ifname` when it has a
 * lab-safe one; a host's node line ends with its endpoint's server (`host`), "-" if none.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab_plan.h"
#include "route.h"

static void link_ip(unsigned i, int end, char *buf, size_t len)
{
	snprintf(buf, len, "10.99.%u.%u", i / 64, 4 * (i % 64) + 1 + (unsigned)end);
}

static bool name_ok(const char *s)
{
	if (!*s || strlen(s) > 10)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return false;
	return true;
}

/* an interface name for end (0 a, 1 b) of link i: a host's ifname, else fpl<i> */
static void if_name(const struct fp_topo *t, unsigned i, int end, char *buf, size_t len)
{
	const struct fp_node *n = &t->nodes[end ? t->links[i].b : t->links[i].a];

	if (n->kind == FP_HOST && name_ok(n->id.ifname))
		snprintf(buf, len, "%s", n->id.ifname);
	else
		snprintf(buf, len, "fpl%u", i);
}

int fp_lab_plan(const struct fp_topo *t, FILE *f, char *err, size_t el)
{
	struct fp_router r;
	int *host_of, nh = 0;
	unsigned nl[64];
	int ret;

	if (t->nlinks > 16384) {
		snprintf(err, el, "the lab addresses at most 16384 links, this topology has %u",
			 t->nlinks);
		return -E2BIG;
	}
	for (unsigned i = 0; i < t->nnodes; i++) {
		const struct fp_node *n = &t->nodes[i];

		if (!name_ok(n->name)) {
			snprintf(err, el,
				 "node '%s': lab node names are 1-10 letters, digits, '_' "
				 "or '.' (they become namespace and interface names)",
				 n->name);
			return -EINVAL;
		}
		if (n->kind == FP_HOST) {
			if (t->adj_off[i + 1] - t->adj_off[i] != 1) {
				snprintf(err, el,
					 "host '%s' has %u links; the lab builds single-homed "
					 "hosts only",
					 n->name, t->adj_off[i + 1] - t->adj_off[i]);
				return -EINVAL;
			}
			nh++;
		}
	}
	if (nh > 253) {
		snprintf(err, el, "the lab's management network holds 253 hosts, not %d", nh);
		return -E2BIG;
	}
	host_of = malloc(sizeof(*host_of) * (nh ? nh : 1));
	if (!host_of)
		return -ENOMEM;
	fp_topo_hosts(t, host_of, (unsigned)nh);
	ret = fp_router_init(&r, t);
	if (ret) {
		free(host_of);
		return ret;
	}
	fprintf(f, "lab %s %d %u %u\n", t->name[0] ? t->name : "fabric", nh, t->nnodes - nh,
		t->nlinks);
	for (unsigned i = 0, k = 0; i < t->nnodes; i++) {
		const struct fp_node *n = &t->nodes[i];

		if (n->kind == FP_HOST) {
			char ip[32];
			const struct fp_link *l = &t->links[t->adj[t->adj_off[i]]];

			link_ip(t->adj[t->adj_off[i]], l->a == (int)i ? 0 : 1, ip, sizeof(ip));
			fprintf(f, "node %s host %u 10.98.0.%u %s %s\n", n->name, k, k + 1, ip,
				name_ok(n->id.host) ? n->id.host : "-");
			k++;
		} else {
			fprintf(f, "node %s switch - - -\n", n->name);
		}
	}
	for (unsigned i = 0; i < t->nlinks; i++) {
		const struct fp_link *l = &t->links[i];
		char a[32], b[32], ia[32], ib[32];

		link_ip(i, 0, a, sizeof(a));
		link_ip(i, 1, b, sizeof(b));
		if_name(t, i, 0, ia, sizeof(ia));
		if_name(t, i, 1, ib, sizeof(ib));
		/* tbf takes integer kbit: keep the rate exact to 1 kbit/s */
		fprintf(f, "link %u %s %s %s/30 %s %s %s/30 %.0f %s %s %s %s\n", i,
			t->nodes[l->a].name, ia, a, t->nodes[l->b].name, ib, b, l->gbps * 1e6,
			fp_media_name(l->media), l->pa, l->pb, l->up ? "up" : "down");
	}
	for (int k = 0; k < nh && !ret; k++) {
		int h = host_of[k];
		const struct fp_link *hl = &t->links[t->adj[t->adj_off[h]]];
		char dst[32];

		link_ip(t->adj[t->adj_off[h]], hl->a == h ? 0 : 1, dst, sizeof(dst));
		for (unsigned s = 0; s < t->nnodes; s++) {
			unsigned n;

			if (t->nodes[s].kind != FP_SWITCH)
				continue;
			n = fp_route_nexthops(&r, (int)s, h, nl, 64);
			if (!n || fp_link_peer(&t->links[nl[0]], (int)s) == h)
				continue; /* unreachable, or a connected /30 covers it */
			fprintf(f, "route %s %s/32", t->nodes[s].name, dst);
			for (unsigned j = 0; j < n && j < 64; j++) {
				const struct fp_link *l = &t->links[nl[j]];
				char via[32];

				link_ip(nl[j], l->a == (int)s ? 1 : 0, via, sizeof(via));
				fprintf(f, " %s", via);
			}
			fputc('\n', f);
		}
		/* the host: everything in the fabric through its leaf */
		{
			char via[32];

			link_ip(t->adj[t->adj_off[h]], hl->a == h ? 1 : 0, via, sizeof(via));
			fprintf(f, "route %s 10.99.0.0/16 %s\n", t->nodes[h].name, via);
		}
	}
	fp_router_destroy(&r);
	free(host_of);
	return ret;
}
