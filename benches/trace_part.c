// SPDX-License-Identifier: MIT
/*
 * paths.json as fabprobe trace writes it, and read back as a part: another host's or rank's
 * traces (--merge, or through the rendezvous), joined to this run's flows. A part is outside
 * input: every flow must be one of the run's (and the sending rank's), traced once, with a
 * bounded path of bounded names.
 */
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/err.h"
#include "../core/json.h"
#include "../core/opts.h"
#include "../fabric/model/jread.h"
#include "../fabric/model/yaml.h"
#include "trace.h"

void fp_trace_emit(const struct fp_trace *tr, FILE *f, bool pretty)
{
	static const char *const maps[] = { "flows", "sources", "hops" };
	struct fp_json j;

	fp_json_init(&j, f, pretty);
	fp_json_obj(&j, NULL);
	fp_json_u64(&j, "schema_version", 1);
	fp_json_str(&j, "tool", "fabprobe trace");
	fp_json_str(&j, "source", "traced");
	fp_json_u64(&j, "failed", tr->failed);
	for (unsigned m = 0; m < 3; m++) {
		fp_json_obj(&j, maps[m]);
		for (unsigned i = 0; i < tr->n; i++) {
			const struct fp_trace_item *t = &tr->it[i];
			char id[16];

			if (t->st != FP_TRACE_OK)
				continue;
			snprintf(id, sizeof(id), "%u", t->f.id);
			if (m == 1) {
				fp_json_str(&j, id, "traced");
				continue;
			}
			fp_json_arr(&j, id);
			for (unsigned h = 0; h < t->n; h++)
				fp_json_str(&j, NULL, m ? t->addr[h] : t->node[h]);
			fp_json_end(&j);
		}
		fp_json_end(&j);
	}
	fp_json_end(&j);
	fputc('\n', f);
}

/* the run's flow with this id, by binary search (tr->it is sorted by id) */
static struct fp_trace_item *find(struct fp_trace *tr, double id)
{
	unsigned lo = 0, hi = tr->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (tr->it[mid].f.id == id)
			return &tr->it[mid];
		if (tr->it[mid].f.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* a list of 1 to FP_PROBE_MAXTTL + 1 strings of at most len - 1 bytes each, into out */
static int read_list(struct fy_node *seq, char *out, size_t len, unsigned *n)
{
	struct fy_node *s;
	void *it = NULL;
	unsigned k = 0;

	if (!seq || !fy_node_is_sequence(seq) || !fy_node_sequence_item_count(seq) ||
	    fy_node_sequence_item_count(seq) > FP_PROBE_MAXTTL + 1)
		return -EINVAL;
	while ((s = fy_node_sequence_iterate(seq, &it)))
		if (!fp_jstr(s, out + len * k++, len) || !out[len * (k - 1)])
			return -EINVAL;
	*n = k;
	return 0;
}

static int read_flow(struct fp_trace *tr, struct fy_node_pair *pp, struct fy_node *hops,
		     const char *where, int rank, char *err, size_t el)
{
	struct fy_node *key = fy_node_pair_key(pp);
	struct fp_trace_item *t;
	char ids[16];
	double id;
	unsigned na = 0;

	if (!fp_jstr(key, ids, sizeof(ids)) || fp_parse_num(ids, 0, UINT32_MAX, &id) ||
	    id != floor(id) || !(t = find(tr, id)))
		return fp_say(err, el, "%s: flows: '%s' is not a flow of the run", where,
			      fp_jstr(key, ids, sizeof(ids)) ? ids : "?");
	if (rank >= 0 && t->f.src != rank)
		return fp_say(err, el, "%s: flow %u: rank %d sent it, but rank %d sourced it",
			      where, t->f.id, rank, t->f.src);
	if (t->st == FP_TRACE_OK)
		return fp_say(err, el, "%s: flow %u is traced twice", where, t->f.id);
	if (read_list(fy_node_pair_value(pp), t->node[0], sizeof(t->node[0]), &t->n))
		return fp_say(err, el, "%s: flow %u: not a list of 1 to %d node names", where,
			      t->f.id, FP_PROBE_MAXTTL + 1);
	if (read_list(fp_jkey(hops, ids), t->addr[0], sizeof(t->addr[0]), &na) || na != t->n)
		return fp_say(err, el, "%s: flow %u: 'hops' is not a list of %u addresses", where,
			      t->f.id, t->n);
	t->st = FP_TRACE_OK;
	t->why[0] = 0;
	return 0;
}

int fp_trace_part_read(struct fp_trace *tr, const char *text, size_t len, const char *where,
		       int rank, char *err, size_t el)
{
	struct fy_document *doc = fp_yaml_parse(text, len, where, err, el);
	struct fy_node *root, *fl, *hops, *failed;
	struct fy_node_pair *pp;
	void *it = NULL;
	double nf = 0;
	int ret = -EINVAL;

	if (!doc)
		return -EINVAL;
	root = fy_document_root(doc);
	fl = fp_jkey(root, "flows");
	hops = fp_jkey(root, "hops");
	failed = fp_jkey(root, "failed");
	if (!fl || !fy_node_is_mapping(fl) || !hops || !fy_node_is_mapping(hops)) {
		fp_say(err, el, "%s: not a part of fabprobe trace ('flows' and 'hops' maps)",
		       where);
		goto out;
	}
	if (failed && (!fp_jnum(failed, &nf) || nf < 0 || nf > tr->n || nf != floor(nf))) {
		fp_say(err, el, "%s: 'failed' is not a count of flows", where);
		goto out;
	}
	while ((pp = fy_node_mapping_iterate(fl, &it)))
		if (read_flow(tr, pp, hops, where, rank, err, el))
			goto out;
	tr->failed += (unsigned)nf;
	ret = 0;
out:
	fy_document_destroy(doc);
	return ret;
}
