// SPDX-License-Identifier: MIT
/* Hop addresses to topology nodes: from the topology's hosts and from a hops file. */
#include "hopmap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/err.h"

void fp_hopmap_init(struct fp_hopmap *m)
{
	memset(m, 0, sizeof(*m));
}

void fp_hopmap_free(struct fp_hopmap *m)
{
	free(m->e);
	fp_hopmap_init(m);
}

/* IPv4 as IPv4-mapped IPv6, so both families compare as 16 bytes */
static bool addr_parse(const char *s, unsigned char out[16])
{
	unsigned char v4[4];

	if (inet_pton(AF_INET6, s, out) == 1)
		return true;
	if (inet_pton(AF_INET, s, v4) != 1)
		return false;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, v4, 4);
	return true;
}

/* a node name as paths.json and the topology hold it: printable, no blanks, bounded */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= FP_NAME_LEN)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

int fp_hopmap_add(struct fp_hopmap *m, const char *addr, const char *node, char *err, size_t el)
{
	struct fp_hop h;

	memset(&h, 0, sizeof(h));
	if (!addr_parse(addr, h.addr))
		return fp_say(err, el, "'%.64s' is not an IPv4 or IPv6 address", addr);
	if (!name_ok(node))
		return fp_say(err, el, "'%.64s' is not a node name (1 to %d printable characters)",
			      node, FP_NAME_LEN - 1);
	strcpy(h.node, node);
	if (m->n == m->cap) {
		unsigned cap = m->cap ? m->cap * 2 : 64;
		struct fp_hop *e = realloc(m->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		m->e = e;
		m->cap = cap;
	}
	m->e[m->n++] = h;
	m->sorted = false;
	return 0;
}

int fp_hopmap_add_topo(struct fp_hopmap *m, const struct fp_topo *t, char *err, size_t el)
{
	for (unsigned i = 0; i < t->nnodes; i++) {
		const struct fp_node *n = &t->nodes[i];
		int ret;

		if (n->kind != FP_HOST || !n->id.ip[0])
			continue;
		ret = fp_hopmap_add(m, n->id.ip, n->name, err, el);
		if (ret == -EINVAL)
			return fp_say(err, el, "%s: node %s: ip '%.48s' is not an address",
				      t->source, n->name, n->id.ip);
		if (ret)
			return ret;
	}
	return 0;
}

/* the next blank-separated word of line [*p, end) into w (len bytes): its length, or -1 */
static int word(const char **p, const char *end, char *w, size_t len)
{
	const char *s = *p;
	size_t n;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (n = 0; s + n < end && s[n] != ' ' && s[n] != '\t'; n++)
		;
	*p = s + n;
	if (n >= len)
		return -1;
	memcpy(w, s, n);
	w[n] = 0;
	return (int)n;
}

int fp_hopmap_parse(struct fp_hopmap *m, const char *text, size_t len, const char *src,
		    const struct fp_topo *t, char *err, size_t el)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q = p;
		char a[64], node[FP_NAME_LEN], extra[2], why[160];
		int ret;

		if (!eol)
			eol = end;
		line++;
		p = eol + 1;
		if (eol > q && eol[-1] == '\r')
			eol--;
		if (memchr(q, 0, (size_t)(eol - q)))
			return fp_say(err, el, "%s:%u: a NUL byte", src, line);
		if (word(&q, eol, a, sizeof(a)) < 0)
			return fp_say(err, el, "%s:%u: an address is at most %zu characters", src,
				      line, sizeof(a) - 1);
		if (!a[0] || a[0] == '#')
			continue;
		if (word(&q, eol, node, sizeof(node)) <= 0 || word(&q, eol, extra, 2) != 0)
			return fp_say(err, el,
				      "%s:%u: expected 'ADDRESS NODE' (a node name of 1 to %d "
				      "characters)",
				      src, line, FP_NAME_LEN - 1);
		if (t && fp_topo_find(t, node) < 0)
			return fp_say(err, el, "%s:%u: node '%s' is not in the topology %s", src,
				      line, node, t->source);
		ret = fp_hopmap_add(m, a, node, why, sizeof(why));
		if (ret == -EINVAL)
			return fp_say(err, el, "%s:%u: %s", src, line, why);
		if (ret)
			return ret;
	}
	return 0;
}

static int cmp_hop(const void *a, const void *b)
{
	const struct fp_hop *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, sizeof(x->addr));

	return c ? c : strcmp(x->node, y->node);
}

int fp_hopmap_seal(struct fp_hopmap *m, char *err, size_t el)
{
	unsigned k = 0;

	if (m->n)
		qsort(m->e, m->n, sizeof(*m->e), cmp_hop);
	for (unsigned i = 0; i < m->n; i++) {
		if (k && !memcmp(m->e[k - 1].addr, m->e[i].addr, sizeof(m->e[i].addr))) {
			char at[INET6_ADDRSTRLEN];

			if (!strcmp(m->e[k - 1].node, m->e[i].node))
				continue; /* said twice: one entry */
			if (!inet_ntop(AF_INET6, m->e[i].addr, at, sizeof(at)))
				strcpy(at, "?");
			return fp_say(err, el, "address %s is given for both %s and %s", at,
				      m->e[k - 1].node, m->e[i].node);
		}
		m->e[k++] = m->e[i];
	}
	m->n = k;
	m->sorted = true;
	return 0;
}

static int cmp_addr(const void *key, const void *el)
{
	return memcmp(key, ((const struct fp_hop *)el)->addr, 16);
}

const char *fp_hopmap_find(const struct fp_hopmap *m, const char *addr)
{
	unsigned char a[16];
	const struct fp_hop *h;

	if (!m->sorted || !m->n || !addr_parse(addr, a))
		return NULL;
	h = bsearch(a, m->e, m->n, sizeof(*m->e), cmp_addr);
	return h ? h->node : NULL;
}
