// SPDX-License-Identifier: MIT
/*
 * --fabric-counters TOPOLOGY[,SWITCHES]: rank 0 reads the switches' and HCAs' own port
 * counters (over MADs; with a --switches file over SNMP) before and after the run;
 * run.json gets the differences per link end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../fabric/model/fabctr.h"
#include "run_priv.h"

int fp_run_fabric_snap(struct rank *rk, bool after)
{
	/* 8 link ends in flight, 500 ms each MAD, 2 resends: fabprobe fabric-counters' defaults */
	struct fp_pma_opts o = { NULL, 0, 500, 2, 0 };
	char err[256];
	int ret;

	if (!rk->data || !rk->cfg->fabric_counters)
		return 0;
	if (!after) {
		char topo[4096];
		const char *comma = strrchr(rk->cfg->fabric_counters, ',');

		snprintf(topo, sizeof(topo), "%.*s",
			 comma ? (int)(comma - rk->cfg->fabric_counters) : 4095,
			 rk->cfg->fabric_counters);
		ret = fp_fabctr_open(&rk->data->fabric, topo, err, sizeof(err));
		if (!ret && comma)
			ret = fp_fabctr_switches(rk->data->fabric, comma + 1, err, sizeof(err));
		if (ret) {
			fp_say(rk->err, ERR_LEN, "--fabric-counters: %s", err);
			return ret;
		}
	}
	ret = fp_fabctr_snap(rk->data->fabric, &o, after, err, sizeof(err));
	if (ret)
		fp_say(rk->err, ERR_LEN, "--fabric-counters: %s", err);
	return ret;
}
