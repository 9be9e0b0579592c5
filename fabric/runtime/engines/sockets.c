// SPDX-License-Identifier: MIT
/*
 * The kernel sockets engine: one TCP connection per directed flow, TCP_NODELAY, optional
 * SO_BUSY_POLL. It is the baseline every kernel-bypass engine is compared with, and the
 * engine that runs anywhere.
 *
 * Set-up: every rank listens on an ephemeral port of its data address and publishes
 * "IP PORT" through the rendezvous. For each flow the source connects to the destination
 * and says which flow it is (magic, flow id, source rank, the flow's tag under the job's
 * data-plane key: fp_rv_flow_tag); all connects
 * come before any accept, so the listen backlog carries them and no order can deadlock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../../core/clock.h"
#include "../../../core/wire.h"
#include "../engine.h"
#include "../netid.h"

#define HELLO_MAGIC 0x43445046u /* "FPDC" */
#define HELLO_LEN   20
#define MAX_IOV	    64

struct fp_conn {
	int fd;
	uint32_t flow;
	size_t tx_off, rx_off; /* bytes of the current message already moved */
	struct fp_flow_ident id;
	int err;      /* set-up: 0, or why this flow could not connect (-errno) */
	char why[96]; /* its text */
};

/* The engine's own options (`fabprobe run --engine sockets`). */
struct sockets_opts {
	int64_t busy_poll_us;
	int64_t tos;
	int64_t pace_mbit;
};

_Static_assert(sizeof(struct sockets_opts) <= FP_ENGINE_CFG_MAX, "sockets options fit");

static const struct fp_opt sockets_opts[] = {
	{ "busy-poll-us", FP_OPT_INT, offsetof(struct sockets_opts, busy_poll_us), "0", 0, 1000000,
	  NULL, NULL, "US", "SO_BUSY_POLL microseconds" },
	{ "tos", FP_OPT_INT, offsetof(struct sockets_opts, tos), "0", 0, 255, NULL, NULL, "BYTE",
	  "IP_TOS / IPV6_TCLASS of every data connection (DSCP << 2; run --class tclass= sets "
	  "it)" },
	{ "pace-mbit", FP_OPT_INT, offsetof(struct sockets_opts, pace_mbit), "0", 0, 1000000, NULL,
	  NULL, "MBIT", "pace each connection to MBIT Mbit/s (SO_MAX_PACING_RATE); 0: unpaced" },
	FP_OPT_END,
};

struct fp_engine {
	int rank, size, lfd, epfd;
	uint8_t key[FP_SHA256_LEN]; /* the job's data-plane key */
	uint64_t timeout_ns;
	const volatile sig_atomic_t *stop; /* set by a signal: set-up waits end */
	enum fp_poll_mode poll;
	int busy_poll_us;
	int tos;
	uint64_t pace;		       /* bytes/s, 0: unpaced */
	char ip[48];		       /* the bound (listening) address */
	struct sockaddr_storage *peer; /* listen address of every rank */
	socklen_t *peerlen;
	struct fp_conn *conns;
	unsigned nconns;
	char *err;
	size_t errlen;
};

static int sockets_probe(char *why, size_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0) {
		snprintf(why, len, "cannot create a TCP socket: %s", strerror(errno));
		return -errno;
	}
	close(fd);
	snprintf(why, len, "kernel TCP");
	return 0;
}

static int to_sockaddr(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (port < 0 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t iplen, uint16_t *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)iplen);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)iplen);
		*port = ntohs(s4->sin_port);
	}
}

static int publish(struct fp_engine *e, const struct fp_engine_params *p)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct fp_rv_blobs all = { 0 };
	char blob[80], ip[48];
	uint16_t port;
	int one = 1, ret;

	ret = to_sockaddr(p->bind, 0, &ss, &sl);
	if (ret) {
		snprintf(e->err, e->errlen, "sockets: bind address '%s' is not an IP address",
			 p->bind);
		return ret;
	}
	e->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (e->lfd < 0)
		return -errno;
	setsockopt(e->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(e->lfd, (struct sockaddr *)&ss, sl) || listen(e->lfd, 4096)) {
		ret = -errno;
		snprintf(e->err, e->errlen, "sockets: cannot listen on %s: %s", p->bind,
			 strerror(errno));
		return ret;
	}
	sl = sizeof(ss);
	getsockname(e->lfd, (struct sockaddr *)&ss, &sl);
	addr_text(&ss, ip, sizeof(ip), &port);
	snprintf(e->ip, sizeof(e->ip), "%s", ip);
	snprintf(blob, sizeof(blob), "%s %u", ip, port);
	ret = p->allgather(p->xctx, "sockets: exchange of data addresses", blob, strlen(blob) + 1,
			   &all);
	if (ret)
		return ret;
	for (int r = 0; r < e->size; r++) {
		char rip[48];
		int rport;
		const char *b = (const char *)all.data + all.off[r];

		/* a peer's blob is outside input: bounded, NUL-terminated, well-formed */
		if (!all.len[r] || all.len[r] > 64 || b[all.len[r] - 1] ||
		    sscanf(b, "%47s %d", rip, &rport) != 2 ||
		    to_sockaddr(rip, rport, &e->peer[r], &e->peerlen[r]) || !rport) {
			snprintf(e->err, e->errlen,
				 "sockets: rank %d published a malformed "
				 "address",
				 r);
			fp_rv_blobs_free(&all);
			return -EBADMSG;
		}
	}
	fp_rv_blobs_free(&all);
	return 0;
}

static void sockets_close(struct fp_engine *e);

static int sockets_open(const struct fp_engine_params *p, struct fp_engine **out)
{
	struct fp_engine *e = calloc(1, sizeof(*e));
	int ret = -ENOMEM;

	if (!e)
		return -ENOMEM;
	e->rank = p->rank;
	e->size = p->size;
	if (p->job_key)
		memcpy(e->key, p->job_key, sizeof(e->key));
	e->timeout_ns = p->timeout_ns;
	e->stop = p->stop;
	e->poll = p->poll;
	e->busy_poll_us = (int)((const struct sockets_opts *)p->cfg)->busy_poll_us;
	e->tos = (int)((const struct sockets_opts *)p->cfg)->tos;
	e->pace = (uint64_t)((const struct sockets_opts *)p->cfg)->pace_mbit * 125000u;
	e->err = p->err;
	e->errlen = p->errlen;
	e->lfd = e->epfd = -1;
	e->peer = calloc((size_t)p->size, sizeof(*e->peer));
	e->peerlen = calloc((size_t)p->size, sizeof(*e->peerlen));
	if (!e->peer || !e->peerlen)
		goto err_free;
	if (p->poll == FP_POLL_EVENT) {
		e->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (e->epfd < 0) {
			ret = -errno;
			goto err_free;
		}
	}
	ret = publish(e, p);
	if (ret)
		goto err_free;
	*out = e;
	return 0;
err_free:
	sockets_close(e); /* calloc'd: closes and frees only what was opened */
	return ret;
}

static void sockets_close(struct fp_engine *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->nconns; i++)
		if (e->conns[i].fd >= 0)
			close(e->conns[i].fd);
	free(e->conns);
	free(e->peer);
	free(e->peerlen);
	if (e->lfd >= 0)
		close(e->lfd);
	if (e->epfd >= 0)
		close(e->epfd);
	free(e);
}

static int tune(struct fp_engine *e, struct fp_conn *c)
{
	int one = 1, fl;
	struct sockaddr_storage a, b;
	socklen_t al = sizeof(a), bl = sizeof(b);

	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (e->busy_poll_us > 0)
		setsockopt(c->fd, SOL_SOCKET, SO_BUSY_POLL, &e->busy_poll_us,
			   sizeof(e->busy_poll_us));
	/* both ends mark: a ping-pong's replies queue in the same class as its requests */
	if (e->tos && (setsockopt(c->fd, IPPROTO_IP, IP_TOS, &e->tos, sizeof(e->tos)) &&
		       setsockopt(c->fd, IPPROTO_IPV6, IPV6_TCLASS, &e->tos, sizeof(e->tos))))
		return -errno;
	/* TCP paces itself (no fq needed): a bulk class that loads the fabric, not the NIC */
	if (e->pace && setsockopt(c->fd, SOL_SOCKET, SO_MAX_PACING_RATE, &e->pace, sizeof(e->pace)))
		return -errno;
	fl = fcntl(c->fd, F_GETFL);
	if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	if (getsockname(c->fd, (struct sockaddr *)&a, &al) ||
	    getpeername(c->fd, (struct sockaddr *)&b, &bl))
		return -errno;
	strcpy(c->id.proto, "tcp");
	addr_text(&a, c->id.src_ip, sizeof(c->id.src_ip), &c->id.src_port);
	addr_text(&b, c->id.dst_ip, sizeof(c->id.dst_ip), &c->id.dst_port);
	if (e->epfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };

		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, c->fd, &ev))
			return -errno;
	}
	return 0;
}

/* a flow that could not connect: said once per flow, the others go on (issue 18) */
static void flow_failed(struct fp_conn *c, int err, const char *fmt, int peer)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->err = err;
	snprintf(c->why, sizeof(c->why), fmt, peer, strerror(-err));
}

/* Start a non-blocking connect: the handshakes of every flow run at once. */
static void dial_start(struct fp_engine *e, const struct fp_flow *f, struct fp_conn *c)
{
	c->fd = socket(e->peer[f->dst].ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		flow_failed(c, -errno, "rank %d: cannot open a socket: %s", f->dst);
	else if (connect(c->fd, (struct sockaddr *)&e->peer[f->dst], e->peerlen[f->dst]) &&
		 errno != EINPROGRESS)
		flow_failed(c, -errno, "cannot connect to rank %d: %s", f->dst);
}

/* The connect finished (or not by the deadline): blocking again, the hello goes out. */
static void dial_finish(struct fp_engine *e, const struct fp_flow *f, struct fp_conn *c, bool done)
{
	struct timeval tv = { .tv_sec = (time_t)(e->timeout_ns / 1000000000ull) };
	uint8_t hello[HELLO_LEN];
	int soerr = 0, fl;
	socklen_t sl = sizeof(soerr);

	if (c->fd < 0)
		return;
	if (!done) {
		flow_failed(c, -ETIMEDOUT, "no answer from rank %d: %s", f->dst);
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
		flow_failed(c, soerr ? -soerr : -errno, "cannot connect to rank %d: %s", f->dst);
		return;
	}
	fl = fcntl(c->fd, F_GETFL);
	if (fl < 0 || fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK)) {
		flow_failed(c, -errno, "rank %d: %s", f->dst);
		return;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	fp_put_u32(hello, HELLO_MAGIC);
	fp_put_u32(hello + 4, f->id);
	fp_put_u32(hello + 8, (uint32_t)f->src);
	fp_put_u64(hello + 12, fp_rv_flow_tag(e->key, f->id, (uint32_t)f->src, (uint32_t)f->dst));
	if (send(c->fd, hello, sizeof(hello), MSG_NOSIGNAL) != (ssize_t)sizeof(hello))
		flow_failed(c, -EIO, "hello to rank %d failed: %s", f->dst);
}

/* Every outgoing connect, under one deadline: 0 when all of them got through, else -errno. */
static int dial_all(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		    struct fp_conn **conns, uint64_t deadline)
{
	struct pollfd *pfd = calloc(n ? n : 1, sizeof(*pfd));
	unsigned *who = calloc(n ? n : 1, sizeof(*who)), k = 0, left;
	int ret = 0;

	if (!pfd || !who) {
		free(pfd);
		free(who);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		if (flows[i].src == e->rank) {
			dial_start(e, &flows[i], conns[i]);
			pfd[k] = (struct pollfd){ .fd = conns[i]->fd, .events = POLLOUT };
			who[k++] = i;
		}
	for (left = k; left && !(e->stop && *e->stop);) {
		uint64_t now = fp_mono_ns(), ms = (deadline - now) / 1000000 + 1;

		if (now >= deadline || poll(pfd, k, ms > 100 ? 100 : (int)ms) < 0)
			break;
		left = 0;
		for (unsigned j = 0; j < k; j++)
			if (pfd[j].fd >= 0 && pfd[j].revents) {
				dial_finish(e, &flows[who[j]], conns[who[j]], true);
				pfd[j].fd = -1; /* poll skips it from now on */
			} else if (pfd[j].fd >= 0) {
				left++;
			}
	}
	for (unsigned j = 0; j < k; j++) {
		if (pfd[j].fd >= 0)
			dial_finish(e, &flows[who[j]], conns[who[j]], false);
		if (conns[who[j]]->err && !ret)
			ret = conns[who[j]]->err;
	}
	free(pfd);
	free(who);
	return ret;
}

/* A data connection that has not yet said which flow it is. */
struct pending {
	int fd;
	size_t got;
	uint8_t hello[HELLO_LEN];
};

/* Data connections served at once; when more come, the longest waiting goes. */
#define PENDING_MAX 64
/* Refusals told one by one; the rest are counted. */
#define REFUSALS_TOLD 3

/* The hello names a flow this rank still expects, with that flow's tag under the job key. */
static bool hello_ok(const struct fp_engine *e, const uint8_t *hello, const struct fp_flow *flows,
		     unsigned n, struct fp_conn **conns)
{
	uint32_t id = fp_get_u32(hello + 4), src = fp_get_u32(hello + 8);

	return fp_get_u32(hello) == HELLO_MAGIC && id < n && flows[id].dst == e->rank &&
	       (uint32_t)flows[id].src == src && conns[id] && conns[id]->fd < 0 &&
	       fp_get_u64(hello + 12) == fp_rv_flow_tag(e->key, id, src, (uint32_t)e->rank);
}

static void drop(struct pending *p)
{
	close(p->fd);
	p->fd = -1;
}

/* Read what a pending connection sent: 1 when it became its flow's connection, else 0. */
static int hello_step(struct fp_engine *e, struct pending *p, const struct fp_flow *flows,
		      unsigned n, struct fp_conn **conns, unsigned *refused)
{
	ssize_t r = recv(p->fd, p->hello + p->got, HELLO_LEN - p->got, MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		drop(p);
		return 0;
	}
	p->got += (size_t)r;
	if (p->got < HELLO_LEN)
		return 0;
	/* a stranger, another job, or a confused peer: refuse it, keep waiting */
	if (!hello_ok(e, p->hello, flows, n, conns)) {
		if (++*refused <= REFUSALS_TOLD)
			fprintf(stderr,
				"fabprobe: rank %d: refused a data connection that is not "
				"an expected flow of this job\n",
				e->rank);
		drop(p);
		return 0;
	}
	conns[fp_get_u32(p->hello + 4)]->fd = p->fd;
	p->fd = -1;
	return 1;
}

/* Take the waiting connections into free slots; with none free, the next in turn goes. */
static void accept_some(struct fp_engine *e, struct pending *pend, unsigned *cursor)
{
	for (int k = 0; k < PENDING_MAX; k++) {
		int fd = accept4(e->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct pending *p = NULL;

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			return;
		for (int i = 0; i < PENDING_MAX && !p; i++)
			if (pend[i].fd < 0)
				p = &pend[i];
		if (!p) {
			p = &pend[(*cursor)++ % PENDING_MAX];
			drop(p);
		}
		*p = (struct pending){ .fd = fd };
	}
}

/*
 * Every pending data connection is served at once (poll), under one deadline and the stop
 * flag: idle or slow strangers on the data port cannot hold a rank past either.
 */
static int accept_flows(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
			struct fp_conn **conns, unsigned expect, uint64_t deadline)
{
	struct pending pend[PENDING_MAX];
	struct pollfd pfd[PENDING_MAX + 1];
	unsigned cursor = 0, refused = 0;
	int ret = 0;

	int fl = fcntl(e->lfd, F_GETFL);

	/* a connection that goes away between poll() and accept() must not block the wait */
	if (fl < 0 || fcntl(e->lfd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	for (int i = 0; i < PENDING_MAX; i++)
		pend[i].fd = -1;
	while (expect) {
		uint64_t now = fp_mono_ns(), ms = (deadline - now) / 1000000 + 1;

		if (e->stop && *e->stop) {
			snprintf(e->err, e->errlen,
				 "sockets: rank %d was interrupted while waiting for %u incoming "
				 "flow%s",
				 e->rank, expect, expect > 1 ? "s" : "");
			ret = -EINTR;
			break;
		}
		if (now >= deadline) {
			snprintf(e->err, e->errlen,
				 "sockets: rank %d still waits for %u incoming "
				 "flow%s after the timeout",
				 e->rank, expect, expect > 1 ? "s" : "");
			ret = -ETIMEDOUT;
			break;
		}
		pfd[0] = (struct pollfd){ .fd = e->lfd, .events = POLLIN };
		for (int i = 0; i < PENDING_MAX; i++)
			pfd[i + 1] = (struct pollfd){ .fd = pend[i].fd, .events = POLLIN };
		if (poll(pfd, PENDING_MAX + 1, ms > 100 ? 100 : (int)ms) <= 0)
			continue;
		for (int i = 0; i < PENDING_MAX && expect; i++)
			if (pfd[i + 1].revents && pend[i].fd >= 0)
				expect -= (unsigned)hello_step(e, &pend[i], flows, n, conns,
							       &refused);
		if (pfd[0].revents)
			accept_some(e, pend, &cursor);
	}
	for (int i = 0; i < PENDING_MAX; i++)
		if (pend[i].fd >= 0)
			close(pend[i].fd);
	if (refused > REFUSALS_TOLD)
		fprintf(stderr, "fabprobe: rank %d: refused %u data connections in all\n", e->rank,
			refused);
	for (unsigned i = 0; i < n && ret; i++) /* the flows that never came, each by name */
		if (flows[i].dst == e->rank && conns[i] && conns[i]->fd < 0 && !conns[i]->err)
			flow_failed(conns[i], ret, "nothing arrived from rank %d: %s",
				    flows[i].src);
	return ret;
}

static int sockets_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
			   struct fp_conn **conns)
{
	unsigned mine = 0, incoming = 0, k = 0, failed = 0;
	uint64_t start;
	int ret, dial;

	for (unsigned i = 0; i < n; i++)
		mine += flows[i].src == e->rank || flows[i].dst == e->rank;
	e->conns = calloc(mine ? mine : 1, sizeof(*e->conns));
	if (!e->conns)
		return -ENOMEM;
	e->nconns = mine;
	for (unsigned i = 0; i < n; i++) {
		conns[i] = NULL;
		if (flows[i].id != i || flows[i].src == flows[i].dst)
			return -EINVAL;
		if (flows[i].src != e->rank && flows[i].dst != e->rank)
			continue;
		conns[i] = &e->conns[k++];
		conns[i]->fd = -1;
		conns[i]->flow = i;
		incoming += flows[i].dst == e->rank;
	}
	/*
	 * A flow that cannot connect (a blackhole, a dead route) is that flow's failure, told
	 * per flow (sockets_conn_error); the others still connect, so the run can say which
	 * pairs failed. Dials get half the timeout, the accepts until three quarters of it: a
	 * rank with nothing to wait for is already in the connect report (run_failed.c), which
	 * waits one timeout for the others.
	 */
	start = fp_mono_ns();
	dial = dial_all(e, flows, n, conns, start + e->timeout_ns / 2);
	if (dial == -ENOMEM)
		return dial;
	ret = accept_flows(e, flows, n, conns, incoming, start + e->timeout_ns / 4 * 3);
	if (ret == -EINTR || (ret && !dial && ret != -ETIMEDOUT))
		return ret;
	for (unsigned i = 0; i < n; i++) {
		if (!conns[i] || conns[i]->fd < 0)
			continue;
		int t = tune(e, conns[i]);

		if (t) {
			snprintf(e->err, e->errlen, "sockets: flow %u: %s", i, strerror(-t));
			return t;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (conns[i] && conns[i]->err) {
			failed++;
			if (failed == 1)
				snprintf(e->err, e->errlen, "sockets: flow %u (rank %d to %d): %s",
					 i, flows[i].src, flows[i].dst, conns[i]->why);
		}
	if (failed > 1 && strlen(e->err) + 40 < e->errlen)
		snprintf(e->err + strlen(e->err), e->errlen - strlen(e->err),
			 " (and %u more flows of rank %d)", failed - 1, e->rank);
	return failed ? (dial ? dial : ret ? ret : -EHOSTUNREACH) : 0;
}

static int sockets_conn_error(const struct fp_conn *c, char *buf, size_t len)
{
	if (len)
		snprintf(buf, len, "%s", c->err ? c->why : "");
	return c->err;
}

static int sockets_ident(const struct fp_conn *c, struct fp_flow_ident *id)
{
	*id = c->id;
	return 0;
}

/* The endpoint: the bound address and the netdev that holds it. */
static int sockets_identity(struct fp_engine *e, char *buf, size_t len)
{
	char nd[48];
	size_t o = 0;

	buf[0] = 0;
	fp_netid_put(buf, len, &o, "ip", e->ip);
	if (fp_netid_of_ip(e->ip, nd, sizeof(nd)))
		fp_netid_netdev("", nd, buf, len, &o);
	return 0;
}

/*
 * Data path. n messages of len bytes go out of (or into) the same buffer, as many as the
 * socket takes in one call; the offset into the current message carries over.
 */
static int sockets_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	struct iovec iov[MAX_IOV];
	struct msghdr mh = { .msg_iov = iov };
	size_t total;
	ssize_t sent;
	unsigned k;

	if (n > MAX_IOV)
		n = MAX_IOV;
	iov[0].iov_base = (char *)buf + c->tx_off;
	iov[0].iov_len = len - c->tx_off;
	total = iov[0].iov_len;
	for (k = 1; k < n; k++) {
		iov[k].iov_base = (void *)buf;
		iov[k].iov_len = len;
		total += len;
	}
	mh.msg_iovlen = n;
	sent = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (sent < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	(void)total;
	sent += (ssize_t)c->tx_off;
	c->tx_off = (size_t)sent % len;
	return (int)((size_t)sent / len);
}

static int sockets_rx(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	struct iovec iov[MAX_IOV];
	struct msghdr mh = { .msg_iov = iov };
	ssize_t got;

	if (n > MAX_IOV)
		n = MAX_IOV;
	iov[0].iov_base = (char *)buf + c->rx_off;
	iov[0].iov_len = len - c->rx_off;
	for (unsigned k = 1; k < n; k++) {
		iov[k].iov_base = buf;
		iov[k].iov_len = len;
	}
	mh.msg_iovlen = n;
	got = recvmsg(c->fd, &mh, MSG_DONTWAIT);
	if (got < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (!got)
		return -ECONNRESET; /* the peer closed: it ended or died */
	got += (ssize_t)c->rx_off;
	c->rx_off = (size_t)got % len;
	return (int)((size_t)got / len);
}

static int sockets_wait(struct fp_engine *e, int timeout_ms)
{
	struct epoll_event ev[64];
	int r;

	if (e->epfd < 0)
		return 0;
	r = epoll_wait(e->epfd, ev, 64, timeout_ms);
	if (r < 0 && errno != EINTR)
		return -errno;
	return 0;
}

const struct fp_engine_ops fp_sockets_ops = {
	.name = "sockets",
	.desc = "kernel TCP, one connection per flow",
	.probe = sockets_probe,
	.open = sockets_open,
	.close = sockets_close,
	.connect = sockets_connect,
	.ident = sockets_ident,
	.conn_error = sockets_conn_error,
	.flags = FP_ENG_FLOW_FAIL,
	.identity = sockets_identity,
	.tx = sockets_tx,
	.rx = sockets_rx,
	.wait = sockets_wait,
	.opts = sockets_opts,
	.cfg_size = sizeof(struct sockets_opts),
};
