// SPDX-License-Identifier: MIT
/* fabprobe fleet under a launcher: inventories through the rendezvous to rank 0. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../fabric/model/fleet_read.h"
#include "../fabric/runtime/rendezvous.h"
#include "../fabric/runtime/rv_codec.h"
#include "fleet_job.h"
#include "run_priv.h"

/*
 * This host's document: host and fleet, as `fabprobe inventory --format json` writes them,
 * without the counters and modules the comparison does not read (a blob is at most 1 MiB).
 */
static int my_document(const struct fp_fleet_job *j, char **doc, size_t *len, char *err, size_t el)
{
	struct fp_fleet_host h;
	struct fp_inventory inv;
	struct fp_json js;
	int cpus[CPU_SETSIZE];
	unsigned n = 0;
	cpu_set_t allowed;
	FILE *m = NULL;
	int ret = fp_inventory_read(j->root, &inv, err, el);

	if (ret)
		return ret;
	if (j->hostname)
		snprintf(inv.host, sizeof(inv.host), "%s", j->hostname);
	memset(&h, 0, sizeof(h));
	if (!sched_getaffinity(0, sizeof(allowed), &allowed))
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &allowed))
				cpus[n++] = c;
	ret = fp_pause_sample_root(&inv, j->root, j->settle_ns);
	if (!ret)
		ret = fp_fleet_host_props(&inv, &h);
	if (!ret)
		ret = fp_fleet_host_affinity(&inv, cpus, n, &h);
	if (!ret)
		m = open_memstream(doc, len);
	if (!m) {
		fp_fleet_host_free(&h);
		fp_inventory_free(&inv);
		snprintf(err, el, "out of memory");
		return -ENOMEM;
	}
	fp_json_init(&js, m, false);
	fp_json_obj(&js, NULL);
	fp_json_u64(&js, "schema_version", 1);
	fp_json_str(&js, "host", inv.host);
	fp_fleet_host_write(&h, &js);
	fp_json_end(&js);
	fp_fleet_host_free(&h);
	fp_inventory_free(&inv);
	if (fclose(m)) {
		snprintf(err, el, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* rank 0: every document into the fleet, each named by its rank in errors */
static int read_all(const struct fp_rv_blobs *b, struct fp_fleet *f, char *err, size_t el)
{
	for (uint32_t i = 0; i < b->n; i++) {
		char where[32];
		int ret;

		snprintf(where, sizeof(where), "rank %u", i);
		ret = fp_fleet_read_doc(f, where, (const char *)b->data + b->off[i], b->len[i], err,
					el);
		if (ret)
			return ret;
	}
	if (fp_fleet_compare(f)) {
		snprintf(err, el, "out of memory comparing %u hosts", f->nh);
		return -ENOMEM;
	}
	return 0;
}

int fp_fleet_gather(const struct fp_fleet_job *j, struct fp_fleet *f, bool *verdict, char *err,
		    size_t el)
{
	struct fp_rv_params rp = { .addr = j->run.rendezvous,
				   .require_token = j->run.require_token,
				   .timeout_ns = j->run.timeout_ns,
				   .stop = &fp_stop };
	struct fp_rv_blobs b;
	struct fp_rv *rv = NULL;
	char token[256], *doc = NULL;
	size_t len = 0;
	int ret;

	memset(&b, 0, sizeof(b));
	ret = fp_run_who_am_i(&j->run, &rp.rank, &rp.size, err);
	if (ret)
		return ret;
	rp.weak_token = fp_run_job_token(&j->run, token, sizeof(token));
	rp.token = token;
	ret = fp_rv_preflight(rp.addr, rp.rank, rp.size, err, el);
	if (!ret)
		ret = my_document(j, &doc, &len, err, el);
	if (ret)
		return ret;
	ret = fp_rv_open(&rp, &rv, err, el);
	if (ret)
		goto free_doc;
	ret = fp_rv_gather(rv, "fleet inventory", doc, len, &b, err, el);
	if (!ret && rp.rank == 0)
		ret = read_all(&b, f, err, el);
	if (ret)
		fp_rv_abort(rv, err);
	fp_rv_blobs_free(&b);
	fp_rv_close(rv);
	if (!ret)
		*verdict = rp.rank == 0;
free_doc:
	free(doc);
	return ret;
}
