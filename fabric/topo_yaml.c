// SPDX-License-Identifier: MIT
/*
 * The native topology format: YAML (or JSON, which YAML reads), parsed by libfyaml.
 * The schema is in topologies/README.md. Unknown keys are errors, so a typo is caught at
 * the line it is on rather than silently ignored.
 */
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "topo.h"
#include "topo_format.h"
#include "yaml.h"

struct ctx {
	const char *src;
	char *err;
	size_t errlen;
};

static int line_of(struct fy_node *n)
{
	struct fy_token *t = n ? fy_node_get_scalar_token(n) : NULL;
	const struct fy_mark *m;

	if (!t && n && fy_node_is_mapping(n)) {
		void *it = NULL;
		struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);

		t = p ? fy_node_get_scalar_token(fy_node_pair_key(p)) : NULL;
	}
	if (!t && n && fy_node_is_sequence(n)) {
		void *it = NULL;
		struct fy_node *c = fy_node_sequence_iterate(n, &it);

		return c ? line_of(c) : 0;
	}
	m = t ? fy_token_start_mark(t) : NULL;
	return m ? m->line + 1 : 0;
}

static int fail(struct ctx *c, struct fy_node *n, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s:%d: %s", c->src, line_of(n), msg);
	return -EINVAL;
}

static const char *scalar(struct fy_node *n, char *buf, size_t len)
{
	const char *s;
	size_t l;

	if (!n || !fy_node_is_scalar(n))
		return NULL;
	s = fy_node_get_scalar(n, &l);
	if (!s || l >= len)
		return NULL;
	memcpy(buf, s, l);
	buf[l] = 0;
	return buf;
}

static int get_str(struct ctx *c, struct fy_node *v, const char *key, char *out, size_t len)
{
	char buf[256];

	if (!scalar(v, buf, sizeof(buf)) || strlen(buf) >= len)
		return fail(c, v, "'%s' must be a string of at most %zu characters", key, len - 1);
	strcpy(out, buf);
	return 0;
}

static int get_num(struct ctx *c, struct fy_node *v, const char *key, double lo, double hi,
		   double *out)
{
	char buf[64], *end;
	double d;

	if (!scalar(v, buf, sizeof(buf)))
		return fail(c, v, "'%s' must be a number", key);
	d = strtod(buf, &end);
	if (end == buf || *end || !isfinite(d))
		return fail(c, v, "'%s' must be a number, got '%s'", key, buf);
	if (d < lo || d > hi)
		return fail(c, v, "'%s' = %g is outside %g..%g", key, d, lo, hi);
	*out = d;
	return 0;
}

static int get_int(struct ctx *c, struct fy_node *v, const char *key, int lo, int hi, int *out)
{
	double d;
	int ret = get_num(c, v, key, lo, hi, &d);

	if (ret)
		return ret;
	if (d != floor(d))
		return fail(c, v, "'%s' must be a whole number", key);
	*out = (int)d;
	return 0;
}

static int load_node(struct fp_topo *t, struct ctx *c, struct fy_node *m)
{
	char name[FP_NAME_LEN] = "", kind[16] = "host";
	int tier = -1, rail = -1, idx, ret = 0;
	double nic = 0;
	char group[FP_NAME_LEN] = "", guid[24] = "";
	void *it = NULL;
	struct fy_node_pair *p;

	if (!fy_node_is_mapping(m))
		return fail(c, m, "a node must be a mapping with at least a name");
	while ((p = fy_node_mapping_iterate(m, &it)) && !ret) {
		char k[32];
		struct fy_node *v = fy_node_pair_value(p);

		if (!scalar(fy_node_pair_key(p), k, sizeof(k)))
			return fail(c, fy_node_pair_key(p), "node keys are short strings");
		if (!strcmp(k, "name"))
			ret = get_str(c, v, k, name, sizeof(name));
		else if (!strcmp(k, "kind"))
			ret = get_str(c, v, k, kind, sizeof(kind));
		else if (!strcmp(k, "tier"))
			ret = get_int(c, v, k, 0, 7, &tier);
		else if (!strcmp(k, "rail"))
			ret = get_int(c, v, k, -1, 4096, &rail);
		else if (!strcmp(k, "group"))
			ret = get_str(c, v, k, group, sizeof(group));
		else if (!strcmp(k, "guid"))
			ret = get_str(c, v, k, guid, sizeof(guid));
		else if (!strcmp(k, "nic_gbps"))
			ret = get_num(c, v, k, 0, 1e6, &nic);
		else
			return fail(c, fy_node_pair_key(p), "unknown node key '%s'", k);
	}
	if (ret)
		return ret;
	if (!name[0])
		return fail(c, m, "a node needs a name");
	if (strchr(name, ':') || strchr(name, ' '))
		return fail(c, m, "node name '%s' may not hold ':' or spaces", name);
	if (strcmp(kind, "host") && strcmp(kind, "switch"))
		return fail(c, m, "kind '%s' is not host or switch", kind);
	if (fp_topo_find(t, name) >= 0)
		return fail(c, m, "node '%s' is defined twice", name);
	if (tier < 0)
		tier = strcmp(kind, "host") ? 1 : 0;
	idx = fp_topo_add_node(t, name, strcmp(kind, "host") ? FP_SWITCH : FP_HOST, tier);
	if (idx < 0)
		return idx;
	t->nodes[idx].rail = rail;
	t->nodes[idx].nic_gbps = nic;
	t->nodes[idx].line = line_of(m);
	strcpy(t->nodes[idx].group, group);
	strcpy(t->nodes[idx].guid, guid);
	return 0;
}

/* "node:port" or "node" (the port is then named after the link) or {node:, port:} */
static int endpoint(struct fp_topo *t, struct ctx *c, struct fy_node *v, const char *key, int *node,
		    char *port)
{
	char buf[FP_NAME_LEN + FP_PORT_LEN + 2], *colon;

	if (fy_node_is_mapping(v)) {
		struct fy_node *n = fy_node_mapping_lookup_by_string(v, "node", -1);
		struct fy_node *p = fy_node_mapping_lookup_by_string(v, "port", -1);

		if (!scalar(n, buf, FP_NAME_LEN))
			return fail(c, v, "'%s' needs a node", key);
		if (p && get_str(c, p, "port", port, FP_PORT_LEN))
			return -EINVAL;
	} else {
		if (!scalar(v, buf, sizeof(buf)))
			return fail(c, v, "'%s' must be \"node:port\"", key);
		colon = strchr(buf, ':');
		if (colon) {
			*colon = 0;
			if (strlen(colon + 1) >= FP_PORT_LEN)
				return fail(c, v, "port name '%s' is too long", colon + 1);
			strcpy(port, colon + 1);
		}
	}
	*node = fp_topo_find(t, buf);
	if (*node < 0)
		return fail(c, v, "'%s' names node '%s', which is not defined", key, buf);
	return 0;
}

static int load_link(struct fp_topo *t, struct ctx *c, struct fy_node *m)
{
	struct fp_link l = { .a = -1, .b = -1, .up = true };
	double lane = 0, gbps = -1;
	bool have_a = false, have_b = false;
	void *it = NULL;
	struct fy_node_pair *p;
	int ret = 0, idx;

	if (!fy_node_is_mapping(m))
		return fail(c, m, "a link must be a mapping with a, b and gbps");
	while ((p = fy_node_mapping_iterate(m, &it)) && !ret) {
		char k[32], buf[32];
		struct fy_node *v = fy_node_pair_value(p);

		if (!scalar(fy_node_pair_key(p), k, sizeof(k)))
			return fail(c, fy_node_pair_key(p), "link keys are short strings");
		if (!strcmp(k, "a")) {
			ret = endpoint(t, c, v, k, &l.a, l.pa);
			have_a = true;
		} else if (!strcmp(k, "b")) {
			ret = endpoint(t, c, v, k, &l.b, l.pb);
			have_b = true;
		} else if (!strcmp(k, "gbps")) {
			ret = get_num(c, v, k, 1e-6, 1e6, &gbps);
		} else if (!strcmp(k, "lanes")) {
			ret = get_int(c, v, k, 1, 64, &l.lanes);
		} else if (!strcmp(k, "lane_gbps")) {
			ret = get_num(c, v, k, 1e-6, 1e6, &lane);
		} else if (!strcmp(k, "media")) {
			ret = get_str(c, v, k, buf, sizeof(buf));
			if (!ret && fp_media_parse(buf, &l.media))
				ret = fail(c, v, "media '%s' is not dac, acc, aec, aoc or optic",
					   buf);
		} else if (!strcmp(k, "xcvr")) {
			ret = get_str(c, v, k, l.xcvr, sizeof(l.xcvr));
		} else if (!strcmp(k, "length_m")) {
			ret = get_num(c, v, k, 0, 1e5, &l.length_m);
		} else if (!strcmp(k, "pn_a")) {
			ret = get_str(c, v, k, l.pn_a, sizeof(l.pn_a));
		} else if (!strcmp(k, "pn_b")) {
			ret = get_str(c, v, k, l.pn_b, sizeof(l.pn_b));
		} else if (!strcmp(k, "state")) {
			ret = get_str(c, v, k, buf, sizeof(buf));
			if (!ret && strcmp(buf, "up") && strcmp(buf, "down"))
				ret = fail(c, v, "state '%s' is not up or down", buf);
			l.up = !ret && !strcmp(buf, "up");
		} else if (!strcmp(k, "trained_gbps")) {
			ret = get_num(c, v, k, 0, 1e6, &l.trained_gbps);
		} else if (!strcmp(k, "trained_lanes")) {
			ret = get_int(c, v, k, 0, 64, &l.trained_lanes);
		} else if (!strcmp(k, "lid_a")) {
			ret = get_int(c, v, k, 0, 65535, &l.lid_a);
		} else if (!strcmp(k, "lid_b")) {
			ret = get_int(c, v, k, 0, 65535, &l.lid_b);
		} else {
			return fail(c, fy_node_pair_key(p), "unknown link key '%s'", k);
		}
	}
	if (ret)
		return ret;
	if (!have_a || !have_b)
		return fail(c, m, "a link needs both ends, a and b");
	if (gbps < 0)
		return fail(c, m, "a link needs gbps");
	if (!l.lanes)
		l.lanes = 1;
	idx = fp_topo_add_link(t, l.a, l.pa, l.b, l.pb, gbps, l.media);
	if (idx < 0)
		return idx;
	l.gbps = gbps;
	l.lane_gbps = lane > 0 ? lane : gbps / l.lanes;
	l.line = line_of(m);
	/* ports left unnamed are named after the link, so every port is distinct */
	if (!l.pa[0])
		snprintf(l.pa, sizeof(l.pa), "l%d", idx);
	if (!l.pb[0])
		snprintf(l.pb, sizeof(l.pb), "l%d", idx);
	t->links[idx] = l;
	return 0;
}

static int load_doc(struct fp_topo *t, struct ctx *c, struct fy_node *root)
{
	struct fy_node *v, *nodes, *links, *it_n;
	void *it;
	int ret = 0;

	if (!root || !fy_node_is_mapping(root))
		return fail(c, root,
			    "a topology is a mapping with fabprobe_topology, nodes, links");
	v = fy_node_mapping_lookup_by_string(root, "fabprobe_topology", -1);
	if (!v)
		return fail(c, root, "not a fabprobe topology (no 'fabprobe_topology: 1')");
	{
		int ver;

		if (get_int(c, v, "fabprobe_topology", 1, 1, &ver))
			return -EINVAL;
	}
	v = fy_node_mapping_lookup_by_string(root, "name", -1);
	if (v && get_str(c, v, "name", t->name, sizeof(t->name)))
		return -EINVAL;
	nodes = fy_node_mapping_lookup_by_string(root, "nodes", -1);
	links = fy_node_mapping_lookup_by_string(root, "links", -1);
	if (!nodes || !fy_node_is_sequence(nodes))
		return fail(c, root, "'nodes' must be a list");
	if (links && !fy_node_is_sequence(links))
		return fail(c, links, "'links' must be a list");
	{
		void *pit = NULL;
		struct fy_node_pair *p;

		while ((p = fy_node_mapping_iterate(root, &pit))) {
			char k[32];

			if (!scalar(fy_node_pair_key(p), k, sizeof(k)) ||
			    (strcmp(k, "fabprobe_topology") && strcmp(k, "name") &&
			     strcmp(k, "nodes") && strcmp(k, "links") && strcmp(k, "comment")))
				return fail(c, fy_node_pair_key(p), "unknown top-level key");
		}
	}
	it = NULL;
	while (!ret && (it_n = fy_node_sequence_iterate(nodes, &it)))
		ret = load_node(t, c, it_n);
	it = NULL;
	while (!ret && links && (it_n = fy_node_sequence_iterate(links, &it)))
		ret = load_link(t, c, it_n);
	if (!ret)
		ret = fp_topo_index(t);
	return ret;
}

int fp_topo_load_yaml(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		      size_t errlen)
{
	struct ctx c = { .src = src, .err = err, .errlen = errlen };
	struct fy_document *doc = fp_yaml_parse(text, len, src, err, errlen);
	int ret;

	if (!doc)
		return -EINVAL;
	fp_topo_destroy(t);
	fp_topo_init(t);
	snprintf(t->source, sizeof(t->source), "%s", src);
	ret = load_doc(t, &c, fy_document_root(doc));
	fy_document_destroy(doc);
	if (ret)
		fp_topo_destroy(t);
	return ret;
}

static bool native_sniff(const char *text, size_t len)
{
	return memmem(text, len, "fabprobe_topology", 17);
}

static bool native_json_sniff(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	return i < len && text[i] == '{' && native_sniff(text, len);
}

const struct fp_topo_format fp_format_native = {
	.name = "fabprobe YAML",
	.exts = ".yaml .yml",
	.sniff = native_sniff,
	.load = fp_topo_load_yaml,
};

/* JSON is YAML: the same loader, its own row so a new JSON-only reader has a place */
const struct fp_topo_format fp_format_native_json = {
	.name = "fabprobe JSON",
	.exts = ".json",
	.sniff = native_json_sniff,
	.load = fp_topo_load_yaml,
};
