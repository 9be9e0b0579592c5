// SPDX-License-Identifier: MIT
/*
 * The lldpctl -f json importer (lldpd), one file per host: lldp.interface is an object keyed
 * by local interface when there is one neighbour, and a list of such objects when there are
 * several. The neighbour's chassis is an object keyed by its system name; its port id and
 * the negotiated MAU type ("100GbaseCR4") give the port and, where present, speed and media.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "yaml.h"
#include "topo.h"
#include "topo_format.h"

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
		fp_topo_sanitize(buf, name, sizeof(name));
	}
	id = fp_jkey(port, "id");
	if (!fp_jstr(fp_jkey(id, "value"), buf, sizeof(buf)) &&
	    !fp_jstr(fp_jkey(port, "descr"), buf, sizeof(buf)))
		buf[0] = 0;
	fp_topo_sanitize(buf, rport, sizeof(rport));
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
	}
	if (sw == host) {
		snprintf(err, errlen, "%s: interface %s: the neighbour is the host itself", src,
			 ifname);
		return -EINVAL;
	}
	fp_topo_sanitize(ifname, buf, FP_PORT_LEN);
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
		fp_topo_sanitize(tmp, hostname, sizeof(hostname));
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
		if (host < 0) {
			fy_document_destroy(doc);
			ret = host;
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
	/* a file with no neighbours would write a topology nothing loads */
	if (!ret && !t->nlinks) {
		snprintf(err, errlen, "%s: no LLDP neighbours in lldp.interface: nothing to import",
			 srcs[0]);
		ret = -EINVAL;
	}
	if (!ret)
		ret = fp_topo_index(t);
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
	return memmem(text, len, "\"lldp\"", 6);
}

const struct fp_topo_format fp_format_lldp = {
	.name = "lldpctl -f json",
	.exts = ".lldp .json",
	.sniff = lldp_sniff,
	.load = lldp_load,
};
