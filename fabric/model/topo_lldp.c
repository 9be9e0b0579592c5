// SPDX-License-Identifier: MIT
/*
 * The lldpcli -f json importer (lldpd), one file per node, as lldpd 1.0 writes it:
 * - lldp.interface is an object keyed by local interface with one neighbour, a list of
 *   such objects with several; -f json0 wraps every value in a list and names each
 *   interface in a "name" field. Both are read.
 * - On Linux, lldpd sends the port id as a MAC (subtype "mac") and the interface name as
 *   the port description: the port is then named by descr, else by the id (ifname, local).
 * - A node's own name comes from its `lldpcli -f json show chassis` document when one of
 *   the files is that (local-chassis), paired by the part of the file name before the
 *   first dot (h1.json with h1.chassis.json); else from the file name.
 * - One cable seen from both ends (both nodes run lldpd) is one link.
 * - A chassis with Bridge or Router enabled is a switch, as a neighbour or in its own show
 *   chassis; one with neither, a host. -f json writes a lone capability as an object.
 * The MAU type ("100GbaseCR4") gives speed and media where present.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "topo.h"
#include "topo_format.h"
#include "yaml.h"

/* -f json0 wraps values in one-element lists: look through them */
static struct fy_node *un(struct fy_node *n)
{
	return n && fy_node_is_sequence(n) ? fy_node_sequence_get_by_index(n, 0) : n;
}

static struct fy_node *jk(struct fy_node *n, const char *k)
{
	return un(fp_jkey(un(n), k));
}

/* a string, or the "value" of an object holding one */
static bool jv(struct fy_node *n, char *buf, size_t len)
{
	return fp_jstr(un(n), buf, len) || fp_jstr(jk(n, "value"), buf, len);
}

/* "100GbaseCR4 - 100GBASE-CR4 ..." -> 100 Gb/s, dac */
static void mau(const char *s, double *gbps, enum fp_media *m)
{
	const char *b = strcasestr(s, "gbase");
	char tech[8] = "";

	if (!b || b == s)
		return;
	const char *d = b;

	while (d > s && isdigit((unsigned char)d[-1]))
		d--;
	if (d == b)
		return;
	*gbps = strtod(d, NULL);
	snprintf(tech, sizeof(tech), "%.2s", b + 5);
	if (!strncasecmp(tech, "CR", 2))
		*m = FP_MEDIA_DAC;
	else if (!strncasecmp(tech, "SR", 2) || !strncasecmp(tech, "LR", 2) ||
		 !strncasecmp(tech, "DR", 2) || !strncasecmp(tech, "FR", 2) ||
		 !strncasecmp(tech, "ER", 2))
		*m = FP_MEDIA_OPTIC;
}

struct lctx {
	struct fp_topo *t;
	char *err;
	size_t errlen;
	unsigned char *ev; /* per node: 1 a host's capabilities seen, 2 a switch's */
	unsigned evcap;
	/* links hashed by (node, port), so both ends' views of a cable merge */
	unsigned *slot, scap;
};

static unsigned port_hash(int node, const char *port, unsigned cap)
{
	return (unsigned)(fp_name_hash(port) * 31 + (unsigned)node) & (cap - 1);
}

/* the link on node:port, or -1 */
static int port_link(const struct lctx *c, int node, const char *port)
{
	for (unsigned h = c->scap ? port_hash(node, port, c->scap) : 0;
	     c->scap && c->slot[h] != UINT32_MAX; h = (h + 1) & (c->scap - 1)) {
		const struct fp_link *l = &c->t->links[c->slot[h]];

		if ((l->a == node && !strcmp(l->pa, port)) ||
		    (l->b == node && !strcmp(l->pb, port)))
			return (int)c->slot[h];
	}
	return -1;
}

static void slot_put(unsigned *s, unsigned cap, const struct fp_link *l, unsigned li)
{
	for (int e = 0; e < 2; e++) {
		unsigned h = port_hash(e ? l->b : l->a, e ? l->pb : l->pa, cap);

		while (s[h] != UINT32_MAX)
			h = (h + 1) & (cap - 1);
		s[h] = li;
	}
}

static int slots_grow(struct lctx *c)
{
	unsigned cap = c->scap ? c->scap * 2 : 256, *s;

	if (4 * (c->t->nlinks + 1) < c->scap)
		return 0;
	s = malloc(sizeof(*s) * cap);
	if (!s)
		return -ENOMEM;
	memset(s, 0xff, sizeof(*s) * cap);
	for (unsigned i = 0; i < c->t->nlinks; i++)
		slot_put(s, cap, &c->t->links[i], i);
	free(c->slot);
	c->slot = s;
	c->scap = cap;
	return 0;
}

/* a node by name, made on first sight; its kind is settled once every file is read */
static int node_of(struct lctx *c, const char *name)
{
	int n = fp_topo_find(c->t, name);

	if (n >= 0)
		return n;
	n = fp_topo_add_node(c->t, name, FP_HOST, 0);
	if (n >= 0 && (unsigned)n >= c->evcap) {
		unsigned cap = c->evcap ? c->evcap * 2 : 64;
		unsigned char *v = realloc(c->ev, cap);

		if (!v)
			return -ENOMEM;
		memset(v + c->evcap, 0, cap - c->evcap);
		c->ev = v;
		c->evcap = cap;
	}
	return n;
}

/* {"<sysname>": {...}} (json) or {"name": ..., "id": ...} (json0): the name and the body */
static struct fy_node *chassis(struct fy_node *ch, char *name, size_t len)
{
	void *it = NULL;
	struct fy_node_pair *p;
	char buf[256];

	ch = un(ch);
	name[0] = 0;
	if (!ch || !fy_node_is_mapping(ch))
		return NULL;
	if (fp_jkey(ch, "name") || fp_jkey(ch, "id")) {
		if (!jv(jk(ch, "name"), buf, sizeof(buf)) && !jv(jk(ch, "id"), buf, sizeof(buf)))
			buf[0] = 0;
		fp_topo_sanitize(buf, name, len);
		return ch;
	}
	p = fy_node_mapping_iterate(ch, &it);
	if (!p || !fp_jstr(fy_node_pair_key(p), buf, sizeof(buf)))
		return NULL;
	fp_topo_sanitize(buf, name, len);
	return fy_node_pair_value(p);
}

/* one capability: Bridge or Router enabled is a switch's (2), any other a host's (1) */
static int cap_evidence(struct fy_node *cap)
{
	char ty[16], en[8];

	if (jv(jk(cap, "type"), ty, sizeof(ty)) && jv(jk(cap, "enabled"), en, sizeof(en)) &&
	    !strcmp(en, "true") && (!strcmp(ty, "Bridge") || !strcmp(ty, "Router")))
		return 2;
	return 1;
}

/* what a chassis's capabilities say it is; the strongest evidence seen so far stays */
static void evidence(struct lctx *c, int node, struct fy_node *body)
{
	struct fy_node *caps = fp_jkey(un(body), "capability"), *cap;
	void *it = NULL;
	int ev = 0, e;

	/* several capabilities are a list; -f json writes a lone one as the object itself */
	if (caps && fy_node_is_mapping(caps))
		ev = cap_evidence(caps);
	while (caps && fy_node_is_sequence(caps) && (cap = fy_node_sequence_iterate(caps, &it)))
		if ((e = cap_evidence(cap)) > ev)
			ev = e;
	if (ev > c->ev[node])
		c->ev[node] = (unsigned char)ev;
}

/* the neighbour's port: descr when the id is a MAC, else the id, else descr */
static void port_name(struct fy_node *port, char *out, size_t len)
{
	char ty[16] = "", buf[256] = "";
	struct fy_node *id = jk(port, "id");

	jv(jk(id, "type"), ty, sizeof(ty));
	if ((!strcmp(ty, "mac") || !jv(id, buf, sizeof(buf))) &&
	    !jv(jk(port, "descr"), buf, sizeof(buf)))
		jv(id, buf, sizeof(buf));
	fp_topo_sanitize(buf, out, len);
}

static int lldp_iface(struct lctx *c, int host, const char *ifname, struct fy_node *v,
		      const char *src)
{
	struct fy_node *port = jk(v, "port"), *body;
	char name[FP_NAME_LEN], rport[FP_PORT_LEN], lport[FP_PORT_LEN], buf[256];
	double gbps = 100;
	enum fp_media m = FP_MEDIA_UNKNOWN;
	int sw, li;

	body = chassis(fp_jkey(un(v), "chassis"), name, sizeof(name));
	if (!body || !port) {
		snprintf(c->err, c->errlen, "%s: interface %s has no chassis or port", src, ifname);
		return -EINVAL;
	}
	port_name(port, rport, sizeof(rport));
	if (!name[0] || !rport[0]) {
		snprintf(c->err, c->errlen,
			 "%s: interface %s: the neighbour has no name or port id", src, ifname);
		return -EINVAL;
	}
	if (jv(jk(jk(port, "auto-negotiation"), "current"), buf, sizeof(buf)))
		mau(buf, &gbps, &m);
	if (!(gbps > 0 && gbps <= 1e5))
		gbps = 100;
	sw = node_of(c, name);
	if (sw < 0)
		return sw;
	if (sw == host) {
		snprintf(c->err, c->errlen, "%s: interface %s: the neighbour is the node itself",
			 src, ifname);
		return -EINVAL;
	}
	evidence(c, sw, body);
	fp_topo_sanitize(ifname, lport, sizeof(lport));
	li = port_link(c, host, lport);
	/* the other end's file showed this cable already */
	if (li >= 0 && fp_link_peer(&c->t->links[li], host) == sw)
		return 0;
	if (slots_grow(c))
		return -ENOMEM;
	li = fp_topo_add_link(c->t, host, lport, sw, rport, gbps, m);
	if (li < 0)
		return li;
	slot_put(c->slot, c->scap, &c->t->links[li], (unsigned)li);
	return 0;
}

/* every interface of lldp.interface, in its json or json0 shape */
static int interfaces(struct lctx *c, int host, struct fy_node *ifs, const char *src)
{
	struct fy_node_pair *p;
	struct fy_node *it;
	void *iter = NULL;
	char k[64];
	int ret = 0;

	if (fy_node_is_mapping(ifs)) {
		while (!ret && (p = fy_node_mapping_iterate(ifs, &iter)))
			ret = fp_jstr(fy_node_pair_key(p), k, sizeof(k))
				      ? lldp_iface(c, host, k, fy_node_pair_value(p), src)
				      : -EINVAL;
	} else if (fy_node_is_sequence(ifs)) {
		while (!ret && (it = fy_node_sequence_iterate(ifs, &iter))) {
			void *i2 = NULL;

			p = fy_node_is_mapping(it) ? fy_node_mapping_iterate(it, &i2) : NULL;
			if (jv(fp_jkey(it, "name"), k, sizeof(k)))
				ret = lldp_iface(c, host, k, it, src);
			else if (p && fp_jstr(fy_node_pair_key(p), k, sizeof(k)))
				ret = lldp_iface(c, host, k, fy_node_pair_value(p), src);
			else
				ret = -EINVAL;
		}
	} else {
		ret = -EINVAL;
	}
	if (ret == -EINVAL && !c->err[0])
		snprintf(c->err, c->errlen,
			 "%s: lldp.interface is neither {ifname: {...}} nor a list of them", src);
	return ret;
}

/* "dir/h1.chassis.json" -> "h1" */
static void stem(const char *src, char *out, size_t len)
{
	const char *sl = strrchr(src, '/');
	char tmp[FP_NAME_LEN];

	snprintf(tmp, sizeof(tmp), "%s", sl ? sl + 1 : src);
	tmp[strcspn(tmp, ".")] = 0;
	fp_topo_sanitize(tmp, out, len);
}

/* The local chassis of a `show chassis` document with the same stem as src: its name
 * (else the stem) and its body, whose capabilities say what the node itself is. */
static struct fy_node *own_chassis(struct fy_document *const *docs, const char *const *srcs,
				   unsigned n, const char *src, char *name, size_t len)
{
	char s[FP_NAME_LEN], o[FP_NAME_LEN], nm[FP_NAME_LEN];
	struct fy_node *body = NULL, *b;

	stem(src, s, sizeof(s));
	snprintf(name, len, "%s", s);
	for (unsigned i = 0; i < n; i++) {
		struct fy_node *lc =
			docs[i] ? jk(fy_document_root(docs[i]), "local-chassis") : NULL;

		stem(srcs[i], o, sizeof(o));
		if (lc && !strcmp(o, s) &&
		    (b = chassis(fp_jkey(un(lc), "chassis"), nm, sizeof(nm))) && nm[0]) {
			snprintf(name, len, "%s", nm);
			body = b;
		}
	}
	return body;
}

static int load_files(struct lctx *c, struct fy_document *const *docs, const char *const *srcs,
		      unsigned n)
{
	int ret = 0, nfiles = 0;

	for (unsigned f = 0; f < n && !ret; f++) {
		struct fy_node *root = fy_document_root(docs[f]), *ifs, *body;
		char host[FP_NAME_LEN];
		int h;

		if (jk(root, "local-chassis"))
			continue;
		nfiles++;
		ifs = fp_jkey(jk(root, "lldp"), "interface");
		if (!ifs) {
			snprintf(c->err, c->errlen,
				 "%s: no lldp.interface: not lldpcli -f json output", srcs[f]);
			return -EINVAL;
		}
		body = own_chassis(docs, srcs, n, srcs[f], host, sizeof(host));
		if (!host[0])
			snprintf(host, sizeof(host), "host%u", f);
		h = node_of(c, host);
		if (h < 0)
			return h;
		/* a node with its own file is a host unless its chassis (or a neighbour's view
		 * of it) has Bridge or Router enabled */
		if (body)
			evidence(c, h, body);
		c->ev[h] = c->ev[h] ? c->ev[h] : 1;
		ret = interfaces(c, h, ifs, srcs[f]);
	}
	if (!ret && !nfiles) {
		snprintf(c->err, c->errlen, "%s: only show chassis documents: no neighbours",
			 srcs[0]);
		ret = -EINVAL;
	}
	return ret;
}

int fp_topo_load_lldp(struct fp_topo *t, const char *const *texts, const size_t *lens, unsigned n,
		      const char *const *srcs, char *err, size_t errlen)
{
	struct lctx c = { .t = t, .err = err, .errlen = errlen };
	struct fy_document **docs = calloc(n + 1, sizeof(*docs));
	int ret = docs ? 0 : -ENOMEM;

	fp_topo_destroy(t);
	fp_topo_init(t);
	err[0] = 0;
	snprintf(t->source, sizeof(t->source), "%s", srcs[0]);
	snprintf(t->name, sizeof(t->name), "lldp");
	for (unsigned f = 0; f < n && !ret; f++)
		if (!(docs[f] = fp_yaml_parse(texts[f], lens[f], srcs[f], err, errlen)))
			ret = -EINVAL;
	if (!ret)
		ret = load_files(&c, docs, srcs, n);
	/* a file with no neighbours would write a topology nothing loads */
	if (!ret && !t->nlinks) {
		snprintf(err, errlen, "%s: no LLDP neighbours in lldp.interface: nothing to import",
			 srcs[0]);
		ret = -EINVAL;
	}
	for (unsigned i = 0; i < t->nnodes && !ret; i++)
		if (c.ev[i] != 1) {
			t->nodes[i].kind = FP_SWITCH;
			t->nodes[i].tier = 1;
		}
	if (!ret)
		ret = fp_topo_index(t);
	if (!ret)
		ret = fp_topo_set_tiers(t);
	for (unsigned f = 0; docs && f < n; f++)
		if (docs[f])
			fy_document_destroy(docs[f]);
	free(docs);
	free(c.ev);
	free(c.slot);
	if (ret)
		fp_topo_destroy(t);
	return ret;
}

static int lldp_load(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		     size_t errlen)
{
	return fp_topo_load_lldp(t, &text, &len, 1, &src, err, errlen);
}

static bool lldp_sniff(const char *text, size_t len)
{
	return memmem(text, len, "\"lldp\"", 6) || memmem(text, len, "\"local-chassis\"", 15);
}

const struct fp_topo_format fp_format_lldp = {
	.name = "lldpctl -f json",
	.exts = ".lldp .json",
	.sniff = lldp_sniff,
	.load = lldp_load,
};
