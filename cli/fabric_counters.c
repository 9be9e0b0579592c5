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
#include "../fabric/inventory/snmp.h"
#include "../fabric/model/analyze_evidence.h"
#include "../fabric/model/fabctr.h"
#include "../fabric/model/topo.h"
#include "cli.h"

struct fc_cfg {
	const char *topo, *ca, *switches;
	int64_t ca_port, timeout_ms, retries, parallel, count;
	uint64_t watch_ns;
	int format;
};

static const struct fp_opt fc_opts[] = {
	{ "topology", FP_OPT_STRING, offsetof(struct fc_cfg, topo), NULL, 0, 0, NULL, NULL, "FILE",
	  "the fabric: its links are the ports read (ibnetdiscover output, YAML with "
	  "lid_a/lid_b)" },
	{ "switches", FP_OPT_STRING, offsetof(struct fc_cfg, switches), NULL, 0, 0, NULL, NULL,
	  "FILE",
	  "Ethernet: read these switches over SNMP instead (NAME ADDRESS v2c community=STR | "
	  "v3 user=U auth=SHA:PASS priv=AES:PASS)" },
	{ "ca", FP_OPT_STRING, offsetof(struct fc_cfg, ca), NULL, 0, 0, NULL, NULL, "NAME",
	  "the local HCA the MADs leave from (default: the first)" },
	{ "ca-port", FP_OPT_INT, offsetof(struct fc_cfg, ca_port), "0", 0, 255, NULL, NULL, "N",
	  "its port (0: the first active)" },
	{ "timeout-ms", FP_OPT_INT, offsetof(struct fc_cfg, timeout_ms), "500", 1, 60000, NULL,
	  NULL, "MS", "wait for each MAD's or SNMP request's reply" },
	{ "retries", FP_OPT_INT, offsetof(struct fc_cfg, retries), "2", 0, 10, NULL, NULL, "N",
	  "resend a MAD or SNMP request that got no reply" },
	{ "parallel", FP_OPT_INT, offsetof(struct fc_cfg, parallel), "0", 0, 64, NULL, NULL, "N",
	  "reads at once (0: 8): switches over SNMP, or link ends over MADs, each MAD with "
	  "its own transaction ID on one MAD port" },
	{ "watch", FP_OPT_DURATION, offsetof(struct fc_cfg, watch_ns), "0", 0, 86400000000000LL,
	  NULL, NULL, "DURATION", "a series: a snapshot every DURATION, with differences" },
	{ "count", FP_OPT_INT, offsetof(struct fc_cfg, count), "3", 1, 100000, NULL, NULL, "N",
	  "with --watch: snapshots in the series" },
	{ "format", FP_OPT_CHOICE, offsetof(struct fc_cfg, format), "text", 0, 0, "text|json", NULL,
	  NULL, "output" },
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

/* when a snapshot was taken: epoch milliseconds, exact in JSON (a double loses them) */
static void stamp(struct fp_emit *e, double t)
{
	fp_emit_num(e, NULL, "# snapshot at %.3f\n", t);
	if (e->json)
		fp_json_u64(&e->j, "time_ms", (uint64_t)(t * 1000 + 0.5));
}

#define MAX_IFS FP_FABCTR_MAX_IFS

static int snmp_snapshot(const struct fc_cfg *c, const struct fp_snmp_switch *sw, unsigned nsw,
			 struct fp_snmp_answer *snap)
{
	struct fp_snmp_opts o = { (int)c->timeout_ms, (int)c->retries,
				  c->parallel ? (int)c->parallel : 8 };
	int ret;

	for (unsigned i = 0; i < nsw; i++) {
		snap[i].max = MAX_IFS;
		if (!snap[i].ports && !(snap[i].ports = calloc(MAX_IFS, sizeof(*snap[i].ports))))
			return -ENOMEM;
	}
	ret = fp_snmp_read_all(sw, nsw, &o, snap);
	if (ret == -ENOTSUP)
		fprintf(stderr, "fabprobe fabric-counters: %s\n", snap[0].err);
	return ret;
}

static void emit_snmp_end(struct fp_emit *e, const struct fp_topo *t, unsigned l, int side,
			  const struct fp_snmp_answer *s, const struct fp_snmp_answer *prev)
{
	const struct fp_link *k = &t->links[l];
	const char *port = side ? k->pb : k->pa;
	const struct fp_snmp_port *p, *q = NULL;
	const char *st = fp_fabctr_snmp_status(s, port, &p);
	char ln[200];

	fp_link_name(t, (int)l, ln, sizeof(ln));
	fp_emit_obj(e, NULL);
	fp_emit_str(e, "link", NULL, ln);
	fp_emit_str(e, "node", "%s", t->nodes[side ? k->b : k->a].name);
	fp_emit_str(e, "port", ":%-8s", port);
	fp_emit_i64(e, "ifindex", " if %-4lld", p ? p->ifindex : 0);
	fp_emit_str(e, "status", " %-12s", st);
	if (p) {
		fp_emit_obj(e, "counters");
		for (unsigned i = 0; i < FP_SNMP_NCTR; i++)
			if (!(p->have >> i & 1))
				continue;
			else if (e->json)
				fp_json_u64(&e->j, fp_snmp_ctr_name(i), p->v[i]);
			else
				fp_emit_text(e, " %s=%" PRIu64, fp_snmp_ctr_name(i), p->v[i]);
		fp_emit_end(e);
	}
	if (prev && !prev->ret)
		fp_fabctr_snmp_status(prev, port, &q);
	if (p && q) {
		fp_emit_obj(e, "delta");
		for (unsigned i = 0; i < FP_SNMP_NCTR; i++) {
			uint64_t d = fp_snmp_delta(i, p->v[i], q->v[i]);

			if (!((p->have & q->have) >> i & 1) || i == FP_SNMP_OPER_STATUS ||
			    i == FP_SNMP_LAST_CHANGE)
				continue;
			if (e->json)
				fp_json_u64(&e->j, fp_snmp_ctr_name(i), d);
			else if (d)
				fp_emit_text(e, " +%s=%" PRIu64, fp_snmp_ctr_name(i), d);
		}
		fp_emit_end(e);
	}
	if (s->ret < 0 || !p)
		fp_emit_str(e, "why", " (%s)",
			    s->ret < 0 ? s->err : "no ifName or ifDescr matches");
	fp_emit_text(e, "\n");
	fp_emit_end(e);
}

/* The document both sources write: one object, its snapshots one after another, each
 * flushed as it is taken so that --watch can be followed. */
static void doc_open(struct fp_emit *e, const struct fc_cfg *c)
{
	fp_emit_init(e, stdout, c->format == 1);
	fp_emit_obj(e, NULL);
	if (e->json)
		fp_json_u64(&e->j, "schema_version", 1);
	fp_emit_str(e, "topology", NULL, c->topo);
}

static void snap_close(struct fp_emit *e)
{
	fp_emit_end(e); /* "ends" */
	fp_emit_end(e); /* the snapshot */
	fflush(stdout);
}

static void doc_close(struct fp_emit *e)
{
	fp_emit_end(e); /* "snapshots" */
	fp_emit_end(e); /* the document */
	if (e->json)
		fputc('\n', stdout);
}

static void watch_sleep(const struct fc_cfg *c)
{
	struct timespec d = { (time_t)(c->watch_ns / 1000000000u),
			      (long)(c->watch_ns % 1000000000u) };

	nanosleep(&d, NULL);
}

static int run_snmp(const struct fc_cfg *c, struct fp_fabctr *f)
{
	const struct fp_topo *t = &f->t;
	const struct fp_snmp_switch *sw;
	struct fp_snmp_answer *cur = NULL, *prev = NULL;
	int n = c->watch_ns ? (int)c->count : 1, ret, *swof = NULL;
	unsigned nsw;
	struct fp_emit e;
	char err[512];

	ret = fp_fabctr_switches(f, c->switches, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "fabprobe fabric-counters: %s\n", err);
		return ret == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	sw = f->sw;
	nsw = f->nsw;
	cur = calloc(nsw, sizeof(*cur));
	prev = calloc(nsw, sizeof(*prev));
	swof = calloc(t->nnodes + 1, sizeof(*swof));
	ret = -ENOMEM;
	if (!cur || !prev || !swof)
		goto out;
	for (unsigned i = 0; i < t->nnodes; i++) {
		swof[i] = -1;
		for (unsigned k = 0; k < nsw; k++)
			if (!strcmp(sw[k].name, t->nodes[i].name))
				swof[i] = (int)k;
	}
	doc_open(&e, c);
	fp_emit_str(&e, "source", NULL, "snmp");
	fp_emit_arr(&e, "snapshots");
	for (int s = 0; s < n; s++) {
		struct timespec ts;

		if (s) {
			struct fp_snmp_answer *x = prev;

			prev = cur, cur = x;
			watch_sleep(c);
		}
		ret = snmp_snapshot(c, sw, nsw, cur);
		if (ret)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		fp_emit_obj(&e, NULL);
		stamp(&e, ts.tv_sec + ts.tv_nsec / 1e9);
		fp_emit_arr(&e, "ends");
		for (unsigned l = 0; l < t->nlinks; l++)
			for (int side = 0; side < 2; side++) {
				int k = swof[side ? t->links[l].b : t->links[l].a];

				if (k >= 0)
					emit_snmp_end(&e, t, l, side, &cur[k], s ? &prev[k] : NULL);
			}
		snap_close(&e);
	}
	doc_close(&e);
out:
	for (unsigned i = 0; cur && prev && i < nsw; i++) {
		free(cur[i].ports);
		free(prev[i].ports);
	}
	free(cur);
	free(prev);
	free(swof);
	return ret;
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
	doc_open(&e, c);
	fp_emit_arr(&e, "snapshots");
	for (int s = 0; s < n; s++) {
		if (s) {
			memcpy(prev, f->before, sizeof(*prev) * 2 * t->nlinks);
			watch_sleep(c);
		}
		ret = fp_fabctr_snap(f, &o, false, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "fabprobe fabric-counters: %s\n", err);
			break;
		}
		cur = f->before;
		fp_emit_obj(&e, NULL);
		stamp(&e, f->t_before);
		fp_emit_arr(&e, "ends");
		for (unsigned i = 0; i < 2 * t->nlinks; i++)
			emit_end(&e, t, &cur[i], s ? &prev[i] : NULL);
		snap_close(&e);
	}
	doc_close(&e);
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
			       "\nread from the switches and HCAs over InfiniBand MADs, or "
			       "(--switches) from\n"
			       "Ethernet switches over SNMP v2c or v3.\n\n"
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
	ret = c.switches ? run_snmp(&c, f) : run(&c, f);
	fp_fabctr_close(f);
	return ret == -ENOMEM ? 1 : ret == -EINVAL ? 2 : ret ? 3 : 0;
}
