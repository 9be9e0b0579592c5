// SPDX-License-Identifier: MIT
/* A topology's link ends read as the fabric's own port counters, and their differences. */
#include "fabctr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/file.h"
#include "analyze_evidence.h"

/* the trailing number of a port name: "3", "p3", "port3"; -1 when none */
static int port_num(const char *s)
{
	size_t n = strlen(s), i = n;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	return i < n && n - i <= 3 ? atoi(s + i) : -1;
}

int fp_fabctr_open(struct fp_fabctr **out, const char *topo_path, char *err, size_t el)
{
	struct fp_fabctr *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	fp_topo_init(&f->t);
	snprintf(f->path, sizeof(f->path), "%s", topo_path);
	ret = fp_topo_load(&f->t, topo_path, err, el);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	f->nodes = calloc(f->t.nnodes + 1, sizeof(*f->nodes));
	f->links = calloc(f->t.nlinks + 1, sizeof(*f->links));
	if (!f->nodes || !f->links) {
		snprintf(err, el, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < f->t.nnodes; i++) {
		snprintf(f->nodes[i].name, sizeof(f->nodes[i].name), "%s", f->t.nodes[i].name);
		f->nodes[i].guid = strtoull(f->t.nodes[i].id.guid, NULL, 16);
		f->nodes[i].sw = f->t.nodes[i].kind == FP_SWITCH;
	}
	for (unsigned l = 0; l < f->t.nlinks; l++) {
		const struct fp_link *k = &f->t.links[l];

		f->links[l] =
			(struct fp_pma_link){ k->a,	k->b,	 port_num(k->pa), port_num(k->pb),
					      k->lid_a, k->lid_b };
	}
	*out = f;
	return 0;
fail:
	fp_fabctr_close(f);
	return ret;
}

void fp_fabctr_close(struct fp_fabctr *f)
{
	if (!f)
		return;
	fp_topo_destroy(&f->t);
	free(f->nodes);
	free(f->links);
	free(f->before);
	free(f->after);
	for (unsigned i = 0; i < f->nsw; i++) {
		if (f->sbefore)
			free(f->sbefore[i].ports);
		if (f->safter)
			free(f->safter[i].ports);
	}
	free(f->sbefore);
	free(f->safter);
	free(f->sw);
	free(f);
}

int fp_fabctr_switches(struct fp_fabctr *f, const char *path, char *err, size_t el)
{
	char *text;
	size_t len;
	int ret = fp_read_file(path, 1 << 20, &text, &len, err, el);

	if (ret)
		return ret;
	ret = fp_snmp_switches_parse(text, len, path, &f->sw, &f->nsw, err, el);
	free(text);
	return ret;
}

const char *fp_fabctr_snmp_status(const struct fp_snmp_answer *a, const char *port,
				  const struct fp_snmp_port **p)
{
	bool answered = a->ret == 0 || a->ret == -EPROTO; /* -EPROTO: one column was bad */

	*p = NULL;
	for (unsigned i = 0; answered && !*p && i < a->n; i++)
		if (!strcmp(a->ports[i].name, port))
			*p = &a->ports[i];
	for (unsigned i = 0; answered && !*p && i < a->n; i++)
		if (!strcmp(a->ports[i].descr, port))
			*p = &a->ports[i];
	if (a->ret == -EACCES)
		return "refused";
	if (!answered)
		return "no answer";
	if (!*p)
		return a->ret ? "bad answer" : "no such port";
	if ((*p)->have >> FP_SNMP_OPER_STATUS & 1 && (*p)->v[FP_SNMP_OPER_STATUS] != 1)
		return "down";
	return a->ret ? "bad answer" : "ok";
}

/* every switch over SNMP, 8 at once, a second per request and one resend */
static int snmp_snap(struct fp_fabctr *f, bool after, char *err, size_t el)
{
	struct fp_snmp_answer **a = after ? &f->safter : &f->sbefore;
	struct fp_snmp_opts o = { 1000, 1, 8 };
	int ret;

	if (!*a && !(*a = calloc(f->nsw, sizeof(**a))))
		return -ENOMEM;
	for (unsigned i = 0; i < f->nsw; i++) {
		(*a)[i].max = FP_FABCTR_MAX_IFS;
		if (!(*a)[i].ports &&
		    !((*a)[i].ports = calloc(FP_FABCTR_MAX_IFS, sizeof(*(*a)[i].ports))))
			return -ENOMEM;
	}
	ret = fp_snmp_read_all(f->sw, f->nsw, &o, *a);
	if (ret)
		snprintf(err, el, "%s", ret == -ENOTSUP ? (*a)[0].err : "out of memory");
	return ret;
}

int fp_fabctr_snap(struct fp_fabctr *f, const struct fp_pma_opts *o, bool after, char *err,
		   size_t el)
{
	struct fp_pma_end **e = after ? &f->after : &f->before;
	struct timespec ts;
	int ret;

	if (!*e && !(*e = calloc(2 * f->t.nlinks + 1, sizeof(**e))))
		return -ENOMEM;
	ret = f->nsw ? snmp_snap(f, after, err, el)
		     : fp_pma_read(o, f->nodes, f->t.nnodes, f->links, f->t.nlinks, *e, err, el);
	clock_gettime(CLOCK_REALTIME, &ts);
	*(after ? &f->t_after : &f->t_before) = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	return ret;
}

uint64_t fp_fabctr_delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

/* the switch a node is, -1 when it is not read */
static int switch_of(const struct fp_fabctr *f, int node)
{
	for (unsigned k = 0; k < f->nsw; k++)
		if (!strcmp(f->sw[k].name, f->t.nodes[node].name))
			return (int)k;
	return -1;
}

/* the SNMP link ends: the differences of every counter both snapshots answered */
static void snmp_json(struct fp_json *j, const struct fp_fabctr *f)
{
	char ln[200];

	for (unsigned l = 0; f->sbefore && f->safter && l < f->t.nlinks; l++)
		for (int side = 0; side < 2; side++) {
			const struct fp_link *k = &f->t.links[l];
			const char *port = side ? k->pb : k->pa;
			int s = switch_of(f, side ? k->b : k->a);
			const struct fp_snmp_port *p, *q;
			const char *st;

			if (s < 0)
				continue;
			st = fp_fabctr_snmp_status(&f->safter[s], port, &p);
			fp_fabctr_snmp_status(&f->sbefore[s], port, &q);
			fp_link_name(&f->t, (int)l, ln, sizeof(ln));
			fp_json_obj(j, NULL);
			fp_json_str(j, "link", ln);
			fp_json_str(j, "node", f->sw[s].name);
			fp_json_str(j, "port", port);
			fp_json_str(j, "status", st);
			if (p && q) {
				fp_json_obj(j, "deltas");
				for (unsigned c = 0; c < FP_SNMP_NCTR; c++)
					if ((p->have & q->have) >> c & 1 &&
					    c != FP_SNMP_OPER_STATUS && c != FP_SNMP_LAST_CHANGE)
						fp_json_u64(j, fp_snmp_ctr_name(c),
							    fp_snmp_delta(c, p->v[c], q->v[c]));
				fp_json_end(j);
			}
			if (f->safter[s].ret)
				fp_json_str(j, "why", f->safter[s].err);
			else if (!p)
				fp_json_str(j, "why", "no ifName or ifDescr matches");
			fp_json_end(j);
		}
}

void fp_fabctr_json(struct fp_json *j, const struct fp_fabctr *f)
{
	char ln[200];

	fp_json_obj(j, "fabric_counters");
	fp_json_str(j, "topology", f->path);
	if (f->nsw)
		fp_json_str(j, "source", "snmp");
	fp_json_num(j, "seconds", f->t_after - f->t_before);
	fp_json_arr(j, "ends");
	snmp_json(j, f);
	for (unsigned i = 0; !f->nsw && f->before && f->after && i < 2 * f->t.nlinks; i++) {
		const struct fp_pma_end *a = &f->before[i], *b = &f->after[i];
		const struct fp_link *k = &f->t.links[b->link];

		fp_link_name(&f->t, b->link, ln, sizeof(ln));
		fp_json_obj(j, NULL);
		fp_json_str(j, "link", ln);
		fp_json_str(j, "node", f->t.nodes[b->node].name);
		fp_json_str(j, "port", b->side ? k->pb : k->pa);
		fp_json_str(j, "status", fp_pma_status_name(b->status));
		if (a->status == FP_PMA_OK && b->status == FP_PMA_OK) {
			fp_json_obj(j, "deltas");
			for (unsigned c = 0; c < FP_PMA_NCTR; c++)
				fp_json_u64(j, fp_pma_ctr_name(c),
					    fp_fabctr_delta(b->v[c], a->v[c]));
			fp_json_end(j);
		}
		if (b->why[0])
			fp_json_str(j, "why", b->why);
		fp_json_end(j);
	}
	fp_json_end(j);
	fp_json_end(j);
}
