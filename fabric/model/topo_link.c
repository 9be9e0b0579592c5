// SPDX-License-Identifier: MIT
/*
 * Naming one link, the same way everywhere a user names one (sim --faults, the lab's LINK,
 * what analyze prints): "#i" (its index in the file), "a-b" (the only link between two
 * nodes) or "a:pa-b:pb" (a cable by both of its ports). Either end may come first.
 *
 * Node and port names may themselves hold '-' (and, from some importers, ':'), so the text
 * is never split on a guess: every prefix of it that ends before a '-' or ':' and names a
 * node is a candidate first end, and that node's links are compared with the text in the
 * spelling that puts it first. A lookup costs the text's separators times a hash lookup and
 * a node's degree, not a pass over the links (callers look up thousands).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/err.h"
#include "topo.h"

/* how many parallel links an ambiguity message lists before "..." */
#define LIST_MAX 8

/* does s start with p? then the rest of s, else NULL */
static const char *eat(const char *s, const char *p)
{
	size_t n = strlen(p);

	return strncmp(s, p, n) ? NULL : s + n;
}

/* text == "a-b" */
static bool pair_is(const char *text, const char *a, const char *b)
{
	const char *r = eat(text, a);

	r = r ? eat(r, "-") : NULL;
	r = r ? eat(r, b) : NULL;
	return r && !*r;
}

/* text == "a:pa-b:pb" */
static bool ports_are(const char *text, const char *a, const char *pa, const char *b,
		      const char *pb)
{
	const char *r = eat(text, a);

	r = r ? eat(r, ":") : NULL;
	r = r ? eat(r, pa) : NULL;
	r = r ? eat(r, "-") : NULL;
	r = r ? eat(r, b) : NULL;
	r = r ? eat(r, ":") : NULL;
	r = r ? eat(r, pb) : NULL;
	return r && !*r;
}

void fp_topo_link_spec(const struct fp_topo *t, unsigned i, char *buf, size_t len)
{
	const struct fp_link *l = &t->links[i];

	snprintf(buf, len, "%s:%s-%s:%s", t->nodes[l->a].name, l->pa, t->nodes[l->b].name, l->pb);
}

/* "#i": the index, or -1 when text is not that form */
static long index_form(const struct fp_topo *t, const char *text)
{
	char *end;
	long i;

	if (text[0] != '#' || text[1] < '0' || text[1] > '9')
		return -1;
	i = strtol(text + 1, &end, 10);
	return *end || i < 0 || (unsigned long)i >= t->nlinks ? -2 : i;
}

static int ambiguous(const struct fp_topo *t, const char *text, const unsigned *hit, unsigned n,
		     char *err, size_t el)
{
	size_t o;

	if (!el)
		return -EEXIST;
	o = (size_t)snprintf(err, el, "link '%s' is ambiguous: %u parallel links:", text, n);
	for (unsigned k = 0; k < n && k < LIST_MAX && o < el; k++) {
		char spec[2 * FP_NAME_LEN + 2 * FP_PORT_LEN + 4];

		fp_topo_link_spec(t, hit[k], spec, sizeof(spec));
		o += (size_t)snprintf(err + o, el - o, " #%u %s%s", hit[k], spec,
				      k + 1 < n ? "," : "");
	}
	if (n > LIST_MAX && o < el)
		o += (size_t)snprintf(err + o, el - o, " ...");
	if (o < el)
		snprintf(err + o, el - o, "; name one as a:port-b:port or #index");
	return -EEXIST;
}

int fp_topo_link_find(const struct fp_topo *t, const char *text, char *err, size_t el)
{
	unsigned hit[LIST_MAX + 1], npair = 0, nport = 0, port_hit = 0;
	long idx = index_form(t, text);

	if (idx >= 0)
		return (int)idx;
	if (idx == -2) {
		fp_say(err, el, "no link '%s': the file has links #0 to #%d", text,
		       (int)t->nlinks - 1);
		return -ENOENT;
	}
	for (size_t k = 1; t->adj_off && text[0] && text[k] && k < FP_NAME_LEN; k++) {
		char first[FP_NAME_LEN];
		int c;

		if (text[k] != '-' && text[k] != ':')
			continue;
		memcpy(first, text, k);
		first[k] = 0;
		if ((c = fp_topo_find(t, first)) < 0)
			continue;
		for (unsigned j = t->adj_off[c]; j < t->adj_off[c + 1]; j++) {
			unsigned i = t->adj[j];
			const struct fp_link *l = &t->links[i];
			bool fwd = l->a == c;
			/* the other end, and the ports in the order that puts c first */
			const char *o = t->nodes[fwd ? l->b : l->a].name;
			const char *pc = fwd ? l->pa : l->pb, *po = fwd ? l->pb : l->pa;

			if (ports_are(text, first, pc, o, po) ||
			    (l->a == l->b && ports_are(text, first, l->pb, o, l->pa))) {
				nport++;
				port_hit = i;
			}
			if (pair_is(text, first, o)) {
				if (npair <= LIST_MAX)
					hit[npair] = i;
				npair++;
			}
		}
	}
	/* a cable named by its ports is that cable; two cables on one port pair are a bad file */
	if (nport == 1)
		return (int)port_hit;
	if (nport > 1) {
		fp_say(err, el, "link '%s': %u links join these two ports", text, nport);
		return -EEXIST;
	}
	if (npair == 1)
		return (int)hit[0];
	if (npair > 1)
		return ambiguous(t, text, hit, npair, err, el);
	fp_say(err, el, "no link '%s' (a-b, a:port-b:port or #index)", text);
	return -ENOENT;
}
