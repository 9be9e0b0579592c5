// SPDX-License-Identifier: MIT
/*
 * --cm: the verbs engine's QPs made and connected through rdma_cm (librdmacm), as perftest -R
 * does, instead of being brought to RTS by hand from the rendezvous' QPN, PSN and GID.
 *
 * At open every rank binds an rdma_cm listener to its device's address (the IPv4 of its RoCE
 * GID; --bind when given; on InfiniBand the data-plane address, IPoIB) on a port the kernel
 * picks, and listens. The rendezvous still carries what
 * rdma_cm cannot: in each QP's record, that address and port, the ring's address and rkey.
 * Then, on one event channel and under one deadline, each flow's sender resolves the
 * receiver's address and route from its own address (so the QP leaves on this rank's device,
 * even when the peer's address is local), makes the QP on the cm id and connects with a
 * hello as private data: the flow's key and ranks, and fp_rv_flow_tag() under the job's
 * data key. The receiver accepts a request only when the hello names a QP it still waits
 * for, from that peer, with that tag; anything else (a stranger, another job, no private
 * data) is rejected, told on stderr, and the wait goes on. Everything after ESTABLISHED is
 * the engine's usual path.
 */
#include "priv.h"

#include <fcntl.h>
#include <netinet/in.h>

#include <rdma/rdma_cma.h>

#include "../../../../core/clock.h"

#define CM_STEP_MS	 5000 /* address and route resolution, each */
#define REFUSALS_TOLD	 3
#define CM_PENDING_SLICE 100 /* ms: how often the stop flag and the deadline are looked at */

static void sa_of(const uint8_t a[16], uint16_t port, struct sockaddr_storage *ss)
{
	static const uint8_t v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(ss, 0, sizeof(*ss));
	if (!memcmp(a, v4, 12)) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a + 12, 4);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, a, 16);
	}
}

static void addr_text(const uint8_t a[16], char *buf, size_t len)
{
	static const uint8_t v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a, v4, 12))
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/* The address to listen on and connect from: --bind as given, else the IPv4 address of the
 * RoCE GID in use (the rendezvous-facing address may be on another network: not that). */
static int listen_addr(struct fp_engine *e, const char *bind, bool given)
{
	uint8_t *a = e->cm_addr;
	uint32_t ip;

	memset(a, 0, 16);
	if (bind && (given || !e->roce)) {
		if (inet_pton(AF_INET, bind, a + 12) == 1) {
			a[10] = a[11] = 0xff;
			return 0;
		}
		if (inet_pton(AF_INET6, bind, a) == 1)
			return 0;
		fp_verbs_say(e, "--cm: --bind '%s' is not an IP address", bind);
		return -EINVAL;
	}
	if (e->roce && fp_verbs_gid_v4(&e->gid, &ip)) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &ip, 4);
		return 0;
	}
	fp_verbs_say(e,
		     "--cm: %s port %u has no IPv4 address in its GID: give --bind with the "
		     "address rdma_cm should use (IPoIB on InfiniBand)",
		     e->dev, e->port);
	return -EINVAL;
}

/* librdmacm's own context for the device --port chose: its cm ids carry it, and a QP made
 * on a cm id must come from a PD of that context. */
static int take_cm_context(struct fp_engine *e)
{
	int n = 0;
	struct ibv_context **l = rdma_get_devices(&n);

	for (int i = 0; l && i < n && !e->ctx_cm; i++)
		if (!strcmp(ibv_get_device_name(l[i]->device), e->dev)) {
			ibv_close_device(e->ctx);
			e->ctx = l[i];
			e->ctx_cm = true;
		}
	if (l)
		rdma_free_devices(l);
	if (!e->ctx_cm) {
		fp_verbs_say(e, "--cm: librdmacm does not see %s (%s; is rdma_ucm loaded?)", e->dev,
			     l ? "not in its list" : strerror(errno));
		return -ENODEV;
	}
	return 0;
}

int fp_verbs_cm_open(struct fp_engine *e, const struct fp_engine_params *p)
{
	struct sockaddr_storage ss;
	char a[INET6_ADDRSTRLEN];
	uint8_t tos = e->tclass;
	int ret, fl;

	if (p->job_key)
		memcpy(e->job_key, p->job_key, sizeof(e->job_key));
	e->stop = p->stop;
	ret = take_cm_context(e);
	if (!ret)
		ret = listen_addr(e, p->bind, p->bind_given);
	if (ret)
		return ret;
	addr_text(e->cm_addr, a, sizeof(a));
	e->cmch = rdma_create_event_channel();
	if (!e->cmch) {
		fp_verbs_say(e, "--cm: no rdma_cm event channel: %s (is rdma_ucm loaded?)",
			     strerror(errno));
		return -errno;
	}
	fl = fcntl(e->cmch->fd, F_GETFL);
	if (fl < 0 || fcntl(e->cmch->fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	if (rdma_create_id(e->cmch, &e->listener, NULL, RDMA_PS_TCP)) {
		fp_verbs_say(e, "--cm: cannot create an rdma_cm id: %s", strerror(errno));
		return -errno;
	}
	sa_of(e->cm_addr, 0, &ss);
	if (rdma_bind_addr(e->listener, (struct sockaddr *)&ss)) {
		ret = -errno;
		fp_verbs_say(e, "--cm: no RDMA device has address %s (rdma_bind_addr: %s)", a,
			     strerror(errno));
		return ret;
	}
	if (!e->listener->verbs || e->listener->verbs->device != e->ctx->device) {
		fp_verbs_say(e, "--cm: address %s is on %s, not on %s (--port)", a,
			     e->listener->verbs ? ibv_get_device_name(e->listener->verbs->device)
						: "no RDMA device",
			     e->dev);
		return -EINVAL;
	}
	if (tos && rdma_set_option(e->listener, RDMA_OPTION_ID, RDMA_OPTION_ID_TOS, &tos, 1))
		return -errno;
	if (rdma_listen(e->listener, 128)) {
		ret = -errno;
		fp_verbs_say(e, "--cm: cannot listen on %s: %s", a, strerror(errno));
		return ret;
	}
	e->cm_port = ntohs(rdma_get_src_port(e->listener));
	return 0;
}

/* The hello's tag: the flow's key and ranks under the job's data key. */
static uint64_t conn_tag(const struct fp_engine *e, const struct fp_conn *c)
{
	int src = c->src ? e->b.rank : c->peer, dst = c->src ? c->peer : e->b.rank;

	return fp_rv_flow_tag(e->job_key, c->key, (uint32_t)src, (uint32_t)dst);
}

static void conn_param(const struct fp_engine *e, struct rdma_conn_param *cp, const void *pd,
		       uint8_t pdlen)
{
	memset(cp, 0, sizeof(*cp));
	cp->private_data = pd;
	cp->private_data_len = pdlen;
	cp->responder_resources = (uint8_t)e->rd_atom;
	cp->initiator_depth = (uint8_t)e->rd_atom;
	cp->retry_count = 7;
	cp->rnr_retry_count = 7;
}

/* The QP of connection c on its cm id (the device's inline limit, as qp_init). */
static int make_qp(struct fp_engine *e, struct fp_conn *c, struct rdma_cm_id *id)
{
	struct ibv_qp_init_attr ia;

	if (id->verbs != e->ctx) {
		fp_verbs_say(e, "--cm: flow %u with rank %d goes through %s, not %s", c->flow,
			     c->peer, id->verbs ? ibv_get_device_name(id->verbs->device) : "?",
			     e->dev);
		return -EXDEV;
	}
	fp_verbs_qp_attr(e, &ia);
	if (rdma_create_qp(id, e->pd, &ia) && e->max_inline) {
		fp_verbs_qp_attr(e, &ia);
		ia.cap.max_inline_data = 0; /* the device takes no inline data */
		if (!rdma_create_qp(id, e->pd, &ia))
			e->max_inline = 0;
	}
	if (!id->qp) {
		int err = errno ? errno : EIO;

		fp_verbs_say(e, "%s: cannot create a QP for flow %u: %s", e->dev, c->flow,
			     strerror(err));
		return -err;
	}
	if (ia.cap.max_inline_data < e->max_inline)
		e->max_inline = ia.cap.max_inline_data;
	c->qp = id->qp;
	return 0;
}

static struct fp_conn *expected(struct fp_engine *e, const struct rdma_cm_event *ev)
{
	struct fp_cm_hello h;

	if (fp_cm_hello_get(ev->param.conn.private_data, ev->param.conn.private_data_len, &h) ||
	    h.dst != (uint32_t)e->b.rank)
		return NULL;
	for (unsigned i = 0; i < e->nconns; i++) {
		struct fp_conn *c = &e->conns[i];

		if (!c->src && !c->cm && c->key == h.key && (uint32_t)c->peer == h.src)
			return h.tag == conn_tag(e, c) ? c : NULL;
	}
	return NULL;
}

/* A connect request: accepted when its hello names a QP this rank waits for, with the tag. */
static int on_request(struct fp_engine *e, struct rdma_cm_event *ev, unsigned *refused, bool *drop)
{
	struct rdma_cm_id *id = ev->id;
	struct fp_conn *c = expected(e, ev);
	struct rdma_conn_param cp;
	int ret;

	if (!c) {
		/* a stranger, another job, or a confused peer: refuse it, keep waiting */
		rdma_reject(id, NULL, 0);
		*drop = true;
		if (++*refused <= REFUSALS_TOLD)
			fprintf(stderr,
				"fabprobe: rank %d: refused an rdma_cm connection that is not an "
				"expected flow of this job\n",
				e->b.rank);
		return 0;
	}
	ret = make_qp(e, c, id);
	if (ret) {
		rdma_reject(id, NULL, 0);
		*drop = true;
		return ret;
	}
	c->cm = id;
	id->context = c;
	conn_param(e, &cp, NULL, 0);
	if (rdma_accept(id, &cp)) {
		ret = -errno;
		fp_verbs_say(e, "--cm: cannot accept flow %u from rank %d: %s", c->flow, c->peer,
			     strerror(errno));
		return ret;
	}
	return 0;
}

static int conn_failed(struct fp_engine *e, struct fp_conn *c, const struct rdma_cm_event *ev)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (c->src)
		addr_text(c->peer_gid, a, sizeof(a));
	if (ev->event == RDMA_CM_EVENT_REJECTED) {
		fp_verbs_say(e,
			     "--cm: rank %d (%s port %u) refused the connection of flow %u "
			     "(reject reason %d; a wrong job key or flow tag is refused)",
			     c->peer, a, c->cm_port, c->flow, ev->status);
		return -ECONNREFUSED;
	}
	if (ev->event == RDMA_CM_EVENT_ADDR_ERROR || ev->event == RDMA_CM_EVENT_ROUTE_ERROR) {
		fp_verbs_say(e, "--cm: flow %u to rank %d: no RDMA path to %s (%s: %s)", c->flow,
			     c->peer, a, rdma_event_str(ev->event),
			     strerror(ev->status < 0 ? -ev->status : EHOSTUNREACH));
		return -EHOSTUNREACH;
	}
	fp_verbs_say(e, "--cm: flow %u with rank %d%s%s: %s (status %d)", c->flow, c->peer,
		     c->src ? " at " : "", c->src ? a : "", rdma_event_str(ev->event), ev->status);
	return -ECONNABORTED;
}

static int on_event(struct fp_engine *e, struct rdma_cm_event *ev, unsigned *up, unsigned *refused,
		    bool *drop)
{
	struct rdma_cm_id *id = ev->id;
	struct fp_conn *c = id->context;
	struct rdma_conn_param cp;
	uint8_t hello[FP_CM_HELLO], tos = e->tclass;
	int ret;

	if (ev->event == RDMA_CM_EVENT_CONNECT_REQUEST)
		return on_request(e, ev, refused, drop);
	if (!c)
		return 0; /* the listener's own events */
	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		if (tos && rdma_set_option(id, RDMA_OPTION_ID, RDMA_OPTION_ID_TOS, &tos, 1))
			return -errno;
		if (rdma_resolve_route(id, CM_STEP_MS)) {
			fp_verbs_say(e, "--cm: flow %u: rdma_resolve_route: %s", c->flow,
				     strerror(errno));
			return -errno;
		}
		return 0;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		ret = make_qp(e, c, id);
		if (ret)
			return ret;
		fp_cm_hello_put(hello, &(struct fp_cm_hello){ .key = c->key,
							      .src = (uint32_t)e->b.rank,
							      .dst = (uint32_t)c->peer,
							      .tag = conn_tag(e, c) });
		if (e->cm_bad_tag)
			hello[16] ^= 1; /* test hook: a tag this job never made */
		conn_param(e, &cp, hello, sizeof(hello));
		if (rdma_connect(id, &cp)) {
			fp_verbs_say(e, "--cm: flow %u: rdma_connect: %s", c->flow,
				     strerror(errno));
			return -errno;
		}
		return 0;
	case RDMA_CM_EVENT_ESTABLISHED:
		if (!c->cm_up)
			++*up;
		c->cm_up = true;
		return 0;
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		return conn_failed(e, c, ev);
	default:
		return 0;
	}
}

/* What the deadline or the stop flag left unconnected, in one line. */
static void say_waiting(struct fp_engine *e, const char *why)
{
	unsigned n = 0;
	int first = -1;
	uint32_t flow = 0;

	for (unsigned i = 0; i < e->nconns; i++)
		if (!e->conns[i].cm_up && n++ == 0) {
			first = e->conns[i].peer;
			flow = e->conns[i].flow;
		}
	fp_verbs_say(
		e,
		"--cm: %s with %u of %u connections not established (first: flow %u with rank %d)",
		why, n, e->nconns, flow, first);
}

int fp_verbs_cm_connect(struct fp_engine *e)
{
	uint64_t deadline = fp_mono_ns() + e->b.timeout_ns;
	unsigned up = 0, refused = 0;
	int ret = 0;

	for (unsigned i = 0; i < e->nconns && !ret; i++) {
		struct fp_conn *c = &e->conns[i];
		struct sockaddr_storage src, dst;

		if (!c->src)
			continue;
		if (rdma_create_id(e->cmch, &c->cm, c, RDMA_PS_TCP)) {
			fp_verbs_say(e, "--cm: cannot create an rdma_cm id: %s", strerror(errno));
			return -errno;
		}
		/* from this rank's own address: the QP leaves on its device, even toward an
		 * address that is local to this host */
		sa_of(e->cm_addr, 0, &src);
		sa_of(c->peer_gid, c->cm_port, &dst);
		if (rdma_resolve_addr(c->cm, (struct sockaddr *)&src, (struct sockaddr *)&dst,
				      CM_STEP_MS)) {
			char a[INET6_ADDRSTRLEN];

			ret = -errno;
			addr_text(c->peer_gid, a, sizeof(a));
			fp_verbs_say(e, "--cm: flow %u: cannot resolve rank %d's address %s: %s",
				     c->flow, c->peer, a, strerror(errno));
		}
	}
	while (!ret && up < e->nconns) {
		struct pollfd pfd = { .fd = e->cmch->fd, .events = POLLIN };
		struct rdma_cm_event *ev;
		uint64_t now = fp_mono_ns();

		if (e->stop && *e->stop) {
			say_waiting(e, "interrupted");
			return -EINTR;
		}
		if (now >= deadline) {
			say_waiting(e, "timed out");
			return -ETIMEDOUT;
		}
		if (poll(&pfd, 1, CM_PENDING_SLICE) <= 0)
			continue;
		while (!ret && !rdma_get_cm_event(e->cmch, &ev)) {
			struct rdma_cm_id *id = ev->id;
			bool drop = false;

			ret = on_event(e, ev, &up, &refused, &drop);
			rdma_ack_cm_event(ev);
			if (drop)
				rdma_destroy_id(id); /* after its event is acknowledged */
		}
		if (!ret && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			fp_verbs_say(e, "--cm: reading rdma_cm events: %s", strerror(errno));
			ret = -errno;
		}
	}
	/* every flow is connected: a connect request from now on finds no listener and is
	 * rejected by the kernel */
	if (!ret) {
		rdma_destroy_id(e->listener);
		e->listener = NULL;
	}
	return ret;
}

/* The identity as rdma_cm made it: the GIDs and flow label the QP really has. Linux takes a
 * RoCE v2 UDP source port from the flow label, or from both QPNs when it is 0 (as
 * rdma_calc_flow_label: the product folded to 20 bits). */
void fp_verbs_cm_ident(struct fp_engine *e, struct fp_conn *c)
{
	struct ibv_qp_attr a;
	struct ibv_qp_init_attr ia;
	union ibv_gid mine = e->gid, peer;
	uint32_t label;

	memcpy(peer.raw, c->peer_gid, 16);
	if (ibv_query_qp(c->qp, &a, IBV_QP_AV | IBV_QP_DEST_QPN, &ia)) {
		fp_verbs_ident_gids(e, c, &mine, &peer, 0);
		return;
	}
	peer = a.ah_attr.grh.dgid;
	ibv_query_gid(e->ctx, a.ah_attr.port_num ? a.ah_attr.port_num : e->port,
		      a.ah_attr.grh.sgid_index, &mine);
	label = a.ah_attr.grh.flow_label & 0xfffff;
	if (!label) {
		uint64_t v = (uint64_t)c->qp->qp_num * a.dest_qp_num;

		v ^= v >> 20;
		v ^= v >> 40;
		label = (uint32_t)(v & 0xfffff);
	}
	fp_verbs_ident_gids(e, c, &mine, &peer, label);
}

void fp_verbs_cm_close(struct fp_engine *e)
{
	for (unsigned i = 0; i < e->nconns; i++) {
		struct fp_conn *c = &e->conns[i];

		if (!c->cm)
			continue;
		if (c->cm->qp)
			rdma_destroy_qp(c->cm);
		c->qp = NULL;
		rdma_destroy_id(c->cm);
		c->cm = NULL;
	}
	if (e->listener)
		rdma_destroy_id(e->listener);
	e->listener = NULL;
	if (e->cmch)
		rdma_destroy_event_channel(e->cmch);
	e->cmch = NULL;
}
