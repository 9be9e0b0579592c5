// SPDX-License-Identifier: MIT
#include "rendezvous.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../core/clock.h"
#include "../../core/err.h"
#include "../../core/sha256.h"
#include "../../core/wire.h"

/* One connection between rank 0 and a peer; keyed once the peer is welcomed. */
struct conn {
	int fd;
	bool keyed;
	uint8_t key[FP_SHA256_LEN];
	uint8_t root_proof[FP_SHA256_LEN]; /* rank 0: what WELCOME carries */
	uint64_t tx, rx;		   /* messages sent and received under the key */
};

struct fp_rv {
	int rank, size;
	char *token;
	uint64_t timeout_ns;
	uint32_t seq;
	const volatile sig_atomic_t *stop;
	bool weak;	    /* guessable token off loopback */
	struct conn up;	    /* rank > 0: to rank 0 */
	struct conn *conns; /* rank 0: conns[r], r >= 1 */
	char addr[256];
	char local_ip[INET6_ADDRSTRLEN];
};

static bool stopped(const struct fp_rv *rv)
{
	return rv->stop && *rv->stop;
}

/*
 * poll() until something is ready, the deadline passes (-ETIMEDOUT) or the stop flag is set
 * (-EINTR). Slices of at most 100 ms: a signal that lands just before poll() still ends the
 * wait promptly.
 */
static int wait_fds(const struct fp_rv *rv, struct pollfd *pfd, nfds_t n, uint64_t deadline)
{
	for (;;) {
		uint64_t now = fp_mono_ns();
		int ms, r;

		if (stopped(rv))
			return -EINTR;
		if (now >= deadline)
			return -ETIMEDOUT;
		ms = (int)((deadline - now) / 1000000 + 1);
		r = poll(pfd, n, ms > 100 ? 100 : ms);
		if (r > 0)
			return r;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int fp_rv_split_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;
	size_t hl;

	if (!addr || !*addr)
		return -EINVAL;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hl = (size_t)(close - addr - 1);
		addr++;
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - addr);
	}
	if (!hl || hl >= hostlen || !colon[1] || strlen(colon + 1) >= portlen)
		return -EINVAL;
	memcpy(host, addr, hl);
	host[hl] = 0;
	strcpy(port, colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	if (atoi(port) < 1 || atoi(port) > 65535)
		return -EINVAL;
	return 0;
}

static int write_full(const struct fp_rv *rv, int fd, const void *buf, size_t len,
		      uint64_t deadline)
{
	const uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;
		int r = wait_fds(rv, &pfd, 1, deadline);

		if (r < 0)
			return r;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(const struct fp_rv *rv, int fd, void *buf, size_t len, uint64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r = wait_fds(rv, &pfd, 1, deadline);

		if (r < 0)
			return r;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static enum fp_rv_dir tx_dir(const struct fp_rv *rv)
{
	return rv->rank ? FP_RV_FROM_PEER : FP_RV_FROM_ROOT;
}

static enum fp_rv_dir rx_dir(const struct fp_rv *rv)
{
	return rv->rank ? FP_RV_FROM_ROOT : FP_RV_FROM_PEER;
}

/* A header for c, with its mac when c is keyed (and the send counter moved on). */
static void seal(struct fp_rv *rv, struct conn *c, uint16_t type, uint32_t rank,
		 const void *payload, size_t len, uint8_t *hdr)
{
	struct fp_rv_hdr h = { .type = type,
			       .rank = rank,
			       .size = (uint32_t)rv->size,
			       .seq = rv->seq,
			       .len = (uint32_t)len };

	fp_rv_hdr_encode(&h, hdr);
	if (c->keyed) {
		fp_rv_mac(c->key, tx_dir(rv), c->tx++, hdr, payload, len, h.mac);
		memcpy(hdr + FP_RV_MAC_AT, h.mac, FP_SHA256_LEN);
	}
}

/* Is this received message authentic, and the next one in its direction? */
static bool opened(const struct fp_rv *rv, struct conn *c, const uint8_t *hdr, const void *payload,
		   size_t len)
{
	uint8_t mac[FP_SHA256_LEN];

	if (!c->keyed)
		return true;
	fp_rv_mac(c->key, rx_dir(rv), c->rx, hdr, payload, len, mac);
	if (!fp_ct_equal(mac, hdr + FP_RV_MAC_AT, FP_SHA256_LEN))
		return false;
	c->rx++;
	return true;
}

static int send_msg(struct fp_rv *rv, struct conn *c, uint16_t type, const void *payload,
		    size_t len, uint64_t deadline)
{
	uint8_t hdr[FP_RV_HDR_LEN];
	int ret;

	seal(rv, c, type, (uint32_t)rv->rank, payload, len, hdr);
	ret = write_full(rv, c->fd, hdr, sizeof(hdr), deadline);
	if (!ret && len)
		ret = write_full(rv, c->fd, payload, len, deadline);
	return ret;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t d = 0;

	for (size_t i = 0; i < len; i++)
		d |= p[i];
	return !d;
}

/*
 * One whole message; *payload is malloc'd (NULL when empty). -EKEYREJECTED when it fails
 * authentication on a keyed connection, but -EACCES for rank 0's unkeyed "wrong token"
 * refusal, the one message that comes before the session.
 */
static int recv_msg(struct fp_rv *rv, struct conn *c, uint32_t max_len, struct fp_rv_hdr *h,
		    uint8_t **payload, uint64_t deadline)
{
	uint8_t hdr[FP_RV_HDR_LEN], *p = NULL;
	int ret;

	*payload = NULL;
	ret = read_full(rv, c->fd, hdr, sizeof(hdr), deadline);
	if (ret)
		return ret;
	ret = fp_rv_hdr_decode(hdr, sizeof(hdr), max_len, h);
	if (ret)
		return ret;
	if (h->len) {
		p = malloc(h->len + 1);
		if (!p)
			return -ENOMEM;
		ret = read_full(rv, c->fd, p, h->len, deadline);
		if (ret) {
			free(p);
			return ret;
		}
		p[h->len] = 0; /* error texts are printed */
	}
	if (!opened(rv, c, hdr, p, h->len)) {
		free(p);
		if (h->type == FP_RV_ERROR && !c->rx && all_zero(h->mac, sizeof(h->mac)))
			return -EACCES;
		return -EKEYREJECTED;
	}
	*payload = p;
	return 0;
}

static const char *why(int ret)
{
	switch (ret) {
	case -EACCES:
		return "wrong token";
	case -EKEYREJECTED:
		return "a message failed authentication (injected, replayed or not from this job)";
	case -EMSGSIZE:
		return "message larger than the protocol allows";
	case -EPROTO:
		return "not a fabprobe rendezvous message (or another protocol version)";
	case -ERANGE:
		return "rank or size outside the job";
	case -EBADMSG:
		return "truncated or malformed message";
	case -ECONNRESET:
		return "connection closed (did the process die?)";
	case -ETIMEDOUT:
		return "timed out";
	case -EINTR:
		return "interrupted by a signal";
	default:
		return strerror(-ret);
	}
}

static void set_local_ip(struct fp_rv *rv, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, rv->local_ip,
			  sizeof(rv->local_ip));
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, rv->local_ip,
			  sizeof(rv->local_ip));
}

static void tune(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int resolve(const char *addr, bool passive, struct addrinfo **res, char *err, size_t errlen)
{
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 };
	int ret;

	if (fp_rv_split_addr(addr, host, sizeof(host), port, sizeof(port))) {
		fp_say(err, errlen, "rendezvous address '%s' is not HOST:PORT", addr);
		return -EINVAL;
	}
	ret = getaddrinfo(host, port, &hints, res);
	if (ret) {
		fp_say(err, errlen, "rendezvous address '%s': %s", addr, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	return 0;
}

/* ---------- rank 0 ---------- */

static int serve_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo *res, *ai;
	int fd = -1, one = 1, ret, saved = 0;

	ret = resolve(addr, true, &res, err, errlen);
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

/* Last words go out even after a stop signal, bounded by their own second. */
static void last_words(struct fp_rv *rv, struct conn *c, const char *text, size_t len)
{
	const volatile sig_atomic_t *stop = rv->stop;

	rv->stop = NULL;
	send_msg(rv, c, FP_RV_ERROR, text, len, fp_mono_ns() + 1000000000ull);
	rv->stop = stop;
}

static void broadcast_error(struct fp_rv *rv, const char *text)
{
	for (int r = 1; r < rv->size; r++)
		if (rv->conns[r].fd >= 0)
			last_words(rv, &rv->conns[r], text, strlen(text));
}

/* A connection that has not proved the token yet: it gets to say HELLO, then AUTH. */
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

/* An unkeyed handshake message, on a socket whose send buffer is empty: it fits or fails. */
static bool send_plain(struct fp_rv *rv, int fd, uint16_t type, uint32_t rank, const void *p,
		       size_t len)
{
	struct conn c = { .fd = fd };
	uint8_t buf[FP_RV_HDR_LEN + 64];

	if (len > 64)
		return false;
	seal(rv, &c, type, rank, p, len, buf);
	memcpy(buf + FP_RV_HDR_LEN, p, len);
	return send(fd, buf, FP_RV_HDR_LEN + len, MSG_NOSIGNAL | MSG_DONTWAIT) ==
	       (ssize_t)(FP_RV_HDR_LEN + len);
}

static void refuse(struct pend *p, const char *reason)
{
	fprintf(stderr, "fabprobe: rendezvous: refused a connection from %s: %s\n", p->peer,
		reason);
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
	struct conn *c;
	ssize_t n;
	int ret;

	n = recv(p->fd, p->msg + p->got, need - p->got, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		refuse(p, n ? strerror(errno) : "it closed the connection before joining");
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
		refuse(p, why(ret));
		return 0;
	}
	if (p->got < sizeof(p->msg))
		return 0;
	p->got = 0;
	if (!p->challenged) {
		p->h = h;
		memcpy(p->noncep, p->msg + FP_RV_HDR_LEN, FP_RV_NONCE_LEN);
		if (getrandom(p->nonce0, sizeof(p->nonce0), 0) != sizeof(p->nonce0) ||
		    !send_plain(rv, p->fd, FP_RV_CHALLENGE, 0, p->nonce0, sizeof(p->nonce0))) {
			refuse(p, "could not send the challenge");
			return 0;
		}
		p->challenged = true;
		return 0;
	}
	fp_rv_proof(rv->token, "peer", p->nonce0, p->noncep, h.rank, h.size, proof);
	if (!fp_ct_equal(proof, p->msg + FP_RV_HDR_LEN, sizeof(proof))) {
		/* the refusal says this and nothing else: nothing in it helps a second try */
		send_plain(rv, p->fd, FP_RV_ERROR, 0, "wrong token", 11);
		refuse(p, "wrong token");
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
	tune(c->fd);
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
 * Take every waiting connection, and read its HELLO if it is already there: a real rank
 * sends it at once. When there is no room, the oldest connection that has not said HELLO
 * goes (else the oldest), so a flood of idle connections does not push out real ranks.
 */
static int accept_all(struct fp_rv *rv, int lfd, struct pend *pend, int *npend, int cap, char *err,
		      size_t errlen)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct pend *p;
		int v = 0;

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
			while (v < cap - 1 && pend[v].challenged)
				v++;
			if (pend[v].challenged)
				v = 0;
			refuse(&pend[v], "too many connections waiting; an idle one goes");
			memmove(pend + v, pend + v + 1, sizeof(*pend) * (size_t)(cap - 1 - v));
			(*npend)--;
		}
		p = &pend[*npend];
		memset(p, 0, sizeof(*p));
		p->fd = fd;
		peer_name(&ss, p->peer, sizeof(p->peer));
		(*npend)++;
		hello_step(rv, p, err, errlen); /* a HELLO at most: it cannot end the job */
		if (p->fd < 0)
			(*npend)--;
	}
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
static int serve_hellos(struct fp_rv *rv, int lfd, uint64_t deadline, char *err, size_t errlen)
{
	int cap = pending_cap(rv->size), npend = 0, joined = 1, ret = 0;
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
		ret = wait_fds(rv, pfd, (nfds_t)npend + 1, deadline);
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
			ret = accept_all(rv, lfd, pend, &npend, cap, err, errlen);
			if (ret)
				goto out;
		}
	}
	for (int r = 1; r < rv->size; r++) {
		struct conn *c = &rv->conns[r];

		ret = send_msg(rv, c, FP_RV_WELCOME, c->root_proof, sizeof(c->root_proof),
			       deadline);
		if (ret) {
			fp_say(err, errlen, "rendezvous: rank %d: %s", r, why(ret));
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

/* ---------- ranks > 0 ---------- */

/*
 * connect() on a non-blocking socket, bounded by the deadline and the stop flag: a blocking
 * one waits out the kernel's SYN retries (minutes) when the far end drops them. 0 or errno.
 */
static int connect_within(const struct fp_rv *rv, int fd, const struct addrinfo *ai,
			  uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t sl = sizeof(int);
	int e = 0, r;

	if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	r = wait_fds(rv, &pfd, 1, deadline);
	if (r < 0)
		return r == -ETIMEDOUT ? ETIMEDOUT : -r;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl))
		return errno;
	return e;
}

static int client_connect(struct fp_rv *rv, uint64_t deadline, char *err, size_t errlen)
{
	struct addrinfo *res = NULL, *ai;
	int fd = -1, last = ECONNREFUSED, ret;

	ret = resolve(rv->addr, false, &res, err, errlen);
	while (fd < 0) {
		if (ret == -EINVAL)
			return ret; /* not an address: no amount of waiting helps */
		for (ai = res; ai && fd < 0; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				    ai->ai_protocol);
			if (fd < 0) {
				last = errno;
				continue;
			}
			last = connect_within(rv, fd, ai, deadline);
			if (!last)
				break;
			close(fd);
			fd = -1;
		}
		if (fd >= 0)
			break;
		if (stopped(rv) || fp_mono_ns() >= deadline) {
			if (res)
				freeaddrinfo(res);
			char cause[256];

			snprintf(cause, sizeof(cause), "%s", ret ? err : strerror(last));
			fp_say(err, errlen, "rank %d cannot reach rendezvous %s %s: %s", rv->rank,
			       rv->addr,
			       stopped(rv) ? "before a signal stopped it" : "within the timeout",
			       cause);
			return stopped(rv) ? -EINTR : -ETIMEDOUT;
		}
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (!res)
			ret = resolve(rv->addr, false, &res, err, errlen);
	}
	freeaddrinfo(res);
	tune(fd);
	rv->up.fd = fd;
	set_local_ip(rv, fd);
	return 0;
}

/* One handshake message from rank 0, of this type and with a nonce-sized payload. */
static int client_expect(struct fp_rv *rv, uint16_t type, uint8_t *out, uint64_t deadline,
			 char *err, size_t errlen)
{
	struct fp_rv_hdr h;
	uint8_t *pl = NULL;
	int ret = recv_msg(rv, &rv->up, 4096, &h, &pl, deadline); /* an error text, or a nonce */

	if (!ret && h.type == FP_RV_ERROR)
		ret = rv->up.keyed ? -ECANCELED : -EACCES;
	if (!ret && (h.type != type || h.len != FP_RV_NONCE_LEN))
		ret = -EPROTO;
	if (!ret)
		memcpy(out, pl, FP_RV_NONCE_LEN);
	if (ret == -EACCES)
		fp_say(err, errlen, "rank %d: rendezvous %s refused us: wrong job token", rv->rank,
		       rv->addr);
	else if (ret == -ECANCELED)
		fp_say(err, errlen, "rank %d: rendezvous %s ended the job: %s", rv->rank, rv->addr,
		       (char *)pl);
	else if (ret == -ECONNRESET)
		fp_say(err, errlen,
		       "rank %d: rendezvous %s closed the connection during hello (duplicate rank, "
		       "another job, or too many connections waiting?)",
		       rv->rank, rv->addr);
	else if (ret == -EKEYREJECTED || (ret == -EPROTO && type == FP_RV_WELCOME))
		fp_say(err, errlen,
		       "rank %d: rendezvous %s could not prove it holds the job token: it is not "
		       "this job's rank 0",
		       rv->rank, rv->addr);
	else if (ret)
		fp_say(err, errlen, "rank %d: rendezvous %s hello: %s", rv->rank, rv->addr,
		       why(ret));
	free(pl);
	return ret;
}

static int client_hello(struct fp_rv *rv, uint64_t deadline, char *err, size_t errlen)
{
	uint8_t np[FP_RV_NONCE_LEN], n0[FP_RV_NONCE_LEN], mine[FP_SHA256_LEN];
	uint8_t theirs[FP_SHA256_LEN];
	uint32_t r = (uint32_t)rv->rank, s = (uint32_t)rv->size;
	int ret;

	if (getrandom(np, sizeof(np), 0) != sizeof(np))
		return -EIO;
	ret = send_msg(rv, &rv->up, FP_RV_HELLO, np, sizeof(np), deadline);
	if (!ret)
		ret = client_expect(rv, FP_RV_CHALLENGE, n0, deadline, err, errlen);
	else
		fp_say(err, errlen, "rank %d: rendezvous %s hello: %s", rv->rank, rv->addr,
		       why(ret));
	if (ret == -ECONNRESET || ret == -EPIPE)
		return -EAGAIN; /* closed before it said anything: try again */
	if (ret)
		return ret;
	fp_rv_proof(rv->token, "peer", n0, np, r, s, mine);
	ret = send_msg(rv, &rv->up, FP_RV_AUTH, mine, sizeof(mine), deadline);
	if (ret) {
		fp_say(err, errlen, "rank %d: rendezvous %s hello: %s", rv->rank, rv->addr,
		       why(ret));
		return ret;
	}
	fp_rv_proof(rv->token, "session", n0, np, r, s, rv->up.key);
	rv->up.keyed = true;
	ret = client_expect(rv, FP_RV_WELCOME, theirs, deadline, err, errlen);
	if (ret)
		return ret;
	fp_rv_proof(rv->token, "root", n0, np, r, s, mine);
	if (!fp_ct_equal(mine, theirs, sizeof(mine))) {
		fp_say(err, errlen,
		       "rank %d: rendezvous %s could not prove it holds the job token: it is not "
		       "this job's rank 0",
		       rv->rank, rv->addr);
		return -EKEYREJECTED;
	}
	return 0;
}

/* Every address the rendezvous name resolves to is a loopback one. */
static bool on_loopback(const char *addr)
{
	struct addrinfo *res, *ai;
	char err[8];
	bool lo = true;

	if (resolve(addr, false, &res, err, sizeof(err)))
		return false;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			lo &= (ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) ==
			      127;
		else if (ai->ai_family == AF_INET6)
			lo &= IN6_IS_ADDR_LOOPBACK(
				&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
		else
			lo = false;
	}
	freeaddrinfo(res);
	return lo;
}

int fp_rv_preflight(const char *addr, int rank, int size, char *err, size_t errlen)
{
	char host[256], port[16];
	struct rlimit rl;
	rlim_t need = (rlim_t)size + 64; /* a socket per rank, the listener, stdio, engines */

	if (!addr || fp_rv_split_addr(addr, host, sizeof(host), port, sizeof(port))) {
		fp_say(err, errlen, "rendezvous address '%s' is not HOST:PORT or [V6]:PORT",
		       addr ? addr : "");
		return -EINVAL;
	}
	if (rank || size < 2 || getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		fp_say(err, errlen,
		       "rank 0 of %d ranks needs %llu file descriptors but may open only %llu; as "
		       "root: ulimit -Hn %llu && ulimit -n %llu (or LimitNOFILE= / nofile in "
		       "/etc/security/limits.conf)",
		       size, (unsigned long long)need, (unsigned long long)rl.rlim_cur,
		       (unsigned long long)need, (unsigned long long)need);
		return -EMFILE;
	}
	return 0;
}

int fp_rv_open(const struct fp_rv_params *p, struct fp_rv **out, char *err, size_t errlen)
{
	struct fp_rv *rv;
	uint64_t deadline = fp_mono_ns() + p->timeout_ns;
	int ret = -EINVAL, lfd;

	if (p->size < 1 || p->size > FP_RV_MAX_RANKS || p->rank < 0 || p->rank >= p->size) {
		fp_say(err, errlen, "rank %d of size %d is not a valid rank", p->rank, p->size);
		return -EINVAL;
	}
	rv = calloc(1, sizeof(*rv));
	if (!rv)
		return -ENOMEM;
	rv->rank = p->rank;
	rv->size = p->size;
	rv->timeout_ns = p->timeout_ns;
	rv->stop = p->stop;
	rv->up.fd = -1;
	snprintf(rv->addr, sizeof(rv->addr), "%s", p->addr ? p->addr : "");
	strcpy(rv->local_ip, "127.0.0.1");
	rv->token = strdup(p->token ? p->token : "");
	if (!rv->token) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (p->size == 1)
		goto done;
	ret = fp_rv_preflight(rv->addr, p->rank, p->size, err, errlen);
	if (ret)
		goto err_free;
	if (p->weak_token && !on_loopback(rv->addr)) {
		if (p->require_token) {
			fp_say(err, errlen,
			       "rank %d: the job token is the launcher's job id, which anyone can "
			       "guess, and the rendezvous %s is off loopback: give --token or "
			       "FABPROBE_TOKEN a secret",
			       p->rank, rv->addr);
			ret = -EPERM; /* the runner: a usage error, exit 2 */
			goto err_free;
		}
		fprintf(stderr,
			"fabprobe: warning: rank %d: the job token is the launcher's job id, which "
			"anyone on the network can guess; set --token or FABPROBE_TOKEN to a "
			"secret\n",
			p->rank);
		rv->weak = true;
	}
	if (p->rank) {
		/*
		 * A rank 0 with more strangers waiting than it can hold closes the oldest, maybe
		 * us before its challenge: that is worth another try, within the deadline.
		 */
		do {
			if (rv->up.fd >= 0) {
				struct timespec ts = { 0, 100 * 1000 * 1000 };

				close(rv->up.fd);
				rv->up.fd = -1;
				nanosleep(&ts, NULL);
			}
			ret = client_connect(rv, deadline, err, errlen);
			if (!ret)
				ret = client_hello(rv, deadline, err, errlen);
		} while (ret == -EAGAIN && !stopped(rv) && fp_mono_ns() < deadline);
		if (ret == -EAGAIN)
			ret = -ECONNRESET;
		if (ret)
			goto err_free;
		goto done;
	}
	rv->conns = calloc((size_t)p->size, sizeof(*rv->conns));
	if (!rv->conns) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (int r = 0; r < p->size; r++)
		rv->conns[r].fd = -1;
	lfd = serve_listen(rv->addr, err, errlen);
	if (lfd < 0) {
		ret = lfd;
		goto err_free;
	}
	ret = serve_hellos(rv, lfd, deadline, err, errlen);
	if (!ret) {
		/* the address rank 0 can be reached on is the one it listens on */
		char host[256], port[16];

		if (!fp_rv_split_addr(rv->addr, host, sizeof(host), port, sizeof(port)) &&
		    strlen(host) < sizeof(rv->local_ip) && strcmp(host, "0.0.0.0") &&
		    strcmp(host, "::"))
			strcpy(rv->local_ip, host);
	}
	close(lfd);
	if (ret) {
		broadcast_error(rv, err);
		goto err_free;
	}
done:
	*out = rv;
	return 0;
err_free:
	fp_rv_close(rv);
	return ret;
}

void fp_rv_close(struct fp_rv *rv)
{
	if (!rv)
		return;
	if (rv->up.fd >= 0)
		close(rv->up.fd);
	if (rv->conns)
		for (int r = 1; r < rv->size; r++)
			if (rv->conns[r].fd >= 0)
				close(rv->conns[r].fd);
	if (rv->token)
		memset(rv->token, 0, strlen(rv->token));
	free(rv->token);
	free(rv->conns);
	memset(rv, 0, sizeof(*rv));
	free(rv);
}

bool fp_rv_auth_weak(const struct fp_rv *rv)
{
	return rv->weak;
}

const char *fp_rv_local_ip(const struct fp_rv *rv)
{
	return rv->local_ip;
}

/* ---------- collectives ---------- */

struct slot {
	uint8_t hdr[FP_RV_HDR_LEN];
	size_t got;
	struct fp_rv_hdr h;
	uint8_t *data;
	bool done;
};

/* Rank 0 reads one message from every other rank, from whichever is ready first. */
static int collect(struct fp_rv *rv, const char *what, struct slot *s, uint64_t deadline, char *err,
		   size_t errlen)
{
	struct pollfd *pfd = calloc((size_t)rv->size, sizeof(*pfd));
	int *who = calloc((size_t)rv->size, sizeof(*who));
	int left = rv->size - 1, ret = 0;

	if (!pfd || !who) {
		ret = -ENOMEM;
		goto out;
	}
	while (left) {
		int n = 0, r;

		for (int k = 1; k < rv->size; k++) {
			if (s[k].done)
				continue;
			pfd[n].fd = rv->conns[k].fd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			who[n++] = k;
		}
		r = wait_fds(rv, pfd, (nfds_t)n, deadline);
		if (r == -EINTR) {
			fp_say(err, errlen, "%s: interrupted by a signal", what);
			ret = r;
			goto out;
		}
		if (r <= 0) {
			char late[200] = "";
			size_t o = 0;

			for (int i = 0; i < n && o < sizeof(late) - 16; i++)
				o += (size_t)snprintf(late + o, sizeof(late) - o, "%s%d",
						      o ? "," : "", who[i]);
			fp_say(err, errlen, "%s: rank%s %s did not arrive within the timeout", what,
			       n > 1 ? "s" : "", late);
			ret = -ETIMEDOUT;
			goto out;
		}
		for (int i = 0; i < n; i++) {
			struct slot *sl = &s[who[i]];
			int k = who[i];
			ssize_t got;

			if (!pfd[i].revents)
				continue;
			if (sl->got < FP_RV_HDR_LEN) {
				got = recv(rv->conns[k].fd, sl->hdr + sl->got,
					   FP_RV_HDR_LEN - sl->got, MSG_DONTWAIT);
			} else {
				got = recv(rv->conns[k].fd, sl->data + (sl->got - FP_RV_HDR_LEN),
					   sl->h.len - (sl->got - FP_RV_HDR_LEN), MSG_DONTWAIT);
			}
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0) {
				fp_say(err, errlen,
				       "%s: rank %d closed its rendezvous connection "
				       "(died or was killed)",
				       what, k);
				ret = -ECONNRESET;
				goto out;
			}
			sl->got += (size_t)got;
			if (sl->got == FP_RV_HDR_LEN) {
				ret = fp_rv_hdr_decode(sl->hdr, FP_RV_HDR_LEN, FP_RV_MAX_BLOB,
						       &sl->h);
				if (!ret && (int)sl->h.rank != k)
					ret = -ERANGE;
				if (ret) {
					fp_say(err, errlen, "%s: bad message from rank %d: %s",
					       what, k, why(ret));
					goto out;
				}
				sl->data = malloc(sl->h.len + 1);
				if (!sl->data) {
					ret = -ENOMEM;
					goto out;
				}
			}
			if (sl->got >= FP_RV_HDR_LEN && sl->got == FP_RV_HDR_LEN + sl->h.len) {
				sl->data[sl->h.len] = 0;
				if (!opened(rv, &rv->conns[k], sl->hdr, sl->data, sl->h.len)) {
					fp_say(err, errlen,
					       "%s: bad message on rank %d's connection: %s", what,
					       k, why(-EKEYREJECTED));
					ret = -EKEYREJECTED;
					goto out;
				}
				if (sl->h.type == FP_RV_ERROR) {
					fp_say(err, errlen, "rank %d failed: %s", k, sl->data);
					ret = -ECANCELED;
					goto out;
				}
				if (sl->h.type != FP_RV_CONTRIB || sl->h.seq != rv->seq) {
					fp_say(err, errlen,
					       "%s: rank %d is out of step (%s #%u, "
					       "expected contribution #%u)",
					       what, k, fp_rv_type_name(sl->h.type), sl->h.seq,
					       rv->seq);
					ret = -EPROTO;
					goto out;
				}
				sl->done = true;
				left--;
			}
		}
	}
out:
	free(pfd);
	free(who);
	return ret;
}

static int exchange(struct fp_rv *rv, const char *what, const void *mine, size_t len, bool to_all,
		    struct fp_rv_blobs *out, char *err, size_t errlen)
{
	uint64_t deadline = fp_mono_ns() + rv->timeout_ns;
	struct slot *s = NULL;
	uint8_t *res = NULL, *pl = NULL;
	size_t total = 0;
	int ret = 0;

	rv->seq++;
	if (len > FP_RV_MAX_BLOB) {
		fp_say(err, errlen, "%s: %zu bytes is over the rendezvous limit", what, len);
		return -EMSGSIZE;
	}
	if (rv->rank) {
		struct fp_rv_hdr h;

		ret = send_msg(rv, &rv->up, FP_RV_CONTRIB, mine, len, deadline);
		if (!ret)
			ret = recv_msg(rv, &rv->up, FP_RV_MAX_PAYLOAD, &h, &pl, deadline);
		if (ret == -ECONNRESET || ret == -EPIPE) {
			fp_say(err, errlen,
			       "%s: rank 0 (the rendezvous) is gone: it died or ended "
			       "the job",
			       what);
		} else if (ret) {
			fp_say(err, errlen, "%s: waiting for rank 0: %s", what, why(ret));
		} else if (h.type == FP_RV_ERROR) {
			fp_say(err, errlen, "%s", pl ? (char *)pl : "the job was aborted");
			ret = -ECANCELED;
		} else if (h.type != FP_RV_RESULT || h.seq != rv->seq) {
			fp_say(err, errlen, "%s: rank 0 is out of step", what);
			ret = -EPROTO;
		} else if (to_all) {
			ret = fp_rv_blobs_parse(pl, h.len, (uint32_t)rv->size, out);
			if (ret)
				fp_say(err, errlen, "%s: malformed result from rank 0", what);
		}
		free(pl);
		return ret;
	}
	if (rv->size > 1) {
		s = calloc((size_t)rv->size, sizeof(*s));
		if (!s)
			return -ENOMEM;
		ret = collect(rv, what, s, deadline, err, errlen);
		if (ret) {
			broadcast_error(rv, err);
			goto out;
		}
	}
	total = 4 + len;
	for (int k = 1; k < rv->size; k++)
		total += 4 + s[k].h.len;
	if (total > FP_RV_MAX_PAYLOAD) {
		fp_say(err, errlen, "%s: %zu bytes in all is over the rendezvous limit", what,
		       total);
		ret = -EMSGSIZE;
		broadcast_error(rv, err);
		goto out;
	}
	res = malloc(total);
	if (!res) {
		ret = -ENOMEM;
		goto out;
	}
	{
		size_t o = 0;

		for (int k = 0; k < rv->size; k++) {
			const void *b = k ? s[k].data : mine;
			uint32_t l = k ? s[k].h.len : (uint32_t)len;

			fp_put_u32(res + o, l);
			if (l)
				memcpy(res + o + 4, b, l);
			o += 4 + l;
		}
	}
	for (int k = 1; k < rv->size; k++) {
		ret = send_msg(rv, &rv->conns[k], FP_RV_RESULT, to_all ? res : NULL,
			       to_all ? total : 0, deadline);
		if (ret) {
			fp_say(err, errlen, "%s: sending to rank %d: %s", what, k, why(ret));
			broadcast_error(rv, err);
			goto out;
		}
	}
	if (out)
		ret = fp_rv_blobs_parse(res, total, (uint32_t)rv->size, out);
out:
	if (s)
		for (int k = 0; k < rv->size; k++)
			free(s[k].data);
	free(s);
	free(res);
	return ret;
}

int fp_rv_allgather(struct fp_rv *rv, const char *what, const void *mine, size_t len,
		    struct fp_rv_blobs *out, char *err, size_t errlen)
{
	return exchange(rv, what, mine, len, true, out, err, errlen);
}

int fp_rv_gather(struct fp_rv *rv, const char *what, const void *mine, size_t len,
		 struct fp_rv_blobs *out, char *err, size_t errlen)
{
	return exchange(rv, what, mine, len, false, rv->rank ? NULL : out, err, errlen);
}

int fp_rv_barrier(struct fp_rv *rv, const char *what, char *err, size_t errlen)
{
	return exchange(rv, what, NULL, 0, false, NULL, err, errlen);
}

void fp_rv_abort(struct fp_rv *rv, const char *text)
{
	size_t len = strlen(text);

	if (!rv || rv->size == 1)
		return;
	if (len > 1000)
		len = 1000;
	if (rv->rank == 0) {
		broadcast_error(rv, text);
		return;
	}
	last_words(rv, &rv->up, text, len);
}

int fp_rv_postmortem(struct fp_rv *rv, uint64_t wait_ns, int *dead, int maxdead, char *report,
		     size_t len)
{
	uint64_t deadline = fp_mono_ns() + wait_ns;
	int ndead = 0, open_ = 0;
	bool *done;

	if (len)
		report[0] = 0;
	if (rv->rank || rv->size < 2)
		return 0;
	done = calloc((size_t)rv->size, sizeof(*done));
	if (!done)
		return 0;
	for (int k = 1; k < rv->size; k++)
		open_ += rv->conns[k].fd >= 0;
	while (open_ && fp_mono_ns() < deadline) {
		for (int k = 1; k < rv->size; k++) {
			struct pollfd pfd = { .fd = rv->conns[k].fd, .events = POLLIN };
			struct fp_rv_hdr h;
			uint8_t *pl = NULL;
			int ret;

			if (done[k] || rv->conns[k].fd < 0 || poll(&pfd, 1, 0) <= 0)
				continue;
			ret = recv_msg(rv, &rv->conns[k], FP_RV_MAX_PAYLOAD, &h, &pl,
				       fp_mono_ns() + 100 * 1000 * 1000);
			if (!ret && h.type == FP_RV_ERROR) {
				if (len && !report[0])
					snprintf(report, len, "%s", pl ? (char *)pl : "");
				done[k] = true; /* it spoke: not a silent death */
				open_--;
			} else if (ret == -ECONNRESET || (ret && ret != -ETIMEDOUT)) {
				if (ndead < maxdead)
					dead[ndead] = k;
				ndead++;
				done[k] = true;
				open_--;
			}
			free(pl);
		}
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	free(done);
	return ndead;
}
