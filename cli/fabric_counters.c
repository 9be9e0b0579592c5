// SPDX-License-Identifier: MIT
/*
 * fabprobe fabric-counters: the switches' and HCAs' own port counters for every link end
 * of a topology, over InfiniBand MADs; one snapshot, or a --watch series with differences.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/json.h"
#include "../core/opts.h"
#include "../fabric/inventory/ibpma.h"
#include "../fabric/model/analyze_evidence.h"
#include "../fabric/model/fabctr.h"
#include "../fabric/model/topo.h"
#include "cli.h"

struct fc_cfg {
	const char *topo, *ca;
	int64_t ca_port, timeout_ms, retries, parallel, count;
	uint64_t watch_ns;
	int format;
};

static const struct fp_opt fc_opts[] = {
	{ "topology", FP_OPT_STRING, offsetof(struct fc_cfg, topo), NULL, 0, 0, NULL, NULL, "FILE",
	  "the fabric: its links are the ports read (ibnetdiscover output, YAML with lid_a/lid_b)" },
	{ "ca", FP_OPT_STRING, offsetof(struct fc_cfg, ca), NULL, 0, 0, NULL, NULL, "NAME",
	  "the local HCA the MADs leave from (default: the first)" },
	{ "ca-port", FP_OPT_INT, offsetof(struct fc_cfg, ca_port), "0", 0, 255, NULL, NULL, "N",
	  "its port (0: the first active)" },
	{ "timeout-ms", FP_OPT_INT, offsetof(struct fc_cfg, timeout_ms), "500", 1, 60000, NULL,
	  NULL, "MS", "wait for each MAD's reply" },
	{ "retries", FP_OPT_INT, offsetof(struct fc_cfg, retries), "2", 0, 10, NULL, NULL, "N",
	  "resend a MAD that got no reply" },
	{ "parallel", FP_OPT_INT, offsetof(struct fc_cfg, parallel), "1", 1, 16, NULL, NULL, "N",
	  "ports read at once, each worker on its own MAD port (not under ibsim's "
	  "umad2sim, which shares one client per process)" },
	{ "watch", FP_OPT_DURATION, offsetof(struct fc_cfg, watch_ns), "0", 0, 86400000000000LL,
	  NULL, NULL, "DURATION", "a series: a snapshot every DURATION, with differences" },
	{ "count", FP_OPT_INT, offsetof(struct fc_cfg, count), "3", 1, 100000, NULL, NULL, "N",
	  "with --watch: snapshots in the series" },
	{ "format", FP_OPT_CHOICE, offsetof(struct fc_cfg, format), "text", 0, 0, "text|json",
	  NULL, NULL, "output" },
	FP_OPT_END,
};

static void emit_end(struct fp_emit *e, const struct fp_topo *t, const struct fp_pma_end *x,
		     const struct fp_pma_end *prev)
{
	const struct fp_link *k = &t->links[x->link];
	char ln[200];

	fp_link_name(t, x->link, ln, sizeof(ln));
	fp_emit_obj(e, NULL);
	fp_emit_str(e, "link", NULL, ln);
	fp_emit_str(e, "node", "%s", t->nodes[x->node].name);
	fp_emit_str(e, "port", ":%-4s", x->side ? k->pb : k->pa);
	fp_emit_i64(e, "lid", " lid %-5lld", x->lid);
	fp_emit_str(e, "status", " %-9s", fp_pma_status_name(x->status));
	fp_emit_bool(e, "ext", x->ext);
	if (x->status == FP_PMA_OK || x->status == FP_PMA_DOWN) {
		fp_emit_obj(e, "counters");
		for (unsigned i = 0; i < FP_PMA_NCTR; i++)
			if (e->json)
				fp_json_u64(&e->j, fp_pma_ctr_name(i), x->v[i]);
			else if (x->v[i])
				fp_emit_text(e, " %s=%" PRIu64, fp_pma_ctr_name(i), x->v[i]);
		fp_emit_end(e);
	}
	if (prev && x->status == FP_PMA_OK && prev->status == FP_PMA_OK) {
		fp_emit_obj(e, "delta");
		for (unsigned i = 0; i < FP_PMA_NCTR; i++) {
			uint64_t d = fp_fabctr_delta(x->v[i], prev->v[i]);

			if (e->json)
				fp_json_u64(&e->j, fp_pma_ctr_name(i), d);
			else if (d)
				fp_emit_text(e, " +%s=%" PRIu64, fp_pma_ctr_name(i), d);
		}
		fp_emit_end(e);
	}
	if (x->why[0])
		fp_emit_str(e, "why", " (%s)", x->why);
	fp_emit_text(e, "\n");
	fp_emit_end(e);
}

static int run(const struct fc_cfg *c, struct fp_fabctr *f)
{
	struct fp_pma_opts o = { c->ca, (int)c->ca_port, (int)c->timeout_ms, (int)c->retries,
				 (int)c->parallel };
	const struct fp_topo *t = &f->t;
	struct fp_pma_end *prev = calloc(2 * t->nlinks + 1, sizeof(*prev)), *cur;
	int n = c->watch_ns ? (int)c->count : 1, ret = 0;
	struct fp_emit e;
	char err[256];

	if (!prev)
		return -ENOMEM;
	fp_emit_init(&e, stdout, c->format == 1);
	fp_emit_obj(&e, NULL);
	if (e.json)
		fp_json_u64(&e.j, "schema_version", 1);
	fp_emit_str(&e, "topology", NULL, c->topo);
	fp_emit_arr(&e, "snapshots");
	for (int s = 0; s < n; s++) {
		if (s) {
			struct timespec d = { (time_t)(c->watch_ns / 1000000000u),
					      (long)(c->watch_ns % 1000000000u) };

			memcpy(prev, f->before, sizeof(*prev) * 2 * t->nlinks);
			nanosleep(&d, NULL);
		}
		ret = fp_fabctr_snap(f, &o, false, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "fabprobe fabric-counters: %s\n", err);
			break;
		}
		cur = f->before;
		fp_emit_obj(&e, NULL);
		fp_emit_num(&e, "time", "# snapshot at %.3f\n", f->t_before);
		fp_emit_arr(&e, "ends");
		for (unsigned i = 0; i < 2 * t->nlinks; i++)
			emit_end(&e, t, &cur[i], s ? &prev[i] : NULL);
		fp_emit_end(&e);
		fp_emit_end(&e);
		fflush(stdout);
	}
	fp_emit_end(&e);
	fp_emit_end(&e);
	if (e.json)
		fputc('\n', stdout);
	free(prev);
	return ret;
}

int fp_cmd_fabric_counters(int argc, char **argv)
{
	struct fc_cfg c;
	struct fp_fabctr *f;
	char err[512];
	const char *pos[1];
	int np = 0, ret;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: fabprobe fabric-counters --topology FILE [options]\n\n"
			       "Every link end's port counters (PortCounters, PortCountersExtended)"
			       "\nread from the switches and HCAs over InfiniBand MADs.\n\n"
			       "options:\n");
			fp_opts_help(stdout, fc_opts);
			return 0;
		}
	if (fp_opts_parse(fc_opts, &c, argc, argv, pos, 0, &np, NULL, err, sizeof(err))) {
		fprintf(stderr, "fabprobe fabric-counters: %s\n", err);
		return 2;
	}
	if (!c.topo) {
		fprintf(stderr, "fabprobe fabric-counters: which fabric? --topology FILE\n");
		return 2;
	}
	ret = fp_fabctr_open(&f, c.topo, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe fabric-counters: %s\n", err);
		return ret == -ENOMEM ? 1 : 2;
	}
	ret = run(&c, f);
	fp_fabctr_close(f);
	return ret == -ENOMEM ? 1 : ret ? 3 : 0;
}
