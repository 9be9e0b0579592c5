// SPDX-License-Identifier: MIT
/* The rendezvous at rank 0: listen, accept strangers, challenge them, welcome ranks. */
#include "rv_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/clock.h"
#include "../../core/err.h"
#include "../../core/sha256.h"

int fp_rv_serve_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo *res, *ai;
	int fd = -1, one = 1, ret, saved = 0;

	ret = fp_rv_resolve(addr, true, &res, err, errlen);
	if (ret)
		return ret;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 4096))
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fp_say(err, errlen, "rank 0 cannot listen on rendezvous %s: %s", addr,
		       strerror(saved ? saved : EADDRNOTAVAIL));
		return saved ? -saved : -EADDRNOTAVAIL;
	}
	return fd;
}

struct pend {
	int fd;
	bool challenged;
	uint8_t msg[FP_RV_HDR_LEN + FP_RV_NONCE_LEN];
	size_t got;
	struct fp_rv_hdr h; /* of HELLO */
	uint8_t nonce0[FP_RV_NONCE_LEN], noncep[FP_RV_NONCE_LEN];
	char peer[INET6_ADDRSTRLEN];
};

/* How many strangers may wait at once: what the fd limit leaves after the job's own. */
static int pending_cap(int size)
{
	struct rlimit rl;
	long room = 1024;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
		room = (long)rl.rlim_cur - size - 64;
	return room > 1024 ? 1024 : room < 8 ? 8 : (int)room;
}

/*
 * An unkeyed handshake message, on a socket whose send buffer is empty: it fits or fails. Its
 * header repeats the size the peer claimed: a stranger learns nothing of the job from it.
 */
static bool send_plain(int fd, uint16_t type, uint32_t size, const void *p, size_t len)
{
	struct fp_rv_hdr h = { .type = type, .size = size, .len = (uint32_t)len };
	uint8_t buf[FP_RV_HDR_LEN + 64];

	if (len > 64)
		return false;
	fp_rv_hdr_encode(&h, buf);
	memcpy(buf + FP_RV_HDR_LEN, p, len);
	return send(fd, buf, FP_RV_HDR_LEN + len, MSG_NOSIGNAL | MSG_DONTWAIT) ==
	       (ssize_t)(FP_RV_HDR_LEN + len);
}

/*
 * Refusals are told, but a flood must not fill stderr (nor block rank 0 on a pipe nobody
 * reads): the first few one by one, then a count at most once a second.
 */
#define REFUSALS_TOLD 10

static void refuse(struct fp_rv *rv, struct pend *p, const char *reason)
{
	uint64_t now = fp_mono_ns();

	rv->refused++;
	if (rv->refused <= REFUSALS_TOLD)
		fprintf(stderr, "fabprobe: rendezvous: refused a connection from %s: %s\n",
			p->peer, reason);
	else if (now >= rv->refused_told_at + 1000000000ull) {
		fprintf(stderr,
			"fabprobe: rendezvous: refused %llu connections so far (the last from %s: "
			"%s)\n",
			(unsigned long long)rv->refused, p->peer, reason);
		rv->refused_told_at = now;
	}
	close(p->fd);
	p->fd = -1;
}

/*
 * Read what a pending connection has sent. 1 when it proved the token and joined as a rank,
 * 0 to keep waiting (or after refusing it: p->fd is then -1), < 0 when the job must end.
 */
static int hello_step(struct fp_rv *rv, struct pend *p, char *err, size_t errlen)
{
	size_t need = p->got < FP_RV_HDR_LEN ? FP_RV_HDR_LEN : sizeof(p->msg);
	uint16_t want = p->challenged ? FP_RV_AUTH : FP_RV_HELLO;
	uint8_t proof[FP_SHA256_LEN];
	struct fp_rv_hdr h;
	struct fp_rv_conn *c;
	ssize_t n;
	int ret;

	n = recv(p->fd, p->msg + p->got, need - p->got, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		refuse(rv, p, n ? strerror(errno) : "it closed the connection before joining");
		return 0;
	}
	p->got += (size_t)n;
	if (p->got < FP_RV_HDR_LEN)
		return 0;
	ret = fp_rv_hdr_decode(p->msg, FP_RV_HDR_LEN, FP_RV_NONCE_LEN, &h);
	if (!ret && (h.type != want || h.len != FP_RV_NONCE_LEN))
		ret = -EPROTO;
	if (!ret && p->challenged && (h.rank != p->h.rank || h.size != p->h.size))
		ret = -ERANGE;
	if (ret) {
		refuse(rv, p, fp_rv_why(ret));
		return 0;
	}
	if (p->got < sizeof(p->msg))
		return 0;
	p->got = 0;
	if (!p->challenged) {
		p->h = h;
		memcpy(p->noncep, p->msg + FP_RV_HDR_LEN, FP_RV_NONCE_LEN);
		if (getrandom(p->nonce0, sizeof(p->nonce0), 0) != sizeof(p->nonce0) ||
		    !send_plain(p->fd, FP_RV_CHALLENGE, h.size, p->nonce0, sizeof(p->nonce0))) {
			refuse(rv, p, "could not send the challenge");
			return 0;
		}
		p->challenged = true;
		return 0;
	}
	fp_rv_proof(rv->token, "peer", p->nonce0, p->noncep, h.rank, h.size, proof);
	if (!fp_ct_equal(proof, p->msg + FP_RV_HDR_LEN, sizeof(proof))) {
		/* the refusal says this and nothing else: nothing in it helps a second try */
		send_plain(p->fd, FP_RV_ERROR, h.size, "wrong token", 11);
		refuse(rv, p, "wrong token");
		return 0;
	}
	/* it holds the token: what it says about the job is now worth an error */
	if ((int)h.size != rv->size || h.rank == 0) {
		fp_say(err, errlen,
		       "rendezvous: %s says it is rank %u of %u, but this job has %d ranks and "
		       "rank 0 is here",
		       p->peer, h.rank, h.size, rv->size);
		return -EINVAL;
	}
	c = &rv->conns[h.rank];
	if (c->fd >= 0) {
		fp_say(err, errlen,
		       "rendezvous: rank %u joined twice (again from %s): two processes were given "
		       "the same rank",
		       h.rank, p->peer);
		return -EEXIST;
	}
	c->fd = p->fd;
	p->fd = -1;
	fp_rv_proof(rv->token, "session", p->nonce0, p->noncep, h.rank, h.size, c->key);
	fp_rv_proof(rv->token, "root", p->nonce0, p->noncep, h.rank, h.size, c->root_proof);
	c->keyed = true;
	fp_rv_tune(c->fd);
	return 1;
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t len)
{
	snprintf(out, len, "?");
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out,
			  (socklen_t)len);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out,
			  (socklen_t)len);
}

/*
 * The slot for a new connection when every one is taken: the next one from the cursor that
 * has not said HELLO (else the one at the cursor), so a flood of idle connections does not
 * push out real ranks. The cursor moves on: no slot is copied, each choice is bounded.
 */
static int victim(const struct pend *pend, int cap, int *cursor)
{
	int v = *cursor % cap;

	for (int i = 0; i < cap; i++) {
		int k = (*cursor + i) % cap;

		if (pend[k].fd < 0 || !pend[k].challenged) {
			v = k;
			break;
		}
	}
	*cursor = v + 1;
	return v;
}

/* Connections taken per wake-up: a flood cannot keep rank 0 from its deadline and signals. */
#define ACCEPT_BURST 64

/*
 * Take the waiting connections, a burst at most, and read each one's HELLO if it is already
 * there: a real rank sends it at once.
 */
static int accept_some(struct fp_rv *rv, int lfd, struct pend *pend, int *npend, int cap,
		       int *cursor, char *err, size_t errlen)
{
	for (int burst = 0; burst < ACCEPT_BURST && !fp_rv_stopped(rv); burst++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct pend *p;

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			fp_say(err, errlen,
			       "rendezvous %s: rank 0 ran out of file descriptors (%s); raise the "
			       "limit: ulimit -n $(ulimit -Hn)",
			       rv->addr, strerror(errno));
			return -errno;
		}
		if (fd < 0)
			return 0; /* EAGAIN, or a connection that went away: nothing to take */
		if (*npend == cap) {
			p = &pend[victim(pend, cap, cursor)];
			if (p->fd >= 0)
				refuse(rv, p, "too many connections waiting; an idle one goes");
		} else {
			p = &pend[(*npend)++];
		}
		memset(p, 0, sizeof(*p));
		p->fd = fd;
		peer_name(&ss, p->peer, sizeof(p->peer));
		hello_step(rv, p, err, errlen); /* a HELLO at most: it cannot end the job */
	}
	return 0;
}

static void say_missing(struct fp_rv *rv, int joined, int ret, char *err, size_t errlen)
{
	char missing[256] = "";
	size_t o = 0;

	for (int k = 1; k < rv->size && o < sizeof(missing) - 16; k++)
		if (rv->conns[k].fd < 0)
			o += (size_t)snprintf(missing + o, sizeof(missing) - o, "%s%d",
					      o ? "," : "", k);
	fp_say(err, errlen, "rendezvous %s: %d of %d ranks joined; missing rank%s %s %s", rv->addr,
	       joined, rv->size, rv->size - joined > 1 ? "s" : "", missing,
	       ret == -EINTR ? "when a signal stopped the wait" : "within the timeout");
}

/* Every pending connection is served at once, under one deadline for the whole job. */
int fp_rv_serve_hellos(struct fp_rv *rv, int lfd, uint64_t deadline, char *err, size_t errlen)
{
	int cap = pending_cap(rv->size), npend = 0, joined = 1, cursor = 0, ret = 0;
	struct pend *pend = calloc((size_t)cap, sizeof(*pend));
	struct pollfd *pfd = calloc((size_t)cap + 1, sizeof(*pfd));

	if (!pend || !pfd) {
		ret = -ENOMEM;
		goto out;
	}
	while (joined < rv->size) {
		int k = 0;

		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < npend; i++)
			pfd[i + 1] = (struct pollfd){ .fd = pend[i].fd, .events = POLLIN };
		ret = fp_rv_wait_fds(rv, pfd, (nfds_t)npend + 1, deadline);
		if (ret < 0) {
			say_missing(rv, joined, ret, err, errlen);
			goto out;
		}
		ret = 0;
		for (int i = 0; i < npend && !ret; i++) {
			if (!pfd[i + 1].revents)
				continue;
			ret = hello_step(rv, &pend[i], err, errlen);
			if (ret > 0) {
				joined++;
				ret = 0;
			}
		}
		if (ret)
			goto out;
		for (int i = 0; i < npend; i++)
			if (pend[i].fd >= 0)
				pend[k++] = pend[i];
		npend = k;
		if (pfd[0].revents) {
			ret = accept_some(rv, lfd, pend, &npend, cap, &cursor, err, errlen);
			if (ret)
				goto out;
		}
	}
	for (int r = 1; r < rv->size; r++) {
		struct fp_rv_conn *c = &rv->conns[r];
		uint8_t welcome[FP_RV_WELCOME_LEN];

		memcpy(welcome, c->root_proof, sizeof(c->root_proof));
		memcpy(welcome + sizeof(c->root_proof), rv->job_nonce, sizeof(rv->job_nonce));
		ret = fp_rv_send_msg(rv, c, FP_RV_WELCOME, welcome, sizeof(welcome), deadline);
		if (ret) {
			fp_say(err, errlen, "rendezvous: rank %d: %s", r, fp_rv_why(ret));
			goto out;
		}
	}
out:
	for (int i = 0; i < npend; i++)
		if (pend[i].fd >= 0)
			close(pend[i].fd);
	free(pend);
	free(pfd);
	return ret;
}
