// SPDX-License-Identifier: MIT
/*
 * The sockets engine's UDP send and receive (sock_udp.c) on a loopback pair: a frame size
 * that cannot hold a connection's own overhead and header is refused with -EMSGSIZE, never
 * turned into a wrapped datagram length; the smallest that can is sent and received; and
 * a datagram without the receiving stream's cookie is dropped and counted as forged.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../fabric/runtime/engines/sock_priv.h"
#include "t.h"

#define BATCH_ALL 32

static int udp_bound(struct sockaddr_in *a)
{
	socklen_t al = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	*a = (struct sockaddr_in){ .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) ||
	    getsockname(fd, (struct sockaddr *)a, &al))
		return -1;
	return fd;
}

int main(void)
{
	struct sockaddr_in a, b;
	int fa = udp_bound(&a), fb = udp_bound(&b);
	struct fp_sock_stream sa = { .fd = -1, .ufd = fa }, sb = { .fd = -1, .ufd = fb };
	struct fp_conn tx = { .s = &sa, .ns = 1, .flow = 3, .udp = true, .ovh = FP_SOCK_OVH6 };
	struct fp_conn rx = { .s = &sb, .ns = 1, .flow = 3, .udp = true, .ovh = FP_SOCK_OVH6 };
	static uint8_t buf[256];
	size_t least = FP_SOCK_OVH6 + FP_SOCK_UHDR;
	int got = 0;

	if (fa < 0 || fb < 0 || connect(fa, (struct sockaddr *)&b, sizeof(b)) ||
	    connect(fb, (struct sockaddr *)&a, sizeof(a))) {
		printf("SKIP: no loopback UDP here\n");
		return 77;
	}
	fp_sock_udp_reset(&tx);
	fp_sock_udp_reset(&rx);
	/* 62..81 B pass an IPv4 minimum but not an IPv6 connection's own */
	for (size_t len = FP_SOCK_OVH4 + FP_SOCK_UHDR; len < least; len++) {
		CHECK(fp_sock_udp_tx(&tx, buf, len, 1) == -EMSGSIZE, "tx %zu B over IPv6", len);
		CHECK(fp_sock_udp_rx(&rx, buf, len, 1) == -EMSGSIZE, "rx %zu B over IPv6", len);
	}
	CHECK(fp_sock_udp_tx(&tx, buf, least, 1) == 1, "tx %zu B", least);
	for (int i = 0; i < 1000 && !got; i++) {
		got = fp_sock_udp_rx(&rx, buf, least, 1);
		if (!got)
			usleep(1000);
	}
	CHECK(got == 1 && rx.u.st.pkts == 1 && !rx.u.st.forged, "rx %zu B: %d", least, got);
	/* from the peer's address but without the cookie its end sent: a forged end frame and a
	 * data frame far ahead (loss) are dropped and counted, never taken */
	sb.cookie_rx = sa.cookie_tx = 0x5eedc0de5eedc0deull;
	for (int k = 0; k < 2; k++) {
		uint8_t f[FP_SOCK_UHDR] = { 0xFC, (uint8_t)!k, 0, (uint8_t)rx.u.epoch };

		f[15] = 99; /* seq: an end frame that says 99 were sent, or data frame 99 */
		CHECK(send(fa, f, sizeof(f), 0) == (ssize_t)sizeof(f), "send");
	}
	CHECK(fp_sock_udp_tx(&tx, buf, least, 1) == 1, "tx with the cookie");
	got = 0;
	for (int i = 0; i < 1000 && rx.u.st.forged + rx.u.st.pkts < 4; i++) {
		got += fp_sock_udp_rx(&rx, buf, least, BATCH_ALL);
		usleep(1000);
	}
	CHECK(got == 1 && rx.u.st.pkts == 2 && rx.u.st.forged == 2 && !rx.u.st.end_seen &&
		      rx.u.next == 2,
	      "forged: %d taken, %llu forged, end %d", got, (unsigned long long)rx.u.st.forged,
	      rx.u.st.end_seen);
	close(fa);
	close(fb);
	return t_done("sockudp");
}
