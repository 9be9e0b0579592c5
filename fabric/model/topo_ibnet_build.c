// SPDX-License-Identifier: MIT
/*
 * From an ibnetdiscover dump as read (topo_ibnet.c) to the model, as real fabrics look:
 * - A switch's SHARP "Aggregation Node" CA sits inside the switch: it is a note on that
 *   switch, never a host (it would get ranks, and make every switch one hop from "a host").
 * - "HOST mlx5_N" is the N-th HCA of server HOST: an endpoint with host HOST, device
 *   mlx5_N and rail N. Its node GUID and port GUID are its identity.
 * - A node left at its default description ("MT4129 ConnectX7 Mellanox Technologies"),
 *   with none, or with one that other nodes share is named by its GUID, so no two
 *   collide and none takes a name by the order of the dump.
 * - Every cable is listed from both of its ends; one seen from a single end means the
 *   dump was cut short, and it is refused rather than imported half.
 * - Tiers count hops from compute endpoints: leaf 1, spine 2, core 3.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo_format.h"
#include "topo_ibnet.h"

/* "MT4129 ConnectX7 Mellanox Technologies", "Quantum Mellanox Technologies", "" */
static bool default_desc(const char *d)
{
	return !*d || (d[0] == 'M' && d[1] == 'T' && isdigit((unsigned char)d[2])) ||
	       strstr(d, "Mellanox Technologies");
}

/* "node1 mlx5_3": host "node1", device "mlx5_3", rail 3; false for any other shape */
static bool host_dev(const char *d, char *host, size_t hl, char *dev, size_t dl, int *rail)
{
	const char *sp = strchr(d, ' '), *us;
	size_t n = sp ? (size_t)(sp - d) : 0;

	if (!sp || !n || n >= hl || strchr(sp + 1, ' ') || strlen(sp + 1) >= dl)
		return false;
	us = strrchr(sp + 1, '_');
	if (!us || us == sp + 1 || !us[1] || strspn(us + 1, "0123456789") != strlen(us + 1) ||
	    strlen(us + 1) > 4)
		return false;
	memcpy(host, d, n);
	host[n] = 0;
	snprintf(dev, dl, "%s", sp + 1);
	*rail = atoi(us + 1);
	return true;
}

/* the name a node's description gives: a switch's "MF0;name:model/U1" is "name" */
static void desc_name(const struct fp_ib_node *n, char *name, size_t len)
{
	const char *semi = strchr(n->desc, ';');
	char tmp[128];

	snprintf(tmp, sizeof(tmp), "%s", semi ? semi + 1 : n->desc);
	if (semi && strchr(tmp, ':'))
		*strchr(tmp, ':') = 0;
	if (default_desc(n->desc))
		tmp[0] = 0;
	fp_topo_sanitize(tmp, name, len);
}

/* how many nodes give each name: a name shared is nobody's */
static int count_names(const struct fp_ib_ctx *c, unsigned *cnt)
{
	unsigned cap = 64, *slot;
	char (*nm)[FP_NAME_LEN] = malloc(sizeof(*nm) * (c->nn + 1));

	while (cap < 2 * c->nn + 2)
		cap *= 2;
	slot = malloc(sizeof(*slot) * cap);
	if (!nm || !slot) {
		free(nm);
		free(slot);
		return -ENOMEM;
	}
	memset(slot, 0xff, sizeof(*slot) * cap);
	for (unsigned i = 0; i < c->nn; i++) {
		unsigned h;

		desc_name(&c->nodes[i], nm[i], sizeof(nm[i]));
		cnt[i] = 1;
		if (!nm[i][0] || c->nodes[i].agg)
			continue;
		for (h = (unsigned)fp_name_hash(nm[i]) & (cap - 1); slot[h] != UINT32_MAX;
		     h = (h + 1) & (cap - 1))
			if (!strcmp(nm[slot[h]], nm[i]))
				break;
		if (slot[h] == UINT32_MAX)
			slot[h] = i;
		else
			cnt[i] = ++cnt[slot[h]];
	}
	/* every holder of a shared name learns the final count from its first holder */
	for (unsigned i = 0; i < c->nn; i++) {
		unsigned h;

		if (!nm[i][0] || c->nodes[i].agg)
			continue;
		for (h = (unsigned)fp_name_hash(nm[i]) & (cap - 1); strcmp(nm[slot[h]], nm[i]);
		     h = (h + 1) & (cap - 1))
			;
		cnt[i] = cnt[slot[h]];
	}
	free(nm);
	free(slot);
	return 0;
}

static int add_node(struct fp_ib_ctx *c, struct fp_topo *t, unsigned i, bool unique)
{
	struct fp_ib_node *p = &c->nodes[i];
	char name[FP_NAME_LEN] = "", host[FP_NAME_LEN], dev[24];
	struct fp_node *n;
	int rail = -1, idx;

	if (unique)
		desc_name(p, name, sizeof(name));
	if (!name[0] || fp_topo_find(t, name) >= 0)
		fp_topo_sanitize(p->id, name, sizeof(name));
	if (fp_topo_find(t, name) >= 0)
		return fp_ib_bad(c, p->line, "node %s appears twice", p->id);
	idx = fp_topo_add_node(t, name, p->sw ? FP_SWITCH : FP_HOST, p->sw ? 1 : 0);
	if (idx < 0)
		return idx;
	p->node = idx;
	n = &t->nodes[idx];
	n->line = p->line;
	/* "S-0002c903007b8b10" -> guid 0x0002c903007b8b10 */
	if (strlen(p->id) > 2 && p->id[1] == '-' && !p->by_port) {
		char g[24];

		snprintf(g, sizeof(g), "0x%.18s", p->id + 2);
		fp_topo_sanitize(g, n->id.guid, sizeof(n->id.guid));
	}
	if (p->sw)
		return 0;
	/* what the dump says goes through the same sanitizer as names: a written file loads */
	fp_topo_sanitize(p->pguid, n->id.port_guid, sizeof(n->id.port_guid));
	if (unique && host_dev(p->desc, host, sizeof(host), dev, sizeof(dev), &rail)) {
		fp_topo_sanitize(host, n->id.host, sizeof(n->id.host));
		fp_topo_sanitize(dev, n->id.dev, sizeof(n->id.dev));
		snprintf(n->group, sizeof(n->group), "%s", n->id.host);
		n->rail = rail;
	}
	return 0;
}

static int add_nodes(struct fp_ib_ctx *c, struct fp_topo *t)
{
	unsigned *cnt = malloc(sizeof(*cnt) * (c->nn + 1));
	int ret = cnt ? count_names(c, cnt) : -ENOMEM;

	for (unsigned i = 0; i < c->nn && !ret; i++)
		if (!c->nodes[i].agg)
			ret = add_node(c, t, i, cnt[i] == 1);
	free(cnt);
	return ret;
}

/* ports hashed by (node, port number) to the links on them, for the both-ends join */
static uint64_t port_key(int node, int port)
{
	return (uint64_t)(unsigned)node << 16 | (unsigned)port;
}

static unsigned key_slot(uint64_t k, unsigned cap)
{
	return (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* the link already made for (a:pa <-> b:pb) from its other end, or -1 */
static int seen_link(const struct fp_topo *t, const uint64_t *key, const unsigned *val,
		     unsigned cap, int a, int pa, int b, int pb)
{
	uint64_t k = port_key(a, pa);

	for (unsigned h = key_slot(k, cap); val[h] != UINT32_MAX; h = (h + 1) & (cap - 1)) {
		const struct fp_link *l = &t->links[val[h]];

		if (key[h] == k && l->a == b && atoi(l->pa) == pb && l->b == a &&
		    atoi(l->pb) == pa)
			return (int)val[h];
	}
	return -1;
}

static void key_put(uint64_t *key, unsigned *val, unsigned cap, uint64_t k, unsigned v)
{
	unsigned h = key_slot(k, cap);

	while (val[h] != UINT32_MAX)
		h = (h + 1) & (cap - 1);
	key[h] = k;
	val[h] = v;
}

/* a cable to a switch-internal CA: a note on the switch, no link */
static void note_internal(struct fp_ib_ctx *c, struct fp_topo *t, int a, int b)
{
	int sw = c->nodes[a].agg ? c->nodes[b].node : c->nodes[a].node;
	char id[32];

	fp_topo_sanitize(c->nodes[c->nodes[a].agg ? a : b].id, id, sizeof(id));
	if (sw >= 0 && !t->nodes[sw].note[0])
		snprintf(t->nodes[sw].note, sizeof(t->nodes[sw].note), "SHARP aggregation node %s",
			 id);
}

static int one_link(struct fp_ib_ctx *c, struct fp_topo *t, const struct fp_ib_port *pd,
		    uint64_t *key, unsigned *val, unsigned cap, unsigned char *ends)
{
	int b = fp_ib_find(c, pd->rid), na, nb, li;
	char pa[16], pb[16];

	if (b < 0)
		return fp_ib_bad(c, pd->line, "port links to %s, which is not in the file",
				 pd->rid);
	if (c->nodes[pd->a].agg || c->nodes[b].agg) {
		note_internal(c, t, pd->a, b);
		return 0;
	}
	na = c->nodes[pd->a].node;
	nb = c->nodes[b].node;
	li = seen_link(t, key, val, cap, na, pd->pa, nb, pd->pb);
	if (li >= 0) {
		ends[li]++;
		return 0;
	}
	snprintf(pa, sizeof(pa), "%d", pd->pa);
	snprintf(pb, sizeof(pb), "%d", pd->pb);
	li = fp_topo_add_link(t, na, pa, nb, pb, pd->lanes * fp_ib_speeds[pd->speed].g,
			      FP_MEDIA_UNKNOWN);
	if (li < 0)
		return li;
	t->links[li].lanes = pd->lanes;
	t->links[li].lane_gbps = fp_ib_speeds[pd->speed].g;
	t->links[li].line = pd->line;
	ends[li] = 1;
	key_put(key, val, cap, port_key(nb, pd->pb), (unsigned)li);
	return 0;
}

/* every port line a link, each cable once; a cable seen from one end only is refused */
static int resolve_links(struct fp_ib_ctx *c, struct fp_topo *t)
{
	unsigned cap = 64, *val;
	unsigned char *ends = calloc(c->np + 1, 1);
	uint64_t *key;
	int ret = 0;

	while (cap < 4 * (size_t)c->np + 4)
		cap *= 2;
	key = malloc(sizeof(*key) * cap);
	val = malloc(sizeof(*val) * cap);
	if (!key || !val || !ends) {
		ret = -ENOMEM;
		goto out;
	}
	memset(val, 0xff, sizeof(*val) * cap);
	for (unsigned i = 0; i < c->np && !ret; i++)
		ret = one_link(c, t, &c->pend[i], key, val, cap, ends);
	for (unsigned i = 0; i < t->nlinks && !ret; i++)
		if (ends[i] != 2) {
			const struct fp_link *l = &t->links[i];
			char what[200];

			snprintf(what, sizeof(what), "%s port %s <-> %s port %s", t->nodes[l->a].name,
				 l->pa, t->nodes[l->b].name, l->pb);
			ret = fp_ib_bad(c, l->line,
					ends[i] < 2 ? "%s is listed from one end only: a truncated "
						      "dump?"
						    : "%s is listed more than twice",
					what);
		}
out:
	free(key);
	free(val);
	free(ends);
	return ret;
}

static int speed_of(double lane)
{
	for (int i = 0; i < FP_IB_NSPEEDS; i++)
		if (fp_ib_speeds[i].g == lane)
			return i;
	return 0;
}

/*
 * ibnetdiscover shows the active width only. A link narrower than the widest link of the
 * same lane rate on either of its nodes most likely trained down (a 2x among 4x is a
 * classic bad cable): record the wide width as its capability and the narrow one as trained.
 */
static int trained_down(struct fp_topo *t)
{
	int *widest = calloc((size_t)t->nnodes * FP_IB_NSPEEDS + 1, sizeof(*widest));

	if (!widest)
		return -ENOMEM;
	for (unsigned i = 0; i < t->nlinks; i++) {
		const struct fp_link *l = &t->links[i];
		int s = speed_of(l->lane_gbps);
		int *wa = &widest[l->a * FP_IB_NSPEEDS + s], *wb = &widest[l->b * FP_IB_NSPEEDS + s];

		*wa = l->lanes > *wa ? l->lanes : *wa;
		*wb = l->lanes > *wb ? l->lanes : *wb;
	}
	for (unsigned i = 0; i < t->nlinks; i++) {
		struct fp_link *l = &t->links[i];
		int s = speed_of(l->lane_gbps), w = widest[l->a * FP_IB_NSPEEDS + s];

		if (widest[l->b * FP_IB_NSPEEDS + s] > w)
			w = widest[l->b * FP_IB_NSPEEDS + s];
		if (w > l->lanes) {
			l->trained_lanes = l->lanes;
			l->trained_gbps = l->gbps;
			l->lanes = w;
			l->gbps = w * l->lane_gbps;
		}
	}
	free(widest);
	return 0;
}

int fp_ib_build(struct fp_ib_ctx *c, struct fp_topo *t)
{
	int ret = add_nodes(c, t);

	if (!ret)
		ret = resolve_links(c, t);
	if (!ret)
		ret = trained_down(t);
	if (!ret && !t->nlinks) {
		snprintf(c->err, c->errlen,
			 "%s: %u nodes but no connected ports: truncated ibnetdiscover output?",
			 c->src, t->nnodes);
		ret = -EINVAL;
	}
	if (!ret)
		ret = fp_topo_index(t);
	if (!ret)
		ret = fp_topo_set_tiers(t);
	return ret;
}
