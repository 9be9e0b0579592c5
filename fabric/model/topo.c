// SPDX-License-Identifier: MIT
#include "topo.h"
#include "topo_format.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void fp_topo_init(struct fp_topo *t)
{
	memset(t, 0, sizeof(*t));
}

void fp_topo_destroy(struct fp_topo *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->links);
	free(t->adj_off);
	free(t->adj);
	free(t->hash);
	memset(t, 0, sizeof(*t));
}

/*
 * The tables' key, one per process, drawn once (the only mutable global here, written once):
 * names come from files, and an unkeyed hash lets a crafted file put every name in one
 * probe chain, making a load quadratic. Lookups never depend on it for order: every output
 * walks the node and link arrays, never a table.
 */
static _Atomic uint64_t name_key;

static uint64_t hash_key(void)
{
	uint64_t k = atomic_load_explicit(&name_key, memory_order_relaxed), r = 0, none = 0;
	struct timespec ts;

	if (k)
		return k;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* no entropy yet (early boot): weaker, but still not known from the file */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&ts ^
		    (uint64_t)ts.tv_sec << 32;
	}
	r |= 1;
	atomic_compare_exchange_strong(&name_key, &none, r);
	return atomic_load_explicit(&name_key, memory_order_relaxed);
}

/* a bijective 64-bit mixer: every output bit depends on every input bit */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

uint64_t fp_name_hash(const char *s)
{
	uint64_t k = hash_key(), h = k, w;
	size_t n = strlen(s), i;

	/* eight bytes at a time through the keyed mixer; the length closes the last word */
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix64(h ^ w) + k;
	}
	w = 0;
	memcpy(&w, s + i, n - i);
	return mix64(mix64(h ^ w ^ (uint64_t)n << 59) + k);
}

/* Open addressing over node indices, at most half full; grows with the nodes. */
static void hash_put(unsigned *hash, unsigned hcap, const struct fp_node *nodes, unsigned i)
{
	unsigned h = (unsigned)fp_name_hash(nodes[i].name) & (hcap - 1);

	while (hash[h] != UINT32_MAX)
		h = (h + 1) & (hcap - 1);
	hash[h] = i;
}

static int hash_grow(struct fp_topo *t, unsigned want)
{
	unsigned cap = t->hcap ? t->hcap : 64, *h;

	while (cap < 2 * want + 2)
		cap *= 2;
	if (t->hash && cap == t->hcap)
		return 0;
	h = malloc(sizeof(*h) * cap);
	if (!h)
		return -ENOMEM;
	for (unsigned i = 0; i < cap; i++)
		h[i] = UINT32_MAX;
	for (unsigned i = 0; i < t->nnodes; i++)
		hash_put(h, cap, t->nodes, i);
	free(t->hash);
	t->hash = h;
	t->hcap = cap;
	return 0;
}

int fp_topo_add_node(struct fp_topo *t, const char *name, enum fp_node_kind kind, int tier)
{
	struct fp_node *n;

	if (!name || !*name || strlen(name) >= FP_NAME_LEN)
		return -EINVAL;
	if (t->nnodes >= INT32_MAX / 2)
		return -E2BIG;
	if (t->nnodes == t->cap_nodes) {
		unsigned c = t->cap_nodes ? t->cap_nodes * 2 : 64;
		void *p = realloc(t->nodes, sizeof(*t->nodes) * c);

		if (!p)
			return -ENOMEM;
		t->nodes = p;
		t->cap_nodes = c;
	}
	if (hash_grow(t, t->nnodes + 1))
		return -ENOMEM;
	n = &t->nodes[t->nnodes];
	memset(n, 0, sizeof(*n));
	strcpy(n->name, name);
	n->kind = kind;
	n->tier = tier;
	n->rail = -1;
	/* the name index is kept as nodes come, so loaders look names up in O(1) */
	hash_put(t->hash, t->hcap, t->nodes, t->nnodes);
	return (int)t->nnodes++;
}

int fp_topo_add_link(struct fp_topo *t, int a, const char *pa, int b, const char *pb, double gbps,
		     enum fp_media media)
{
	struct fp_link *l;

	if (a < 0 || b < 0 || (unsigned)a >= t->nnodes || (unsigned)b >= t->nnodes)
		return -EINVAL;
	if (t->nlinks == t->cap_links) {
		unsigned c = t->cap_links ? t->cap_links * 2 : 64;
		void *p = realloc(t->links, sizeof(*t->links) * c);

		if (!p)
			return -ENOMEM;
		t->links = p;
		t->cap_links = c;
	}
	l = &t->links[t->nlinks];
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->b = b;
	snprintf(l->pa, sizeof(l->pa), "%s", pa ? pa : "");
	snprintf(l->pb, sizeof(l->pb), "%s", pb ? pb : "");
	l->gbps = gbps;
	l->lanes = 1;
	l->lane_gbps = gbps;
	l->media = media;
	l->up = true;
	return (int)t->nlinks++;
}

int fp_topo_index(struct fp_topo *t)
{
	unsigned *cnt;

	free(t->adj_off);
	free(t->adj);
	t->adj_off = calloc(t->nnodes + 1, sizeof(*t->adj_off));
	t->adj = malloc(sizeof(*t->adj) * (2 * (size_t)t->nlinks + 1));
	cnt = calloc(t->nnodes + 1, sizeof(*cnt));
	if (!t->adj_off || !t->adj || !cnt || hash_grow(t, t->nnodes)) {
		free(cnt);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < t->nlinks; i++) {
		t->adj_off[t->links[i].a + 1]++;
		if (t->links[i].b != t->links[i].a)
			t->adj_off[t->links[i].b + 1]++;
	}
	for (unsigned i = 0; i < t->nnodes; i++)
		t->adj_off[i + 1] += t->adj_off[i];
	for (unsigned i = 0; i < t->nlinks; i++) {
		int a = t->links[i].a, b = t->links[i].b;

		t->adj[t->adj_off[a] + cnt[a]++] = i;
		if (b != a)
			t->adj[t->adj_off[b] + cnt[b]++] = i;
	}
	free(cnt);
	return 0;
}

int fp_topo_find(const struct fp_topo *t, const char *name)
{
	if (!t->hash)
		return -1;
	for (unsigned h = (unsigned)fp_name_hash(name) & (t->hcap - 1); t->hash[h] != UINT32_MAX;
	     h = (h + 1) & (t->hcap - 1))
		if (!strcmp(t->nodes[t->hash[h]].name, name))
			return (int)t->hash[h];
	return -1;
}

double fp_link_rate(const struct fp_link *l)
{
	if (!l->up)
		return 0;
	return l->trained_gbps > 0 ? l->trained_gbps : l->gbps;
}

unsigned fp_topo_hosts(const struct fp_topo *t, int *host_of, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->nnodes; i++)
		if (t->nodes[i].kind == FP_HOST) {
			if (host_of && n < max)
				host_of[n] = (int)i;
			n++;
		}
	return n;
}

/* ---------- checks ---------- */

/*
 * Passive copper reach by lane rate, from the IEEE 802.3 copper-cable PMDs: 25G lanes
 * (100GBASE-CR4, 802.3bj) 5 m; 50G PAM4 lanes (200GBASE-CR4, 802.3cd) 3 m; 100G lanes
 * (802.3ck) 2 m; 200G lanes about 1 m. 10G lanes (SFP+ DAC) 7 m. Active copper (ACC/AEC)
 * extends this; we use 2x the passive reach for ACC and 7 m or 2.5x for AEC.
 */
double fp_copper_reach_m(enum fp_media m, double lane_gbps)
{
	double passive;

	if (lane_gbps <= 0)
		return 0;
	if (lane_gbps <= 10.5)
		passive = 7;
	else if (lane_gbps <= 26)
		passive = 5;
	else if (lane_gbps <= 53)
		passive = 3;
	else if (lane_gbps <= 106)
		passive = 2;
	else
		passive = 1;
	switch (m) {
	case FP_MEDIA_DAC:
		return passive;
	case FP_MEDIA_ACC:
		return 2 * passive;
	case FP_MEDIA_AEC:
		return passive * 2.5 > 7 ? passive * 2.5 : 7;
	default:
		return 0;
	}
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static int add_issue(struct fp_issue **v, unsigned *n, unsigned *cap, int sev, int line,
		     const char *fmt, ...)
{
	va_list ap;

	if (*n == *cap) {
		unsigned c = *cap ? *cap * 2 : 16;
		void *p = realloc(*v, sizeof(**v) * c);

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[*n].severity = sev;
	(*v)[*n].line = line;
	va_start(ap, fmt);
	vsnprintf((*v)[*n].text, sizeof((*v)[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
	return 0;
}

/*
 * Ports by (node, name), hashed: slot holds 2 * link + side (0: a end, 1: b end), so
 * finding the links that share a port costs O(1) per link rather than a scan of all links.
 */
struct port_index {
	unsigned *slot, cap;
};

static unsigned port_hash(int node, const char *port, unsigned cap)
{
	return (unsigned)(mix64(fp_name_hash(port) ^ (uint64_t)(unsigned)node) & (cap - 1));
}

static void end_of(const struct fp_topo *t, unsigned e, int *node, const char **port)
{
	const struct fp_link *l = &t->links[e / 2];

	*node = e % 2 ? l->b : l->a;
	*port = e % 2 ? l->pb : l->pa;
}

static int port_index(const struct fp_topo *t, struct port_index *x)
{
	x->cap = 64;
	while (x->cap < 4 * (size_t)t->nlinks + 4)
		x->cap *= 2;
	x->slot = malloc(sizeof(*x->slot) * x->cap);
	if (!x->slot)
		return -ENOMEM;
	memset(x->slot, 0xff, sizeof(*x->slot) * x->cap);
	for (unsigned e = 0; e < 2 * t->nlinks; e++) {
		const char *port;
		int node;
		unsigned h;

		end_of(t, e, &node, &port);
		if (!port[0])
			continue;
		for (h = port_hash(node, port, x->cap); x->slot[h] != UINT32_MAX;
		     h = (h + 1) & (x->cap - 1))
			;
		x->slot[h] = e;
	}
	return 0;
}

/*
 * Link i against the later links on its ports: one error per pair, at the later link's
 * line, naming i's a end when the other link is on it, else its b end.
 */
static int port_issues(const struct fp_topo *t, unsigned i, const struct port_index *x,
		       struct fp_issue **v, unsigned *n, unsigned *cap)
{
	const struct fp_link *l = &t->links[i];
	unsigned *later = NULL, nl = 0;
	int ret = 0;

	if (!l->pa[0])
		return 0;
	for (unsigned side = 0; side < 2 && !ret; side++) {
		const char *port = side ? l->pb : l->pa;
		int node = side ? l->b : l->a;

		if (!port[0])
			continue;
		for (unsigned h = port_hash(node, port, x->cap); x->slot[h] != UINT32_MAX;
		     h = (h + 1) & (x->cap - 1)) {
			unsigned e = x->slot[h], j = e / 2;
			const char *p2;
			int n2;
			void *np;

			end_of(t, e, &n2, &p2);
			if (j <= i || n2 != node || strcmp(p2, port))
				continue;
			np = realloc(later, sizeof(*later) * (nl + 1));
			if (!np) {
				ret = -ENOMEM;
				break;
			}
			later = np;
			later[nl++] = j * 2 + side;
		}
	}
	if (nl)
		qsort(later, nl, sizeof(*later), cmp_unsigned);
	/* one issue per later link: its first match in (a end, b end) order */
	for (unsigned k = 0; k < nl && !ret; k++) {
		const struct fp_link *m = &t->links[later[k] / 2];
		bool bside = later[k] % 2;

		while (k + 1 < nl && later[k + 1] / 2 == later[k] / 2)
			k++;
		ret = add_issue(v, n, cap, 2, m->line,
				"port %s:%s is used by two links (lines %d and %d)",
				t->nodes[bside ? l->b : l->a].name, bside ? l->pb : l->pa, l->line,
				m->line);
	}
	free(later);
	return ret;
}

int fp_topo_check(const struct fp_topo *t, struct fp_issue **issues, unsigned *n)
{
	unsigned cap = 0, cnt = 0;
	struct fp_issue *v = NULL;
	int *comp = NULL, *queue = NULL;
	struct port_index ports;
	int ret = port_index(t, &ports);

	/* duplicate names */
	for (unsigned i = 0; i < t->nnodes && !ret; i++) {
		int j = fp_topo_find(t, t->nodes[i].name);

		if (j >= 0 && (unsigned)j != i)
			ret = add_issue(&v, &cnt, &cap, 2, t->nodes[i].line,
					"node '%s' is defined twice (also line %d)",
					t->nodes[i].name, t->nodes[j].line);
	}
	for (unsigned i = 0; i < t->nlinks && !ret; i++) {
		const struct fp_link *l = &t->links[i];
		const char *na = t->nodes[l->a].name, *nb = t->nodes[l->b].name;
		double reach = fp_copper_reach_m(l->media, l->lane_gbps);

		if (l->a == l->b)
			ret = add_issue(&v, &cnt, &cap, 2, l->line,
					"link %s <-> %s loops back to "
					"the same node",
					na, nb);
		/* a port used by two links */
		if (!ret)
			ret = port_issues(t, i, &ports, &v, &cnt, &cap);
		if (!ret && l->gbps <= 0)
			ret = add_issue(&v, &cnt, &cap, 2, l->line,
					"link %s:%s <-> %s:%s has no "
					"speed",
					na, l->pa, nb, l->pb);
		if (!ret && l->lanes > 0 && l->lane_gbps > 0 &&
		    fabs(l->lanes * l->lane_gbps - l->gbps) > 0.01 * l->gbps)
			ret = add_issue(&v, &cnt, &cap, 2, l->line,
					"link %s <-> %s: %d lanes x "
					"%g Gb/s is not its %g Gb/s",
					na, nb, l->lanes, l->lane_gbps, l->gbps);
		if (!ret && reach > 0 && l->length_m > reach)
			ret = add_issue(&v, &cnt, &cap, 2, l->line,
					"link %s:%s <-> %s:%s: %s "
					"copper of %g m is past its %g m reach at %g Gb/s per lane",
					na, l->pa, nb, l->pb, fp_media_name(l->media), l->length_m,
					reach, l->lane_gbps);
		if (!ret && l->trained_gbps > 0 && l->trained_gbps < l->gbps)
			ret = add_issue(&v, &cnt, &cap, 1, l->line,
					"link %s:%s <-> %s:%s trained "
					"at %g Gb/s, below its %g Gb/s",
					na, l->pa, nb, l->pb, l->trained_gbps, l->gbps);
		if (!ret && !l->up)
			ret = add_issue(&v, &cnt, &cap, 1, l->line, "link %s:%s <-> %s:%s is down",
					na, l->pa, nb, l->pb);
		/* a leaf to a core, or a spine to a spine: miswired, or tiers set wrong */
		if (!ret && abs(t->nodes[l->a].tier - t->nodes[l->b].tier) != 1)
			ret = add_issue(&v, &cnt, &cap, 1, l->line,
					"link %s:%s <-> %s:%s %s (tiers %d and %d)", na, l->pa, nb,
					l->pb,
					t->nodes[l->a].tier == t->nodes[l->b].tier
						? "stays within a tier"
						: "skips a tier",
					t->nodes[l->a].tier, t->nodes[l->b].tier);
	}
	/* speed mismatch: a host whose links differ from its NIC, or both ends' NIC rates */
	for (unsigned i = 0; i < t->nnodes && !ret; i++) {
		const struct fp_node *nd = &t->nodes[i];

		if (t->adj_off && t->adj_off[i] == t->adj_off[i + 1])
			ret = add_issue(&v, &cnt, &cap, nd->kind == FP_HOST ? 2 : 1, nd->line,
					"%s '%s' has no links (dangling)",
					nd->kind == FP_HOST ? "host" : "switch", nd->name);
		if (!ret && nd->kind == FP_HOST && nd->nic_gbps > 0 && t->adj_off) {
			for (unsigned k = t->adj_off[i]; k < t->adj_off[i + 1] && !ret; k++) {
				const struct fp_link *l = &t->links[t->adj[k]];

				if (fabs(l->gbps - nd->nic_gbps) > 0.01 * nd->nic_gbps)
					ret = add_issue(&v, &cnt, &cap, 1, l->line,
							"speed mismatch: "
							"host %s NIC is %g Gb/s, its link is %g "
							"Gb/s",
							nd->name, nd->nic_gbps, l->gbps);
			}
		}
	}
	/* connectivity: one component over the up links */
	if (!ret && t->nnodes && t->adj_off) {
		int head = 0, tail = 0, seen = 1;

		comp = calloc(t->nnodes, sizeof(*comp));
		queue = malloc(sizeof(*queue) * t->nnodes);
		if (!comp || !queue) {
			ret = -ENOMEM;
			goto out;
		}
		comp[0] = 1;
		queue[tail++] = 0;
		while (head < tail) {
			int u = queue[head++];

			for (unsigned k = t->adj_off[u]; k < t->adj_off[u + 1]; k++) {
				const struct fp_link *l = &t->links[t->adj[k]];
				int w = fp_link_peer(l, u);

				if (!l->up || comp[w])
					continue;
				comp[w] = 1;
				seen++;
				queue[tail++] = w;
			}
		}
		if ((unsigned)seen < t->nnodes) {
			for (unsigned i = 0; i < t->nnodes && !ret; i++)
				if (!comp[i]) {
					ret = add_issue(&v, &cnt, &cap, 2, t->nodes[i].line,
							"the fabric is disconnected: '%s' cannot "
							"reach '%s' (%u of %u nodes reachable)",
							t->nodes[i].name, t->nodes[0].name, seen,
							t->nnodes);
					break;
				}
		}
	}
out:
	free(comp);
	free(queue);
	free(ports.slot);
	if (ret) {
		free(v);
		return ret;
	}
	*issues = v;
	*n = cnt;
	return 0;
}

/* ---------- output ---------- */

/* bytes in the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates), or 0 */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/*
 * A YAML double-quoted string's body: backslash escapes for '"', '\\', control bytes and
 * bytes that are not UTF-8 (what an importer read from a tool), so the file stays UTF-8.
 */
void fp_topo_put_escaped(FILE *f, const char *s)
{
	while (*s) {
		unsigned char c = (unsigned char)*s;
		size_t n = c >= 0x80 ? utf8_len((const unsigned char *)s) : 1;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f || !n)
			fprintf(f, "\\x%02x", c);
		else
			fwrite(s, 1, n, f);
		s += n ? n : 1;
	}
}

/*
 * A string as a plain scalar when it is one (letters, digits, "_.-/+", not starting with
 * '-'), else double-quoted: whatever the loader took, the writer gives back loadable.
 */
static void put_str(FILE *f, const char *s)
{
	bool plain = *s && *s != '-';

	for (const char *p = s; *p && plain; p++)
		plain = isalnum((unsigned char)*p) || strchr("_.-/+", *p);
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	fp_topo_put_escaped(f, s);
	fputc('"', f);
}

static void put_quoted(FILE *f, const char *key, const char *node, const char *port)
{
	fprintf(f, "%s: \"", key);
	fp_topo_put_escaped(f, node);
	if (port) {
		fputc(':', f);
		fp_topo_put_escaped(f, port);
	}
	fputc('"', f);
}

void fp_topo_write_yaml(const struct fp_topo *t, FILE *f)
{
	fprintf(f, "# fabprobe topology (schema: topologies/README.md)\n");
	fprintf(f, "fabprobe_topology: 1\nname: ");
	put_str(f, t->name[0] ? t->name : "fabric");
	fprintf(f, t->nnodes ? "\nnodes:\n" : "\nnodes: []\n");
	for (unsigned i = 0; i < t->nnodes; i++) {
		const struct fp_node *n = &t->nodes[i];

		fprintf(f, "  - {name: ");
		put_str(f, n->name);
		fprintf(f, ", kind: %s, tier: %d", n->kind == FP_HOST ? "host" : "switch", n->tier);
		if (n->rail >= 0)
			fprintf(f, ", rail: %d", n->rail);
		if (n->group[0]) {
			fprintf(f, ", group: ");
			put_str(f, n->group);
		}
		fp_ident_write_yaml(&n->id, f);
		if (n->note[0])
			put_quoted(f, ", note", n->note, NULL);
		if (n->nic_gbps > 0)
			fprintf(f, ", nic_gbps: %g", n->nic_gbps);
		fprintf(f, "}\n");
	}
	fprintf(f, t->nlinks ? "links:\n" : "links: []\n"); /* a bare key would be null */
	for (unsigned i = 0; i < t->nlinks; i++) {
		const struct fp_link *l = &t->links[i];

		put_quoted(f, "  - {a", t->nodes[l->a].name, l->pa);
		put_quoted(f, ", b", t->nodes[l->b].name, l->pb);
		fprintf(f, ", gbps: %g, lanes: %d, media: %s", l->gbps, l->lanes,
			fp_media_name(l->media));
		if (l->xcvr[0]) {
			fprintf(f, ", xcvr: ");
			put_str(f, l->xcvr);
		}
		if (l->length_m > 0)
			fprintf(f, ", length_m: %g", l->length_m);
		if (l->pn_a[0])
			put_quoted(f, ", pn_a", l->pn_a, NULL);
		if (l->pn_b[0])
			put_quoted(f, ", pn_b", l->pn_b, NULL);
		if (!l->up)
			fprintf(f, ", state: down");
		if (l->trained_gbps > 0)
			fprintf(f, ", trained_gbps: %g", l->trained_gbps);
		if (l->trained_lanes > 0)
			fprintf(f, ", trained_lanes: %d", l->trained_lanes);
		if (l->lid_a)
			fprintf(f, ", lid_a: %d", l->lid_a);
		if (l->lid_b)
			fprintf(f, ", lid_b: %d", l->lid_b);
		fprintf(f, "}\n");
	}
}

/*
 * A name inside a DOT quoted string (Graphviz "lang" page: in a quoted string the only escaped
 * character is the double quote). A `"` or a `\` that ends a name would close the string early
 * and the rest of the name would become DOT of its own; a newline would split the line-based
 * readers of this output. Names come from topology files, which accept any text.
 */
static void put_dot_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else
			fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
}

/* "A" -- "B" or "A:pa <-> B:pb": each name escaped */
static void put_dot_pair(FILE *f, const char *a, const char *pa, const char *sep, const char *b,
			 const char *pb)
{
	put_dot_str(f, a);
	if (pa) {
		fputc(':', f);
		put_dot_str(f, pa);
	}
	fputs(sep, f);
	put_dot_str(f, b);
	if (pb) {
		fputc(':', f);
		put_dot_str(f, pb);
	}
}

void fp_topo_write_dot(const struct fp_topo *t, FILE *f, const bool *red_links,
		       const bool *red_nodes)
{
	static const char *const colour[] = { "gray50",	   "darkorange3", "goldenrod",
					      "olivedrab", "royalblue",	  "purple" };
	int maxtier = 0;

	for (unsigned i = 0; i < t->nnodes; i++)
		if (t->nodes[i].tier > maxtier)
			maxtier = t->nodes[i].tier;
	fputs("graph \"", f);
	put_dot_str(f, t->name[0] ? t->name : "fabric");
	fputs("\" {\n  graph [rankdir=BT, splines=false, nodesep=0.15];\n"
	      "  node [fontname=\"Helvetica\", fontsize=10];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=8];\n",
	      f);
	for (int tier = 0; tier <= maxtier; tier++) {
		fprintf(f, "  { rank=same;");
		for (unsigned i = 0; i < t->nnodes; i++) {
			const struct fp_node *n = &t->nodes[i];

			if (n->tier != tier)
				continue;
			fputs(" \"", f);
			put_dot_str(f, n->name);
			fprintf(f, "\" [shape=%s%s];", n->kind == FP_HOST ? "box" : "ellipse",
				red_nodes && red_nodes[i] ? ", color=red, penwidth=3, fontcolor=red"
							  : "");
		}
		fprintf(f, " }\n");
	}
	for (unsigned i = 0; i < t->nlinks; i++) {
		const struct fp_link *l = &t->links[i];
		const char *a = t->nodes[l->a].name, *b = t->nodes[l->b].name;
		bool red = red_links && red_links[i];

		fputs("  \"", f);
		put_dot_pair(f, a, NULL, "\" -- \"", b, NULL);
		fprintf(f, "\" [color=%s%s%s, tooltip=\"", red ? "red" : colour[l->media % 6],
			red ? ", penwidth=3" : "", l->up ? "" : ", style=dashed");
		put_dot_pair(f, a, l->pa, " <-> ", b, l->pb);
		fprintf(f, " %g Gb/s %s", l->gbps, fp_media_name(l->media));
		if (l->length_m > 0)
			fprintf(f, " %gm", l->length_m);
		fprintf(f, "\"];\n");
	}
	fprintf(f, "  subgraph cluster_legend { label=\"media\"; fontsize=9;");
	for (int m = 1; m < 6; m++)
		fprintf(f, " \"leg%d\" [label=\"%s\", shape=plaintext, fontcolor=%s, fontsize=9];",
			m, fp_media_name((enum fp_media)m), colour[m]);
	fprintf(f, " }\n}\n");
}
