// SPDX-License-Identifier: MIT
/* A topology's link ends read as the fabric's own port counters, and their differences. */
#include "fabctr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

		f->links[l] = (struct fp_pma_link){ k->a, k->b, port_num(k->pa), port_num(k->pb),
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
	free(f);
}

int fp_fabctr_snap(struct fp_fabctr *f, const struct fp_pma_opts *o, bool after, char *err,
		   size_t el)
{
	struct fp_pma_end **e = after ? &f->after : &f->before;
	struct timespec ts;
	int ret;

	if (!*e && !(*e = calloc(2 * f->t.nlinks + 1, sizeof(**e))))
		return -ENOMEM;
	ret = fp_pma_read(o, f->nodes, f->t.nnodes, f->links, f->t.nlinks, *e, err, el);
	clock_gettime(CLOCK_REALTIME, &ts);
	*(after ? &f->t_after : &f->t_before) = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	return ret;
}

uint64_t fp_fabctr_delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

void fp_fabctr_json(struct fp_json *j, const struct fp_fabctr *f)
{
	char ln[200];

	fp_json_obj(j, "fabric_counters");
	fp_json_str(j, "topology", f->path);
	fp_json_num(j, "seconds", f->t_after - f->t_before);
	fp_json_arr(j, "ends");
	for (unsigned i = 0; f->before && f->after && i < 2 * f->t.nlinks; i++) {
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
				fp_json_u64(j, fp_pma_ctr_name(c), fp_fabctr_delta(b->v[c], a->v[c]));
			fp_json_end(j);
		}
		if (b->why[0])
			fp_json_str(j, "why", b->why);
		fp_json_end(j);
	}
	fp_json_end(j);
	fp_json_end(j);
}
