// SPDX-License-Identifier: MIT
/*
 * The node-name-map file that ibnetdiscover, opensm and the rest of infiniband-diags take
 * (man ibnetdiscover, "NODE NAME MAP FILE FORMAT"): one node per line,
 *     0x0008f104003f125c "IB1 (Rack 11 slot 1) ISR9288"
 * a GUID (hex with 0x, or decimal), blanks, then the name in double quotes (or, unquoted,
 * the rest of the line). '#' starts a comment line; blank lines are skipped.
 *
 * A mapped name stands in for the node's description, so it is read the same way: "gpu01
 * mlx5_2" is rail 2 of server gpu01, "MF0;leaf1:MQM9700/U1" names switch leaf1. Nodes are
 * looked up by node GUID; a CA that a -p dump shows by its port GUID only is looked up by
 * that. Anything the map cannot mean is refused with "file:line: what": a bad GUID, an
 * unclosed quote, an empty name, or one GUID given two different names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/err.h"
#include "topo.h"
#include "topo_format.h"
#include "topo_ibnet.h"

#define MAX_LINE     4096
#define MAX_MAP_FILE (64u << 20)

struct fp_ib_mapname {
	uint64_t guid;
	int line;
	char name[FP_IB_MAPNAME_LEN];
};

void fp_ib_namemap_init(struct fp_ib_namemap *m)
{
	memset(m, 0, sizeof(*m));
}

void fp_ib_namemap_destroy(struct fp_ib_namemap *m)
{
	if (!m)
		return;
	free(m->v);
	fp_ib_namemap_init(m);
}

/* "0x1a2b" (1 to 16 hex digits) or "12345" (fits 64 bits), ended by a blank */
static bool map_guid(const char **p, uint64_t *g)
{
	const char *s = *p;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	size_t n = hex ? strspn(s + 2, "0123456789abcdefABCDEF") : strspn(s, "0123456789");
	const char *e = s + n + (hex ? 2 : 0);
	char *end;

	if (!n || (hex && n > 16) || (*e != ' ' && *e != '\t'))
		return false;
	errno = 0;
	*g = strtoull(s, &end, hex ? 16 : 10);
	if (errno || end != e)
		return false;
	*p = e;
	return true;
}

/* the name after the GUID: quoted, or the rest of the line; NULL and why when bad */
static const char *map_name(const char *s, char *out, size_t len)
{
	const char *e;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"') {
		e = strchr(s + 1, '"');
		if (!e)
			return "the name's quote is not closed";
		n = (size_t)(e - s - 1);
		s++;
		for (const char *r = e + 1; *r && *r != '#'; r++)
			if (*r != ' ' && *r != '\t')
				return "text after the quoted name";
	} else {
		n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
	}
	if (!n)
		return "no name after the GUID";
	if (n >= len)
		return "the name is longer than 127 bytes";
	for (size_t i = 0; i < n; i++)
		if (iscntrl((unsigned char)s[i]))
			return "a control character in the name";
	memcpy(out, s, n);
	out[n] = 0;
	return NULL;
}

static int map_add(struct fp_ib_namemap *m, uint64_t g, const char *name, int line)
{
	if (m->n == m->cap) {
		unsigned cap = m->cap ? m->cap * 2 : 64;
		void *v = realloc(m->v, sizeof(*m->v) * cap);

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n].guid = g;
	m->v[m->n].line = line;
	snprintf(m->v[m->n].name, sizeof(m->v[m->n].name), "%s", name);
	m->n++;
	return 0;
}

static int by_guid(const void *x, const void *y)
{
	const struct fp_ib_mapname *a = x, *b = y;

	if (a->guid != b->guid)
		return a->guid < b->guid ? -1 : 1;
	return a->line - b->line;
}

/* one line, already NUL-terminated and without its newline */
static int map_line(struct fp_ib_namemap *m, const char *q, const char *src, int line, char *err,
		    size_t el)
{
	char name[FP_IB_MAPNAME_LEN];
	const char *why;
	uint64_t g;

	while (*q == ' ' || *q == '\t')
		q++;
	if (!*q || *q == '#')
		return 0;
	if (!map_guid(&q, &g))
		return fp_say(err, el, "%s:%d: not 'GUID \"name\"': '%.40s'", src, line, q);
	why = map_name(q, name, sizeof(name));
	if (why)
		return fp_say(err, el, "%s:%d: %s", src, line, why);
	/* 64 MB of short lines would be 16 M entries of 140 B: refuse before that */
	if (m->n == FP_IB_MAP_MAX)
		return fp_say(err, el, "%s:%d: more than %u nodes in the map", src, line,
			      FP_IB_MAP_MAX);
	return map_add(m, g, name, line);
}

int fp_ib_namemap_parse(struct fp_ib_namemap *m, const char *text, size_t len, const char *src,
			char *err, size_t el)
{
	const char *p = text, *end = text + len;
	int lineno = 0, ret = 0;

	fp_ib_namemap_destroy(m);
	while (p < end && !ret) {
		char line[MAX_LINE];
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		if (l >= sizeof(line)) {
			ret = fp_say(err, el, "%s:%d: line longer than 4096 bytes", src, lineno);
			break;
		}
		memcpy(line, p, l);
		line[l] = 0;
		if (l && line[l - 1] == '\r')
			line[l - 1] = 0;
		if (memchr(p, 0, l))
			ret = fp_say(err, el, "%s:%d: a NUL byte", src, lineno);
		else
			ret = map_line(m, line, src, lineno, err, el);
		p += l + (nl ? 1 : 0);
	}
	if (!ret && m->n)
		qsort(m->v, m->n, sizeof(*m->v), by_guid);
	for (unsigned i = 1; i < m->n && !ret; i++)
		if (m->v[i].guid == m->v[i - 1].guid && strcmp(m->v[i].name, m->v[i - 1].name))
			ret = fp_say(err, el, "%s:%d: GUID 0x%016llx is named twice (also line %d)",
				     src, m->v[i].line, (unsigned long long)m->v[i].guid,
				     m->v[i - 1].line);
	if (ret)
		fp_ib_namemap_destroy(m);
	return ret;
}

const char *fp_ib_namemap_get(const struct fp_ib_namemap *m, uint64_t guid)
{
	unsigned lo = 0, hi = m ? m->n : 0;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (m->v[mid].guid < guid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return m && lo < m->n && m->v[lo].guid == guid ? m->v[lo].name : NULL;
}

/* "S-0002c903007b8b10" or "0x0c42a10300000121": the GUID, or false */
static bool text_guid(const char *s, uint64_t *g)
{
	char *e;

	if (s[0] && s[1] == '-')
		s += 2;
	else if (s[0] == '0' && s[1] == 'x')
		s += 2;
	else
		return false;
	if (!isxdigit((unsigned char)*s))
		return false;
	*g = strtoull(s, &e, 16);
	return !*e;
}

void fp_ib_apply_map(struct fp_ib_ctx *c, const struct fp_ib_namemap *m)
{
	for (unsigned i = 0; m && m->n && i < c->nn; i++) {
		struct fp_ib_node *n = &c->nodes[i];
		const char *name = NULL;
		uint64_t g;

		/* the id is the node GUID, or for a -p CA its port GUID */
		if (text_guid(n->id, &g))
			name = fp_ib_namemap_get(m, g);
		if (!name && text_guid(n->pguid, &g))
			name = fp_ib_namemap_get(m, g);
		if (name)
			snprintf(n->desc, sizeof(n->desc), "%s", name);
	}
}

struct named_load {
	struct fp_topo *t;
	const struct fp_ib_namemap *map;
};

static int map_parse_cb(void *m, const char *text, size_t len, const char *path, char *err,
			size_t el)
{
	return fp_ib_namemap_parse(m, text, len, path, err, el);
}

static int topo_parse_cb(void *arg, const char *text, size_t len, const char *path, char *err,
			 size_t el)
{
	struct named_load *nl = arg;

	/* the map means nothing to the other formats: say so rather than ignore it */
	if (fp_format_native_json.sniff(text, len) || fp_format_native.sniff(text, len) ||
	    fp_format_lldp.sniff(text, len))
		return fp_say(err, el, "%s: --node-name-map is for ibnetdiscover output, not this",
			      path);
	return fp_topo_load_ibnet_map(nl->t, text, len, path, nl->map, err, el);
}

int fp_topo_load_named(struct fp_topo *t, const char *path, const char *map_path, char *err,
		       size_t el)
{
	struct fp_ib_namemap m;
	struct named_load nl = { t, &m };
	int ret;

	if (!map_path)
		return fp_topo_load(t, path, err, el);
	fp_ib_namemap_init(&m);
	ret = fp_parse_file(map_path, MAX_MAP_FILE, map_parse_cb, &m, err, el);
	if (!ret)
		ret = fp_parse_file(path, 256u << 20, topo_parse_cb, &nl, err, el);
	fp_ib_namemap_destroy(&m);
	return ret;
}
