// SPDX-License-Identifier: MIT
/*
 * --numa: this rank's CPU and data buffers on its NIC's NUMA node (fabric/runtime/numa.h),
 * decided once the engine is open (it names the NIC) and before it connects (when the
 * engines allocate their data buffers); and what placement became, for run.json's ranks[].
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../fabric/runtime/numa.h"
#include "run_priv.h"

/* The value of "key=N" at a line's start in "key=value" lines; -1 if absent or not a node. */
static int line_int(const char *lines, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = lines; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, kl) && l[kl] == '=') {
			char *end;
			long n = strtol(l + kl + 1, &end, 10);

			return end != l + kl + 1 && (*end == '\n' || !*end) && n >= 0 && n < 1024
				       ? (int)n
				       : -1;
		}
	return -1;
}

int fp_run_numa_check(const struct fp_run_cfg *cfg, char *err)
{
	struct fp_numa_plan pl;
	int mode;

	if (fp_numa_parse(cfg->numa, &mode, err, ERR_LEN))
		return -EINVAL;
	return fp_numa_plan(mode, -1, -1, fp_numa_nodes(), &pl, err, ERR_LEN);
}

int fp_run_numa(struct rank *rk)
{
	const struct fp_run_cfg *cfg = rk->cfg;
	bool user_pin = cfg->pin && strcmp(cfg->pin, "auto") && strcmp(cfg->pin, "none");
	char id[1024];
	uint64_t maxsize = 0;
	int mode, nic, pinned = -1, ret;

	rk->numa.target = rk->numa.nic = -1;
	ret = fp_numa_parse(cfg->numa, &mode, rk->err, ERR_LEN);
	if (ret || mode == FP_NUMA_NONE)
		return ret;
	if (rk->ops.identity(rk->eng, id, sizeof(id)))
		id[0] = 0;
	nic = line_int(id, "numa_node");
	if (user_pin)
		pinned = fp_numa_node_of_cpu(fp_one_cpu());
	ret = fp_numa_plan(mode, nic, pinned, fp_numa_nodes(), &rk->numa, rk->err, ERR_LEN);
	if (!ret)
		ret = fp_numa_apply(&rk->numa, (int)fp_run_local_rank(cfg, rk->rank), user_pin,
				    rk->err, ERR_LEN);
	if (ret)
		return ret;
	if (rk->numa.warn[0])
		fprintf(stderr, "fabprobe: warning: rank %d: %s\n", rk->rank, rk->numa.warn);
	/* the runner's own message buffers, filled before the NIC was known */
	for (unsigned i = 0; i < cfg->sizes.n; i++)
		if (cfg->sizes.v[i] > maxsize)
			maxsize = cfg->sizes.v[i];
	fp_numa_move(rk->txbuf, maxsize, rk->numa.target);
	fp_numa_move(rk->rxbuf, maxsize, rk->numa.target);
	return 0;
}

size_t fp_run_numa_lines(const struct rank *rk, const char *id, char *blob, size_t len, size_t o)
{
	int buf = line_int(id, "numa_buf"), cpu = fp_numa_cpu_node(),
	    nic = line_int(id, "numa_node");
	uint64_t maxsize = 0;
	int n;

	for (unsigned i = 0; i < rk->cfg->sizes.n; i++)
		if (rk->cfg->sizes.v[i] > maxsize)
			maxsize = rk->cfg->sizes.v[i];
	if (!strstr(id, "numa_buf=")) /* the engine sends from the runner's buffers */
		buf = fp_numa_mem_node(rk->txbuf, maxsize);
	n = snprintf(blob + o, len - o, "numa_nic=%d\nnuma_cpu=%d\nnuma_buf=%d\nnuma_off_node=%d\n",
		     nic, cpu, buf,
		     rk->numa.off_node ||
			     (nic >= 0 && ((cpu >= 0 && cpu != nic) || (buf >= 0 && buf != nic))));
	return n > 0 && (size_t)n < len - o ? o + (size_t)n : o;
}
