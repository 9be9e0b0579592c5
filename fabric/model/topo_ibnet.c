// SPDX-License-Identifier: MIT
/*
 * The ibnetdiscover importer (infiniband-diags): blocks of "vendid=/devid=/...guid=" lines,
 * a node line
 *   Switch 40 "S-0002c903007b8b10"   # "MF0;sw1:MQM8700/U1" enhanced port 0 lid 3 lmc 0
 *   Ca      1 "H-0002c9030006b0d0"   # "node1 mlx5_0"
 * then one line per connected port:
 *   [1]  "H-0002c9030006b0d0"[1](2c9030006b0d1)   # "node1 mlx5_0" lid 5 4xHDR
 *   [1](2c9030006b0d1)  "S-0002c903007b8b10"[1]   # lid 5 lmc 0 "sw1" lid 3 4xHDR
 * or, with -p, one line per port:
 *   CA 5 1 0x0002c90300001112 4x HDR - SW 3 1 0x0002c903007b8b10 ( 'node1 mlx5_0' - 'MF0;sw1' )
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
#include "topo_ibnet.h"

#define MAX_LINE 4096

const struct fp_ib_speed fp_ib_speeds[FP_IB_NSPEEDS] = {
	{ "SDR", 2.5 }, { "DDR", 5 },  { "QDR", 10 },  { "FDR10", 10 }, { "FDR", 14 },
	{ "EDR", 25 },	{ "HDR", 50 }, { "NDR", 100 }, { "XDR", 200 }
};

int fp_ib_bad(struct fp_ib_ctx *c, int line, const char *fmt, const char *arg)
{
	char msg[200];

	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(c->err, c->errlen, "%s:%d: %s", c->src, line, msg);
	return -EINVAL;
}

int fp_ib_find(const struct fp_ib_ctx *c, const char *id)
{
	if (!c->scap)
		return -1;
	for (unsigned h = (unsigned)fp_name_hash(id) & (c->scap - 1); c->slot[h] != UINT32_MAX;
	     h = (h + 1) & (c->scap - 1))
		if (!strcmp(c->nodes[c->slot[h]].id, id))
			return (int)c->slot[h];
	return -1;
}

static void slot_put(unsigned *s, unsigned cap, const char *id, unsigned v)
{
	unsigned h = (unsigned)fp_name_hash(id) & (cap - 1);

	while (s[h] != UINT32_MAX)
		h = (h + 1) & (cap - 1);
	s[h] = v;
}

/* a new pending node with this id (refused when the id was seen): its index, or -errno */
static int node_new(struct fp_ib_ctx *c, const char *id, bool sw)
{
	struct fp_ib_node *n;

	if (fp_ib_find(c, id) >= 0)
		return fp_ib_bad(c, c->lineno, "node %s appears twice", id);
	if (c->nn == c->ncap) {
		unsigned cap = c->ncap ? c->ncap * 2 : 128;
		void *v = realloc(c->nodes, sizeof(*c->nodes) * cap);

		if (!v)
			return -ENOMEM;
		c->nodes = v;
		c->ncap = cap;
	}
	if (2 * c->nn + 2 > c->scap) {
		unsigned cap = c->scap ? c->scap * 2 : 256, *s = malloc(sizeof(*s) * cap);

		if (!s)
			return -ENOMEM;
		memset(s, 0xff, sizeof(*s) * cap);
		for (unsigned i = 0; i < c->nn; i++)
			slot_put(s, cap, c->nodes[i].id, i);
		free(c->slot);
		c->slot = s;
		c->scap = cap;
	}
	n = &c->nodes[c->nn];
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	n->sw = sw;
	n->line = c->lineno;
	n->node = -1;
	slot_put(c->slot, c->scap, id, c->nn);
	return (int)c->nn++;
}

/* switch-internal CAs: never hosts, kept as a note on their switch */
static bool internal_ca(const char *desc)
{
	return strstr(desc, "Aggregation Node") != NULL;
}

static struct fp_ib_port *port_new(struct fp_ib_ctx *c)
{
	if (c->np == c->pcap) {
		unsigned cap = c->pcap ? c->pcap * 2 : 256;
		void *v = realloc(c->pend, sizeof(*c->pend) * cap);

		if (!v)
			return NULL;
		c->pend = v;
		c->pcap = cap;
	}
	memset(&c->pend[c->np], 0, sizeof(c->pend[0]));
	c->pend[c->np].line = c->lineno;
	return &c->pend[c->np];
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
	for (int i = 0; i < FP_IB_NSPEEDS; i++) {
		size_t n = strlen(fp_ib_speeds[i].n);

		if (!strncmp(speed, fp_ib_speeds[i].n, n) && !isalnum((unsigned char)speed[n]))
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
static int node_line(struct fp_ib_ctx *c, const char *q)
{
	bool sw = *q != 'C';
	char id[40], desc[128] = "";
	char *e;
	long ports;
	int n;

	q += sw && *q == 'S' ? 6 : 2;
	ports = strtol(q, &e, 10);
	q = e;
	if (ports < 1 || ports > 65535 || quoted(&q, id, sizeof(id)))
		return fp_ib_bad(c, c->lineno, "a node line needs a port count and a quoted id%s",
				 "");
	q = strchr(q, '#');
	if (q) {
		q++;
		quoted(&q, desc, sizeof(desc));
	}
	n = node_new(c, id, sw);
	if (n < 0)
		return n;
	snprintf(c->nodes[n].desc, sizeof(c->nodes[n].desc), "%s", desc);
	c->nodes[n].agg = !sw && internal_ca(desc);
	c->cur = n;
	return 0;
}

/* "[1](guid) "remote-id"[3](guid) # ... 4xHDR" */
static int port_line(struct fp_ib_ctx *c, const char *q)
{
	struct fp_ib_port *pd;
	char *e;
	long pa = strtol(q + 1, &e, 10), pb;

	if (c->cur < 0 || pa < 0 || pa > 65535 || *e != ']')
		return fp_ib_bad(c, c->lineno, "a port line outside a node, or a bad port number%s",
				 "");
	q = e + 1;
	if (*q == '(') {
		struct fp_ib_node *n = &c->nodes[c->cur];
		unsigned long long g = strtoull(q + 1, &e, 16);

		/* a CA's own port GUID: its endpoint identity */
		if (*e == ')' && !n->sw && !n->pguid[0])
			snprintf(n->pguid, sizeof(n->pguid), "0x%016llx", g);
		q = strchr(q, ')');
		if (!q)
			return fp_ib_bad(c, c->lineno, "unclosed port guid%s", "");
		q++;
	}
	pd = port_new(c);
	if (!pd)
		return -ENOMEM;
	if (quoted(&q, pd->rid, sizeof(pd->rid)) || *q != '[')
		return fp_ib_bad(c, c->lineno, "a port line needs \"remote-id\"[port]%s", "");
	pb = strtol(q + 1, &e, 10);
	if (pb < 0 || pb > 65535 || *e != ']')
		return fp_ib_bad(c, c->lineno, "bad remote port number%s", "");
	pd->a = c->cur;
	pd->pa = (int)pa;
	pd->pb = (int)pb;
	q = strchr(e, '#');
	if (q) {
		const char *d = q + 1;

		quoted(&d, pd->rdesc, sizeof(pd->rdesc));
	}
	if (!q || !ib_width(q, &pd->lanes, &pd->speed))
		return fp_ib_bad(c, c->lineno, "no width and speed (like 4xHDR) on the port line%s",
				 "");
	c->np++;
	return 0;
}

/* a node of a -p line, made on first sight: CAs by their port GUID, which is all it shows */
static int plist_node(struct fp_ib_ctx *c, const char *type, unsigned long long guid,
		      const char *desc)
{
	char id[40];
	bool sw = strcmp(type, "CA");
	int n;

	snprintf(id, sizeof(id), "%c-%016llx", sw ? 'S' : 'H', guid);
	n = fp_ib_find(c, id);
	if (n >= 0)
		return n;
	n = node_new(c, id, sw);
	if (n < 0)
		return n;
	snprintf(c->nodes[n].desc, sizeof(c->nodes[n].desc), "%s", desc);
	c->nodes[n].agg = !sw && internal_ca(desc);
	c->nodes[n].by_port = !sw;
	if (!sw)
		snprintf(c->nodes[n].pguid, sizeof(c->nodes[n].pguid), "0x%016llx", guid);
	return n;
}

/*
 * ibnetdiscover -p, one line per port:
 *   CA     5  1 0x0002c90300001112 4x HDR - SW     3  1 0x0002c903007b8b10 ( 'node1 mlx5_0' - 'MF0;leaf1:MQM8700/U1' )
 * an unconnected port has no "- remote" part and is skipped.
 */
static int plist_line(struct fp_ib_ctx *c, const char *q)
{
	char ta[4], tb[4], w[16], sp[16], da[128], db[128];
	unsigned long long ga, gb;
	int lida, lidb, pa, pb, used = 0, a, b;
	const char *o, *m, *e;
	struct fp_ib_port *pd;

	if (sscanf(q, "%3s %d %d %llx %15s %15s %n", ta, &lida, &pa, &ga, w, sp, &used) != 6 ||
	    !used)
		return fp_ib_bad(c, c->lineno, "not an ibnetdiscover -p line: '%.40s'", q);
	if (q[used] != '-')
		return 0;
	if (sscanf(q + used + 1, "%3s %d %d %llx", tb, &lidb, &pb, &gb) != 4 ||
	    !(o = strstr(q + used, "( '")) || !(m = strstr(o + 3, "' - '")) ||
	    !(e = strrchr(m + 5, '\'')) || (size_t)(m - o - 3) >= sizeof(da) ||
	    (size_t)(e - m - 5) >= sizeof(db) || pa < 0 || pa > 65535 || pb < 0 || pb > 65535)
		return fp_ib_bad(c, c->lineno,
				 "a -p line needs '- TYPE LID PORT GUID ( 'desc' - 'desc' )'%s",
				 "");
	memcpy(da, o + 3, (size_t)(m - o - 3));
	da[m - o - 3] = 0;
	memcpy(db, m + 5, (size_t)(e - m - 5));
	db[e - m - 5] = 0;
	a = plist_node(c, ta, ga, da);
	b = a < 0 ? a : plist_node(c, tb, gb, db);
	if (b < 0)
		return b;
	pd = port_new(c);
	if (!pd)
		return -ENOMEM;
	snprintf(pd->rid, sizeof(pd->rid), "%s", c->nodes[b].id);
	pd->a = a;
	pd->pa = pa;
	pd->pb = pb;
	strncat(w, sp, sizeof(w) - strlen(w) - 1);
	if (!ib_width(w, &pd->lanes, &pd->speed))
		return fp_ib_bad(c, c->lineno, "no width and speed (like 4x HDR) on the -p line%s",
				 "");
	c->np++;
	return 0;
}

/*
 * ibnetdiscover --node-name-map renames a CA on the switch's port line but prints the CA's
 * own node line with its description (infiniband-diags 44): where the two differ, the port
 * line's is the one the user asked for.
 */
static void port_line_descs(struct fp_ib_ctx *c)
{
	for (unsigned i = 0; i < c->np; i++) {
		const struct fp_ib_port *pd = &c->pend[i];
		int b = pd->rdesc[0] ? fp_ib_find(c, pd->rid) : -1;

		if (b >= 0 && !c->nodes[b].sw && strcmp(c->nodes[b].desc, pd->rdesc))
			snprintf(c->nodes[b].desc, sizeof(c->nodes[b].desc), "%s", pd->rdesc);
	}
}

static int parse_lines(struct fp_ib_ctx *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int ret = 0;

	while (p < end && !ret) {
		char line[MAX_LINE];
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		c->lineno++;
		if (l >= sizeof(line))
			return fp_ib_bad(c, c->lineno, "line longer than %s bytes", "4096");
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
		else if (!strncmp(q, "CA ", 3) || !strncmp(q, "SW ", 3) || !strncmp(q, "RT ", 3))
			ret = plist_line(c, q);
		else if (*q == '[')
			ret = port_line(c, q);
		else
			ret = fp_ib_bad(c, c->lineno, "not an ibnetdiscover line: '%.40s'", q);
	}
	return ret;
}

int fp_topo_load_ibnet(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		       size_t errlen)
{
	return fp_topo_load_ibnet_map(t, text, len, src, NULL, err, errlen);
}

int fp_topo_load_ibnet_map(struct fp_topo *t, const char *text, size_t len, const char *src,
			   const struct fp_ib_namemap *map, char *err, size_t errlen)
{
	struct fp_ib_ctx c = { .src = src, .err = err, .errlen = errlen, .cur = -1 };
	int ret;

	fp_topo_destroy(t);
	fp_topo_init(t);
	snprintf(t->source, sizeof(t->source), "%s", src);
	snprintf(t->name, sizeof(t->name), "ibnetdiscover");
	ret = parse_lines(&c, text, len);
	if (!ret && !c.nn) {
		snprintf(err, errlen, "%s: no Switch or Ca blocks: not ibnetdiscover output", src);
		ret = -EINVAL;
	}
	if (!ret) {
		port_line_descs(&c);
		fp_ib_apply_map(&c, map);
		ret = fp_ib_build(&c, t);
	}
	free(c.pend);
	free(c.nodes);
	free(c.slot);
	if (ret)
		fp_topo_destroy(t);
	return ret;
}

static bool ibnet_sniff(const char *text, size_t len)
{
	return memmem(text, len, "Switch", 6) || memmem(text, len, "Ca\t", 3) ||
	       memmem(text, len, "Ca ", 3) || memmem(text, len, " - SW ", 6) ||
	       memmem(text, len, " - CA ", 6);
}

const struct fp_topo_format fp_format_ibnet = {
	.name = "ibnetdiscover",
	.exts = ".ibnet .ibnetdiscover .txt",
	.sniff = ibnet_sniff,
	.load = fp_topo_load_ibnet,
};
