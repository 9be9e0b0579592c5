// SPDX-License-Identifier: MIT
/*
 * Where each rank ran, for run.json's ranks[]: its data-plane port as sysfs describes it
 * (driver, MTU, link speed, PCIe link, NUMA node) and the CPU it is pinned to. Every rank
 * reads its own and sends it as "key=value" lines; rank 0 parses them as outside input.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_priv.h"

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

static size_t describe(const char *bind, char *blob, size_t len)
{
	struct fp_port *p = calloc(1, sizeof(*p));
	char port[48];
	int o = snprintf(blob, len, "cpu=%d\n", pinned_cpu());

	if (p && fp_run_port_of(bind, port, sizeof(port)) && !fp_netdev_read("", port, p))
		o += snprintf(blob + o, len - (size_t)o,
			      "port=%s\ndriver=%s\nmtu=%d\nspeed_gbps=%.3f\npcie=%s\n"
			      "pcie_gts=%.1f\npcie_width=%d\npcie_max_gts=%.1f\npcie_max_width=%d\n"
			      "numa_node=%d\n",
			      p->name, p->driver, p->mtu, p->speed_gbps,
			      p->pcie.present ? p->pcie.addr : "", p->pcie.speed_gts, p->pcie.width,
			      p->pcie.max_speed_gts, p->pcie.max_width,
			      p->pcie.present ? p->pcie.numa_node : -1);
	free(p);
	return (size_t)o < len ? (size_t)o : len - 1;
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
	else if (!strcmp(k, "cpu"))
		c->cpu = num ? (int)n : -1;
	else if (!strcmp(k, "mtu"))
		c->mtu = num ? (int)n : -1;
	else if (!strcmp(k, "numa_node"))
		c->numa_node = num ? (int)n : -1;
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

static void parse(struct fp_rank_ctx *c, const uint8_t *data, size_t len)
{
	char *t = strndup((const char *)data, len), *line, *sv = NULL;

	c->cpu = c->mtu = c->numa_node = -1;
	if (!t)
		return;
	for (line = strtok_r(t, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = 0;
		take(c, line, eq + 1);
	}
	c->valid = true;
	free(t);
}

int fp_run_gather_context(struct rank *rk, const char *bind)
{
	struct fp_rv_blobs all = { 0 };
	char blob[1024];
	size_t len = describe(bind, blob, sizeof(blob));
	int ret = fp_rv_gather(rk->rv, "where the ranks run", blob, len, &all, rk->err, ERR_LEN);

	if (ret || !rk->data)
		return ret;
	for (uint32_t r = 0; r < all.n && (int)r < rk->size; r++)
		parse(&rk->data->rctx[r], all.data + all.off[r], all.len[r]);
	fp_rv_blobs_free(&all);
	return 0;
}
