// SPDX-License-Identifier: MIT
/*
 * hosts[].endpoint in run.json: the port each rank ran on (results/README.md, "Endpoint
 * identity"), from the engine's identity op (measured runs) or the topology's endpoint
 * fields (sim). Values come from other ranks: only known keys, short printable values.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "results.h"

#define VAL_MAX 63

/* the keys, and whether run.json carries the value as a number */
static const struct {
	const char *key;
	bool num;
} keys[] = {
	{ "netdev", false },	{ "device", false },	 { "port", true },
	{ "node_guid", false }, { "port_guid", false },	 { "lid", true },
	{ "gid", false },	{ "link_layer", false }, { "mac", false },
	{ "ip", false },	{ "ipv4", false },	 { "ipv6", false },
	{ "pci", false },	{ "numa_node", true },	 { "dpdk_device", false },
	{ "numa_buf", true },	{ "numa_cpu", true },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int key_index(const char *k, size_t len)
{
	for (unsigned i = 0; i < NKEYS; i++)
		if (strlen(keys[i].key) == len && !strncmp(keys[i].key, k, len))
			return (int)i;
	return -1;
}

static bool printable(const char *v)
{
	size_t n = strlen(v);

	if (!n || n > VAL_MAX)
		return false;
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

/* the lines hold key already */
static bool has_key(const char *ep, const char *key, size_t kl)
{
	for (const char *l = ep; l && *l; l = strchr(l, '\n') + 1)
		if (!strncmp(l, key, kl) && l[kl] == '=')
			return true;
	return false;
}

int fp_endpoint_add(char **ep, const char *key, const char *val)
{
	size_t have = *ep ? strlen(*ep) : 0, kl = strlen(key), vl = strlen(val);
	char *n;

	if (key_index(key, kl) < 0 || !printable(val))
		return -EINVAL;
	if (has_key(*ep, key, kl))
		return -EEXIST; /* the first value of a key counts */
	n = realloc(*ep, have + kl + vl + 3);
	if (!n)
		return -ENOMEM;
	memcpy(n + have, key, kl);
	n[have + kl] = '=';
	memcpy(n + have + kl + 1, val, vl);
	memcpy(n + have + kl + 1 + vl, "\n", 2);
	*ep = n;
	return 0;
}

/* an integer in 0..2^31-1, or false */
static bool small_int(const char *v, long *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < 0 || n > 0x7fffffff)
		return false;
	*out = n;
	return true;
}

void fp_results_json_endpoint(struct fp_json *j, const struct fp_run_data *d, int rank)
{
	const char *ep = d->endpoint ? d->endpoint[rank] : NULL;

	if (!ep || !*ep)
		return;
	fp_json_obj(j, "endpoint");
	/* lines are "key=value\n" as fp_endpoint_add wrote them, each key once */
	for (const char *l = ep; *l;) {
		const char *eq = strchr(l, '='), *nl = strchr(l, '\n');
		int k = key_index(l, (size_t)(eq - l));
		char v[VAL_MAX + 1], key[16];
		long n;

		snprintf(v, sizeof(v), "%.*s", (int)(nl - eq - 1), eq + 1);
		l = nl + 1;
		if (k < 0)
			continue;
		snprintf(key, sizeof(key), "%s", keys[k].key);
		if (keys[k].num && small_int(v, &n))
			fp_json_i64(j, key, n);
		else if (!keys[k].num)
			fp_json_str(j, key, v);
	}
	fp_json_end(j);
}

void fp_endpoints_free(char **ep, size_t n)
{
	for (size_t i = 0; ep && i < n; i++)
		free(ep[i]);
	free(ep);
}
