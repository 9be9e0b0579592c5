// SPDX-License-Identifier: MIT
/*
 * The native topology format: YAML (or JSON, which YAML reads), parsed by libfyaml.
 * The schema is in topologies/README.md. Unknown keys are errors, so a typo is caught at
 * the line it is on rather than silently ignored.
 *
 * Two readers feed one set of rules. The event reader (libfyaml's parser API) streams the
 * file and never holds a document tree: it takes the common shape (the top-level keys, then
 * nodes before links, every node and link a mapping of scalars) and steps aside for
 * anything else (an alias, an endpoint written as a mapping, links before nodes, a
 * duplicate key) and for any error. The tree reader then loads the same text through a
 * document, so rare forms and every error message stay as they were. Both hand each node
 * and link to the same checks as a list of keys and values (struct item).
 */
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "../../core/err.h"
#include "topo.h"
#include "topo_format.h"
#include "yaml.h"

#define MAX_KEYS 32
#define VAL_LEN	 256

struct ctx {
	const char *src;
	char *err;
	size_t errlen;
};

/* one key: value of a node or link mapping, copied out of the parser */
struct kv {
	char key[32], val[VAL_LEN];
	size_t klen, vlen;     /* real lengths: key and val hold at most 31 and 255 bytes */
	bool kscalar, vscalar; /* false: a mapping or sequence */
	int kline, vline;
	struct fy_node *vnode; /* tree reader only: the value, for endpoint mappings */
};

struct item {
	struct kv kv[MAX_KEYS];
	unsigned n;
	bool more; /* more than MAX_KEYS keys */
	bool mapping;
	int line; /* the first key's line, 0 for an empty mapping */
};

static int fail_at(struct ctx *c, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fp_say(c->err, c->errlen, "%s:%d: %s", c->src, line, msg);
}

/* the value as a string that fits len, or NULL */
static const char *val_str(const struct kv *v, size_t len)
{
	return v->vscalar && v->vlen < len && v->vlen < VAL_LEN ? v->val : NULL;
}

static int get_str(struct ctx *c, const struct kv *v, char *out, size_t len)
{
	const char *s = val_str(v, VAL_LEN);

	if (!s || strlen(s) >= len)
		return fail_at(c, v->vline, "'%s' must be a string of at most %zu characters",
			       v->key, len - 1);
	strcpy(out, s);
	return 0;
}

static int get_num(struct ctx *c, const struct kv *v, double lo, double hi, double *out)
{
	const char *s = val_str(v, 64);
	char *end;
	double d;

	if (!s)
		return fail_at(c, v->vline, "'%s' must be a number", v->key);
	d = strtod(s, &end);
	if (end == s || *end || !isfinite(d))
		return fail_at(c, v->vline, "'%s' must be a number, got '%s'", v->key, s);
	if (d < lo || d > hi)
		return fail_at(c, v->vline, "'%s' = %g is outside %g..%g", v->key, d, lo, hi);
	*out = d;
	return 0;
}

static int get_int(struct ctx *c, const struct kv *v, int lo, int hi, int *out)
{
	double d;
	int ret = get_num(c, v, lo, hi, &d);

	if (ret)
		return ret;
	if (d != floor(d))
		return fail_at(c, v->vline, "'%s' must be a whole number", v->key);
	*out = (int)d;
	return 0;
}

/* the key as a short string, or an error naming what the keys should be */
static int key_of(struct ctx *c, const struct kv *v, const char *what)
{
	if (!v->kscalar || v->klen >= sizeof(v->key))
		return fail_at(c, v->kline, "%s keys are short strings", what);
	return 0;
}

static int load_node(struct fp_topo *t, struct ctx *c, const struct item *m)
{
	char name[FP_NAME_LEN] = "", kind[16] = "host";
	int tier = -1, rail = -1, idx, ret = 0;
	double nic = 0;
	char group[FP_NAME_LEN] = "", note[FP_NAME_LEN] = "", val[FP_NAME_LEN];
	struct fp_ident id = { 0 };

	if (!m->mapping)
		return fail_at(c, m->line, "a node must be a mapping with at least a name");
	for (unsigned i = 0; i < m->n && !ret; i++) {
		const struct kv *v = &m->kv[i];
		const char *k = v->key;

		if (key_of(c, v, "node"))
			return -EINVAL;
		if (!strcmp(k, "name"))
			ret = get_str(c, v, name, sizeof(name));
		else if (!strcmp(k, "kind"))
			ret = get_str(c, v, kind, sizeof(kind));
		else if (!strcmp(k, "tier"))
			ret = get_int(c, v, 0, 7, &tier);
		else if (!strcmp(k, "rail"))
			ret = get_int(c, v, -1, 4096, &rail);
		else if (!strcmp(k, "group"))
			ret = get_str(c, v, group, sizeof(group));
		else if (!strcmp(k, "note"))
			ret = get_str(c, v, note, sizeof(note));
		else if (!strcmp(k, "nic_gbps"))
			ret = get_num(c, v, 0, 1e6, &nic);
		else if (fp_ident_set(&id, k, "") == -ENOENT)
			return fail_at(c, v->kline, "unknown node key '%s'", k);
		else if (!(ret = get_str(c, v, val, sizeof(val))) && fp_ident_set(&id, k, val))
			return fail_at(c, v->vline, "'%s' is too long for an identity", k);
	}
	if (ret)
		return ret;
	if (m->more)
		return fail_at(c, m->line, "a node has more than %d keys", MAX_KEYS);
	if (!name[0])
		return fail_at(c, m->line, "a node needs a name");
	if (strchr(name, ':') || strchr(name, ' '))
		return fail_at(c, m->line, "node name '%s' may not hold ':' or spaces", name);
	if (strcmp(kind, "host") && strcmp(kind, "switch"))
		return fail_at(c, m->line, "kind '%s' is not host or switch", kind);
	if (fp_topo_find(t, name) >= 0)
		return fail_at(c, m->line, "node '%s' is defined twice", name);
	if (tier < 0)
		tier = strcmp(kind, "host") ? 1 : 0;
	idx = fp_topo_add_node(t, name, strcmp(kind, "host") ? FP_SWITCH : FP_HOST, tier);
	if (idx < 0)
		return idx;
	t->nodes[idx].rail = rail;
	t->nodes[idx].nic_gbps = nic;
	t->nodes[idx].line = m->line;
	strcpy(t->nodes[idx].group, group);
	strcpy(t->nodes[idx].note, note);
	t->nodes[idx].id = id;
	return 0;
}

static const char *node_scalar(struct fy_node *n, char *buf, size_t len)
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

static int line_of(struct fy_node *n);

/* {node: x, port: y}: the tree reader's endpoint mapping */
static int endpoint_map(struct ctx *c, const struct kv *v, char *buf, char *port)
{
	struct fy_node *n = fy_node_mapping_lookup_by_string(v->vnode, "node", -1);
	struct fy_node *p = fy_node_mapping_lookup_by_string(v->vnode, "port", -1);

	if (!node_scalar(n, buf, FP_NAME_LEN))
		return fail_at(c, v->vline, "'%s' needs a node", v->key);
	if (p) {
		char tmp[VAL_LEN];

		if (!node_scalar(p, tmp, sizeof(tmp)) || strlen(tmp) >= FP_PORT_LEN)
			return fail_at(c, line_of(p),
				       "'port' must be a string of at most %d characters",
				       FP_PORT_LEN - 1);
		strcpy(port, tmp);
	}
	return 0;
}

/* "node:port" or "node" (the port is then named after the link) or {node:, port:} */
static int endpoint(struct fp_topo *t, struct ctx *c, const struct kv *v, int *node, char *port)
{
	char buf[FP_NAME_LEN + FP_PORT_LEN + 2], *colon;
	const char *s;

	if (v->vnode && fy_node_is_mapping(v->vnode)) {
		if (endpoint_map(c, v, buf, port))
			return -EINVAL;
	} else {
		s = val_str(v, sizeof(buf));
		if (!s)
			return fail_at(c, v->vline, "'%s' must be \"node:port\"", v->key);
		strcpy(buf, s);
		colon = strchr(buf, ':');
		if (colon) {
			*colon = 0;
			if (strlen(colon + 1) >= FP_PORT_LEN)
				return fail_at(c, v->vline, "port name '%s' is too long",
					       colon + 1);
			strcpy(port, colon + 1);
		}
	}
	*node = fp_topo_find(t, buf);
	if (*node < 0)
		return fail_at(c, v->vline, "'%s' names node '%s', which is not defined", v->key,
			       buf);
	return 0;
}

/* one key of a link into l; lane and gbps are kept apart until the end */
static int link_key(struct fp_topo *t, struct ctx *c, const struct kv *v, struct fp_link *l,
		    double *lane, double *gbps)
{
	const char *k = v->key;
	char buf[32];
	int ret;

	if (!strcmp(k, "a"))
		return endpoint(t, c, v, &l->a, l->pa);
	if (!strcmp(k, "b"))
		return endpoint(t, c, v, &l->b, l->pb);
	if (!strcmp(k, "gbps"))
		return get_num(c, v, 1e-6, 1e6, gbps);
	if (!strcmp(k, "lanes"))
		return get_int(c, v, 1, 64, &l->lanes);
	if (!strcmp(k, "lane_gbps"))
		return get_num(c, v, 1e-6, 1e6, lane);
	if (!strcmp(k, "media")) {
		ret = get_str(c, v, buf, sizeof(buf));
		if (!ret && fp_media_parse(buf, &l->media))
			ret = fail_at(c, v->vline, "media '%s' is not dac, acc, aec, aoc or optic",
				      buf);
		return ret;
	}
	if (!strcmp(k, "xcvr"))
		return get_str(c, v, l->xcvr, sizeof(l->xcvr));
	if (!strcmp(k, "length_m"))
		return get_num(c, v, 0, 1e5, &l->length_m);
	if (!strcmp(k, "pn_a"))
		return get_str(c, v, l->pn_a, sizeof(l->pn_a));
	if (!strcmp(k, "pn_b"))
		return get_str(c, v, l->pn_b, sizeof(l->pn_b));
	if (!strcmp(k, "state")) {
		ret = get_str(c, v, buf, sizeof(buf));
		if (!ret && strcmp(buf, "up") && strcmp(buf, "down"))
			ret = fail_at(c, v->vline, "state '%s' is not up or down", buf);
		l->up = !ret && !strcmp(buf, "up");
		return ret;
	}
	if (!strcmp(k, "trained_gbps"))
		return get_num(c, v, 0, 1e6, &l->trained_gbps);
	if (!strcmp(k, "trained_lanes"))
		return get_int(c, v, 0, 64, &l->trained_lanes);
	if (!strcmp(k, "lid_a"))
		return get_int(c, v, 0, 65535, &l->lid_a);
	if (!strcmp(k, "lid_b"))
		return get_int(c, v, 0, 65535, &l->lid_b);
	return fail_at(c, v->kline, "unknown link key '%s'", k);
}

static int load_link(struct fp_topo *t, struct ctx *c, const struct item *m)
{
	struct fp_link l = { .a = -1, .b = -1, .up = true };
	double lane = 0, gbps = -1;
	bool have_a = false, have_b = false;
	int ret = 0, idx;

	if (!m->mapping)
		return fail_at(c, m->line, "a link must be a mapping with a, b and gbps");
	for (unsigned i = 0; i < m->n && !ret; i++) {
		const struct kv *v = &m->kv[i];

		if (key_of(c, v, "link"))
			return -EINVAL;
		have_a |= !strcmp(v->key, "a");
		have_b |= !strcmp(v->key, "b");
		ret = link_key(t, c, v, &l, &lane, &gbps);
	}
	if (ret)
		return ret;
	if (m->more)
		return fail_at(c, m->line, "a link has more than %d keys", MAX_KEYS);
	if (!have_a || !have_b)
		return fail_at(c, m->line, "a link needs both ends, a and b");
	if (gbps < 0)
		return fail_at(c, m->line, "a link needs gbps");
	if (!l.lanes)
		l.lanes = 1;
	idx = fp_topo_add_link(t, l.a, l.pa, l.b, l.pb, gbps, l.media);
	if (idx < 0)
		return idx;
	l.gbps = gbps;
	l.lane_gbps = lane > 0 ? lane : gbps / l.lanes;
	l.line = m->line;
	/* ports left unnamed are named after the link, so every port is distinct */
	if (!l.pa[0])
		snprintf(l.pa, sizeof(l.pa), "l%d", idx);
	if (!l.pb[0])
		snprintf(l.pb, sizeof(l.pb), "l%d", idx);
	t->links[idx] = l;
	return 0;
}

/* ---------- the tree reader ---------- */

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

static int fail(struct ctx *c, struct fy_node *n, const char *fmt, const char *arg)
{
	return fail_at(c, line_of(n), fmt, arg);
}

/* text (bounded copy), length and line of a node, as the event reader sees them */
static void tree_text(struct fy_node *n, char *buf, size_t len, size_t *l, bool *is_scalar,
		      int *line)
{
	const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, l) : NULL;

	*is_scalar = s != NULL;
	if (!s)
		*l = 0;
	snprintf(buf, len, "%.*s", (int)(*l < len ? *l : len - 1), s ? s : "");
	*line = line_of(n);
}

static void tree_item(struct fy_node *m, struct item *it)
{
	void *iter = NULL;
	struct fy_node_pair *p;

	it->n = 0;
	it->more = false;
	it->mapping = m && fy_node_is_mapping(m);
	it->line = line_of(m);
	while (it->mapping && (p = fy_node_mapping_iterate(m, &iter))) {
		struct kv *v = &it->kv[it->n];

		if (it->n == MAX_KEYS) {
			it->more = true;
			break;
		}
		tree_text(fy_node_pair_key(p), v->key, sizeof(v->key), &v->klen, &v->kscalar,
			  &v->kline);
		v->vnode = fy_node_pair_value(p);
		tree_text(v->vnode, v->val, sizeof(v->val), &v->vlen, &v->vscalar, &v->vline);
		it->n++;
	}
}

static int tree_list(struct fp_topo *t, struct ctx *c, struct fy_node *seq, bool links)
{
	struct item *it = malloc(sizeof(*it));
	struct fy_node *n;
	void *iter = NULL;
	int ret = it ? 0 : -ENOMEM;

	while (!ret && seq && (n = fy_node_sequence_iterate(seq, &iter))) {
		tree_item(n, it);
		ret = links ? load_link(t, c, it) : load_node(t, c, it);
	}
	free(it);
	return ret;
}

static int tree_str(struct ctx *c, struct fy_node *v, const char *key, char *out, size_t len)
{
	struct kv kv = { .vnode = v };

	snprintf(kv.key, sizeof(kv.key), "%s", key);
	tree_text(v, kv.val, sizeof(kv.val), &kv.vlen, &kv.vscalar, &kv.vline);
	return get_str(c, &kv, out, len);
}

static int tree_doc(struct fp_topo *t, struct ctx *c, struct fy_node *root)
{
	struct fy_node *v, *nodes, *links;
	struct fy_node_pair *p;
	void *pit = NULL;
	struct kv ver = { .key = "fabprobe_topology" };
	int n;

	if (!root || !fy_node_is_mapping(root))
		return fail(c, root,
			    "a topology is a mapping with fabprobe_topology, nodes, links%s", "");
	v = fy_node_mapping_lookup_by_string(root, "fabprobe_topology", -1);
	if (!v)
		return fail(c, root, "not a fabprobe topology (no 'fabprobe_topology: 1')%s", "");
	tree_text(v, ver.val, sizeof(ver.val), &ver.vlen, &ver.vscalar, &ver.vline);
	if (get_int(c, &ver, 1, 1, &n))
		return -EINVAL;
	v = fy_node_mapping_lookup_by_string(root, "name", -1);
	if (v && tree_str(c, v, "name", t->name, sizeof(t->name)))
		return -EINVAL;
	nodes = fy_node_mapping_lookup_by_string(root, "nodes", -1);
	links = fy_node_mapping_lookup_by_string(root, "links", -1);
	if (!nodes || !fy_node_is_sequence(nodes))
		return fail(c, root, "'nodes' must be a list%s", "");
	if (links && !fy_node_is_sequence(links))
		return fail(c, links, "'links' must be a list%s", "");
	while ((p = fy_node_mapping_iterate(root, &pit))) {
		char k[32];

		if (!node_scalar(fy_node_pair_key(p), k, sizeof(k)) ||
		    (strcmp(k, "fabprobe_topology") && strcmp(k, "name") && strcmp(k, "nodes") &&
		     strcmp(k, "links") && strcmp(k, "comment")))
			return fail(c, fy_node_pair_key(p), "unknown top-level key%s", "");
	}
	n = tree_list(t, c, nodes, false);
	if (!n)
		n = tree_list(t, c, links, true);
	return n;
}

static int load_tree(struct fp_topo *t, struct ctx *c, const char *text, size_t len)
{
	struct fy_document *doc = fp_yaml_parse(text, len, c->src, c->err, c->errlen);
	int ret;

	if (!doc)
		return -EINVAL;
	ret = tree_doc(t, c, fy_document_root(doc));
	fy_document_destroy(doc);
	return ret;
}

/* ---------- the event reader ---------- */

/* Any shape it does not take: the tree reader loads the text instead. */
#define STEP_ASIDE (-EAGAIN)

struct events {
	struct fy_parser *p;
	struct fy_event *e;
};

static enum fy_event_type next(struct events *ev)
{
	if (ev->e)
		fy_parser_event_free(ev->p, ev->e);
	ev->e = fy_parser_parse(ev->p);
	return ev->e ? ev->e->type : FYET_NONE;
}

/* the current event as a plain scalar (no alias, no collection) */
static bool ev_text(struct events *ev, char *buf, size_t len, size_t *l, int *line)
{
	struct fy_token *tok;
	const struct fy_mark *m;
	const char *s;

	if (!ev->e || ev->e->type != FYET_SCALAR)
		return false;
	tok = ev->e->scalar.value;
	s = tok ? fy_token_get_text(tok, l) : NULL;
	if (!s)
		return false;
	snprintf(buf, len, "%.*s", (int)(*l < len ? *l : len - 1), s);
	m = fy_token_start_mark(tok);
	*line = m ? m->line + 1 : 0;
	return true;
}

/* a mapping of scalar keys to scalar values, at the current MAPPING_START */
static int ev_item(struct events *ev, struct item *it)
{
	it->n = 0;
	it->more = false;
	it->mapping = true;
	it->line = 0;
	if (!ev->e || ev->e->type != FYET_MAPPING_START)
		return STEP_ASIDE;
	while (next(ev) == FYET_SCALAR) {
		struct kv *v = &it->kv[it->n];

		if (it->n == MAX_KEYS)
			return STEP_ASIDE;
		v->vnode = NULL;
		v->kscalar = v->vscalar = true;
		if (!ev_text(ev, v->key, sizeof(v->key), &v->klen, &v->kline) ||
		    next(ev) != FYET_SCALAR ||
		    !ev_text(ev, v->val, sizeof(v->val), &v->vlen, &v->vline))
			return STEP_ASIDE;
		/* a duplicate key is the tree reader's parse error */
		for (unsigned i = 0; i < it->n; i++)
			if (it->kv[i].klen == v->klen && !strcmp(it->kv[i].key, v->key))
				return STEP_ASIDE;
		if (!it->n)
			it->line = v->kline;
		it->n++;
	}
	return ev->e && ev->e->type == FYET_MAPPING_END ? 0 : STEP_ASIDE;
}

static int ev_list(struct fp_topo *t, struct ctx *c, struct events *ev, struct item *it, bool links)
{
	if (next(ev) != FYET_SEQUENCE_START)
		return STEP_ASIDE;
	while (next(ev) == FYET_MAPPING_START) {
		int ret = ev_item(ev, it);

		if (!ret)
			ret = links ? load_link(t, c, it) : load_node(t, c, it);
		if (ret)
			return ret == -ENOMEM ? ret : STEP_ASIDE;
	}
	return ev->e && ev->e->type == FYET_SEQUENCE_END ? 0 : STEP_ASIDE;
}

static int ev_top(struct fp_topo *t, struct ctx *c, struct events *ev, struct item *it)
{
	struct kv ver = { .vscalar = true }, name = { .vscalar = true }, comment;
	unsigned seen = 0;
	int ret = 0, n;

	if (next(ev) != FYET_STREAM_START || next(ev) != FYET_DOCUMENT_START ||
	    next(ev) != FYET_MAPPING_START)
		return STEP_ASIDE;
	while (!ret && next(ev) == FYET_SCALAR) {
		static const char *const keys[] = { "fabprobe_topology", "name", "nodes", "links",
						    "comment" };
		char k[32];
		size_t kl;
		int line, i;

		if (!ev_text(ev, k, sizeof(k), &kl, &line) || kl >= sizeof(k))
			return STEP_ASIDE;
		for (i = 0; i < 5 && strcmp(k, keys[i]); i++)
			;
		/* unknown or repeated, or links before nodes: the tree reader says what */
		if (i == 5 || seen & 1u << i || (i == 3 && !(seen & 1u << 2)))
			return STEP_ASIDE;
		seen |= 1u << i;
		/* a comment is a string; a structured one (and its keys) is the tree's to check */
		if (i == 0 || i == 1 || i == 4) {
			struct kv *v = i == 1 ? &name : i ? &comment : &ver;

			if (next(ev) != FYET_SCALAR ||
			    !ev_text(ev, v->val, sizeof(v->val), &v->vlen, &v->vline))
				return STEP_ASIDE;
			v->vscalar = true;
			snprintf(v->key, sizeof(v->key), "%s", k);
		} else {
			ret = ev_list(t, c, ev, it, i == 3);
		}
	}
	if (ret)
		return ret;
	if (!ev->e || ev->e->type != FYET_MAPPING_END || next(ev) != FYET_DOCUMENT_END ||
	    next(ev) != FYET_STREAM_END || !(seen & 1) || !(seen & 4) || get_int(c, &ver, 1, 1, &n))
		return STEP_ASIDE;
	if (seen & 2 && get_str(c, &name, t->name, sizeof(t->name)))
		return STEP_ASIDE;
	return 0;
}

static int load_events(struct fp_topo *t, struct ctx *c, const char *text, size_t len)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG };
	struct events ev = { 0 };
	struct item *it = malloc(sizeof(*it));
	char *copy = fp_yaml_copy(text, &len);
	struct fy_diag *diag = fp_yaml_diag();
	int ret = -ENOMEM;

	cfg.diag = diag;
	if (!it || !copy || !diag)
		goto free;
	ev.p = fy_parser_create(&cfg);
	if (!ev.p || fy_parser_set_malloc_string(ev.p, copy, len))
		goto free;
	copy = NULL; /* the parser frees it */
	ret = ev_top(t, c, &ev, it);
	if (ev.e)
		fy_parser_event_free(ev.p, ev.e);
free:
	if (ev.p)
		fy_parser_destroy(ev.p);
	fy_diag_destroy(diag);
	free(copy);
	free(it);
	return ret;
}

/* one reader on a fresh model, indexed; the model is left empty on error */
static int run_reader(int (*reader)(struct fp_topo *, struct ctx *, const char *, size_t),
		      struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		      size_t errlen)
{
	struct ctx c = { .src = src, .err = err, .errlen = errlen };
	int ret;

	fp_topo_destroy(t);
	fp_topo_init(t);
	snprintf(t->source, sizeof(t->source), "%s", src);
	ret = reader(t, &c, text, len);
	if (!ret)
		ret = fp_topo_index(t);
	if (ret)
		fp_topo_destroy(t);
	return ret;
}

int fp_topo_load_yaml_tree(struct fp_topo *t, const char *text, size_t len, const char *src,
			   char *err, size_t errlen)
{
	return run_reader(load_tree, t, text, len, src, err, errlen);
}

int fp_topo_load_yaml_events(struct fp_topo *t, const char *text, size_t len, const char *src,
			     char *err, size_t errlen)
{
	if (fp_yaml_text_ok(text, len, src, err, errlen))
		return -EINVAL;
	return run_reader(load_events, t, text, len, src, err, errlen);
}

int fp_topo_load_yaml(struct fp_topo *t, const char *text, size_t len, const char *src, char *err,
		      size_t errlen)
{
	int ret = fp_topo_load_yaml_events(t, text, len, src, err, errlen);

	if (ret == STEP_ASIDE)
		ret = fp_topo_load_yaml_tree(t, text, len, src, err, errlen);
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
