// SPDX-License-Identifier: MIT
/*
 * Reading the fabric's port counters over MADs (libibmad), as perfquery and ibqueryerrors
 * do: each node's LID comes from the topology or, by directed route from our own port,
 * from its PortInfo; then PortCounters and PortCountersExtended by LID. One MAD port, a
 * window of MADs in flight matched by TID, and a timeout and retries per MAD.
 */
#include "ibpma.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fp_config.h"

#if HAVE_IBMAD
#include <infiniband/mad.h>
#include <infiniband/umad.h>

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
	int *lid;  /* per node: the LID PMA MADs go to (switch: port 0's) */
	int *hops; /* per node: directed route length, -1 unreached */
	uint8_t (*path)[IB_SUBNET_PATH_HOPS_MAX];
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
 * The one open: libibumad prints its own lines when there is no
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

			if (peer < 0 || w->hops[peer] >= 0 ||
			    w->hops[n] + 1 >= IB_SUBNET_PATH_HOPS_MAX)
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

/*
 * The window: up to `width` jobs at once over the one MAD port, each with one MAD in flight
 * under its own TransactionID, as ibdiagnet and ibqueryerrors do (ibsim's umad2sim allows a
 * single umad port per process, so concurrency cannot come from more ports). A job is a chain
 * of MADs: next() prepares the following one or says the job is done, reply() takes its
 * answer (data, or NULL when none came after all the retries). Replies are matched by the
 * low 32 bits of the TID; a stray or duplicate reply matches nothing and is dropped.
 */
struct mad {
	ib_rpc_t rpc;
	ib_portid_t id;
	uint8_t payload[IB_MAD_SIZE];
};

struct slot {
	unsigned job;
	int step, tries;
	bool busy;
	uint32_t tid;
	uint64_t deadline;
	struct mad m;
};

struct jobs {
	unsigned n;
	bool (*next)(struct walk *w, unsigned job, int *step, struct mad *m);
	void (*reply)(struct walk *w, unsigned job, int step, const uint8_t *data, size_t len);
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void mad_get(struct mad *m, int cls, unsigned attr, unsigned mod, size_t offs, size_t sz)
{
	m->rpc.mgtclass = cls;
	m->rpc.method = IB_MAD_METHOD_GET;
	m->rpc.attr.id = attr;
	m->rpc.attr.mod = mod;
	m->rpc.dataoffs = (int)offs;
	m->rpc.datasz = (int)sz;
}

static void smp_dr(struct walk *w, struct mad *m, int n, unsigned attr, unsigned mod)
{
	dr_portid(&m->id, w->path[n], w->hops[n]);
	mad_get(m, IB_SMI_DIRECT_CLASS, attr, mod, IB_SMP_DATA_OFFS, IB_SMP_DATA_SIZE);
}

static void smp_lid(struct mad *m, int lid, unsigned attr, unsigned mod)
{
	memset(&m->id, 0, sizeof(m->id));
	ib_portid_set(&m->id, lid, 0, 0);
	mad_get(m, IB_SMI_CLASS, attr, mod, IB_SMP_DATA_OFFS, IB_SMP_DATA_SIZE);
}

static void pma_lid(struct mad *m, int lid, int port, unsigned attr)
{
	memset(&m->id, 0, sizeof(m->id));
	ib_portid_set(&m->id, lid, 1, IB_DEFAULT_QP1_QKEY);
	mad_get(m, IB_PERFORMANCE_CLASS, attr, 0, IB_PC_DATA_OFFS, IB_PC_DATA_SZ);
	mad_set_field(m->payload, 0, IB_PC_PORT_SELECT_F, (uint32_t)port);
}

/* (re)send slot s's MAD under its TID; false when it cannot even be sent */
static bool send_slot(struct walk *w, struct ibmad_port *mp, struct slot *s, uint8_t *buf)
{
	int len, agent = mad_rpc_class_agent(mp, s->m.rpc.mgtclass & 0xff);

	memset(buf, 0, umad_size() + IB_MAD_SIZE);
	s->m.rpc.trid = s->tid;
	len = mad_build_pkt(buf, &s->m.rpc, &s->m.id, NULL, s->m.payload);
	s->deadline = now_ms() + (uint64_t)w->o->timeout_ms;
	s->tries++;
	return len > 0 && agent >= 0 &&
	       umad_send(mad_rpc_portid(mp), agent, buf, len, w->o->timeout_ms, 0) >= 0;
}

/* give slot s the next MAD of its job, or of the jobs still waiting; false: none left */
static bool fill_slot(struct walk *w, struct ibmad_port *mp, const struct jobs *j, struct slot *s,
		      unsigned *queued, uint32_t *tid, uint8_t *buf)
{
	for (;;) {
		if (!s->busy) {
			if (*queued >= j->n)
				return false;
			s->job = (*queued)++;
			s->step = 0;
			s->busy = true;
		}
		memset(&s->m, 0, sizeof(s->m));
		if (!j->next(w, s->job, &s->step, &s->m)) {
			s->busy = false;
			continue;
		}
		s->tries = 0;
		s->tid = ++*tid ? *tid : ++*tid; /* never 0: libibmad would pick its own */
		if (send_slot(w, mp, s, buf))
			return true;
		j->reply(w, s->job, s->step++, NULL, 0);
	}
}

/* a reply: matched by TID to its slot, checked against what that slot asked */
static struct slot *match(struct slot *sl, int width, const uint8_t *mad, size_t len, bool *good,
			  bool *busy)
{
	struct fp_mad_hdr h;

	if (fp_mad_decode_hdr(mad, len, &h))
		return NULL;
	for (int i = 0; i < width; i++) {
		const ib_rpc_t *r = &sl[i].m.rpc;

		if (!sl[i].busy || sl[i].tid != h.tid)
			continue;
		*good = h.method == (IB_MAD_METHOD_GET | IB_MAD_RESPONSE) && h.status == 0 &&
			h.mgmt_class == (r->mgtclass & 0xff) && (unsigned)h.attr_id == r->attr.id &&
			len >= (size_t)(r->dataoffs + r->datasz);
		*busy = fp_mad_busy(&h);
		return &sl[i];
	}
	return NULL;
}

static int run_window(struct walk *w, struct ibmad_port *mp, const struct jobs *j)
{
	int width = w->o->parallel > 0 ? w->o->parallel : 8, busy = 0, ret = 0;
	size_t cap = umad_size() + IB_MAD_SIZE * 2; /* a reply bigger than one MAD is refused */
	uint8_t *sbuf = malloc(cap), *rbuf = malloc(cap);
	struct slot *sl = calloc((size_t)width, sizeof(*sl));
	uint32_t tid = (uint32_t)mad_trid();
	unsigned queued = 0;

	if (!sbuf || !rbuf || !sl) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < width; i++)
		busy += fill_slot(w, mp, j, &sl[i], &queued, &tid, sbuf);
	while (busy) {
		uint64_t t = now_ms(), first = UINT64_MAX;
		int len = (int)(cap - umad_size()), got;
		bool good = false, agent_busy = false;
		struct slot *s = NULL;

		for (int i = 0; i < width; i++)
			if (sl[i].busy && sl[i].deadline < first)
				first = sl[i].deadline;
		got = umad_recv(mad_rpc_portid(mp), rbuf, &len, first > t ? (int)(first - t) : 0);
		if (got >= 0 && len > 0 && (size_t)len <= cap - umad_size())
			s = match(sl, width, umad_get_mad(rbuf), (size_t)len, &good, &agent_busy);
		/*
		 * A send handed back as timed out (umad_status) waits out its own deadline, so
		 * a silent port costs one timeout per try on the kernel's umad, which hands it
		 * back then, and on ibsim's, which does at once. A BUSY answer waits too, and
		 * is asked again.
		 */
		if (s && !umad_status(rbuf) && !agent_busy) {
			const ib_rpc_t *r = &s->m.rpc;

			j->reply(w, s->job, s->step++,
				 good ? (uint8_t *)umad_get_mad(rbuf) + r->dataoffs : NULL,
				 good ? (size_t)r->datasz : 0);
			busy -= !fill_slot(w, mp, j, s, &queued, &tid, sbuf);
		}
		t = now_ms();
		for (int i = 0; i < width; i++) {
			s = &sl[i];
			if (!s->busy || s->deadline > t)
				continue;
			if (s->tries <= w->o->retries && send_slot(w, mp, s, sbuf))
				continue;
			j->reply(w, s->job, s->step++, NULL, 0);
			busy -= !fill_slot(w, mp, j, s, &queued, &tid, sbuf);
		}
	}
out:
	free(sl);
	free(rbuf);
	free(sbuf);
	return ret;
}

/* job n: a switch's LID, from its PortInfo on port 0 by directed route, before the ends */
static bool lid_next(struct walk *w, unsigned n, int *step, struct mad *m)
{
	if (*step || !w->nodes[n].sw || w->hops[n] < 0 || w->lid[n] > 0)
		return false;
	smp_dr(w, m, (int)n, IB_ATTR_PORT_INFO, 0);
	return true;
}

static void lid_reply(struct walk *w, unsigned n, int step, const uint8_t *d, size_t len)
{
	struct fp_smp_port pi;

	(void)step;
	if (d && !fp_smp_decode_port(d, len, &pi) && pi.lid > 0)
		w->lid[n] = pi.lid;
}

/*
 * job i: link end i in four MADs: its LID by directed route when neither the topology nor
 * the switch walk gave one, PortCounters, PortCountersExtended, and its PortInfo by LID
 * (a switch port answers even when its link is down).
 */
enum { END_LID, END_PC, END_PCX, END_STATE, END_DONE };

static bool end_next(struct walk *w, unsigned i, int *step, struct mad *m)
{
	struct fp_pma_end *e = &w->ends[i];
	const struct fp_pma_link *k = &w->links[i / 2];
	int given = i % 2 ? k->lid_b : k->lid_a, n = e->node;

	switch (*step) {
	case END_LID:
		e->lid = given > 0 ? given : w->nodes[n].sw ? w->lid[n] : 0;
		if (e->lid > 0) {
			*step = END_PC; /* nothing to look up */
			return end_next(w, i, step, m);
		}
		if (w->hops[n] < 0) {
			e->status = FP_PMA_NO_ROUTE;
			snprintf(e->why, sizeof(e->why),
				 "no LID and no directed route to the node");
			return false;
		}
		smp_dr(w, m, n, IB_ATTR_PORT_INFO, w->nodes[n].sw ? 0 : (unsigned)e->port);
		return true;
	case END_PC:
		pma_lid(m, e->lid, e->port, IB_GSI_PORT_COUNTERS);
		return e->status == FP_PMA_OK;
	case END_PCX:
		pma_lid(m, e->lid, e->port, IB_GSI_PORT_COUNTERS_EXT);
		return e->status == FP_PMA_OK;
	case END_STATE:
		smp_lid(m, e->lid, IB_ATTR_PORT_INFO, (unsigned)e->port);
		return e->status == FP_PMA_OK;
	}
	return false;
}

static void end_reply(struct walk *w, unsigned i, int step, const uint8_t *d, size_t len)
{
	struct fp_pma_end *e = &w->ends[i];
	struct fp_smp_port pi;
	int sel = -1;

	switch (step) {
	case END_LID:
		if (d && !fp_smp_decode_port(d, len, &pi) && pi.lid > 0) {
			e->lid = pi.lid;
			return;
		}
		e->status = FP_PMA_NO_ANSWER;
		snprintf(e->why, sizeof(e->why), "no PortInfo reply by directed route");
		return;
	case END_PC:
		if (!d) {
			e->status = FP_PMA_NO_ANSWER;
			snprintf(e->why, sizeof(e->why),
				 "no PortCounters reply from LID %d port %d", e->lid, e->port);
		} else if (fp_pma_decode(d, len, e->v, &sel) || sel != e->port) {
			e->status = FP_PMA_BAD_REPLY;
			snprintf(e->why, sizeof(e->why), "PortCounters reply for port %d, asked %d",
				 sel, e->port);
		}
		return;
	case END_PCX:
		e->ext = d && !fp_pma_decode_ext(d, len, e->v, &sel) && sel == e->port;
		return;
	case END_STATE:
		if (d && !fp_smp_decode_port(d, len, &pi)) {
			e->state = pi.state;
			if (pi.state == 1) {
				e->status = FP_PMA_DOWN;
				snprintf(e->why, sizeof(e->why),
					 "port state Down (physical state %d)", pi.phys);
			}
		}
		return;
	}
}

int fp_pma_read(const struct fp_pma_opts *o, const struct fp_pma_node *nodes, unsigned nnodes,
		const struct fp_pma_link *links, unsigned nlinks, struct fp_pma_end *ends,
		char *err, size_t el)
{
	struct walk w = { .o = o,
			  .nodes = nodes,
			  .links = links,
			  .nnodes = nnodes,
			  .nlinks = nlinks,
			  .ends = ends };
	const struct jobs lids = { nnodes, lid_next, lid_reply };
	const struct jobs reads = { 2 * nlinks, end_next, end_reply };
	struct ibmad_port *mp;
	int ret;

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
	/* switch LIDs first, so the ends on a switch share them */
	if (!ret)
		ret = run_window(&w, mp, &lids);
	if (!ret)
		ret = run_window(&w, mp, &reads);
	if (ret == -ENOMEM)
		snprintf(err, el, "out of memory for the MAD window");
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
