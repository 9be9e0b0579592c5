// SPDX-License-Identifier: MIT
/* The rendezvous wire: bounded reads and writes, sealed messages, addresses. */
#include "rv_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../core/clock.h"
#include "../../core/err.h"
#include "../../core/sha256.h"

bool fp_rv_stopped(const struct fp_rv *rv)
{
	return rv->stop && *rv->stop;
}

/*
 * poll() until something is ready, the deadline passes (-ETIMEDOUT) or the stop flag is set
 * (-EINTR). Slices of at most 100 ms: a signal that lands just before poll() still ends the
 * wait promptly.
 */
int fp_rv_wait_fds(const struct fp_rv *rv, struct pollfd *pfd, nfds_t n, uint64_t deadline)
{
	for (;;) {
		uint64_t now = fp_mono_ns();
		int ms, r;

		if (fp_rv_stopped(rv))
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

/* Write it all within the deadline; *sent says how much went out, whatever the outcome. */
static int write_full(const struct fp_rv *rv, int fd, const void *buf, size_t len,
		      uint64_t deadline, size_t *sent)
{
	const uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;
		int r = fp_rv_wait_fds(rv, &pfd, 1, deadline);

		if (r < 0)
			return r;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		*sent += (size_t)n;
	}
	return 0;
}

static int read_full(const struct fp_rv *rv, int fd, void *buf, size_t len, uint64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r = fp_rv_wait_fds(rv, &pfd, 1, deadline);

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

/*
 * A header for c, with its mac when c is keyed, under the next send counter; the counter moves
 * on only once the message is out (fp_rv_send_msg).
 */
void fp_rv_seal(struct fp_rv *rv, struct fp_rv_conn *c, uint16_t type, uint32_t rank,
		const void *payload, size_t len, const uint8_t *digest, uint8_t *hdr)
{
	uint8_t d[FP_SHA256_LEN];
	struct fp_rv_hdr h = { .type = type,
			       .rank = rank,
			       .size = (uint32_t)rv->size,
			       .seq = rv->seq,
			       .len = (uint32_t)len };

	fp_rv_hdr_encode(&h, hdr);
	if (c->keyed) {
		if (!digest)
			fp_rv_digest(payload, len, d);
		fp_rv_mac(c->key, tx_dir(rv), c->tx, hdr, digest ? digest : d, h.mac);
		memcpy(hdr + FP_RV_MAC_AT, h.mac, FP_SHA256_LEN);
	}
}

/* Is this received message authentic, and the next one in its direction? */
bool fp_rv_opened(const struct fp_rv *rv, struct fp_rv_conn *c, const uint8_t *hdr,
		  const void *payload, size_t len)
{
	uint8_t mac[FP_SHA256_LEN], d[FP_SHA256_LEN];

	if (!c->keyed)
		return true;
	fp_rv_digest(payload, len, d);
	fp_rv_mac(c->key, rx_dir(rv), c->rx, hdr, d, mac);
	if (!fp_ct_equal(mac, hdr + FP_RV_MAC_AT, FP_SHA256_LEN))
		return false;
	c->rx++;
	return true;
}

/*
 * Nothing is sealed once the stop flag or the deadline has come, and a message counts (its
 * counter is used up) only once it is written whole: a message that never left cannot make
 * the next one fail authentication. Half a message leaves the stream unreadable: the
 * connection is shut down, so the far end sees it closed rather than garbage.
 */
int fp_rv_send_msg(struct fp_rv *rv, struct fp_rv_conn *c, uint16_t type, const void *payload,
		   size_t len, uint64_t deadline)
{
	uint8_t hdr[FP_RV_HDR_LEN];
	size_t sent = 0;
	int ret;

	if (c->fd < 0 || c->broken)
		return -ECONNRESET;
	if (fp_rv_stopped(rv))
		return -EINTR;
	if (fp_mono_ns() >= deadline)
		return -ETIMEDOUT;
	fp_rv_seal(rv, c, type, (uint32_t)rv->rank, payload, len, NULL, hdr);
	ret = write_full(rv, c->fd, hdr, sizeof(hdr), deadline, &sent);
	if (!ret && len)
		ret = write_full(rv, c->fd, payload, len, deadline, &sent);
	if (!ret) {
		c->tx += c->keyed;
		return 0;
	}
	if (sent) {
		c->broken = true;
		shutdown(c->fd, SHUT_RDWR);
	}
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
int fp_rv_recv_msg(struct fp_rv *rv, struct fp_rv_conn *c, uint32_t max_len, struct fp_rv_hdr *h,
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
	if (!fp_rv_opened(rv, c, hdr, p, h->len)) {
		free(p);
		if (h->type == FP_RV_ERROR && !c->rx && all_zero(h->mac, sizeof(h->mac)))
			return -EACCES;
		return -EKEYREJECTED;
	}
	*payload = p;
	return 0;
}

const char *fp_rv_why(int ret)
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

void fp_rv_set_local_ip(struct fp_rv *rv, int fd)
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

void fp_rv_tune(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int fp_rv_resolve(const char *addr, bool passive, struct addrinfo **res, char *err, size_t errlen)
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

/* Last words go out even after a stop signal, bounded by their own second. */
void fp_rv_last_words(struct fp_rv *rv, struct fp_rv_conn *c, const char *text, size_t len)
{
	const volatile sig_atomic_t *stop = rv->stop;

	rv->stop = NULL;
	fp_rv_send_msg(rv, c, FP_RV_ERROR, text, len, fp_mono_ns() + 1000000000ull);
	rv->stop = stop;
}

void fp_rv_broadcast_error(struct fp_rv *rv, const char *text)
{
	for (int r = 1; r < rv->size; r++)
		if (rv->conns[r].fd >= 0)
			fp_rv_last_words(rv, &rv->conns[r], text, strlen(text));
}

/* A connection that has not proved the token yet: it gets to say HELLO, then AUTH. */
