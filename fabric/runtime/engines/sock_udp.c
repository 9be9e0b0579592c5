// SPDX-License-Identifier: MIT
/*
 * The sockets engine over UDP (--proto udp): a datagram engine (FP_ENG_DGRAM) like DPDK, so
 * the runner paces, and counts loss and reordering from sequence numbers instead of keeping
 * a credit window. A message is one frame: its size counts the Ethernet header and FCS, as
 * DPDK's does, so 1518 carries a 1472-byte datagram over IPv4 (FP_SOCK_OVH4).
 *
 * Each stream's datagram socket is connected to its peer's, whose port came over the
 * stream's authenticated TCP connection: the kernel drops datagrams from other addresses.
 * A spoofed source address passes that, so each end also sends, next to its port, a random
 * 64-bit cookie that every datagram to it must carry: one without it (a forged end frame
 * would end the measurement early, forged data frames falsify loss) is dropped and counted.
 *
 * Datagram header (network byte order): 0 magic u8 (0xFC)  1 kind u8 (0 data, 1 end)
 * 2 epoch u16  4 cookie u64  12 seq u32. An end frame carries in seq how many data frames
 * the sender sent this epoch. Byte i >= 16 of a datagram is fp_payload_byte(i).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../../core/clock.h"
#include "../../../core/wire.h"
#include "sock_priv.h"
#include "udmsg.h"

#define UMAGIC 0xFC
#define K_DATA 0
#define K_END  1
#define BATCH  32
#define RCVBUF (8 << 20) /* a burst on loopback fits: loss there means a slow reader */

static void put_hdr(uint8_t *h, uint8_t kind, uint16_t epoch, uint64_t cookie, uint32_t seq)
{
	h[0] = UMAGIC;
	h[1] = kind;
	h[2] = (uint8_t)(epoch >> 8);
	h[3] = (uint8_t)epoch;
	fp_put_u64(h + 4, cookie);
	fp_put_u32(h + 12, seq);
}

int fp_sock_udp_open(struct fp_sock_stream *s, const char *ip)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int sz = RCVBUF;
	uint8_t port[10]; /* the port, then this end's cookie */

	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		sl = sizeof(*s6);
	} else {
		return -EINVAL;
	}
	s->ufd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->ufd < 0)
		return -errno;
	/* FORCE passes rmem_max as root; otherwise the kernel caps what it grants */
	if (setsockopt(s->ufd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(s->ufd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(s->ufd, (struct sockaddr *)&ss, sl))
		return -errno;
	sl = sizeof(ss);
	if (getsockname(s->ufd, (struct sockaddr *)&ss, &sl))
		return -errno;
	memcpy(port, ss.ss_family == AF_INET6 ? (void *)&s6->sin6_port : (void *)&s4->sin_port, 2);
	if (getrandom(&s->cookie_rx, sizeof(s->cookie_rx), 0) != (ssize_t)sizeof(s->cookie_rx))
		return -EIO;
	fp_put_u64(port + 2, s->cookie_rx);
	if (send(s->fd, port, sizeof(port), MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(port))
		return -EIO;
	return 0;
}

int fp_sock_udp_join(struct fp_sock_stream *s, uint64_t timeout_ns)
{
	uint64_t deadline = fp_mono_ns() + timeout_ns;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint8_t port[10]; /* the peer's port, then its cookie */
	size_t got = 0;

	while (got < sizeof(port)) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		uint64_t now = fp_mono_ns();
		ssize_t r;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) < 0 && errno != EINTR)
			return -errno;
		r = recv(s->fd, port + got, sizeof(port) - got, MSG_DONTWAIT);
		if (r == 0)
			return -ECONNRESET;
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (r > 0)
			got += (size_t)r;
	}
	if (getpeername(s->fd, (struct sockaddr *)&ss, &sl))
		return -errno;
	s->cookie_tx = fp_get_u64(port + 2);
	if (ss.ss_family == AF_INET6)
		memcpy(&((struct sockaddr_in6 *)&ss)->sin6_port, port, 2);
	else
		memcpy(&((struct sockaddr_in *)&ss)->sin_port, port, 2);
	if (connect(s->ufd, (struct sockaddr *)&ss, sl))
		return -errno;
	return 0;
}

/* A send that the kernel could not take now is not an error: the frame is simply not sent. */
static bool transient(int e)
{
	return e == EAGAIN || e == EINTR || e == ENOBUFS || e == ECONNREFUSED;
}

/* n data frames on the next stream in turn, one sendmmsg. */
int fp_sock_udp_tx(struct fp_conn *c, const void *buf, size_t len, unsigned n)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH][2];
	uint8_t hdr[BATCH][FP_SOCK_UHDR];
	struct fp_sock_stream *s = &c->s[c->cur];
	int r;

	if (len < (size_t)c->ovh + FP_SOCK_UHDR) /* the payload length below would wrap */
		return -EMSGSIZE;
	if (n > BATCH)
		n = BATCH;
	for (unsigned k = 0; k < n; k++) {
		put_hdr(hdr[k], K_DATA, c->u.epoch, s->cookie_tx, c->u.seq + k);
		iov[k][0] = (struct iovec){ hdr[k], FP_SOCK_UHDR };
		iov[k][1] = (struct iovec){ (uint8_t *)buf + FP_SOCK_UHDR,
					    len - c->ovh - FP_SOCK_UHDR };
		mm[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = iov[k], .msg_iovlen = 2 } };
	}
	r = sendmmsg(s->ufd, mm, n, MSG_DONTWAIT);
	if (c->ns > 1)
		c->cur = (c->cur + 1) % c->ns;
	/* a local filter (nftables output) refused the first frame: it went, and is lost. One
	 * refused later in a batch only shortens it (sendmmsg drops that error) and goes again. */
	if (r < 0 && errno == EPERM)
		r = 1;
	else if (r < 0)
		return transient(errno) ? 0 : -errno;
	c->u.seq += (uint32_t)r;
	return r;
}

_Static_assert(FP_SOCK_SEQ_WIN == FP_UD_WIN, "one sequence window (fp_seq_track, udmsg.c)");

int fp_sock_udp_take(struct fp_conn *c, uint64_t cookie, const uint8_t *h, size_t got, bool trunc,
		     size_t len)
{
	uint16_t epoch;

	if (got < FP_SOCK_UHDR || fp_get_u64(h + 4) != cookie) {
		c->u.st.forged++; /* from the peer's address, but not from the peer */
		return 0;
	}
	if (trunc || h[0] != UMAGIC || h[1] > K_END)
		return 0;
	epoch = (uint16_t)(h[2] << 8 | h[3]);
	if (epoch != c->u.epoch) {
		c->u.st.stale++;
		return 0;
	}
	if (h[1] == K_END) {
		c->u.st.end_seen = true;
		c->u.st.peer_sent = fp_get_u32(h + 12);
		return 0;
	}
	if (got != len - c->ovh ||
	    !fp_seq_track(&c->u.next, c->u.win, fp_get_u32(h + 12), &c->u.st))
		return 0;
	c->u.st.pkts++;
	c->u.st.bytes += len;
	return 1;
}

/* Up to n new data frames from every stream; the payload lands in buf (and is overwritten). */
int fp_sock_udp_rx(struct fp_conn *c, void *buf, size_t len, unsigned n)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH][2];
	uint8_t hdr[BATCH][FP_SOCK_UHDR];
	int fresh = 0;

	if (len < (size_t)c->ovh + FP_SOCK_UHDR) /* the payload length below would wrap */
		return -EMSGSIZE;
	if (n > BATCH)
		n = BATCH;
	for (unsigned i = 0; i < c->ns && (unsigned)fresh < n; i++) {
		unsigned want = n - (unsigned)fresh;
		int r;

		for (unsigned k = 0; k < want; k++) {
			iov[k][0] = (struct iovec){ hdr[k], FP_SOCK_UHDR };
			/* one byte more than a frame's datagram: a longer one shows as truncated */
			iov[k][1] = (struct iovec){ (uint8_t *)buf + FP_SOCK_UHDR,
						    len - c->ovh - FP_SOCK_UHDR + 1 };
			mm[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = iov[k],
							       .msg_iovlen = 2 } };
		}
		r = recvmmsg(c->s[i].ufd, mm, want, MSG_DONTWAIT, NULL);
		if (r < 0 && (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED))
			continue;
		if (r < 0)
			return -errno;
		for (int k = 0; k < r; k++)
			fresh += fp_sock_udp_take(c, c->s[i].cookie_rx, hdr[k], mm[k].msg_len,
						  mm[k].msg_hdr.msg_flags & MSG_TRUNC, len);
	}
	return fresh;
}

void fp_sock_udp_reset(struct fp_conn *c)
{
	uint16_t epoch = c->u.epoch;

	memset(&c->u, 0, sizeof(c->u));
	c->u.epoch = (uint16_t)(epoch + 1);
}

int fp_sock_udp_finish(struct fp_conn *c)
{
	uint8_t h[FP_SOCK_UHDR];

	put_hdr(h, K_END, c->u.epoch, c->s[0].cookie_tx, c->u.seq);
	if (send(c->s[0].ufd, h, sizeof(h), MSG_DONTWAIT) < 0 && !transient(errno))
		return -errno;
	return 0;
}

void fp_sock_udp_stats(const struct fp_conn *c, struct fp_dgram_stats *st)
{
	*st = c->u.st;
	st->oneway = NULL;
}
