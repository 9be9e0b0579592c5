// SPDX-License-Identifier: MIT
/*
 * The kernel sockets engine: one TCP connection per directed flow, TCP_NODELAY, optional
 * SO_BUSY_POLL. It is the baseline every kernel-bypass engine is compared with, and the
 * engine that runs anywhere. --parallel N gives a flow N connections (iperf3 -P), messages
 * spread over them in turn; --proto udp makes it a datagram engine (sock_udp.c).
 *
 * Set-up: every rank listens on an ephemeral port of its data address and publishes
 * "IP PORT" through the rendezvous. For each stream of each flow the dialer (the source, or
 * with --reverse the destination) connects to the other end and says which flow it is
 * (magic, flow id, dialer rank, the flow's tag under the job's data-plane key:
 * fp_rv_flow_tag, then the stream's index). Every connect starts at once, non-blocking,
 * under one deadline, and before any accept, so the listen backlog carries them and no
 * order can deadlock. A stream that cannot connect fails its flow alone (issue 18).
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
#include "sock_priv.h"

#define HELLO_MAGIC 0x43445046u /* "FPDC" */
#define HELLO_LEN   24
#define MAX_IOV	    64

/* The engine's own options (`fabprobe run --engine sockets`). */
struct sockets_opts {
	int64_t busy_poll_us;
	int64_t tos;
	int64_t pace_mbit;
	int proto; /* 0 tcp, 1 udp */
	int64_t parallel;
	int64_t corrupt_at;
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
	{ "proto", FP_OPT_CHOICE, offsetof(struct sockets_opts, proto), "tcp", 0, 0, "tcp|udp",
	  NULL, NULL, "udp: datagrams with sequence numbers, loss and reordering counted" },
	{ "parallel", FP_OPT_INT, offsetof(struct sockets_opts, parallel), "1", 1, FP_SOCK_PAR_MAX,
	  NULL, NULL, "N", "streams per flow (iperf3 -P)" },
	{ "test-corrupt-at", FP_OPT_INT, offsetof(struct sockets_opts, corrupt_at), "-1", -1,
	  INT64_MAX, NULL, NULL, "N",
	  "testing: spoil each flow's N-th received message, counting from 0 (-1: never)" },
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
	uint64_t pace; /* bytes/s, 0: unpaced */
	bool udp;
	bool reverse; /* --reverse: a flow's receiver opens its connections */
	unsigned par; /* streams per flow */
	int64_t corrupt_at;
	char ip[48];		       /* the bound (listening) address */
	struct sockaddr_storage src;   /* it, port 0: where dialled streams leave from */
	socklen_t srclen;	       /* 0: a wildcard, routing chooses */
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
	snprintf(why, len, "kernel TCP and UDP");
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

/* The listening address ss, port 0, as the source of dialled streams (none for a wildcard). */
static void source_of(struct fp_engine *e, const struct sockaddr_storage *ss, socklen_t sl)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&e->src;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&e->src;

	e->src = *ss;
	e->srclen = sl;
	if (ss->ss_family == AF_INET) {
		s4->sin_port = 0;
		if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
			e->srclen = 0;
	} else {
		s6->sin6_port = 0;
		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			e->srclen = 0;
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
	source_of(e, &ss, sl);
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
	e->udp = ((const struct sockets_opts *)p->cfg)->proto == 1;
	e->par = (unsigned)((const struct sockets_opts *)p->cfg)->parallel;
	e->reverse = p->x && p->x->reverse;
	e->corrupt_at = ((const struct sockets_opts *)p->cfg)->corrupt_at;
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
	for (unsigned i = 0; i < e->nconns; i++) {
		for (unsigned k = 0; e->conns[i].s && k < e->conns[i].ns; k++) {
			if (e->conns[i].s[k].fd >= 0)
				close(e->conns[i].s[k].fd);
			if (e->conns[i].s[k].ufd >= 0)
				close(e->conns[i].s[k].ufd);
		}
		free(e->conns[i].s);
	}
	free(e->conns);
	free(e->peer);
	free(e->peerlen);
	if (e->lfd >= 0)
		close(e->lfd);
	if (e->epfd >= 0)
		close(e->epfd);
	free(e);
}

/* One stream ready for the data path; stream 0 (TCP or UDP) gives the flow's identity. */
static int tune(struct fp_engine *e, struct fp_conn *c, struct fp_sock_stream *st)
{
	int one = 1, fl, fd = e->udp ? st->ufd : st->fd;
	struct sockaddr_storage a, b;
	socklen_t al = sizeof(a), bl = sizeof(b);

	setsockopt(st->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (e->busy_poll_us > 0)
		setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &e->busy_poll_us, sizeof(e->busy_poll_us));
	/* both ends mark: a ping-pong's replies queue in the same class as its requests; with
	 * --proto udp the datagram socket, so a class's datagrams are marked too */
	if (e->tos && (setsockopt(fd, IPPROTO_IP, IP_TOS, &e->tos, sizeof(e->tos)) &&
		       setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &e->tos, sizeof(e->tos))))
		return -errno;
	/* TCP paces itself (no fq needed): a bulk class that loads the fabric, not the NIC.
	 * Every stream is paced to the rate (iperf3 --fq-rate is per stream too). */
	if (e->pace && setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &e->pace, sizeof(e->pace)))
		return -errno;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	if (getsockname(fd, (struct sockaddr *)&a, &al) ||
	    getpeername(fd, (struct sockaddr *)&b, &bl))
		return -errno;
	if (st == c->s) {
		strcpy(c->id.proto, e->udp ? "udp" : "tcp");
		addr_text(&a, c->id.src_ip, sizeof(c->id.src_ip), &c->id.src_port);
		addr_text(&b, c->id.dst_ip, sizeof(c->id.dst_ip), &c->id.dst_port);
		c->ovh = a.ss_family == AF_INET6 ? FP_SOCK_OVH6 : FP_SOCK_OVH4;
	}
	if (e->epfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };

		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev))
			return -errno;
	}
	return 0;
}

/* Who opens a flow's connections: its source, or with --reverse its destination. */
static int dialer(const struct fp_engine *e, const struct fp_flow *f)
{
	return e->reverse ? f->dst : f->src;
}

static int acceptor(const struct fp_engine *e, const struct fp_flow *f)
{
	return e->reverse ? f->src : f->dst;
}

/* Whether every stream of a flow is connected. */
static bool streams_up(const struct fp_conn *c)
{
	for (unsigned k = 0; k < c->ns; k++)
		if (c->s[k].fd < 0)
			return false;
	return true;
}

/*
 * A flow that could not connect (issue 18): a stream that fails fails its whole flow, so
 * every stream of it closes (its peer sees them go); the first reason is the one told.
 * The other flows go on.
 */
static void flow_failed(struct fp_conn *c, int err, const char *fmt, int peer)
{
	for (unsigned k = 0; k < c->ns; k++) {
		if (c->s[k].fd >= 0)
			close(c->s[k].fd);
		if (c->s[k].ufd >= 0)
			close(c->s[k].ufd);
		c->s[k].fd = c->s[k].ufd = -1;
	}
	if (c->err)
		return;
	c->err = err;
	snprintf(c->why, sizeof(c->why), fmt, peer, strerror(-err));
}

/*
 * A dialled stream leaves from this rank's --bind address, as its listening one does: on a
 * host with several addresses (rails in one subnet, or two ranks of one namespace) routing
 * would otherwise choose the source, the flow would run from another NIC than the one asked
 * for, and a UDP stream, bound to --bind, would not be the one its peer connected to. The
 * port is chosen at connect (IP_BIND_ADDRESS_NO_PORT): thousands of flows keep their ports.
 */
static int bind_source(const struct fp_engine *e, int fd, int family)
{
	int one = 1;

	if (!e->srclen || e->src.ss_family != family)
		return 0;
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	return bind(fd, (const struct sockaddr *)&e->src, e->srclen) ? -errno : 0;
}

/* Start a non-blocking connect: the handshakes of every stream of every flow run at once. */
static void dial_start(struct fp_engine *e, const struct fp_flow *f, struct fp_conn *c,
		       unsigned stream)
{
	struct fp_sock_stream *st = &c->s[stream];
	int to = acceptor(e, f), ret;

	st->fd = socket(e->peer[to].ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (st->fd < 0)
		flow_failed(c, -errno, "rank %d: cannot open a socket: %s", to);
	else if ((ret = bind_source(e, st->fd, e->peer[to].ss_family)))
		flow_failed(c, ret, "rank %d: cannot bind to this rank's --bind address: %s", to);
	else if (connect(st->fd, (struct sockaddr *)&e->peer[to], e->peerlen[to]) &&
		 errno != EINPROGRESS)
		flow_failed(c, -errno, "cannot connect to rank %d: %s", to);
}

/* The connect finished (or not by the deadline): blocking again, the hello goes out. */
static void dial_finish(struct fp_engine *e, const struct fp_flow *f, struct fp_conn *c,
			unsigned stream, bool done)
{
	struct timeval tv = { .tv_sec = (time_t)(e->timeout_ns / 1000000000ull) };
	struct fp_sock_stream *st = &c->s[stream];
	uint8_t hello[HELLO_LEN];
	int soerr = 0, fl, to = acceptor(e, f);
	socklen_t sl = sizeof(soerr);

	if (st->fd < 0) /* its flow failed on another stream */
		return;
	if (!done) {
		flow_failed(c, -ETIMEDOUT, "no answer from rank %d: %s", to);
		return;
	}
	if (getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
		flow_failed(c, soerr ? -soerr : -errno, "cannot connect to rank %d: %s", to);
		return;
	}
	fl = fcntl(st->fd, F_GETFL);
	if (fl < 0 || fcntl(st->fd, F_SETFL, fl & ~O_NONBLOCK)) {
		flow_failed(c, -errno, "rank %d: %s", to);
		return;
	}
	setsockopt(st->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	fp_put_u32(hello, HELLO_MAGIC);
	fp_put_u32(hello + 4, f->id);
	fp_put_u32(hello + 8, (uint32_t)e->rank);
	fp_put_u64(hello + 12, fp_rv_flow_tag(e->key, f->id, (uint32_t)f->src, (uint32_t)f->dst));
	fp_put_u32(hello + 20, stream);
	if (send(st->fd, hello, sizeof(hello), MSG_NOSIGNAL) != (ssize_t)sizeof(hello))
		flow_failed(c, -EIO, "hello to rank %d failed: %s", to);
}

/* One outgoing connect in flight: its flow and stream. */
struct dialing {
	unsigned flow, stream;
};

/* The connects still in flight; those of a flow that failed meanwhile are dropped. */
static unsigned dials_left(struct pollfd *pfd, const struct dialing *who, unsigned k,
			   struct fp_conn **conns)
{
	unsigned left = 0;

	for (unsigned j = 0; j < k; j++) {
		if (pfd[j].fd < 0)
			continue;
		if (conns[who[j].flow]->s[who[j].stream].fd < 0)
			pfd[j].fd = -1; /* closed with its flow: poll skips it from now on */
		else
			left++;
	}
	return left;
}

/* Every outgoing connect, under one deadline: 0 when all of them got through, else -errno. */
static int dial_all(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		    struct fp_conn **conns, uint64_t deadline)
{
	unsigned total = 0, k = 0, left;
	struct pollfd *pfd;
	struct dialing *who;
	int ret = 0;

	for (unsigned i = 0; i < n; i++)
		total += dialer(e, &flows[i]) == e->rank ? conns[i]->ns : 0;
	pfd = calloc(total ? total : 1, sizeof(*pfd));
	who = calloc(total ? total : 1, sizeof(*who));
	if (!pfd || !who) {
		free(pfd);
		free(who);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned s = 0; dialer(e, &flows[i]) == e->rank && s < conns[i]->ns; s++) {
			if (conns[i]->err) /* an earlier stream of it failed at once */
				break;
			dial_start(e, &flows[i], conns[i], s);
			if (conns[i]->s[s].fd < 0)
				continue;
			pfd[k] = (struct pollfd){ .fd = conns[i]->s[s].fd, .events = POLLOUT };
			who[k++] = (struct dialing){ i, s };
		}
	for (left = dials_left(pfd, who, k, conns); left && !(e->stop && *e->stop);) {
		uint64_t now = fp_mono_ns(), ms = (deadline - now) / 1000000 + 1;

		if (now >= deadline || poll(pfd, k, ms > 100 ? 100 : (int)ms) < 0)
			break;
		for (unsigned j = 0; j < k; j++)
			if (pfd[j].fd >= 0 && pfd[j].revents) {
				pfd[j].fd = -1;
				dial_finish(e, &flows[who[j].flow], conns[who[j].flow],
					    who[j].stream, true);
			}
		left = dials_left(pfd, who, k, conns);
	}
	for (unsigned j = 0; j < k; j++)
		if (pfd[j].fd >= 0)
			dial_finish(e, &flows[who[j].flow], conns[who[j].flow], who[j].stream,
				    false);
	for (unsigned i = 0; i < n && !ret; i++)
		if (dialer(e, &flows[i]) == e->rank && conns[i]->err)
			ret = conns[i]->err;
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
	uint32_t k = fp_get_u32(hello + 20);

	return fp_get_u32(hello) == HELLO_MAGIC && id < n && acceptor(e, &flows[id]) == e->rank &&
	       (uint32_t)dialer(e, &flows[id]) == src && conns[id] && k < conns[id]->ns &&
	       conns[id]->s[k].fd < 0 &&
	       fp_get_u64(hello + 12) ==
		       fp_rv_flow_tag(e->key, id, (uint32_t)flows[id].src, (uint32_t)flows[id].dst);
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
	conns[fp_get_u32(p->hello + 4)]->s[fp_get_u32(p->hello + 20)].fd = p->fd;
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
				 "connection%s",
				 e->rank, expect, expect > 1 ? "s" : "");
			ret = -EINTR;
			break;
		}
		if (now >= deadline) {
			snprintf(e->err, e->errlen,
				 "sockets: rank %d still waits for %u incoming "
				 "connection%s after the timeout",
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
		if (acceptor(e, &flows[i]) == e->rank && conns[i] && !conns[i]->err &&
		    !streams_up(conns[i]))
			flow_failed(conns[i], ret, "nothing arrived from rank %d: %s",
				    dialer(e, &flows[i]));
	return ret;
}

/*
 * With --proto udp, after the TCP streams: every stream's datagram socket, its port traded
 * over the stream. Ports all go out before any is awaited, under one deadline; a stream
 * that cannot be set up fails its flow, as a connect would.
 */
static void udp_streams(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
			struct fp_conn **conns)
{
	uint64_t deadline = fp_mono_ns() + e->timeout_ns;

	for (int join = 0; join < 2; join++)
		for (unsigned i = 0; i < n; i++) {
			struct fp_conn *c = conns[i];
			int ret = 0;

			for (unsigned k = 0; c && !c->err && k < c->ns && !ret; k++) {
				uint64_t now = fp_mono_ns();

				/* past the deadline, a port already here is still taken */
				ret = join ? fp_sock_udp_join(&c->s[k], now + 1000000 < deadline
										? deadline - now
										: 1000000)
					   : fp_sock_udp_open(&c->s[k], e->ip);
			}
			if (ret)
				flow_failed(c, ret, "UDP set-up with rank %d failed: %s",
					    c->src ? flows[i].dst : flows[i].src);
		}
}

/* The conns of this rank's flows, each with its streams closed (-1). */
static int conns_make(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		      struct fp_conn **conns)
{
	unsigned mine = 0, k = 0;

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
		conns[i]->s = calloc(e->par, sizeof(*conns[i]->s));
		if (!conns[i]->s)
			return -ENOMEM;
		conns[i]->ns = e->par;
		for (unsigned j = 0; j < e->par; j++)
			conns[i]->s[j].fd = conns[i]->s[j].ufd = -1;
		conns[i]->flow = i;
		conns[i]->src = flows[i].src == e->rank;
		conns[i]->corrupt_at = e->corrupt_at;
		conns[i]->udp = e->udp;
	}
	return 0;
}

/* The flows that could not connect, the first by name and the rest counted: -errno or 0. */
static int failed_text(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
		       struct fp_conn **conns, int why)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < n; i++)
		if (conns[i] && conns[i]->err && !failed++)
			snprintf(e->err, e->errlen, "sockets: flow %u (rank %d to %d): %s", i,
				 flows[i].src, flows[i].dst, conns[i]->why);
	if (failed > 1 && strlen(e->err) + 40 < e->errlen)
		snprintf(e->err + strlen(e->err), e->errlen - strlen(e->err),
			 " (and %u more flows of rank %d)", failed - 1, e->rank);
	return failed ? (why ? why : -EHOSTUNREACH) : 0;
}

static int sockets_connect(struct fp_engine *e, const struct fp_flow *flows, unsigned n,
			   struct fp_conn **conns)
{
	unsigned incoming = 0;
	uint64_t start;
	int ret, dial;

	ret = conns_make(e, flows, n, conns);
	if (ret)
		return ret;
	for (unsigned i = 0; i < n; i++)
		incoming += conns[i] && acceptor(e, &flows[i]) == e->rank ? e->par : 0;
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
	if (e->udp)
		udp_streams(e, flows, n, conns);
	for (unsigned i = 0; i < n; i++) {
		if (!conns[i] || conns[i]->err)
			continue;
		for (unsigned j = 0; j < conns[i]->ns; j++) {
			int t = tune(e, conns[i], &conns[i]->s[j]);

			if (t) {
				snprintf(e->err, e->errlen, "sockets: flow %u: %s", i,
					 strerror(-t));
				return t;
			}
		}
	}
	return failed_text(e, flows, n, conns, dial ? dial : ret);
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
 * Data path. n messages of len bytes go out of (or into) the same buffer, as many as a
 * stream takes in one call; each stream's offset into its current message carries over.
 * Of n, the messages some stream has begun are already spoken for: a send starts at most
 * n - begun new ones, shared out over the streams in turn, so no more than n complete.
 * Only the data (source to destination) is spread: what goes back (acknowledgements that
 * carry counts, ping-pong replies) keeps to stream 0, in order and never interleaved.
 */
static int stream_io(struct fp_sock_stream *st, bool tx, void *buf, size_t len, unsigned fresh,
		     unsigned *started)
{
	size_t *off = tx ? &st->tx_off : &st->rx_off, total;
	struct iovec iov[MAX_IOV];
	struct msghdr mh = { .msg_iov = iov };
	unsigned k = 0;
	ssize_t r;

	if (*off) /* the rest of the message this stream has begun */
		iov[k++] = (struct iovec){ (char *)buf + *off, len - *off };
	for (; k < MAX_IOV && fresh; fresh--)
		iov[k++] = (struct iovec){ buf, len };
	if (!k)
		return 0;
	mh.msg_iovlen = k;
	r = tx ? sendmsg(st->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT)
	       : recvmsg(st->fd, &mh, MSG_DONTWAIT);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (!r && !tx)
		return -ECONNRESET; /* the peer closed: it ended or died */
	if (!tx)
		st->moved += (uint64_t)r;
	total = *off + (size_t)r;
	*started = (unsigned)((total + len - 1) / len) - (*off ? 1 : 0);
	*off = total % len;
	return (int)(total / len);
}

static int streams_io(struct fp_conn *c, bool tx, void *buf, size_t len, unsigned n)
{
	unsigned begun = 0, fresh, done = 0, ns = tx == c->src ? c->ns : 1;

	if (n > MAX_IOV)
		n = MAX_IOV;
	for (unsigned k = 0; k < ns; k++)
		begun += tx ? c->s[k].tx_off != 0 : c->s[k].rx_off != 0;
	fresh = n > begun ? n - begun : 0;
	if (ns == 1) /* the common case, without the sharing out */
		return stream_io(c->s, tx, buf, len, fresh, &begun);
	/* A receiver cannot count on a message some stream has begun: after a phase stopped
	 * on the clock, its sender never finishes it. So every stream may start new ones; no
	 * more arrive than were sent, so a receiver still never passes its target. */
	if (!tx)
		fresh = n;
	for (unsigned k = 0; k < ns; k++) {
		struct fp_sock_stream *st = &c->s[c->cur];
		unsigned share = (fresh + (ns - k) - 1) / (ns - k), started = 0;
		int r = stream_io(st, tx, buf, len, share, &started);

		if (r < 0)
			return r;
		done += (unsigned)r;
		fresh -= started < fresh ? started : fresh;
		c->cur = (c->cur + 1) % ns;
	}
	/* the next call starts one stream on: none is always served first */
	c->cur = (c->cur + 1) % ns;
	return (int)done;
}

static int sockets_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	if (c->udp)
		return fp_sock_udp_tx(c, buf, len, n);
	return streams_io(c, true, (void *)buf, len, n);
}

static int sockets_rx(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	int k;

	if (c->udp)
		return fp_sock_udp_rx(c, buf, len, n);
	k = streams_io(c, false, buf, len, n);
	if (k > 0 && c->corrupt_at >= 0) { /* a planted fault, for --check's tests */
		if ((uint64_t)c->corrupt_at - c->rx_msgs < (uint64_t)k)
			((uint8_t *)buf)[0] ^= 0x40;
		c->rx_msgs += (uint64_t)k;
	}
	return k;
}

static void sockets_reset(struct fp_conn *c)
{
	if (c->udp)
		fp_sock_udp_reset(c);
	else
		fp_sock_tcp_snap(c);
}

static int sockets_finish(struct fp_conn *c)
{
	return c->udp ? fp_sock_udp_finish(c) : 0;
}

static void sockets_dgram_stats(const struct fp_conn *c, struct fp_dgram_stats *st)
{
	if (c->udp)
		fp_sock_udp_stats(c, st);
	else
		memset(st, 0, sizeof(*st));
}

/* UDP: a message is a frame, Ethernet header and FCS counted; a datagram at most 65507 B.
 * Each connection frames with its own family's overhead (c->ovh): the minimum takes IPv6's
 * if any rank listens on IPv6, not just rank 0, or a size too small for that pair passes. */
static void sockets_limits(const struct fp_engine *e, size_t *min, size_t *max)
{
	size_t ovh = e->peer && e->peer[0].ss_family == AF_INET6 ? FP_SOCK_OVH6 : FP_SOCK_OVH4;
	size_t lo = FP_SOCK_OVH4;

	for (int r = 0; e->peer && r < e->size; r++)
		if (e->peer[r].ss_family == AF_INET6)
			lo = FP_SOCK_OVH6;
	*min = e->udp ? lo + FP_SOCK_UHDR : 0;
	*max = e->udp ? ovh + 65507 : SIZE_MAX;
}

static unsigned sockets_cfg_flags(const void *cfg)
{
	return ((const struct sockets_opts *)cfg)->proto == 1 ? FP_ENG_DGRAM : FP_ENG_CARRY;
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
	.desc = "kernel TCP (or UDP), one connection (or --parallel N) per flow: --proto tcp|udp "
		"(udp: loss, reordering, duplicates counted), --parallel N, --reverse, "
		"--busy-poll-us, --tos, --pace-mbit; collectives: allreduce (--algo ring|tree), "
		"allgather, reducescatter; a TCP flow that cannot connect, or stalls (no progress "
		"for half of --timeout), fails alone and is recorded in failed_flows",
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
	.reset = sockets_reset,
	.finish = sockets_finish,
	.dgram_stats = sockets_dgram_stats,
	.tcp_stats = fp_sock_tcp_stats,
	.moved = fp_sock_tcp_moved,
	.limits = sockets_limits,
	.cfg_flags = sockets_cfg_flags,
	.opts = sockets_opts,
	.cfg_size = sizeof(struct sockets_opts),
};
