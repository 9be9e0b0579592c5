// SPDX-License-Identifier: MIT
/*
 * LFT importers and the path the tables give. The three outputs share their lines:
 *
 *   ibroute / dump_lfts: "Unicast lids [0x0-0x6] of switch Lid 1 guid 0x... (Switch1):"
 *                        (dump_lfts: "... of switch DR path slid 0; dlid 0; 0,3 guid 0x...")
 *                        "0x0002 001 : (Channel Adapter portguid 0x...: 'Hca1')"
 *   opensm-lfts.dump:    "Unicast lids [0-6] of switch Lid 1 guid 0x... ('Switch1'):"
 *                        "0x0002 001 # Channel Adapter portguid 0x...: 'Hca1'"
 *
 * Everything else (column heads, "N valid lids dumped", dump_lfts' deprecation warning,
 * ibwarn lines, and multicast tables from "Multicast mlids" to the next unicast header)
 * carries no unicast route and is skipped.
 */
#include "topo_routes.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/file.h"

void fp_routes_init(struct fp_routes *r)
{
	memset(r, 0, sizeof(*r));
}

void fp_routes_destroy(struct fp_routes *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->nsw; i++)
		free(r->sw[i].port);
	free(r->sw);
	free(r->lid);
	free(r->lft_of);
	free(r->base_of);
	free(r->nlids_of);
	memset(r, 0, sizeof(*r));
}

struct rp {
	struct fp_routes *r;
	const char *src;
	char *err;
	size_t errlen;
	int line;
	bool mcast; /* inside a multicast table (ibroute -M): skipped */
};

static int bad(struct rp *p, const char *what, const char *arg)
{
	snprintf(p->err, p->errlen, "%s:%d: %s%s", p->src, p->line, what, arg ? arg : "");
	return -EINVAL;
}

/* grow every table and the LID list to hold lid */
static int grow_lids(struct fp_routes *r, unsigned lid)
{
	unsigned n = r->nlid ? r->nlid : 64;
	struct fp_lid *nl;

	if (lid < r->nlid)
		return 0;
	while (n <= lid)
		n *= 2;
	if (n > FP_LID_MAX + 1)
		n = FP_LID_MAX + 1;
	nl = realloc(r->lid, sizeof(*nl) * n);
	if (!nl)
		return -ENOMEM;
	memset(nl + r->nlid, 0, sizeof(*nl) * (n - r->nlid));
	r->lid = nl;
	for (unsigned i = 0; i < r->nsw; i++) {
		uint8_t *np = realloc(r->sw[i].port, n);

		if (!np)
			return -ENOMEM;
		memset(np + r->nlid, FP_LFT_NONE, n - r->nlid);
		r->sw[i].port = np;
	}
	r->nlid = n;
	return 0;
}

/* the hex number after key in s, into *v; false when key is absent or not followed by one */
static bool hex_after(const char *s, const char *key, uint64_t *v)
{
	const char *q = strstr(s, key);
	char *end;

	if (!q)
		return false;
	q += strlen(key);
	if (!isxdigit((unsigned char)*q))
		return false;
	*v = strtoull(q, &end, 16);
	return end != q;
}

static int header(struct rp *p, const char *s)
{
	struct fp_routes *r = p->r;
	struct fp_lft *w;
	const char *q;
	uint64_t g;
	unsigned n = r->nlid;

	if (!hex_after(s, " guid 0x", &g) || !g)
		return bad(p, "switch header without a guid: ", s);
	for (unsigned i = 0; i < r->nsw; i++)
		if (r->sw[i].guid == g)
			return bad(p, "a second table for switch guid ", strstr(s, "0x"));
	if (r->nsw == r->capsw) {
		unsigned cap = r->capsw ? r->capsw * 2 : 16;
		struct fp_lft *ns = realloc(r->sw, sizeof(*ns) * cap);

		if (!ns)
			return -ENOMEM;
		r->sw = ns;
		r->capsw = cap;
	}
	w = &r->sw[r->nsw];
	memset(w, 0, sizeof(*w));
	w->guid = g;
	w->line = p->line;
	w->node = -1;
	q = strstr(s, "switch Lid ");
	if (q)
		w->lid = atoi(q + 11);
	if (w->lid < 0 || w->lid > FP_LID_MAX)
		return bad(p, "switch LID out of range: ", s);
	/* the name: "(Switch1):" or "('Switch1'):" after the guid */
	q = strchr(strstr(s, " guid 0x") + 8, '(');
	if (q) {
		size_t k;

		q += 1 + (q[1] == '\'');
		k = strcspn(q, "')");
		if (k >= FP_NAME_LEN)
			k = FP_NAME_LEN - 1;
		memcpy(w->name, q, k);
		w->name[k] = 0;
	}
	w->port = malloc(n ? n : 1);
	if (!w->port)
		return -ENOMEM;
	memset(w->port, FP_LFT_NONE, n ? n : 1);
	r->nsw++;
	return 0;
}

static int entry(struct rp *p, const char *s)
{
	struct fp_routes *r = p->r;
	unsigned long lid, port;
	struct fp_lft *w;
	uint64_t g = 0;
	char *end;
	int ret;

	lid = strtoul(s, &end, 16);
	if (end == s + 2 || !isspace((unsigned char)*end))
		return bad(p, "not a route line (LID PORT): ", s);
	while (isspace((unsigned char)*end))
		end++;
	if (!isdigit((unsigned char)*end))
		return bad(p, "not a route line (LID PORT): ", s);
	port = strtoul(end, &end, 10);
	if (*end && !isspace((unsigned char)*end))
		return bad(p, "not a route line (LID PORT): ", s);
	if (!r->nsw)
		return bad(p, "a route before any switch header: ", s);
	if (lid == 0 || lid > FP_LID_MAX)
		return bad(p, "not a unicast LID: ", s);
	if (port > FP_LFT_NONE)
		return bad(p, "port out of range: ", s);
	ret = grow_lids(r, (unsigned)lid);
	if (ret)
		return ret;
	w = &r->sw[r->nsw - 1];
	if (w->port[lid] != FP_LFT_NONE)
		return bad(p, "a LID listed twice for one switch: ", s);
	w->port[lid] = (uint8_t)port;
	if (hex_after(end, "portguid 0x", &g) && g) {
		struct fp_lid *l = &r->lid[lid];

		if (l->guid && l->guid != g)
			return bad(p, "a LID that two tables give to different ports: ", s);
		l->guid = g;
		l->sw = strstr(end, "Switch portguid") != NULL;
	}
	return 0;
}

static int line(struct rp *p, const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (!strncmp(s, "Multicast mlids", 15))
		p->mcast = true;
	if (!strncmp(s, "Unicast lids", 12)) {
		p->mcast = false;
		return header(p, s);
	}
	if (s[0] == '0' && s[1] == 'x' && !p->mcast)
		return entry(p, s);
	return 0;
}

int fp_routes_parse(struct fp_routes *r, const char *text, size_t len, const char *src, char *err,
		    size_t errlen)
{
	struct rp p = { r, src, err, errlen, 0, false };
	char buf[512];
	size_t i = 0;
	int ret = 0;

	fp_routes_destroy(r);
	snprintf(r->source, sizeof(r->source), "%s", src);
	while (i < len && !ret) {
		size_t k = 0;

		p.line++;
		while (i < len && text[i] != '\n') {
			if (!text[i]) {
				ret = bad(&p, "a NUL byte", NULL);
				break;
			}
			if (k + 1 < sizeof(buf))
				buf[k++] = text[i];
			i++;
		}
		i++;
		if (ret)
			break;
		while (k && (buf[k - 1] == '\r' || buf[k - 1] == ' '))
			k--;
		buf[k] = 0;
		ret = line(&p, buf);
	}
	if (!ret && !r->nsw) {
		snprintf(err, errlen, "%s: no forwarding tables (no \"Unicast lids ... of switch\" line)",
			 src);
		ret = -EINVAL;
	}
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", src);
	if (ret)
		fp_routes_destroy(r);
	return ret;
}

static int routes_parse(void *r, const char *text, size_t len, const char *path, char *err,
			size_t errlen)
{
	return fp_routes_parse(r, text, len, path, err, errlen);
}

int fp_routes_load(struct fp_routes *r, const char *path, char *err, size_t errlen)
{
	return fp_parse_file(path, 256u << 20, routes_parse, r, err, errlen);
}

static uint64_t guid_of(const char *s)
{
	return s[0] ? strtoull(s, NULL, 16) : 0;
}

/* the node whose GUID (switches) or port GUID or node GUID (CAs) is g, or -1 */
static int node_by_guid(const struct fp_topo *t, uint64_t g, bool sw)
{
	for (unsigned i = 0; i < t->nnodes; i++) {
		const struct fp_node *n = &t->nodes[i];

		if ((n->kind == FP_SWITCH) != sw)
			continue;
		if (guid_of(n->id.guid) == g || (!sw && guid_of(n->id.port_guid) == g))
			return (int)i;
	}
	return -1;
}

int fp_routes_join(struct fp_routes *r, const struct fp_topo *t, char *err, size_t errlen)
{
	unsigned joined = 0, nn = t->nnodes ? t->nnodes : 1;

	free(r->lft_of);
	free(r->base_of);
	free(r->nlids_of);
	r->nnodes = t->nnodes;
	r->lft_of = malloc(sizeof(*r->lft_of) * nn);
	r->base_of = calloc(nn, sizeof(*r->base_of));
	r->nlids_of = calloc(nn, sizeof(*r->nlids_of));
	if (!r->lft_of || !r->base_of || !r->nlids_of) {
		snprintf(err, errlen, "%s: out of memory", r->source);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nnodes; i++)
		r->lft_of[i] = -1;
	for (unsigned i = 0; i < r->nsw; i++) {
		struct fp_lft *w = &r->sw[i];

		w->node = node_by_guid(t, w->guid, true);
		if (w->node >= 0) {
			r->lft_of[w->node] = (int)i;
			joined++;
		}
		/* a switch's own LID is the one it routes to port 0 */
		if (w->lid > 0 && (unsigned)w->lid < r->nlid && !r->lid[w->lid].guid) {
			r->lid[w->lid].guid = w->guid;
			r->lid[w->lid].sw = true;
		}
	}
	r->nknown = 0;
	for (unsigned l = 0; l < r->nlid; l++) {
		int n = r->lid[l].guid ? node_by_guid(t, r->lid[l].guid, r->lid[l].sw) : -1;

		r->lid[l].node = n;
		r->nknown += r->lid[l].guid != 0;
		if (n < 0)
			continue;
		if (!r->base_of[n])
			r->base_of[n] = l;
		r->nlids_of[n]++;
	}
	if (!joined) {
		snprintf(err, errlen, "%s: no switch of its tables is in the topology %s (by GUID)",
			 r->source, t->source[0] ? t->source : t->name);
		return -EINVAL;
	}
	return 0;
}

int fp_routes_open(struct fp_routes *r, const char *path, const struct fp_topo *t, char *err,
		   size_t errlen)
{
	int ret = fp_routes_load(r, path, err, errlen);

	if (!ret)
		ret = fp_routes_join(r, t, err, errlen);
	if (ret)
		fp_routes_destroy(r);
	return ret;
}

unsigned fp_routes_lid_of(const struct fp_routes *r, int node, unsigned *count)
{
	if (node < 0 || (unsigned)node >= r->nnodes)
		return 0;
	if (count)
		*count = r->nlids_of[node];
	return r->base_of[node];
}

int fp_routes_port_link(const struct fp_topo *t, int node, int p)
{
	for (unsigned k = t->adj_off[node]; k < t->adj_off[node + 1]; k++) {
		const struct fp_link *l = &t->links[t->adj[k]];

		if ((l->a == node && atoi(l->pa) == p) || (l->b == node && atoi(l->pb) == p))
			return (int)t->adj[k];
	}
	return -1;
}

/* a CA's way into the fabric: its first link that is up */
static int host_uplink(const struct fp_topo *t, int node)
{
	for (unsigned k = t->adj_off[node]; k < t->adj_off[node + 1]; k++)
		if (t->links[t->adj[k]].up)
			return (int)t->adj[k];
	return -1;
}

int fp_routes_path(const struct fp_routes *r, const struct fp_topo *t, int src, unsigned dlid,
		   unsigned *links, unsigned max, int *at)
{
	int node = src, dst = dlid < r->nlid ? r->lid[dlid].node : -1;
	unsigned hops = 0;

	for (;;) {
		int k, port, lk;

		if (at)
			*at = node;
		if (node == dst)
			return (int)hops;
		if (hops > t->nnodes)
			return -ELOOP;
		if (t->nodes[node].kind == FP_HOST) {
			if (hops)
				return -EHOSTUNREACH; /* a CA never forwards */
			lk = host_uplink(t, node);
			if (lk < 0)
				return -ENETDOWN;
		} else {
			k = node < (int)r->nnodes ? r->lft_of[node] : -1;
			if (k < 0)
				return -ENOENT;
			port = dlid < r->nlid ? r->sw[k].port[dlid] : FP_LFT_NONE;
			if (port == FP_LFT_NONE || port == 0)
				return -EHOSTUNREACH;
			lk = fp_routes_port_link(t, node, port);
			if (lk < 0)
				return -ENOLINK;
			if (!t->links[lk].up)
				return -ENETDOWN;
		}
		if (hops >= max)
			return -E2BIG;
		links[hops++] = (unsigned)lk;
		node = fp_link_peer(&t->links[lk], node);
	}
}
