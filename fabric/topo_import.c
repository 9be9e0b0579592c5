// SPDX-License-Identifier: MIT
/*
 * Importers: what real fabrics report, into the model.
 *
 * ibnetdiscover (infiniband-diags): blocks of "vendid=/devid=/...guid=" lines, a node line
 *   Switch 40 "S-0002c903007b8b10"   # "MF0;sw1:MQM8700/U1" enhanced port 0 lid 3 lmc 0
 *   Ca      1 "H-0002c9030006b0d0"   # "node1 mlx5_0"
 * then one line per connected port:
 *   [1]  "H-0002c9030006b0d0"[1](2c9030006b0d1)   # "node1 mlx5_0" lid 5 4xHDR
 *   [1](2c9030006b0d1)  "S-0002c903007b8b10"[1]   # lid 5 lmc 0 "sw1" lid 3 4xHDR
 * Each link appears from both ends; it is kept once. The width and speed token (4xHDR)
 * gives lanes and the lane rate: SDR 2.5, DDR 5, QDR 10, FDR10 10, FDR 14, EDR 25,
 * HDR 50, NDR 100, XDR 200 Gb/s per lane (IBTA data rates, rounded as vendors quote them).
 *
 * lldpctl -f json (lldpd), one file per host: lldp.interface is an object keyed by local
 * interface when there is one neighbour, and a list of such objects when there are several.
 * The neighbour's chassis is an object keyed by its system name; its port id and the
 * negotiated MAU type ("100GbaseCR4") give the port and, where present, speed and media.
 */
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "topo.h"

#define MAX_LINE 4096

struct ibnode {
	char id[40];
	int node;
};

static void sanitize(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++)
		out[o++] = (isalnum((unsigned char)*in) || *in == '_' || *in == '.' || *in == '-')
				   ? *in
				   : '_';
	out[o] = 0;
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

static double ib_lane_gbps(const char *speed)
{
	static const struct {
		const char *n;
		double g;
	} t[] = { { "SDR", 2.5 }, { "DDR", 5 },	 { "QDR", 10 },	 { "FDR10", 10 }, { "FDR", 14 },
		  { "EDR", 25 },  { "HDR", 50 }, { "NDR", 100 }, { "XDR", 200 } };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strncmp(speed, t[i].n, strlen(t[i].n)) &&
		    !isalnum((unsigned char)speed[strlen(t[i].n)]))
			return t[i].g;
	return 0;
}

/* find "<w>x<SPEED>" in a comment: lanes and lane rate */
static bool ib_width(const char *c, int *lanes, double *lane)
{
	for (const char *p = c; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > c && isalnum((unsigned char)p[-1])))
			continue;
		char *e;
		long w = strtol(p, &e, 10);

		if (*e == 'x' && w >= 1 && w <= 32 && ib_lane_gbps(e + 1) > 0) {
			*lanes = (int)w;
			*lane = ib_lane_gbps(e + 1);
			return true;
		}
	}
	return false;
}

static int ib_find(struct ibnode *v, unsigned n, const char *id)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(v[i].id, id))
			return (int)i;
	return -1;
}

int fp_topo_load_ibnet(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		       size_t errlen)
{
	struct ibnode *ids = NULL;
	unsigned nids = 0, cap = 0;
	int cur = -1, lineno = 0, ret = 0;
	const char *p = text, *end = text + len;
	/* pending links by (id, port, rid, rport, lanes, lane) until every node is known */
	struct pend {
		int a;
		int pa;
		char rid[40];
		int pb;
		int lanes;
		double lane;
		int line;
	} *pend = NULL;
	unsigned np = 0, pcap = 0;

	fp_topo_destroy(t);
	fp_topo_init(t);
	snprintf(t->source, sizeof(t->source), "%s", src);
	snprintf(t->name, sizeof(t->name), "ibnetdiscover");
	while (p < end && !ret) {
		char line[MAX_LINE];
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		if (l >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: line longer than %d bytes", src, lineno,
				 MAX_LINE);
			ret = -EINVAL;
			break;
		}
		memcpy(line, p, l);
		line[l] = 0;
		p += l + (nl ? 1 : 0);
		q = line;
		while (*q == ' ' || *q == '\t')
			q++;
		if (!*q || *q == '#' || (strchr(q, '=') && *q != '['))
			continue;
		if (!strncmp(q, "Switch", 6) || !strncmp(q, "Ca", 2) || !strncmp(q, "Rt", 2)) {
			bool sw = *q != 'C';
			char id[40], desc[128] = "", name[FP_NAME_LEN];
			char *e;
			long ports;

			q += sw && *q == 'S' ? 6 : 2;
			ports = strtol(q, &e, 10);
			q = e;
			if (ports < 1 || ports > 65535 || quoted(&q, id, sizeof(id))) {
				snprintf(err, errlen,
					 "%s:%d: a node line needs a port count and a "
					 "quoted id",
					 src, lineno);
				ret = -EINVAL;
				break;
			}
			q = strchr(q, '#');
			if (q) {
				q++;
				quoted(&q, desc, sizeof(desc));
			}
			/* a switch description is often "MF0;name:model/U1": keep the name */
			{
				const char *d = desc, *semi = strchr(desc, ';');
				char tmp[128];

				if (semi)
					d = semi + 1;
				snprintf(tmp, sizeof(tmp), "%s", d);
				if (semi && strchr(tmp, ':'))
					*strchr(tmp, ':') = 0;
				sanitize(tmp, name, sizeof(name));
			}
			if (!name[0] || fp_topo_find(t, name) >= 0)
				sanitize(id, name, sizeof(name));
			if (ib_find(ids, nids, id) >= 0 || fp_topo_find(t, name) >= 0) {
				snprintf(err, errlen, "%s:%d: node %s appears twice", src, lineno,
					 id);
				ret = -EINVAL;
				break;
			}
			if (nids == cap) {
				void *n2 = realloc(ids, sizeof(*ids) * (cap = cap ? cap * 2 : 64));

				if (!n2) {
					ret = -ENOMEM;
					break;
				}
				ids = n2;
			}
			cur = fp_topo_add_node(t, name, sw ? FP_SWITCH : FP_HOST, sw ? 1 : 0);
			if (cur < 0) {
				ret = cur;
				break;
			}
			t->nodes[cur].line = lineno;
			/* "S-0002c903007b8b10" -> guid 0x0002c903007b8b10 */
			if (strlen(id) > 2 && id[1] == '-')
				snprintf(t->nodes[cur].guid, sizeof(t->nodes[cur].guid), "0x%.18s",
					 id + 2);
			snprintf(ids[nids].id, sizeof(ids[nids].id), "%s", id);
			ids[nids++].node = cur;
			ret = fp_topo_index(t);
			continue;
		}
		if (*q == '[') {
			char *e;
			long pa = strtol(q + 1, &e, 10), pb;
			struct pend *pd;

			if (cur < 0 || pa < 0 || pa > 65535 || *e != ']') {
				snprintf(err, errlen,
					 "%s:%d: a port line outside a node, or a bad port "
					 "number",
					 src, lineno);
				ret = -EINVAL;
				break;
			}
			q = e + 1;
			if (*q == '(') {
				q = strchr(q, ')');
				if (!q) {
					snprintf(err, errlen, "%s:%d: unclosed port guid", src,
						 lineno);
					ret = -EINVAL;
					break;
				}
				q++;
			}
			if (np == pcap) {
				void *n2 = realloc(pend,
						   sizeof(*pend) * (pcap = pcap ? pcap * 2 : 256));

				if (!n2) {
					ret = -ENOMEM;
					break;
				}
				pend = n2;
			}
			pd = &pend[np];
			if (quoted(&q, pd->rid, sizeof(pd->rid)) || *q != '[') {
				snprintf(err, errlen,
					 "%s:%d: a port line needs \"remote-id\"[port]", src,
					 lineno);
				ret = -EINVAL;
				break;
			}
			pb = strtol(q + 1, &e, 10);
			if (pb < 0 || pb > 65535 || *e != ']') {
				snprintf(err, errlen, "%s:%d: bad remote port number", src, lineno);
				ret = -EINVAL;
				break;
			}
			pd->a = cur;
			pd->pa = (int)pa;
			pd->pb = (int)pb;
			pd->lanes = 4;
			pd->lane = 0;
			pd->line = lineno;
			q = strchr(e, '#');
			if (!q || !ib_width(q, &pd->lanes, &pd->lane)) {
				snprintf(err, errlen,
					 "%s:%d: no width and speed (like 4xHDR) on the port "
					 "line",
					 src, lineno);
				ret = -EINVAL;
				break;
			}
			np++;
			continue;
		}
		snprintf(err, errlen, "%s:%d: not an ibnetdiscover line: '%.40s'", src, lineno, q);
		ret = -EINVAL;
	}
	for (unsigned i = 0; i < np && !ret; i++) {
		int r = ib_find(ids, nids, pend[i].rid), b;
		char pa[16], pb[16];
		bool dup = false;

		if (r < 0) {
			snprintf(err, errlen, "%s:%d: port links to %s, which is not in the file",
				 src, pend[i].line, pend[i].rid);
			ret = -EINVAL;
			break;
		}
		b = ids[r].node;
		snprintf(pa, sizeof(pa), "%d", pend[i].pa);
		snprintf(pb, sizeof(pb), "%d", pend[i].pb);
		/* the other end's line describes the same cable */
		for (unsigned k = 0; k < t->nlinks && !dup; k++) {
			const struct fp_link *l = &t->links[k];

			dup = (l->a == b && !strcmp(l->pa, pb) && l->b == pend[i].a &&
			       !strcmp(l->pb, pa)) ||
			      (l->a == pend[i].a && !strcmp(l->pa, pa) && l->b == b &&
			       !strcmp(l->pb, pb));
		}
		if (dup)
			continue;
		int li = fp_topo_add_link(t, pend[i].a, pa, b, pb, pend[i].lanes * pend[i].lane,
					  FP_MEDIA_UNKNOWN);

		if (li < 0) {
			ret = li;
			break;
		}
		t->links[li].lanes = pend[i].lanes;
		t->links[li].lane_gbps = pend[i].lane;
		t->links[li].line = pend[i].line;
	}
	/*
	 * ibnetdiscover shows the active width only. A link narrower than the widest link on
	 * either of its switches most likely trained down (a 2x among 4x is a classic bad
	 * cable): record the wide width as its capability and the narrow one as trained.
	 */
	for (unsigned i = 0; i < t->nlinks && !ret; i++) {
		struct fp_link *l = &t->links[i];
		int widest = l->lanes;

		for (unsigned k = 0; k < t->nlinks; k++) {
			const struct fp_link *m = &t->links[k];

			if ((m->a == l->a || m->b == l->a || m->a == l->b || m->b == l->b) &&
			    m->lanes > widest && m->lane_gbps == l->lane_gbps)
				widest = m->lanes;
		}
		if (widest > l->lanes) {
			l->trained_lanes = l->lanes;
			l->trained_gbps = l->gbps;
			l->lanes = widest;
			l->gbps = widest * l->lane_gbps;
		}
	}
	free(pend);
	free(ids);
	if (!ret && !t->nnodes) {
		snprintf(err, errlen, "%s: no Switch or Ca blocks: not ibnetdiscover output", src);
		ret = -EINVAL;
	}
	if (!ret)
		ret = fp_topo_index(t);
	/* tiers: switches by hop distance from the nearest host */
	if (!ret) {
		int *q = malloc(sizeof(int) * t->nnodes), *d = malloc(sizeof(int) * t->nnodes);
		int h = 0, tl = 0;

		if (!q || !d)
			ret = -ENOMEM;
		for (unsigned i = 0; !ret && i < t->nnodes; i++) {
			d[i] = t->nodes[i].kind == FP_HOST ? 0 : -1;
			if (!d[i])
				q[tl++] = (int)i;
		}
		while (!ret && h < tl) {
			int u = q[h++];

			for (unsigned k = t->adj_off[u]; k < t->adj_off[u + 1]; k++) {
				int w = fp_link_peer(&t->links[t->adj[k]], u);

				if (d[w] < 0) {
					d[w] = d[u] + 1;
					q[tl++] = w;
				}
			}
		}
		for (unsigned i = 0; !ret && i < t->nnodes; i++)
			if (t->nodes[i].kind == FP_SWITCH)
				t->nodes[i].tier = d[i] > 0 && d[i] < 8 ? d[i] : 1;
		free(q);
		free(d);
	}
	if (ret)
		fp_topo_destroy(t);
	return ret;
}

/* ---------- lldpctl -f json ---------- */

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

static int lldp_iface(struct fp_topo *t, int host, const char *ifname, struct fy_node *v,
		      const char *src, char *err, size_t errlen)
{
	struct fy_node *ch = fp_jkey(v, "chassis"), *port = fp_jkey(v, "port"), *id, *an;
	char name[FP_NAME_LEN] = "", rport[FP_PORT_LEN] = "", buf[256];
	double gbps = 100;
	enum fp_media m = FP_MEDIA_UNKNOWN;
	int sw, li;

	if (!ch || !fy_node_is_mapping(ch) || !port) {
		snprintf(err, errlen, "%s: interface %s has no chassis or port", src, ifname);
		return -EINVAL;
	}
	/* chassis: {"<sysname>": {...}} or {"name": {"value": ...}} / {"id": ...} */
	{
		void *it = NULL;
		struct fy_node_pair *p = fy_node_mapping_iterate(ch, &it);
		char k[FP_NAME_LEN];

		if (fp_jkey(ch, "name")) {
			if (!fp_jstr(fp_jkey(fp_jkey(ch, "name"), "value"), buf, sizeof(buf)) &&
			    !fp_jstr(fp_jkey(ch, "name"), buf, sizeof(buf)))
				buf[0] = 0;
		} else if (fp_jkey(ch, "id"))
			fp_jstr(fp_jkey(fp_jkey(ch, "id"), "value"), buf, sizeof(buf));
		else if (p && fp_jstr(fy_node_pair_key(p), k, sizeof(k)))
			snprintf(buf, sizeof(buf), "%s", k);
		else
			buf[0] = 0;
		sanitize(buf, name, sizeof(name));
	}
	id = fp_jkey(port, "id");
	if (!fp_jstr(fp_jkey(id, "value"), buf, sizeof(buf)) &&
	    !fp_jstr(fp_jkey(port, "descr"), buf, sizeof(buf)))
		buf[0] = 0;
	sanitize(buf, rport, sizeof(rport));
	if (!name[0] || !rport[0]) {
		snprintf(err, errlen, "%s: interface %s: the neighbour has no name or port id", src,
			 ifname);
		return -EINVAL;
	}
	an = fp_jkey(port, "auto-negotiation");
	if (fp_jstr(fp_jkey(an, "current"), buf, sizeof(buf)))
		mau(buf, &gbps, &m);
	if (!(gbps > 0 && gbps <= 1e5))
		gbps = 100;
	sw = fp_topo_find(t, name);
	if (sw < 0) {
		sw = fp_topo_add_node(t, name, FP_SWITCH, 1);
		if (sw < 0)
			return sw;
		if (fp_topo_index(t))
			return -ENOMEM;
	}
	if (sw == host) {
		snprintf(err, errlen, "%s: interface %s: the neighbour is the host itself", src,
			 ifname);
		return -EINVAL;
	}
	sanitize(ifname, buf, FP_PORT_LEN);
	li = fp_topo_add_link(t, host, buf, sw, rport, gbps, m);
	return li < 0 ? li : 0;
}

int fp_topo_load_lldp(struct fp_topo *t, const char *const *texts, const size_t *lens, unsigned n,
		      const char *const *srcs, char *err, size_t errlen)
{
	int ret = 0;

	fp_topo_destroy(t);
	fp_topo_init(t);
	snprintf(t->source, sizeof(t->source), "%s", srcs[0]);
	snprintf(t->name, sizeof(t->name), "lldp");
	for (unsigned f = 0; f < n && !ret; f++) {
		struct fy_document *doc = fp_yaml_parse(texts[f], lens[f], srcs[f], err, errlen);
		struct fy_node *ifs, *it;
		const char *src = srcs[f], *sl = strrchr(src, '/');
		char hostname[FP_NAME_LEN], tmp[FP_NAME_LEN];
		int host;
		void *iter = NULL;

		/* one file per host, named after it: host1.json is host1 */
		snprintf(tmp, sizeof(tmp), "%s", sl ? sl + 1 : src);
		if (strchr(tmp, '.'))
			*strchr(tmp, '.') = 0;
		sanitize(tmp, hostname, sizeof(hostname));
		if (!hostname[0])
			snprintf(hostname, sizeof(hostname), "host%u", f);
		if (!doc) {
			ret = -EINVAL;
			break;
		}
		ifs = fp_jkey(fp_jkey(fy_document_root(doc), "lldp"), "interface");
		if (!ifs) {
			snprintf(err, errlen, "%s: no lldp.interface: not lldpctl -f json output",
				 src);
			fy_document_destroy(doc);
			ret = -EINVAL;
			break;
		}
		host = fp_topo_find(t, hostname);
		if (host < 0)
			host = fp_topo_add_node(t, hostname, FP_HOST, 0);
		if (host < 0 || fp_topo_index(t)) {
			fy_document_destroy(doc);
			ret = host < 0 ? host : -ENOMEM;
			break;
		}
		if (fy_node_is_mapping(ifs)) {
			struct fy_node_pair *p;

			while (!ret && (p = fy_node_mapping_iterate(ifs, &iter))) {
				char k[64];

				if (!fp_jstr(fy_node_pair_key(p), k, sizeof(k))) {
					snprintf(err, errlen,
						 "%s: an interface name is not a string", src);
					ret = -EINVAL;
					break;
				}
				ret = lldp_iface(t, host, k, fy_node_pair_value(p), src, err,
						 errlen);
			}
		} else if (fy_node_is_sequence(ifs)) {
			while (!ret && (it = fy_node_sequence_iterate(ifs, &iter))) {
				void *i2 = NULL;
				struct fy_node_pair *p = fy_node_is_mapping(it)
								 ? fy_node_mapping_iterate(it, &i2)
								 : NULL;
				char k[64];

				if (!p || !fp_jstr(fy_node_pair_key(p), k, sizeof(k))) {
					snprintf(err, errlen,
						 "%s: an interface entry is not {name: {...}}",
						 src);
					ret = -EINVAL;
					break;
				}
				ret = lldp_iface(t, host, k, fy_node_pair_value(p), src, err,
						 errlen);
			}
		} else {
			snprintf(err, errlen, "%s: lldp.interface is neither an object nor a list",
				 src);
			ret = -EINVAL;
		}
		fy_document_destroy(doc);
	}
	if (!ret)
		ret = fp_topo_index(t);
	if (ret)
		fp_topo_destroy(t);
	return ret;
}
