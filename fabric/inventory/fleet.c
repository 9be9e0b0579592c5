// SPDX-License-Identifier: MIT
/* Fleet consistency: group each property's values across hosts, name the ones that differ. */
#include "fleet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what must be the same on every host of one fabric: a difference breaks traffic */
static const char *const must_match[] = { "mtu", "pfc", "gid_types", "ecn" };

/* the property's name after the port ("eth0 mtu" -> "mtu") */
static const char *prop_name(const char *key)
{
	const char *s = strrchr(key, ' ');

	return s ? s + 1 : key;
}

bool fp_fleet_must_match(const char *key)
{
	for (size_t i = 0; i < sizeof(must_match) / sizeof(must_match[0]); i++)
		if (!strcmp(prop_name(key), must_match[i]))
			return true;
	return false;
}

static bool is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* values come from other hosts' files: no terminal control in the text verdict */
static void scrub(char *s)
{
	for (; *s; s++)
		if (is_control(*s))
			*s = '?';
}

int fp_fleet_add_host(struct fp_fleet *f, const char *name, char *err, size_t el)
{
	struct fp_fleet_host *n;

	for (const char *c = name; *c; c++)
		if (is_control(*c)) {
			snprintf(err, el, "host %u: a control character in its name", f->nh + 1);
			return -EINVAL;
		}
	if (!name[0]) {
		snprintf(err, el, "host %u: an empty name", f->nh + 1);
		return -EINVAL;
	}
	for (unsigned i = 0; i < f->nh; i++)
		if (!strcmp(f->h[i].name, name)) {
			snprintf(err, el, "host '%s' twice: one inventory per host", name);
			return -EEXIST;
		}
	n = realloc(f->h, sizeof(*n) * (f->nh + 1));
	if (!n) {
		snprintf(err, el, "out of memory at host %u", f->nh + 1);
		return -ENOMEM;
	}
	f->h = n;
	memset(&n[f->nh], 0, sizeof(n[0]));
	snprintf(n[f->nh].name, sizeof(n[0].name), "%s", name);
	f->nh++;
	return 0;
}

int fp_fleet_host_set(struct fp_fleet_host *h, const char *key, const char *value)
{
	struct fp_fleet_prop *p = NULL;

	for (unsigned i = 0; i < h->n; i++)
		if (!strcmp(h->p[i].key, key))
			p = &h->p[i];
	if (!p) {
		if (h->n == h->cap) {
			unsigned cap = h->cap ? h->cap * 2 : 16;
			struct fp_fleet_prop *n = realloc(h->p, sizeof(*n) * cap);

			if (!n)
				return -ENOMEM;
			h->p = n;
			h->cap = cap;
		}
		p = &h->p[h->n++];
		snprintf(p->key, sizeof(p->key), "%s", key);
	}
	snprintf(p->value, sizeof(p->value), "%s", value);
	scrub(p->key);
	scrub(p->value);
	return 0;
}

void fp_fleet_host_free(struct fp_fleet_host *h)
{
	if (!h)
		return;
	free(h->p);
	h->p = NULL;
	h->n = h->cap = 0;
}

static int cmp_prop(const void *a, const void *b)
{
	return strcmp(((const struct fp_fleet_prop *)a)->key,
		      ((const struct fp_fleet_prop *)b)->key);
}

/* a property's value on a host whose properties fp_fleet_compare sorted; NULL: unknown */
static const char *host_get(const struct fp_fleet_host *h, const char *key)
{
	struct fp_fleet_prop want, *p;

	snprintf(want.key, sizeof(want.key), "%s", key);
	p = h->n ? bsearch(&want, h->p, h->n, sizeof(*h->p), cmp_prop) : NULL;
	return p ? p->value : NULL;
}

/* "port prop" = value, when the value is known (non-empty) */
static int put(struct fp_fleet_host *h, const char *port, const char *prop, const char *value)
{
	char key[FP_FLEET_KEY];

	if (!value || !value[0])
		return 0;
	snprintf(key, sizeof(key), "%.40s%s%s", port, port[0] ? " " : "", prop);
	return fp_fleet_host_set(h, key, value);
}

static int port_props(const struct fp_port *p, struct fp_fleet_host *h)
{
	char v[FP_FLEET_VAL];
	int r = 0;

	r |= put(h, p->name, "state", p->state);
	if (p->speed_gbps > 0) {
		snprintf(v, sizeof(v), "%g Gb/s", p->speed_gbps);
		r |= put(h, p->name, "speed", v);
	}
	if (p->rdma) {
		r |= put(h, p->name, "link_layer", p->link_layer);
		r |= put(h, p->name, "model", p->model);
		r |= put(h, p->name, "firmware", p->fw_ver);
		r |= put(h, p->name, "gid_types", p->gid_types);
		if (p->gid_types[0])
			r |= put(h, p->name, "ipv4_gid", p->ipv4_gid ? "yes" : "no");
		if (p->roce_tos >= 0) {
			snprintf(v, sizeof(v), "%d", p->roce_tos);
			r |= put(h, p->name, "roce_tos", v);
		}
		return r;
	}
	if (p->mtu > 0) {
		snprintf(v, sizeof(v), "%d", p->mtu);
		r |= put(h, p->name, "mtu", v);
	}
	r |= put(h, p->name, "driver", p->driver);
	r |= put(h, p->name, "driver_version", p->drv_version);
	r |= put(h, p->name, "ecn", p->ecn);
	r |= put(h, p->name, "pfc", p->dcb.pfc);
	r |= put(h, p->name, "ets", p->dcb.ets);
	r |= put(h, p->name, "trust", p->dcb.trust);
	r |= put(h, p->name, "shaping", p->shaping);
	if (p->pause_known) {
		snprintf(v, sizeof(v), "%.6g frames/s", p->pause_idle);
		r |= put(h, p->name, "pause_idle", v);
	}
	if (p->pcie.present && p->pcie.width > 0) {
		snprintf(v, sizeof(v), "%g GT/s x%d (max %g GT/s x%d)", p->pcie.speed_gts,
			 p->pcie.width, p->pcie.max_speed_gts, p->pcie.max_width);
		r |= put(h, p->name, "pcie", v);
	}
	if (p->pcie.present && p->pcie.numa_node >= 0) {
		snprintf(v, sizeof(v), "%d", p->pcie.numa_node);
		r |= put(h, p->name, "numa_node", v);
	}
	return r;
}

int fp_fleet_host_props(const struct fp_inventory *inv, struct fp_fleet_host *h)
{
	int r = put(h, "", "kernel", inv->kernel);

	for (unsigned i = 0; !r && i < inv->n; i++)
		if (strcmp(inv->ports[i].name, "lo"))
			r = port_props(&inv->ports[i], h);
	return r ? -ENOMEM : 0;
}

/* is cpu in a sysfs cpulist ("0-23,48-71")? */
static bool in_cpulist(const char *list, int cpu)
{
	const char *p = list;

	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;

		if (end == p)
			return false;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p)
				return false;
		}
		if (cpu >= a && cpu <= b)
			return true;
		if (*end != ',')
			return false;
		p = end + 1;
	}
	return false;
}

int fp_fleet_host_affinity(const struct fp_inventory *inv, const int *cpus, unsigned n,
			   struct fp_fleet_host *h)
{
	for (unsigned i = 0; i < inv->n; i++) {
		const struct fp_port *p = &inv->ports[i];
		unsigned near = 0;

		if (p->rdma || !p->pcie.present || !p->pcie.cpus[0] || !n)
			continue;
		for (unsigned k = 0; k < n; k++)
			near += in_cpulist(p->pcie.cpus, cpus[k]);
		if (put(h, p->name, "rank_cpus",
			near == n ? "all near the NIC"
			: near	  ? "some near the NIC"
				  : "none near the NIC"))
			return -ENOMEM;
	}
	return 0;
}

void fp_fleet_host_write(const struct fp_fleet_host *h, struct fp_json *j)
{
	fp_json_obj(j, "fleet");
	for (unsigned i = 0; i < h->n; i++)
		fp_json_str(j, h->p[i].key, h->p[i].value);
	fp_json_end(j);
}

void fp_fleet_host_json(const struct fp_inventory *inv, struct fp_json *j)
{
	struct fp_fleet_host h;

	memset(&h, 0, sizeof(h));
	fp_fleet_host_props(inv, &h); /* out of memory: what was read is written */
	fp_fleet_host_write(&h, j);
	fp_fleet_host_free(&h);
}

/* one value of one property and the hosts that have it */
struct group {
	const char *value;
	unsigned *hosts, n;
};

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* the sorted, distinct property keys of every host */
static int all_keys(const struct fp_fleet *f, const char ***out, unsigned *nout)
{
	unsigned total = 0, n = 0;
	const char **k;

	for (unsigned i = 0; i < f->nh; i++)
		total += f->h[i].n;
	k = malloc(sizeof(*k) * (total ? total : 1));
	if (!k)
		return -ENOMEM;
	for (unsigned i = 0; i < f->nh; i++)
		for (unsigned j = 0; j < f->h[i].n; j++)
			k[n++] = f->h[i].p[j].key;
	qsort(k, n, sizeof(*k), cmp_key);
	total = 0;
	for (unsigned i = 0; i < n; i++)
		if (!total || strcmp(k[total - 1], k[i]))
			k[total++] = k[i];
	*out = k;
	*nout = total;
	return 0;
}

/* the groups of one property: hosts by value, in the order values are first seen */
static void group_key(const struct fp_fleet *f, const char *key, struct group *g, unsigned *ng,
		      unsigned *hosts)
{
	unsigned n = 0, used = 0;

	for (unsigned i = 0; i < f->nh; i++) {
		const char *v = host_get(&f->h[i], key);
		unsigned j;

		if (!v)
			continue;
		for (j = 0; j < n && strcmp(g[j].value, v); j++)
			;
		if (j == n)
			g[n++] = (struct group){ .value = v, .n = 0 };
		g[j].n++;
	}
	/* lay the host lists out one after the other, then fill them */
	for (unsigned j = 0; j < n; j++) {
		g[j].hosts = hosts + used;
		used += g[j].n;
		g[j].n = 0;
	}
	for (unsigned i = 0; i < f->nh; i++) {
		const char *v = host_get(&f->h[i], key);

		for (unsigned j = 0; v && j < n; j++)
			if (!strcmp(g[j].value, v))
				g[j].hosts[g[j].n++] = i;
	}
	*ng = n;
}

/* the majority: the largest group, ties to the smaller value so the verdict is stable */
static unsigned majority(const struct group *g, unsigned n)
{
	unsigned m = 0;

	for (unsigned j = 1; j < n; j++)
		if (g[j].n > g[m].n || (g[j].n == g[m].n && strcmp(g[j].value, g[m].value) < 0))
			m = j;
	return m;
}

/* the groups that are findings: those off the majority, or for pause_idle every group storming
 * at idle, whatever the majority says */
static int add_diffs(struct fp_fleet *f, const char *key, const struct group *g, unsigned n,
		     bool *differs)
{
	bool storm = !strcmp(prop_name(key), "pause_idle");
	unsigned m = majority(g, n), known = 0;
	struct fp_fleet_diff *d;

	for (unsigned j = 0; j < n; j++)
		known += g[j].n;
	d = realloc(f->d, sizeof(*d) * (f->nd + n));
	if (!d)
		return -ENOMEM;
	f->d = d;
	for (unsigned j = 0; j < n; j++) {
		if (storm ? !fp_pause_is_storm(key, g[j].value) : j == m)
			continue;
		d = &f->d[f->nd];
		memset(d, 0, sizeof(*d));
		d->hosts = malloc(sizeof(unsigned) * g[j].n);
		if (!d->hosts)
			return -ENOMEM;
		memcpy(d->hosts, g[j].hosts, sizeof(unsigned) * g[j].n);
		snprintf(d->key, sizeof(d->key), "%s", key);
		snprintf(d->value, sizeof(d->value), "%s", g[j].value);
		snprintf(d->majority, sizeof(d->majority), "%s", storm ? "0 frames/s" : g[m].value);
		d->count = g[j].n;
		d->known = known;
		d->error = !storm && fp_fleet_must_match(key);
		d->storm = storm;
		for (unsigned i = 0; i < g[j].n; i++)
			differs[g[j].hosts[i]] = true;
		f->nd++;
	}
	return 0;
}

int fp_fleet_compare(struct fp_fleet *f)
{
	const char **keys = NULL;
	struct group *g = NULL;
	unsigned *hosts = NULL, nk = 0;
	bool *differs = NULL;
	int ret = -ENOMEM;

	/* sorted, a property is found in log time: 65536 hosts of 100 properties stay quick */
	for (unsigned i = 0; i < f->nh; i++)
		if (f->h[i].n)
			qsort(f->h[i].p, f->h[i].n, sizeof(*f->h[i].p), cmp_prop);
	if (all_keys(f, &keys, &nk))
		return -ENOMEM;
	g = malloc(sizeof(*g) * (f->nh + 1));
	hosts = malloc(sizeof(*hosts) * (f->nh + 1));
	differs = calloc(f->nh + 1, sizeof(*differs));
	if (!g || !hosts || !differs)
		goto out;
	f->nprops = nk;
	for (unsigned k = 0; k < nk; k++) {
		unsigned ng, before = f->nd;

		group_key(f, keys[k], g, &ng, hosts);
		if ((ng > 1 || !strcmp(prop_name(keys[k]), "pause_idle")) &&
		    add_diffs(f, keys[k], g, ng, differs))
			goto out;
		if (f->nd > before && f->d[before].error)
			f->mismatch++;
	}
	for (unsigned i = 0; i < f->nh; i++)
		f->outliers += differs[i];
	ret = 0;
out:
	free(differs);
	free(hosts);
	free(g);
	free(keys);
	return ret;
}

void fp_fleet_free(struct fp_fleet *f)
{
	if (!f)
		return;
	for (unsigned i = 0; i < f->nh; i++)
		fp_fleet_host_free(&f->h[i]);
	for (unsigned i = 0; i < f->nd; i++)
		free(f->d[i].hosts);
	free(f->h);
	free(f->d);
	memset(f, 0, sizeof(*f));
}

/* what to do about a group of hosts that differ: make them as the majority */
static void action(const struct fp_fleet_diff *d, char *b, size_t len)
{
	static const struct {
		const char *prop, *fmt;
	} acts[] = {
		{ "mtu", "set the MTU to %s on these hosts: it must match across the fabric" },
		{ "firmware", "update the NIC firmware to %s" },
		{ "model", "check the NIC: the other hosts have %s" },
		{ "driver", "load the driver the other hosts use (%s)" },
		{ "driver_version", "install driver version %s" },
		{ "kernel", "install kernel %s" },
		{ "pcie", "reseat the NIC or check the slot and BIOS: the others train at %s" },
		{ "speed", "check the cable, module and switch port: the others link at %s" },
		{ "state", "bring the port up: the others are %s" },
		{ "shaping", "check the port's qdisc (tc qdisc show): the others have %s" },
		{ "numa_node", "check the slot and pinning: the others' NIC is on NUMA node %s" },
		{ "rank_cpus", "bind ranks to the NIC's local CPUs (the launcher's binding, "
			       "numactl): on the others, %s" },
		{ "gid_types", "configure the GID types as the others (%s): they must match" },
		{ "pfc", "enable PFC on priorities %s as the others: it must match" },
		{ "ecn", "enable ECN as the others (%s): it must match" },
		/* whatever the majority: no %s */
		{ "pause_idle", "pause storm: frames at idle; check the peer switch port's PFC "
				"watchdog and the host's flow control" },
	};
	const char *fmt = "configure it as the other hosts (%s)";

	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (!strcmp(prop_name(d->key), acts[i].prop))
			fmt = acts[i].fmt;
	snprintf(b, len, fmt, d->majority);
}

#define TEXT_HOSTS 16

static void emit_diff(const struct fp_fleet *f, const struct fp_fleet_diff *d, struct fp_emit *e)
{
	char act[256];

	action(d, act, sizeof(act));
	fp_emit_obj(e, NULL);
	fp_emit_str(e, "severity", "%s: ", d->storm ? "storm" : d->error ? "error" : "outlier");
	fp_emit_i64(e, "count", "%lld", d->count);
	fp_emit_i64(e, "known", " of %lld hosts: ", d->known);
	fp_emit_str(e, "property", "%s ", d->key);
	fp_emit_str(e, "value", "%s, ", d->value);
	fp_emit_str(e, "majority", d->storm ? "expected %s at idle" : "others %s", d->majority);
	if (d->known < f->nh)
		fp_emit_text(e, " (unknown on %u)", f->nh - d->known);
	fp_emit_text(e, "\n  hosts:");
	fp_emit_arr(e, "hosts");
	for (unsigned i = 0; i < d->count; i++)
		if (e->json)
			fp_json_str(&e->j, NULL, f->h[d->hosts[i]].name);
		else if (i < TEXT_HOSTS)
			fprintf(e->f, " %s", f->h[d->hosts[i]].name);
	fp_emit_end(e);
	if (d->count > TEXT_HOSTS)
		fp_emit_text(e, " and %u more", d->count - TEXT_HOSTS);
	fp_emit_str(e, "action", "\n  action: %s\n", act);
	fp_emit_end(e);
}

void fp_fleet_emit(const struct fp_fleet *f, struct fp_emit *e)
{
	fp_emit_obj(e, NULL);
	fp_emit_i64(e, "schema_version", NULL, 1);
	fp_emit_i64(e, "hosts", "fleet: %lld hosts, ", f->nh);
	fp_emit_i64(e, "properties", "%lld properties compared: ", f->nprops);
	fp_emit_i64(e, "fleet_outliers", "%lld hosts differ, ", f->outliers);
	fp_emit_i64(e, "fleet_mismatch", "%lld must-match properties differ\n", f->mismatch);
	if (!f->nd)
		fp_emit_text(e, "every host agrees on every property it reports\n");
	fp_emit_arr(e, "findings");
	for (int pass = 0; pass < 2; pass++) /* errors first */
		for (unsigned i = 0; i < f->nd; i++)
			if (f->d[i].error == !pass)
				emit_diff(f, &f->d[i], e);
	fp_emit_end(e);
	fp_emit_end(e);
}
