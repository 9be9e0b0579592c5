// SPDX-License-Identifier: MIT
/*
 * A run whose flows could not all connect (issue 18): run.json's failed_flows (flow, src,
 * dst, error) and the schedule's flows (id, src, dst; a large run's, with its identities
 * in its flow records, are empty: the failed flows' own src and dst then). They become the run's connect
 * phase, a size result of size 0 without bandwidth: every scheduled flow, at rate 0 when it
 * failed, NaN (connected, never measured) when not. Its paths are traced like any flow's.
 * Also the run's length, the interval its counters grew in (fabric/model/ber.c).
 */
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/err.h"
#include "../fabric/model/jread.h"
#include "result_read.h"

/* a whole number in [lo, hi] */
static bool whole(struct fy_node *n, double lo, double hi, double *out)
{
	return fp_jnum(n, out) && *out >= lo && *out <= hi && *out == floor(*out);
}

/* a scheduled flow's id and its place in 'flows' */
struct slot {
	unsigned id, k;
};

/* by id, then by place: the first of equal ids stays first */
static int by_id(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* by id alone, for bsearch */
static int find_id(const void *key, const void *b)
{
	unsigned id = *(const unsigned *)key, y = ((const struct slot *)b)->id;

	return id < y ? -1 : id > y;
}

/* started to finished, ISO 8601 UTC to the second: at least 1 s, 0 when not known */
static double run_seconds(struct fy_node *root)
{
	char a[32], b[32];
	struct tm ta = { 0 }, tb = { 0 };
	const char *ea, *eb;

	if (!fp_jstr(fp_jkey(root, "started"), a, sizeof(a)) ||
	    !fp_jstr(fp_jkey(root, "finished"), b, sizeof(b)))
		return 0;
	ea = strptime(a, "%Y-%m-%dT%H:%M:%SZ", &ta);
	eb = strptime(b, "%Y-%m-%dT%H:%M:%SZ", &tb);
	if (!ea || !eb || *ea || *eb || timegm(&tb) < timegm(&ta))
		return 0;
	return fmax(1, (double)(timegm(&tb) - timegm(&ta)));
}

/* one scheduled flow as 'flows' or failed_flows gives it (key: "id" or "flow"): 0 or -1 */
static int flow_of(struct fy_node *x, const char *key, const struct fp_result *r,
		   struct fp_rflow *f)
{
	double id, s, d;

	if (!whole(fp_jkey(x, key), 0, UINT32_MAX, &id) ||
	    !whole(fp_jkey(x, "src"), 0, r->world_size - 1, &s) ||
	    !whole(fp_jkey(x, "dst"), 0, r->world_size - 1, &d) || s == d)
		return -1;
	*f = (struct fp_rflow){ .flow = (unsigned)id,
				.src = (int)s,
				.dst = (int)d,
				.has_bw = true,
				.avg_gbps = NAN,
				.trace = -1 };
	return 0;
}

/*
 * The records of the phase the first stalled flow of ff stalled in (its size and round), in
 * the run's first nsz sizes: the flows that went on while it stalled, whose paths passed
 * packets then. Copied to out (not measured there: NaN), at most room of them, unless out
 * is NULL; how many.
 */
static unsigned went_on(struct fy_node *ff, const struct fp_result *r, unsigned nsz,
			struct fp_rflow *out, unsigned room)
{
	struct fy_node *x;
	void *it = NULL;
	double size = -1, round = -1;
	unsigned n = 0;

	while ((x = fy_node_sequence_iterate(ff, &it)))
		if (whole(fp_jkey(x, "size"), 0, 1e18, &size) &&
		    whole(fp_jkey(x, "round"), 0, UINT32_MAX, &round))
			break;
	if (!x)
		return 0;
	for (unsigned i = 0; i < nsz; i++)
		for (unsigned k = 0; r->sizes[i].size == (uint64_t)size && k < r->sizes[i].nflows;
		     k++) {
			if (r->sizes[i].flows[k].round != (unsigned)round || (out && n >= room))
				continue;
			if (out) {
				out[n] = r->sizes[i].flows[k];
				out[n].avg_gbps = NAN;
			}
			n++;
		}
	return n;
}

int fp_result_read_failed(struct fy_node *root, struct fp_result *r, char *err, size_t el)
{
	struct fy_node *ff = fp_jkey(root, "failed_flows"), *fl = fp_jkey(root, "flows"), *x;
	struct fp_rsize *z;
	struct slot *ix;
	void *it = NULL;
	unsigned n, nix = 0, nsz;
	int ret = 0;
	bool alone;

	r->seconds = run_seconds(root);
	if (!ff)
		return 0;
	if (!fy_node_is_sequence(ff) || !fl || !fy_node_is_sequence(fl))
		return fp_say(err, el,
			      "%s: field 'failed_flows' needs the schedule's 'flows' beside it, "
			      "both lists",
			      r->where);
	/* a large run keeps its identities in its flow records (flows_inline false, 'flows'
	 * empty): a failed flow, which has none, is then known by its own src and dst, and the
	 * flows that went on beside it by their records of its phase */
	alone = !fy_node_sequence_item_count(fl);
	n = (unsigned)fy_node_sequence_item_count(alone ? ff : fl);
	nsz = r->nsizes; /* the measured sizes, before the connect phase joins them */
	if (alone)
		n += went_on(ff, r, nsz, NULL, 0);
	z = realloc(r->sizes, sizeof(*z) * (r->nsizes + 1));
	if (!z)
		return -ENOMEM;
	r->sizes = z;
	z = &r->sizes[r->nsizes];
	memset(z, 0, sizeof(*z));
	z->flows = calloc(n + 1, sizeof(*z->flows));
	if (!z->flows)
		return -ENOMEM;
	r->nsizes++;
	r->connect = (int)r->nsizes - 1;
	while ((x = fy_node_sequence_iterate(alone ? ff : fl, &it))) {
		if (flow_of(x, alone ? "flow" : "id", r, &z->flows[z->nflows]))
			return fp_say(err, el,
				      "%s: %s[%u]: %s, src and dst must be a flow and two ranks of "
				      "the run",
				      r->where, alone ? "failed_flows" : "flows", z->nflows,
				      alone ? "flow" : "id");
		z->nflows++;
	}
	if (alone)
		z->nflows += went_on(ff, r, nsz, z->flows + z->nflows, n - z->nflows);
	/*
	 * failed_flows to flows by id through a sorted index: a hostile run.json (millions of
	 * each) must not cost a scan of flows per entry. Equal ids in 'flows' keep the first,
	 * as a scan would; a flow named twice in failed_flows fails once.
	 */
	ix = malloc(sizeof(*ix) * (z->nflows + 1));
	if (!ix)
		return -ENOMEM;
	for (unsigned k = 0; k < z->nflows; k++)
		ix[k] = (struct slot){ .id = z->flows[k].flow, .k = k };
	qsort(ix, z->nflows, sizeof(*ix), by_id);
	for (unsigned k = 0; k < z->nflows; k++)
		if (!nix || ix[nix - 1].id != ix[k].id)
			ix[nix++] = ix[k];
	it = NULL;
	while ((x = fy_node_sequence_iterate(ff, &it))) {
		const struct slot *hit;
		unsigned uid;
		double id;

		if (!whole(fp_jkey(x, "flow"), 0, UINT32_MAX, &id)) {
			ret = fp_say(err, el, "%s: failed_flows: an entry without a flow id",
				     r->where);
			break;
		}
		uid = (unsigned)id;
		hit = bsearch(&uid, ix, nix, sizeof(*ix), find_id);
		if (!hit) {
			ret = fp_say(err, el, "%s: failed_flows: flow %.0f is not in 'flows'",
				     r->where, id);
			break;
		}
		if (z->flows[hit->k].avg_gbps == 0) /* named before */
			continue;
		z->flows[hit->k].avg_gbps = 0;
		r->nfailed++;
	}
	free(ix);
	return ret;
}
