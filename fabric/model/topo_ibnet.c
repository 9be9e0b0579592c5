// SPDX-License-Identifier: MIT
/*
 * The ibnetdiscover importer (infiniband-diags): blocks of "vendid=/devid=/...guid=" lines,
 * a node line
 *   Switch 40 "S-0002c903007b8b10"   # "MF0;sw1:MQM8700/U1" enhanced port 0 lid 3 lmc 0
 *   Ca      1 "H-0002c9030006b0d0"   # "node1 mlx5_0"
 * then one line per connected port:
 *   [1]  "H-0002c9030006b0d0"[1](2c9030006b0d1)   # "node1 mlx5_0" lid 5 4xHDR
 *   [1](2c9030006b0d1)  "S-0002c903007b8b10"[1]   # lid 5 lmc 0 "sw1" lid 3 4xHDR
 * Each link appears from both ends; it is kept once. The width and speed token (4xHDR)
 * gives lanes and the lane rate: SDR 2.5, DDR 5, QDR 10, FDR10 10, FDR 14, EDR 25,
 * HDR 50, NDR 100, XDR 200 Gb/s per lane (IBTA data rates, rounded as vendors quote them).
 *
 * Every lookup is hashed (node ids, ports), so a dump of thousands of switches imports in
 * time linear in its size.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_format.h"

#define MAX_LINE 4096
#define NSPEEDS	 9

static const struct {
	const char *n;
	double g;
} speeds[NSPEEDS] = { { "SDR", 2.5 }, { "DDR", 5 },  { "QDR", 10 },  { "FDR10", 10 }, { "FDR", 14 },
		      { "EDR", 25 },  { "HDR", 50 }, { "NDR", 100 }, { "XDR", 200 } };

/* a port line, kept until every node is known */
struct pend {
	int a, pa, pb, lanes, speed, line;
	char rid[40];
};

struct ibctx {
	struct fp_topo *t;
	const char *src;
	char *err;
	size_t errlen;
	int lineno, cur;
	/* node ids ("S-0002c9..."), hashed to their node */
	char (*ids)[40];
	unsigned *slot, scap;
	struct pend *pend;
	unsigned np, pcap;
};

static int bad(struct ibctx *c, int line, const char *fmt, const char *arg)
{
	char msg[200];

	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(c->err, c->errlen, "%s:%d: %s", c->src, line, msg);
	return -EINVAL;
}

/* node index of id, or -1 */
static int id_find(const struct ibctx *c, const char *id)
{
	if (!c->scap)
		return -1;
	for (unsigned h = (unsigned)fp_name_hash(id) & (c->scap - 1); c->slot[h] != UINT32_MAX;
	     h = (h + 1) & (c->scap - 1))
		if (!strcmp(c->ids[c->slot[h]], id))
			return (int)c->slot[h];
	return -1;
}

/* ids[] is indexed by node: node n was added with id ids[n] */
static int id_add(struct ibctx *c, int node, const char *id)
{
	if (2 * (unsigned)node + 2 > c->scap) {
		unsigned cap = c->scap ? c->scap * 2 : 256, *s;
		void *v = realloc(c->ids, sizeof(*c->ids) * cap / 2);

		if (!v)
			return -ENOMEM;
		c->ids = v;
		s = malloc(sizeof(*s) * cap);
		if (!s)
			return -ENOMEM;
		for (unsigned i = 0; i < cap; i++)
			s[i] = UINT32_MAX;
		free(c->slot);
		c->slot = s;
		c->scap = cap;
		for (int i = 0; i < node; i++) {
			unsigned h = (unsigned)fp_name_hash(c->ids[i]) & (cap - 1);

			while (s[h] != UINT32_MAX)
				h = (h + 1) & (cap - 1);
			s[h] = (unsigned)i;
		}
	}
	snprintf(c->ids[node], sizeof(c->ids[node]), "%s", id);
	unsigned h = (unsigned)fp_name_hash(id) & (c->scap - 1);

	while (c->slot[h] != UINT32_MAX)
		h = (h + 1) & (c->scap - 1);
	c->slot[h] = (unsigned)node;
	return 0;
}

/* "text" at *p: copy into out, advance past the closing quote */
static int quoted(const char **p, char *out, size_t len)
{
	const char *s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '"')
		return -1;
	e = strchr(s + 1, '"');
	if (!e || (size_t)(e - s - 1) >= len)
		return -1;
	memcpy(out, s + 1, (size_t)(e - s - 1));
	out[e - s - 1] = 0;
	*p = e + 1;
	return 0;
}

static int ib_speed(const char *speed)
{
	for (int i = 0; i < NSPEEDS; i++) {
		size_t n = strlen(speeds[i].n);

		if (!strncmp(speed, speeds[i].n, n) && !isalnum((unsigned char)speed[n]))
			return i;
	}
	return -1;
}

/* find "<w>x<SPEED>" in a comment: lanes and the lane rate's index */
static bool ib_width(const char *c, int *lanes, int *speed)
{
	for (const char *p = c; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > c && isalnum((unsigned char)p[-1])))
			continue;
		char *e;
		long w = strtol(p, &e, 10);

		if (*e == 'x' && w >= 1 && w <= 32 && ib_speed(e + 1) >= 0) {
			*lanes = (int)w;
			*speed = ib_speed(e + 1);
			return true;
		}
	}
	return false;
}

/* "Switch 40 "S-..." # "MF0;sw1:model"" or "Ca 1 "H-..." # "node1 mlx5_0"" */
static int node_line(struct ibctx *c, const char *q)
{
	struct fp_topo *t = c->t;
	bool sw = *q != 'C';
	char id[40], desc[128] = "", name[FP_NAME_LEN], tmp[128];
	const char *d, *semi;
	char *e;
	long ports;
	int n;

	q += sw && *q == 'S' ? 6 : 2;
	ports = strtol(q, &e, 10);
	q = e;
	if (ports < 1 || ports > 65535 || quoted(&q, id, sizeof(id)))
		return bad(c, c->lineno, "a node line needs a port count and a quoted id%s", "");
	q = strchr(q, '#');
	if (q) {
		q++;
		quoted(&q, desc, sizeof(desc));
	}
	/* a switch description is often "MF0;name:model/U1": keep the name */
	semi = strchr(desc, ';');
	d = semi ? semi + 1 : desc;
	snprintf(tmp, sizeof(tmp), "%s", d);
	if (semi && strchr(tmp, ':'))
		*strchr(tmp, ':') = 0;
	fp_topo_sanitize(tmp, name, sizeof(name));
	if (!name[0] || fp_topo_find(t, name) >= 0)
		fp_topo_sanitize(id, name, sizeof(name));
	if (id_find(c, id) >= 0 || fp_topo_find(t, name) >= 0)
		return bad(c, c->lineno, "node %s appears twice", id);
	n = fp_topo_add_node(t, name, sw ? FP_SWITCH : FP_HOST, sw ? 1 : 0);
	if (n < 0)
		return n;
	if (id_add(c, n, id))
		return -ENOMEM;
	t->nodes[n].line = c->lineno;
	/* "S-0002c903007b8b10" -> guid 0x0002c903007b8b10 */
	if (strlen(id) > 2 && id[1] == '-')
		snprintf(t->nodes[n].id.guid, sizeof(t->nodes[n].id.guid), "0x%.18s", id + 2);
	c->cur = n;
	return 0;
}

/* "[1](guid) "remote-id"[3](guid) # ... 4xHDR" */
static int port_line(struct ibctx *c, const char *q)
{
	struct pend *pd;
	char *e;
	long pa = strtol(q + 1, &e, 10), pb;

	if (c->cur < 0 || pa < 0 || pa > 65535 || *e != ']')
		return bad(c, c->lineno, "a port line outside a node, or a bad port number%s", "");
	q = e + 1;
	if (*q == '(') {
		q = strchr(q, ')');
		if (!q)
			return bad(c, c->lineno, "unclosed port guid%s", "");
		q++;
	}
	if (c->np == c->pcap) {
		void *n2 = realloc(c->pend, sizeof(*c->pend) * (c->pcap ? c->pcap * 2 : 256));

		if (!n2)
			return -ENOMEM;
		c->pend = n2;
		c->pcap = c->pcap ? c->pcap * 2 : 256;
	}
	pd = &c->pend[c->np];
	if (quoted(&q, pd->rid, sizeof(pd->rid)) || *q != '[')
		return bad(c, c->lineno, "a port line needs \"remote-id\"[port]%s", "");
	pb = strtol(q + 1, &e, 10);
	if (pb < 0 || pb > 65535 || *e != ']')
		return bad(c, c->lineno, "bad remote port number%s", "");
	pd->a = c->cur;
	pd->pa = (int)pa;
	pd->pb = (int)pb;
	pd->line = c->lineno;
	q = strchr(e, '#');
	if (!q || !ib_width(q, &pd->lanes, &pd->speed))
		return bad(c, c->lineno, "no width and speed (like 4xHDR) on the port line%s", "");
	c->np++;
	return 0;
}

static int parse_lines(struct ibctx *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int ret = 0;

	while (p < end && !ret) {
		char line[MAX_LINE];
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		c->lineno++;
		if (l >= sizeof(line))
			return bad(c, c->lineno, "line longer than %s bytes", "4096");
		memcpy(line, p, l);
		line[l] = 0;
		p += l + (nl ? 1 : 0);
		q = line;
		while (*q == ' ' || *q == '\t')
			q++;
		if (!*q || *q == '#' || (strchr(q, '=') && *q != '['))
			continue;
		if (!strncmp(q, "Switch", 6) || !strncmp(q, "Ca", 2) || !strncmp(q, "Rt", 2))
			ret = node_line(c, q);
		else if (*q == '[')
			ret = port_line(c, q);
		else
			ret = bad(c, c->lineno, "not an ibnetdiscover line: '%.40s'", q);
	}
	return ret;
}

/* ports hashed by (node, port number) to the links on them, for the both-ends dedupe */
static uint64_t port_key(int node, int port)
{
	return (uint64_t)(unsigned)node << 16 | (unsigned)port;
}

static unsigned key_slot(uint64_t k, unsigned cap)
{
	return (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* is there already a link (a:pa <-> b:pb), from either end? */
static bool seen_link(const struct fp_topo *t, const uint64_t *key, const unsigned *val,
		      unsigned cap, int a, const char *pa, int b, const char *pb)
{
	uint64_t k = port_key(a, atoi(pa));

	for (unsigned h = key_slot(k, cap); val[h] != UINT32_MAX; h = (h + 1) & (cap - 1)) {
		const struct fp_link *l = &t->links[val[h]];

		if (key[h] != k)
			continue;
		if ((l->a == b && !strcmp(l->pa, pb) && l->b == a && !strcmp(l->pb, pa)) ||
		    (l->a == a && !strcmp(l->pa, pa) && l->b == b && !strcmp(l->pb, pb)))
			return true;
	}
	return false;
}

static void key_put(uint64_t *key, unsigned *val, unsigned cap, uint64_t k, unsigned v)
{
	unsigned h = key_slot(k, cap);

	while (val[h] != UINT32_MAX)
		h = (h + 1) & (cap - 1);
	key[h] = k;
	val[h] = v;
}

static int resolve_links(struct ibctx *c)
{
	struct fp_topo *t = c->t;
	unsigned cap = 64;
	uint64_t *key;
	unsigned *val;
	int ret = 0;

	while (cap < 4 * (size_t)c->np + 4)
		cap *= 2;
	key = malloc(sizeof(*key) * cap);
	val = malloc(sizeof(*val) * cap);
	if (!key || !val) {
		ret = -ENOMEM;
		goto out;
	}
	memset(val, 0xff, sizeof(*val) * cap);
	for (unsigned i = 0; i < c->np && !ret; i++) {
		const struct pend *pd = &c->pend[i];
		int b = id_find(c, pd->rid), li;
		char pa[16], pb[16];

		if (b < 0) {
			ret = bad(c, pd->line, "port links to %s, which is not in the file",
				  pd->rid);
			break;
		}
		snprintf(pa, sizeof(pa), "%d", pd->pa);
		snprintf(pb, sizeof(pb), "%d", pd->pb);
		/* the other end's line describes the same cable */
		if (seen_link(t, key, val, cap, pd->a, pa, b, pb) ||
		    seen_link(t, key, val, cap, b, pb, pd->a, pa))
			continue;
		li = fp_topo_add_link(t, pd->a, pa, b, pb, pd->lanes * speeds[pd->speed].g,
				      FP_MEDIA_UNKNOWN);
		if (li < 0) {
			ret = li;
			break;
		}
		t->links[li].lanes = pd->lanes;
		t->links[li].lane_gbps = speeds[pd->speed].g;
		t->links[li].line = pd->line;
		key_put(key, val, cap, port_key(pd->a, pd->pa), (unsigned)li);
		key_put(key, val, cap, port_key(b, pd->pb), (unsigned)li);
	}
out:
	free(key);
	free(val);
	return ret;
}

static int speed_of(double lane)
{
	for (int i = 0; i < NSPEEDS; i++)
		if (speeds[i].g == lane)
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
	int *widest = calloc((size_t)t->nnodes * NSPEEDS + 1, sizeof(*widest));

	if (!widest)
		return -ENOMEM;
	for (unsigned i = 0; i < t->nlinks; i++) {
		const struct fp_link *l = &t->links[i];
		int s = speed_of(l->lane_gbps);
		int *wa = &widest[l->a * NSPEEDS + s], *wb = &widest[l->b * NSPEEDS + s];

		*wa = l->lanes > *wa ? l->lanes : *wa;
		*wb = l->lanes > *wb ? l->lanes : *wb;
	}
	for (unsigned i = 0; i < t->nlinks; i++) {
		struct fp_link *l = &t->links[i];
		int s = speed_of(l->lane_gbps), w = widest[l->a * NSPEEDS + s];

		if (widest[l->b * NSPEEDS + s] > w)
			w = widest[l->b * NSPEEDS + s];
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

/* tiers: switches by hop distance from the nearest host */
static int set_tiers(struct fp_topo *t)
{
	int *q = malloc(sizeof(int) * (t->nnodes + 1)), *d = malloc(sizeof(int) * (t->nnodes + 1));
	int h = 0, tl = 0;

	if (!q || !d) {
		free(q);
		free(d);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nnodes; i++) {
		d[i] = t->nodes[i].kind == FP_HOST ? 0 : -1;
		if (!d[i])
			q[tl++] = (int)i;
	}
	while (h < tl) {
		int u = q[h++];

		for (unsigned k = t->adj_off[u]; k < t->adj_off[u + 1]; k++) {
			int w = fp_link_peer(&t->links[t->adj[k]], u);

			if (d[w] < 0) {
				d[w] = d[u] + 1;
				q[tl++] = w;
			}
		}
	}
	for (unsigned i = 0; i < t->nnodes; i++)
		if (t->nodes[i].kind == FP_SWITCH)
			t->nodes[i].tier = d[i] > 0 && d[i] < 8 ? d[i] : 1;
	free(q);
	free(d);
	return 0;
}

int fp_topo_load_ibnet(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		       size_t errlen)
{
	struct ibctx c = { .t = t, .src = src, .err = err, .errlen = errlen, .cur = -1 };
	int ret;

	fp_topo_destroy(t);
	fp_topo_init(t);
	snprintf(t->source, sizeof(t->source), "%s", src);
	snprintf(t->name, sizeof(t->name), "ibnetdiscover");
	ret = parse_lines(&c, text, len);
	if (!ret)
		ret = resolve_links(&c);
	if (!ret)
		ret = trained_down(t);
	if (!ret && !t->nnodes) {
		snprintf(err, errlen, "%s: no Switch or Ca blocks: not ibnetdiscover output", src);
		ret = -EINVAL;
	} else if (!ret && !t->nlinks) {
		snprintf(err, errlen,
			 "%s: %u nodes but no connected ports: truncated ibnetdiscover output?",
			 src, t->nnodes);
		ret = -EINVAL;
	}
	if (!ret)
		ret = fp_topo_index(t);
	if (!ret)
		ret = set_tiers(t);
	free(c.pend);
	free(c.ids);
	free(c.slot);
	if (ret)
		fp_topo_destroy(t);
	return ret;
}

static bool ibnet_sniff(const char *text, size_t len)
{
	return memmem(text, len, "Switch", 6) || memmem(text, len, "Ca\t", 3) ||
	       memmem(text, len, "Ca ", 3);
}

const struct fp_topo_format fp_format_ibnet = {
	.name = "ibnetdiscover",
	.exts = ".ibnet .ibnetdiscover .txt",
	.sniff = ibnet_sniff,
	.load = fp_topo_load_ibnet,
};
