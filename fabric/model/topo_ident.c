// SPDX-License-Identifier: MIT
/*
 * Endpoint identity, and the one join of ranks to endpoints that analyze, report and check
 * share. The strongest identity a rank and the topology both know wins: a port GUID names
 * one port anywhere; a hostname names an endpoint only where its server has exactly one.
 * Every key is hashed, so a million endpoints map in time linear in their number.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "topo_format.h"

#define F(k)                                                                                       \
	{                                                                                          \
#k, offsetof(struct fp_ident, k), sizeof(((struct fp_ident *)0)->k)                \
	}

static const struct {
	const char *key;
	size_t off, len;
} fields[] = { F(host), F(guid), F(port_guid), F(dev), F(ifname), F(mac), F(ip), F(pci) };

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *field(const struct fp_ident *id, unsigned f)
{
	return (const char *)id + fields[f].off;
}

int fp_ident_set(struct fp_ident *id, const char *key, const char *val)
{
	for (unsigned f = 0; f < NFIELDS; f++) {
		char *dst = (char *)id + fields[f].off;

		if (strcmp(key, fields[f].key))
			continue;
		if (strlen(val) >= fields[f].len)
			return -ERANGE;
		/* zero-filled, so two equal identities compare equal byte for byte */
		memset(dst, 0, fields[f].len);
		memcpy(dst, val, strlen(val));
		return 0;
	}
	return -ENOENT;
}

void fp_ident_write_yaml(const struct fp_ident *id, FILE *f)
{
	for (unsigned i = 0; i < NFIELDS; i++) {
		const char *v = field(id, i);

		if (!*v)
			continue;
		fprintf(f, ", %s: \"", fields[i].key);
		fp_topo_put_escaped(f, v);
		fputc('"', f);
	}
}

/* the keys, strongest first; HOSTDEV and HOSTIF pair the server with a device name */
enum kind { K_PGUID, K_GUID, K_HOSTDEV, K_HOSTIF, K_MAC, K_IP, K_NAME, K_HOST, K_N };

static const char *const kind_name[K_N] = {
	"port GUID", "node GUID", "host and RDMA device",	    "host and netdev",
	"MAC",	     "IP",	  "hostname (the endpoint's name)", "hostname (its server's)"
};

/*
 * GUIDs and MACs are numbers, however a tool prints them (0x0002c903..., 0x2C903...,
 * B8-CE-F6-..., b8ce.f6..): the canonical text of the number, or false when v is not one.
 */
static bool canon_hex(const char *v, bool guid, char *buf, size_t len)
{
	unsigned long long x = 0;
	unsigned nd = 0;

	if (guid && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2;
	for (; *v; v++) {
		if (isxdigit((unsigned char)*v)) {
			if (nd++ == 16)
				return false;
			x = x << 4 |
			    (unsigned long long)(isdigit((unsigned char)*v)
							 ? *v - '0'
							 : tolower((unsigned char)*v) - 'a' + 10);
		} else if (*v != ':' && *v != '-' && *v != '.') {
			return false;
		}
	}
	if (!nd || (!guid && nd != 12))
		return false;
	if (guid)
		snprintf(buf, len, "0x%016llx", x);
	else
		snprintf(buf, len, "%02llx:%02llx:%02llx:%02llx:%02llx:%02llx", x >> 40 & 255,
			 x >> 32 & 255, x >> 24 & 255, x >> 16 & 255, x >> 8 & 255, x & 255);
	return true;
}

/* the key of kind k for an identity (and, for endpoints, the node's name): false if none */
static bool key_of(const struct fp_ident *id, const char *name, enum kind k, char *buf, size_t len)
{
	const char *h = id->host[0] ? id->host : name;
	const char *v = NULL;

	switch (k) {
	case K_PGUID:
		v = id->port_guid;
		break;
	case K_GUID:
		v = id->guid;
		break;
	case K_MAC:
		v = id->mac;
		break;
	case K_IP:
		v = id->ip;
		break;
	case K_NAME:
		v = name;
		break;
	case K_HOST:
		v = h;
		break;
	case K_HOSTDEV:
	case K_HOSTIF:
		v = k == K_HOSTDEV ? id->dev : id->ifname;
		if (!v || !*v || !h || !*h)
			return false;
		snprintf(buf, len, "%s\x1f%s", h, v);
		return true;
	case K_N:
		break;
	}
	if (!v || !*v)
		return false;
	if ((k == K_PGUID || k == K_GUID || k == K_MAC) && canon_hex(v, k != K_MAC, buf, len))
		return true;
	snprintf(buf, len, "%s", v);
	return true;
}

struct idx {
	const struct fp_topo *t;
	unsigned *node; /* entries (E_NODE...), UINT32_MAX empty */
	unsigned cap;
};

static unsigned slot_of(enum kind k, const char *key, unsigned cap)
{
	return (unsigned)(fp_name_hash(key) * 31 + (unsigned)k) & (cap - 1);
}

/* an entry is node << 4 | shared << 3 | kind; shared: more endpoints have its key */
#define E_NODE(e) ((e) >> 4)
#define E_SHARED  8u
#define E_KIND(e) ((e)&7u)

/* the slot holding key k, or the empty slot where it goes */
static unsigned idx_slot(const struct idx *x, enum kind k, const char *key)
{
	char other[FP_NAME_LEN + 32];
	unsigned h = slot_of(k, key, x->cap);

	for (; x->node[h] != UINT32_MAX; h = (h + 1) & (x->cap - 1)) {
		const struct fp_node *n = &x->t->nodes[E_NODE(x->node[h])];

		if (E_KIND(x->node[h]) == (unsigned)k &&
		    key_of(&n->id, n->name, k, other, sizeof(other)) && !strcmp(other, key))
			break;
	}
	return h;
}

static int idx_build(struct idx *x, const struct fp_topo *t)
{
	char key[FP_NAME_LEN + 32];
	size_t want = 2 * (size_t)t->nnodes * K_N + 2;

	x->t = t;
	for (x->cap = 16; x->cap < want; x->cap *= 2)
		;
	x->node = malloc(sizeof(*x->node) * x->cap);
	if (!x->node || t->nnodes >= (1u << 27))
		return -ENOMEM;
	memset(x->node, 0xff, sizeof(*x->node) * x->cap);
	for (unsigned i = 0; i < t->nnodes; i++) {
		const struct fp_node *n = &t->nodes[i];

		for (enum kind k = 0; k < K_N && n->kind == FP_HOST; k++) {
			unsigned h;

			if (!key_of(&n->id, n->name, k, key, sizeof(key)))
				continue;
			/* a key many endpoints share is one entry, marked shared */
			h = idx_slot(x, k, key);
			if (x->node[h] == UINT32_MAX)
				x->node[h] = i << 4 | k;
			else
				x->node[h] |= E_SHARED;
		}
	}
	return 0;
}

/* how many endpoints carry this key (0, 1, 2 for more); *node is the one */
static int idx_find(const struct idx *x, enum kind k, const char *key, int *node)
{
	unsigned h = idx_slot(x, k, key);

	if (x->node[h] == UINT32_MAX)
		return 0;
	*node = (int)E_NODE(x->node[h]);
	return x->node[h] & E_SHARED ? 2 : 1;
}

/* one rank: the strongest key that names exactly one endpoint */
static int map_one(const struct idx *x, const struct fp_ident *r, unsigned rank, int *node,
		   const char **how, char *err, size_t el)
{
	char key[FP_NAME_LEN + 32];
	const char *why = NULL;

	for (enum kind k = 0; k < K_N; k++) {
		int n = -1;

		/* a rank's hostname may be an endpoint's own name or its server's */
		if (!key_of(r, r->host, k, key, sizeof(key)))
			continue;
		switch (idx_find(x, k, key, &n)) {
		case 1:
			*node = n;
			*how = kind_name[k];
			return 0;
		case 2:
			why = why ? why : kind_name[k];
			break;
		default:
			break;
		}
	}
	if (why)
		snprintf(err, el,
			 "rank %u (host '%s'): its %s matches several endpoints and nothing "
			 "stronger tells them apart (record its netdev, device or GUID, or use "
			 "--map FILE)",
			 rank, r->host, why);
	else
		snprintf(err, el,
			 "rank %u (host '%s'%s%s): no endpoint of the topology has its identity "
			 "(port GUID, GUID, device, netdev, MAC, IP or hostname); use --map FILE",
			 rank, r->host, r->ip[0] ? ", ip " : "", r->ip);
	return -EINVAL;
}

/* two ranks on one endpoint: their flows cannot be told apart */
static int distinct(const struct fp_topo *t, const int *node_of, const char **how, unsigned n,
		    const char *src, char *err, size_t el)
{
	int *who = malloc(sizeof(*who) * (t->nnodes + 1));

	if (!who)
		return -ENOMEM;
	memset(who, 0xff, sizeof(*who) * (t->nnodes + 1));
	for (unsigned k = 0; k < n; k++) {
		if (who[node_of[k]] >= 0) {
			snprintf(err, el,
				 "%s%sranks %d and %u both map to endpoint '%s' (by %s): their "
				 "flows cannot be told apart (record each rank's own netdev or "
				 "device, or use --map FILE)",
				 src ? src : "", src ? ": " : "", who[node_of[k]], k,
				 t->nodes[node_of[k]].name, how ? how[k] : "the map's lines");
			free(who);
			return -EINVAL;
		}
		who[node_of[k]] = (int)k;
	}
	free(who);
	return 0;
}

int fp_topo_map(const struct fp_topo *t, const struct fp_ident *ranks, unsigned n, int *node_of,
		char *err, size_t el)
{
	const char **how = malloc(sizeof(*how) * (n + 1));
	struct idx x = { 0 };
	int ret = how ? idx_build(&x, t) : -ENOMEM;

	for (unsigned k = 0; k < n && !ret; k++)
		ret = map_one(&x, &ranks[k], k, &node_of[k], &how[k], err, el);
	free(x.node);
	if (ret == -ENOMEM)
		snprintf(err, el, "out of memory mapping %u ranks", n);
	if (!ret)
		ret = distinct(t, node_of, how, n, NULL, err, el);
	free(how);
	return ret;
}

/* one "rank,endpoint" line into node_of; seen[] marks ranks already named */
static int csv_line(const struct fp_topo *t, char *line, unsigned n, int *node_of, bool *seen,
		    const char *where, char *err, size_t el)
{
	char *comma = strchr(line, ','), *e, *name;
	long rank;
	int node;

	if (!comma) {
		snprintf(err, el, "%s: want 'rank,endpoint'", where);
		return -EINVAL;
	}
	*comma = 0;
	name = comma + 1;
	name[strcspn(name, "\r \t")] = 0;
	rank = strtol(line, &e, 10);
	if (e == line || *e || rank < 0 || rank >= (long)n) {
		snprintf(err, el, "%s: rank '%.20s' is not a number from 0 to %u", where, line,
			 n ? n - 1 : 0);
		return -EINVAL;
	}
	node = fp_topo_find(t, name);
	if (node < 0 || t->nodes[node].kind != FP_HOST) {
		snprintf(err, el, "%s: '%.64s' is not an endpoint (host) of the topology", where,
			 name);
		return -EINVAL;
	}
	if (seen[rank]) {
		snprintf(err, el, "%s: rank %ld is named twice", where, rank);
		return -EINVAL;
	}
	seen[rank] = true;
	node_of[rank] = node;
	return 0;
}

int fp_topo_map_csv(const struct fp_topo *t, const char *text, size_t len, const char *src,
		    unsigned n, int *node_of, char *err, size_t el)
{
	bool *seen = calloc(n + 1, sizeof(*seen));
	const char *p = text, *end = text + len;
	int ret = seen ? 0 : -ENOMEM;

	for (unsigned lineno = 1; p < end && !ret; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256], where[300];

		snprintf(where, sizeof(where), "%s:%u", src, lineno);
		if (l >= sizeof(line) || memchr(p, 0, l)) {
			snprintf(err, el, "%s: not a line of text under %zu bytes", where,
				 sizeof(line));
			ret = -EINVAL;
			break;
		}
		memcpy(line, p, l);
		line[l] = 0;
		p += l + (nl ? 1 : 0);
		if (!line[strspn(line, " \t\r")] || line[0] == '#' ||
		    (lineno == 1 && !strncmp(line, "rank,", 5)))
			continue;
		ret = csv_line(t, line, n, node_of, seen, where, err, el);
	}
	for (unsigned k = 0; k < n && !ret; k++)
		if (!seen[k]) {
			snprintf(err, el, "%s: rank %u is not named (every rank needs a line)", src,
				 k);
			ret = -EINVAL;
		}
	free(seen);
	if (ret == -ENOMEM)
		snprintf(err, el, "out of memory");
	return ret ? ret : distinct(t, node_of, NULL, n, src, err, el);
}
