// SPDX-License-Identifier: MIT
/*
 * Trace probes and their answers: probes built with the flow's 5-tuple and valid checksums
 * (recomputed here byte by byte, RFC 1071); ICMP time exceeded, port unreachable, TCP RST and
 * SYN-ACK parsed and matched to the probe they answer, never to another; every truncation
 * of an answer refused or ignored without reading past its end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../fabric/runtime/probe.h"
#include "t.h"

/* the L4 checksum over the pseudo-header and the segment: 0xffff when right */
static unsigned l4_sum(const uint8_t *ip, size_t len)
{
	uint8_t ph[12 + 64];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	ph[10] = 0;
	ph[11] = (uint8_t)(len - 20);
	memcpy(ph + 12, ip + 20, len - 20);
	return t_ones_sum(ph, 12 + len - 20);
}

static uint32_t a4(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a;
}

/* an answer: outer IPv4 header from -> to, protocol proto, then body */
static size_t answer(uint8_t *pkt, uint32_t from, uint32_t to, uint8_t proto, const uint8_t *body,
		     size_t blen)
{
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)((20 + blen) >> 8);
	pkt[3] = (uint8_t)(20 + blen);
	pkt[8] = 64;
	pkt[9] = proto;
	memcpy(pkt + 12, &from, 4);
	memcpy(pkt + 16, &to, 4);
	memcpy(pkt + 20, body, blen);
	return 20 + blen;
}

/* ICMP type/code quoting the probe's IP header and first quote bytes of its L4 header */
static size_t icmp_about(uint8_t *pkt, uint32_t from, uint32_t to, uint8_t type, uint8_t code,
			 const uint8_t *probe, size_t quote)
{
	uint8_t body[8 + 20 + 40] = { type, code };

	memcpy(body + 8, probe, 20 + quote);
	return answer(pkt, from, to, 1, body, 8 + 20 + quote);
}

static void probes(const struct fp_probe_flow *tcp, const struct fp_probe_flow *udp)
{
	uint8_t p[FP_PROBE_MAXLEN];
	size_t n;

	n = fp_probe_build(p, sizeof(p), tcp, 3, 0x1234);
	CHECK(n == 40, "tcp probe %zu bytes", n);
	CHECK(p[0] == 0x45 && p[8] == 3 && p[9] == 6, "ip header %x ttl %u proto %u", p[0], p[8],
	      p[9]);
	CHECK(p[4] == 0x12 && p[5] == 0x34, "identification");
	CHECK(t_ones_sum(p, 20) == 0xffff, "ip checksum %x", t_ones_sum(p, 20));
	CHECK(p[20] == 0xc0 && p[21] == 0x01 && p[22] == 0x14 && p[23] == 0x51, "tcp ports");
	CHECK(p[33] == 0x02, "a SYN, flags %x", p[33]);
	CHECK(l4_sum(p, n) == 0xffff, "tcp checksum %x", l4_sum(p, n));
	n = fp_probe_build(p, sizeof(p), udp, 1, 7);
	CHECK(n == 40 && p[9] == 17 && p[8] == 1, "udp probe %zu bytes proto %u", n, p[9]);
	CHECK(p[22] == 0x12 && p[23] == 0xb7 && p[24] == 0 && p[25] == 20, "udp 4791, length 20");
	CHECK(l4_sum(p, n) == 0xffff, "udp checksum %x", l4_sum(p, n));
	CHECK(fp_probe_build(p, 39, udp, 1, 7) == 0, "a short buffer is refused");
}

static void hops(const struct fp_probe_flow *tcp, const struct fp_probe_flow *udp)
{
	uint8_t p[FP_PROBE_MAXLEN], pkt[128];
	struct fp_probe_reply r;
	size_t n;

	fp_probe_build(p, sizeof(p), tcp, 2, 0x1234);
	n = icmp_about(pkt, a4("10.99.0.34"), tcp->src, 11, 0, p, 8);
	CHECK(!fp_probe_parse(pkt, n, &r), "time exceeded parses");
	CHECK(r.kind == FP_PROBE_HOP && r.from == a4("10.99.0.34"), "a hop, kind %d", r.kind);
	CHECK(fp_probe_matches(&r, tcp, 0x1234), "it answers the probe");
	CHECK(!fp_probe_matches(&r, tcp, 0x1235), "not another probe of the flow");
	CHECK(!fp_probe_matches(&r, udp, 0x1234), "not another flow");
	/* a router that rewrote the quoted identification: the TCP sequence still names it */
	pkt[20 + 8 + 4] ^= 0xff;
	CHECK(!fp_probe_parse(pkt, n, &r) && fp_probe_matches(&r, tcp, 0x1234), "by sequence");
	/* ports swapped: another flow */
	pkt[20 + 8 + 4] ^= 0xff;
	pkt[20 + 8 + 20] ^= 1;
	CHECK(!fp_probe_parse(pkt, n, &r) && !fp_probe_matches(&r, tcp, 0x1234), "source port");
	/* the destination's port unreachable ends a UDP trace */
	fp_probe_build(p, sizeof(p), udp, 4, 99);
	n = icmp_about(pkt, udp->dst, udp->src, 3, 3, p, 20);
	CHECK(!fp_probe_parse(pkt, n, &r) && r.kind == FP_PROBE_UNREACH && r.code == 3, "unreach");
	CHECK(r.from == udp->dst && fp_probe_matches(&r, udp, 99), "from the destination");
	/* echo reply, reassembly timeout: not about a probe */
	n = icmp_about(pkt, udp->dst, udp->src, 0, 0, p, 20);
	CHECK(!fp_probe_parse(pkt, n, &r) && r.kind == FP_PROBE_OTHER, "echo reply ignored");
	n = icmp_about(pkt, udp->dst, udp->src, 11, 1, p, 20);
	CHECK(!fp_probe_parse(pkt, n, &r) && r.kind == FP_PROBE_OTHER, "reassembly ignored");
}

static void tcp_end(const struct fp_probe_flow *tcp)
{
	uint8_t th[20] = { 0x14, 0x51, 0xc0, 0x01 }, pkt[64];
	struct fp_probe_reply r;
	uint32_t ack = 0x12341234 + 1;
	size_t n;

	th[8] = (uint8_t)(ack >> 24);
	th[9] = (uint8_t)(ack >> 16);
	th[10] = (uint8_t)(ack >> 8);
	th[11] = (uint8_t)ack;
	th[12] = 5 << 4;
	th[13] = 0x14; /* RST ACK */
	n = answer(pkt, tcp->dst, tcp->src, 6, th, sizeof(th));
	CHECK(!fp_probe_parse(pkt, n, &r) && r.kind == FP_PROBE_TCP_END, "a reset, kind %d",
	      r.kind);
	CHECK(fp_probe_matches(&r, tcp, 0x1234), "answers probe 0x1234");
	CHECK(!fp_probe_matches(&r, tcp, 0x1233), "not probe 0x1233");
	pkt[20 + 13] = 0x12; /* SYN ACK */
	CHECK(!fp_probe_parse(pkt, n, &r) && fp_probe_matches(&r, tcp, 0x1234), "a SYN-ACK");
	pkt[20 + 13] = 0x02; /* a SYN alone: not an answer */
	CHECK(!fp_probe_parse(pkt, n, &r) && r.kind == FP_PROBE_OTHER, "a bare SYN ignored");
	/* a bare ACK of the flow's TIME-WAIT socket, its number not the probe's: the end */
	pkt[20 + 13] = 0x10;
	pkt[20 + 8] ^= 0xff;
	CHECK(!fp_probe_parse(pkt, n, &r) && r.kind == FP_PROBE_TCP_END && r.tcp_tw &&
		      fp_probe_matches(&r, tcp, 0x1234),
	      "a TIME-WAIT ACK ends the trace");
	pkt[20 + 8] ^= 0xff;
	pkt[20 + 13] = 0x04;
	memcpy(pkt + 12, &tcp->src, 4); /* a reset from elsewhere */
	CHECK(!fp_probe_parse(pkt, n, &r) && !fp_probe_matches(&r, tcp, 0x1234), "elsewhere");
	pkt[20 + 12] = 6 << 4; /* a data offset past the segment */
	CHECK(fp_probe_parse(pkt, n, &r) == -EINVAL, "data offset past the end");
}

static void truncated(const struct fp_probe_flow *tcp)
{
	uint8_t p[FP_PROBE_MAXLEN], pkt[128];
	struct fp_probe_reply r;
	size_t n;
	int bad = 0;

	fp_probe_build(p, sizeof(p), tcp, 2, 0x1234);
	n = icmp_about(pkt, a4("10.99.0.34"), tcp->src, 11, 0, p, 8);
	for (size_t k = 0; k < n; k++) {
		uint8_t *cut = malloc(k ? k : 1); /* exactly k bytes: ASan sees a read past them */

		if (!cut)
			continue;
		memcpy(cut, pkt, k);
		bad += fp_probe_parse(cut, k, &r) == -EINVAL;
		CHECK(!fp_probe_matches(&r, tcp, 0x1234), "a %zu-byte cut matches", k);
		free(cut);
	}
	CHECK(bad == (int)n, "every cut refused: %d of %zu", bad, n);
	n = icmp_about(pkt, a4("10.99.0.34"), tcp->src, 11, 0, p, 4); /* 4 bytes quoted */
	CHECK(fp_probe_parse(pkt, n, &r) == -EINVAL, "a quote without both ports");
	pkt[0] = 0x4f; /* IHL past the packet */
	CHECK(fp_probe_parse(pkt, 40, &r) == -EINVAL, "header past the end");
	pkt[0] = 0x65;
	CHECK(fp_probe_parse(pkt, n, &r) == -EINVAL, "not IPv4");
	pkt[0] = 0x45;
	pkt[2] = 0;
	pkt[3] = 10;
	CHECK(fp_probe_parse(pkt, n, &r) == -EINVAL, "total length below the header");
}

/* a queue that never holds the answer: drain returns after FP_PROBE_DRAIN_MAX packets */
static void bounded_drain(const struct fp_probe_flow *tcp)
{
	uint8_t junk[20] = { 0x45 };
	struct fp_probe_reply r;
	unsigned left = 0;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv)) {
		CHECK(0, "socketpair");
		return;
	}
	for (unsigned i = 0; i < FP_PROBE_DRAIN_MAX + 36; i++)
		CHECK(send(sv[1], junk, sizeof(junk), 0) == sizeof(junk), "queue packet %u", i);
	CHECK(fp_probe_drain(sv[0], tcp, 7, &r) == 0, "no answer among the junk");
	while (recv(sv[0], junk, sizeof(junk), MSG_DONTWAIT) > 0)
		left++;
	CHECK(left == 36, "drain stops after %d packets (%u left, want 36)", FP_PROBE_DRAIN_MAX,
	      left);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	struct fp_probe_flow tcp = { FP_PROBE_TCP, a4("10.99.0.1"), a4("10.99.0.9"), 0xc001, 5201 };
	struct fp_probe_flow udp = { FP_PROBE_UDP, a4("10.99.0.1"), a4("10.99.0.29"), 0xc123,
				     4791 };
	probes(&tcp, &udp);
	hops(&tcp, &udp);
	tcp_end(&tcp);
	truncated(&tcp);
	bounded_drain(&tcp);
	return t_done("probe");
}
