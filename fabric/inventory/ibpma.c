// SPDX-License-Identifier: MIT
/*
 * Reading the fabric's port counters over MADs (libibmad), as perfquery and ibqueryerrors
 * do: each node's LID comes from the topology or, by directed route from our own port,
 * from its PortInfo; then PortCounters and PortCountersExtended by LID. A few worker
 * threads, each on its own MAD port, bound the MADs in flight; each MAD has a timeout.
 */
#include "ibpma.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fp_config.h"

#if HAVE_IBMAD
#include <infiniband/mad.h>

bool fp_pma_built(void)
{
	return true;
}

struct walk {
	const struct fp_pma_opts *o;
	const struct fp_pma_node *nodes;
	const struct fp_pma_link *links;
	unsigned nnodes, nlinks;
	struct fp_pma_end *ends;
	int *lid;	 /* per node: the LID PMA MADs go to (switch: port 0's) */
	int *hops;	 /* per node: directed route length, -1 unreached */
	uint8_t (*path)[IB_SUBNET_PATH_HOPS_MAX];
	atomic_uint next;
};

static struct ibmad_port *open_port(const struct fp_pma_opts *o)
{
	int classes[] = { IB_SMI_CLASS, IB_SMI_DIRECT_CLASS, IB_PERFORMANCE_CLASS };
	struct ibmad_port *p = mad_rpc_open_port((char *)o->ca, o->ca_port, classes, 3);

	if (p) {
		mad_rpc_set_timeout(p, o->timeout_ms);
		mad_rpc_set_retries(p, o->retries);
	}
	return p;
}

/*
 * The first open, before any thread: libibumad prints its own lines when there is no
 * umad device; without one, the caller's single line says so.
 */
static struct ibmad_port *open_quiet(const struct fp_pma_opts *o)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct ibmad_port *p;

	fflush(stderr);
	if (saved >= 0 && null >= 0)
		dup2(null, 2);
	p = open_port(o);
	fflush(stderr);
	if (saved >= 0 && null >= 0)
		dup2(saved, 2);
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	return p;
}

static void dr_portid(ib_portid_t *id, const uint8_t *path, int hops)
{
	memset(id, 0, sizeof(*id));
	id->drpath.cnt = hops;
	for (int i = 0; i < hops; i++)
		id->drpath.p[i + 1] = path[i];
	id->drpath.drslid = 0xffff;
	id->drpath.drdlid = 0xffff;
}

static int node_at(const struct walk *w, uint64_t guid)
{
	for (unsigned i = 0; i < w->nnodes; i++)
		if (w->nodes[i].guid == guid)
			return (int)i;
	return -1;
}

/*
 * Breadth first from our own node through switches: each node's directed route, and by
 * PortInfo its LID (a switch's on port 0, a CA's on the port the link ends in).
 */
static int walk_routes(struct walk *w, struct ibmad_port *mp, char *err, size_t el)
{
	uint8_t buf[IB_SMP_DATA_SIZE] = { 0 };
	struct fp_smp_node self;
	ib_portid_t id;
	int *queue, qh = 0, qt = 0, me;

	dr_portid(&id, NULL, 0);
	if (!smp_query_via(buf, &id, IB_ATTR_NODE_INFO, 0, 0, mp) ||
	    fp_smp_decode_node(buf, sizeof(buf), &self)) {
		snprintf(err, el, "no NodeInfo from our own InfiniBand port");
		return -ENODEV;
	}
	me = node_at(w, self.guid);
	if (me < 0)
		return 0; /* not in the topology: only LIDs it gives can be read */
	queue = malloc(sizeof(*queue) * w->nnodes);
	if (!queue)
		return -ENOMEM;
	w->hops[me] = 0;
	queue[qt++] = me;
	while (qh < qt) {
		int n = queue[qh++];

		if (n != me && !w->nodes[n].sw)
			continue; /* CAs do not forward directed routes */
		for (unsigned l = 0; l < w->nlinks; l++) {
			const struct fp_pma_link *k = &w->links[l];
			int peer = k->a == n ? k->b : k->b == n ? k->a : -1;
			int out = k->a == n ? k->pa : k->pb;

			if (peer < 0 || w->hops[peer] >= 0 || w->hops[n] + 1 >= IB_SUBNET_PATH_HOPS_MAX)
				continue;
			/* from a CA the route starts at its own port: it is the first hop */
			memcpy(w->path[peer], w->path[n], (size_t)w->hops[n]);
			w->path[peer][w->hops[n]] = (uint8_t)out;
			w->hops[peer] = w->hops[n] + 1;
			queue[qt++] = peer;
		}
	}
	free(queue);
	return 0;
}

/* the LID of node n's PMA for port: the topology's, else PortInfo by directed route */
static int resolve_lid(struct walk *w, struct ibmad_port *mp, int n, int port, int given,
		       bool cache)
{
	uint8_t buf[IB_SMP_DATA_SIZE] = { 0 };
	struct fp_smp_port pi;
	ib_portid_t id;

	if (given > 0)
		return given;
	if (w->nodes[n].sw && w->lid[n] > 0)
		return w->lid[n];
	if (w->hops[n] < 0)
		return 0;
	dr_portid(&id, w->path[n], w->hops[n]);
	if (!smp_query_via(buf, &id, IB_ATTR_PORT_INFO, w->nodes[n].sw ? 0 : (unsigned)port, 0,
			   mp) ||
	    fp_smp_decode_port(buf, sizeof(buf), &pi) || pi.lid <= 0)
		return -1;
	if (cache)
		w->lid[n] = pi.lid; /* before the workers start: they only read it */
	return pi.lid;
}

static void read_end(struct walk *w, struct ibmad_port *mp, struct fp_pma_end *e, int given)
{
	uint8_t buf[1024], smp[IB_SMP_DATA_SIZE];
	struct fp_smp_port pi;
	ib_portid_t id;
	int sel, lid = resolve_lid(w, mp, e->node, e->port, given, false);

	if (lid <= 0) {
		e->status = lid ? FP_PMA_NO_ANSWER : FP_PMA_NO_ROUTE;
		snprintf(e->why, sizeof(e->why), "%s",
			 lid ? "no PortInfo reply by directed route"
			     : "no LID and no directed route to the node");
		return;
	}
	e->lid = lid;
	memset(&id, 0, sizeof(id));
	ib_portid_set(&id, lid, 1, IB_DEFAULT_QP1_QKEY);
	memset(buf, 0, sizeof(buf));
	if (!pma_query_via(buf, &id, e->port, 0, IB_GSI_PORT_COUNTERS, mp)) {
		e->status = FP_PMA_NO_ANSWER;
		snprintf(e->why, sizeof(e->why), "no PortCounters reply from LID %d port %d",
			 lid, e->port);
		return;
	}
	if (fp_pma_decode(buf, FP_PMA_DATA_LEN, e->v, &sel) || sel != e->port) {
		e->status = FP_PMA_BAD_REPLY;
		snprintf(e->why, sizeof(e->why), "PortCounters reply for port %d, asked %d", sel,
			 e->port);
		return;
	}
	memset(buf, 0, sizeof(buf));
	if (pma_query_via(buf, &id, e->port, 0, IB_GSI_PORT_COUNTERS_EXT, mp) &&
	    !fp_pma_decode_ext(buf, FP_PMA_DATA_LEN, e->v, &sel) && sel == e->port)
		e->ext = true;
	/* the port's own state: a switch port answers even when its link is down */
	memset(smp, 0, sizeof(smp));
	ib_portid_set(&id, lid, 0, 0);
	if (smp_query_via(smp, &id, IB_ATTR_PORT_INFO, (unsigned)e->port, 0, mp) &&
	    !fp_smp_decode_port(smp, sizeof(smp), &pi)) {
		e->state = pi.state;
		if (pi.state == 1) {
			e->status = FP_PMA_DOWN;
			snprintf(e->why, sizeof(e->why), "port state Down (physical state %d)",
				 pi.phys);
			return;
		}
	}
	e->status = FP_PMA_OK;
}

static void *worker(void *arg)
{
	struct walk *w = arg;
	struct ibmad_port *mp = open_port(w->o);
	unsigned i;

	while ((i = atomic_fetch_add(&w->next, 1)) < 2 * w->nlinks) {
		struct fp_pma_end *e = &w->ends[i];
		const struct fp_pma_link *k = &w->links[i / 2];

		if (!mp) {
			e->status = FP_PMA_NO_ANSWER;
			snprintf(e->why, sizeof(e->why), "could not open a MAD port");
			continue;
		}
		read_end(w, mp, e, i % 2 ? k->lid_b : k->lid_a);
	}
	if (mp)
		mad_rpc_close_port(mp);
	return NULL;
}

int fp_pma_read(const struct fp_pma_opts *o, const struct fp_pma_node *nodes, unsigned nnodes,
		const struct fp_pma_link *links, unsigned nlinks, struct fp_pma_end *ends,
		char *err, size_t el)
{
	struct walk w = { .o = o, .nodes = nodes, .links = links, .nnodes = nnodes,
			  .nlinks = nlinks, .ends = ends };
	struct ibmad_port *mp;
	pthread_t th[16];
	int nth = o->parallel < 1 ? 1 : o->parallel > 16 ? 16 : o->parallel, ret, started = 0;

	madrpc_show_errors(0); /* a port that does not answer is ours to name, once */
	mp = open_quiet(o);
	if (!mp) {
		snprintf(err, el, "no InfiniBand MAD port opens (%s port %d)",
			 o->ca ? o->ca : "first CA", o->ca_port);
		return -ENODEV;
	}
	ret = -ENOMEM;
	w.lid = calloc(nnodes + 1, sizeof(*w.lid));
	w.hops = malloc(sizeof(*w.hops) * (nnodes + 1));
	w.path = calloc(nnodes + 1, sizeof(*w.path));
	if (!w.lid || !w.hops || !w.path)
		goto out_free;
	for (unsigned i = 0; i < nnodes; i++)
		w.hops[i] = -1;
	for (unsigned l = 0; l < nlinks; l++)
		for (int s = 0; s < 2; s++) {
			struct fp_pma_end *e = &ends[2 * l + s];

			memset(e, 0, sizeof(*e));
			e->link = (int)l;
			e->side = s;
			e->node = s ? links[l].b : links[l].a;
			e->port = s ? links[l].pb : links[l].pa;
		}
	ret = walk_routes(&w, mp, err, el);
	if (ret)
		goto out_free;
	/* switch LIDs once, before the workers share them */
	for (unsigned n = 0; n < nnodes; n++)
		if (nodes[n].sw)
			resolve_lid(&w, mp, (int)n, 0, 0, true);
	for (int t = 0; t < nth && t < (int)(2 * nlinks); t++)
		started += !pthread_create(&th[started], NULL, worker, &w);
	if (!started)
		worker(&w);
	for (int t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	ret = 0;
out_free:
	free(w.path);
	free(w.hops);
	free(w.lid);
	mad_rpc_close_port(mp);
	return ret;
}

#else

bool fp_pma_built(void)
{
	return false;
}

int fp_pma_read(const struct fp_pma_opts *o, const struct fp_pma_node *nodes, unsigned nnodes,
		const struct fp_pma_link *links, unsigned nlinks, struct fp_pma_end *ends,
		char *err, size_t el)
{
	(void)o;
	(void)nodes;
	(void)nnodes;
	(void)links;
	(void)nlinks;
	(void)ends;
	snprintf(err, el, "built without libibmad (meson -Dibmad=enabled, libibmad-dev)");
	return -ENOTSUP;
}
#endif
