// SPDX-License-Identifier: MIT
/*
 * Where each rank ran, for run.json's ranks[]: its data-plane port as sysfs describes it
 * (driver, MTU, link speed, PCIe link, NUMA node), the NIC's model and firmware, and the
 * CPU it is pinned to; and, for hosts[].endpoint, the identity of that port as its engine
 * names it (the engine's identity op). The port is the netdev the engine names (the one
 * under a RoCE GID, an af_xdp interface), else the one holding the bound address. Every rank reads its own and sends it as
 * "key=value" lines, the engine's prefixed "ep."; rank 0 parses them as outside input.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fabric/inventory/drvinfo.h"
#include "run_priv.h"

#define BLOB_LEN 2048

/* The one CPU this process may run on, or -1. */
static int pinned_cpu(void)
{
	cpu_set_t set;
	int cpu = -1;

	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) != 1)
		return -1;
	for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	return cpu;
}

/* The port's context lines at blob + o; the new length. */
static size_t describe_port(const char *netdev, const char *bind, char *blob, size_t len, size_t o)
{
	struct fp_port *p = calloc(1, sizeof(*p));
	struct fp_nicinfo ni;
	char port[48];

	if (netdev)
		snprintf(port, sizeof(port), "%s", netdev);
	if (p && (netdev || fp_run_port_of(bind, port, sizeof(port))) &&
	    !fp_netdev_read("", port, p)) {
		fp_nicinfo_read("", port, &ni);
		o += (size_t)snprintf(
			blob + o, len - o,
			"port=%s\ndriver=%s\nmtu=%d\nspeed_gbps=%.3f\npcie=%s\n"
			"pcie_gts=%.1f\npcie_width=%d\npcie_max_gts=%.1f\npcie_max_width=%d\n"
			"numa_node=%d\nnic_model=%s\nfirmware=%s\n",
			p->name, p->driver, p->mtu, p->speed_gbps,
			p->pcie.present ? p->pcie.addr : "", p->pcie.speed_gts, p->pcie.width,
			p->pcie.max_speed_gts, p->pcie.max_width,
			p->pcie.present ? p->pcie.numa_node : -1, ni.model, ni.firmware);
	}
	free(p);
	return o < len ? o : len - 1;
}

/* The engine's identity lines, each prefixed "ep.", at blob + o. */
static size_t describe_endpoint(char *id, char *blob, size_t len, size_t o)
{
	char *sv = NULL;

	for (char *l = strtok_r(id, "\n", &sv); l && o < len; l = strtok_r(NULL, "\n", &sv)) {
		int n = snprintf(blob + o, len - o, "ep.%s\n", l);

		if (n < 0 || (size_t)n >= len - o) {
			blob[o] = 0; /* a line that does not fit is left out whole */
			break;
		}
		o += (size_t)n;
	}
	return o;
}

/* numa_nic, numa_cpu, numa_buf, numa_off_node (run_numa.c) */
static void take_numa(struct fp_rank_ctx *c, const char *k, int n)
{
	if (!strcmp(k, "nic"))
		c->numa_nic = n;
	else if (!strcmp(k, "cpu"))
		c->numa_cpu = n;
	else if (!strcmp(k, "buf"))
		c->numa_buf = n;
	else if (!strcmp(k, "off_node"))
		c->numa_off = n == 1;
}

/* One "key=value" line into c; unknown keys are ignored, bad numbers read as unknown. */
static void take(struct fp_rank_ctx *c, const char *k, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	bool num = *v && !*end && n >= -1 && n < 1000000000;

	if (!strcmp(k, "port"))
		snprintf(c->port, sizeof(c->port), "%s", v);
	else if (!strcmp(k, "driver"))
		snprintf(c->driver, sizeof(c->driver), "%s", v);
	else if (!strcmp(k, "pcie"))
		snprintf(c->pcie, sizeof(c->pcie), "%s", v);
	else if (!strcmp(k, "nic_model") || !strcmp(k, "ep.model"))
		snprintf(c->nic_model, sizeof(c->nic_model), "%s", v);
	else if (!strcmp(k, "firmware") || !strcmp(k, "ep.firmware"))
		snprintf(c->firmware, sizeof(c->firmware), "%s", v);
	else if (!strcmp(k, "cpu"))
		c->cpu = num ? (int)n : -1;
	else if (!strcmp(k, "mtu"))
		c->mtu = num ? (int)n : -1;
	else if (!strcmp(k, "numa_node"))
		c->numa_node = num ? (int)n : -1;
	else if (!strncmp(k, "numa_", 5))
		take_numa(c, k + 5, num ? (int)n : -1);
	else if (!strcmp(k, "pcie_width"))
		c->pcie_width = num ? (int)n : 0;
	else if (!strcmp(k, "pcie_max_width"))
		c->pcie_max_width = num ? (int)n : 0;
	else if (!strcmp(k, "speed_gbps"))
		c->speed_gbps = strtod(v, NULL);
	else if (!strcmp(k, "pcie_gts"))
		c->pcie_gts = strtod(v, NULL);
	else if (!strcmp(k, "pcie_max_gts"))
		c->pcie_max_gts = strtod(v, NULL);
}

int fp_run_context_parse(struct fp_rank_ctx *c, char **ep, const uint8_t *data, size_t len)
{
	char *t = strndup((const char *)data, len), *line, *sv = NULL;

	c->cpu = c->mtu = c->numa_node = -1;
	c->numa_nic = c->numa_cpu = c->numa_buf = -1;
	if (!t)
		return -ENOMEM;
	for (line = strtok_r(t, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = 0;
		take(c, line, eq + 1);
		/* an unknown key or a bad value is left out; only memory is an error */
		if (!strncmp(line, "ep.", 3) && fp_endpoint_add(ep, line + 3, eq + 1) == -ENOMEM) {
			free(t);
			return -ENOMEM;
		}
	}
	c->valid = true;
	free(t);
	return 0;
}

int fp_run_gather_context(struct rank *rk, const char *bind)
{
	struct fp_rv_blobs all = { 0 };
	char blob[BLOB_LEN];
	size_t len = (size_t)snprintf(blob, sizeof(blob), "cpu=%d\n", pinned_cpu());
	struct fp_run_data *d = rk->data;
	char id[1024], nd[48] = "";
	const char *l = id;
	int ret;

	if (rk->ops.identity(rk->eng, id, sizeof(id)))
		id[0] = 0;
	/* the engine's netdev, when it names one: "netdev=NAME\n" at a line's start */
	for (; l && *l && !nd[0]; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, "netdev=", 7))
			snprintf(nd, sizeof(nd), "%.*s", (int)strcspn(l + 7, "\n"), l + 7);
	len = describe_port(nd[0] ? nd : NULL, bind, blob, sizeof(blob), len);
	len = fp_run_numa_lines(rk, id, blob, sizeof(blob), len);
	len = describe_endpoint(id, blob, sizeof(blob), len);
	ret = fp_rv_gather(rk->rv, "where the ranks run", blob, len, &all, rk->err, ERR_LEN);
	if (ret || !d)
		return ret;
	if (!d->endpoint)
		d->endpoint = calloc((size_t)rk->size, sizeof(*d->endpoint));
	for (uint32_t r = 0; !ret && r < all.n && (int)r < rk->size; r++)
		ret = d->endpoint ? fp_run_context_parse(&d->rctx[r], &d->endpoint[r],
							 all.data + all.off[r], all.len[r])
				  : -ENOMEM;
	fp_rv_blobs_free(&all);
	if (ret)
		fp_say(rk->err, ERR_LEN, "out of memory gathering where the ranks run");
	return ret;
}
