// SPDX-License-Identifier: MIT
/*
 * Probe packets and their answers on the wire: building a TTL-limited IPv4 probe with a
 * flow's 5-tuple, and parsing what comes back. Every length is checked against what was
 * received before a byte is read.
 */
#include <errno.h>
#include <string.h>

#include "engines/udpframe.h"
#include "probe.h"

#define IP_MIN	 20
#define TCP_MIN	 20
#define UDP_LEN	 8
#define UDP_DATA 12 /* the size of an InfiniBand BTH, which a RoCE v2 packet starts with */
#define ICMP_HDR 8

enum { PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17 };
enum { ICMP_UNREACH = 3, ICMP_TIMXCEED = 11 };
enum { TH_SYN = 0x02, TH_RST = 0x04, TH_ACK = 0x10 };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* the probe's TCP sequence number: its IP identification, twice, so either names it */
static uint32_t probe_seq(uint16_t id)
{
	return (uint32_t)id << 16 | id;
}

/* The IPv4 header at p (RFC 791 3.1): its length, or 0 when it is not one within len. */
static size_t ip_header(const uint8_t *p, size_t len)
{
	size_t ihl;

	if (len < IP_MIN || p[0] >> 4 != 4)
		return 0;
	ihl = (size_t)(p[0] & 15) * 4;
	return ihl >= IP_MIN && ihl <= len ? ihl : 0;
}

/* addresses in network order, as the packet holds them */
static uint32_t get_addr(const uint8_t *p)
{
	uint32_t a;

	memcpy(&a, p, 4);
	return a;
}

/*
 * ICMP error (RFC 792): type, code, checksum, 4 unused bytes, then the offending datagram's
 * IP header and at least its first 8 bytes: both ports, and the TCP sequence number.
 */
static int parse_icmp(const uint8_t *p, size_t len, struct fp_probe_reply *out)
{
	const uint8_t *in = p + ICMP_HDR;
	size_t ihl, rest;

	if (len < ICMP_HDR)
		return -EINVAL;
	if (!(p[0] == ICMP_TIMXCEED && p[1] == 0) && p[0] != ICMP_UNREACH)
		return 0; /* echo, redirect, reassembly timeout: not about a probe */
	rest = len - ICMP_HDR;
	ihl = ip_header(in, rest);
	if (!ihl || rest - ihl < 8)
		return -EINVAL;
	if (in[9] != PROTO_TCP && in[9] != PROTO_UDP)
		return 0;
	out->kind = p[0] == ICMP_TIMXCEED ? FP_PROBE_HOP : FP_PROBE_UNREACH;
	out->code = p[1];
	out->ipid = get16(in + 4);
	out->flow.proto = in[9] == PROTO_TCP ? FP_PROBE_TCP : FP_PROBE_UDP;
	out->flow.src = get_addr(in + 12);
	out->flow.dst = get_addr(in + 16);
	out->flow.sport = get16(in + ihl);
	out->flow.dport = get16(in + ihl + 2);
	if (in[9] == PROTO_TCP)
		out->tcp_seq = get32(in + ihl + 4);
	return 0;
}

/*
 * TCP (RFC 9293 3.1): a reset or a SYN-ACK is the destination's answer to a SYN. A bare ACK
 * is too: the probe carries the flow's own 4-tuple, and where the flow's connection still
 * sits in TIME-WAIT at the destination (it closed first), the SYN is answered with an ACK of
 * that old connection (RFC 9293 3.10.7.4), whose number says nothing of the probe.
 */
static int parse_tcp(const uint8_t *p, size_t len, uint32_t src, uint32_t dst,
		     struct fp_probe_reply *out)
{
	size_t off;
	uint8_t fl;

	if (len < TCP_MIN)
		return -EINVAL;
	off = (size_t)(p[12] >> 4) * 4;
	if (off < TCP_MIN || off > len)
		return -EINVAL;
	fl = p[13];
	if (!(fl & (TH_RST | TH_ACK)))
		return 0;
	out->kind = FP_PROBE_TCP_END;
	out->tcp_tw = !(fl & (TH_RST | TH_SYN));
	out->flow.proto = FP_PROBE_TCP;
	out->flow.src = dst; /* reversed: the probe went the other way */
	out->flow.dst = src;
	out->flow.sport = get16(p + 2);
	out->flow.dport = get16(p);
	out->tcp_ack = get32(p + 8);
	return 0;
}

int fp_probe_parse(const uint8_t *pkt, size_t len, struct fp_probe_reply *out)
{
	size_t ihl, tot;
	int ret;

	memset(out, 0, sizeof(*out));
	ihl = ip_header(pkt, len);
	if (!ihl)
		return -EINVAL;
	/* a raw socket hands over the whole datagram; trust the header only within it */
	tot = get16(pkt + 2);
	if (tot < ihl)
		return -EINVAL;
	if (tot > len)
		tot = len;
	out->from = get_addr(pkt + 12);
	if (pkt[9] == PROTO_ICMP)
		ret = parse_icmp(pkt + ihl, tot - ihl, out);
	else if (pkt[9] == PROTO_TCP)
		ret = parse_tcp(pkt + ihl, tot - ihl, out->from, get_addr(pkt + 16), out);
	else
		ret = 0;
	if (ret)
		out->kind = FP_PROBE_OTHER;
	return ret;
}

bool fp_probe_matches(const struct fp_probe_reply *r, const struct fp_probe_flow *f, uint16_t id)
{
	if (r->kind == FP_PROBE_OTHER || r->flow.proto != f->proto || r->flow.src != f->src ||
	    r->flow.dst != f->dst || r->flow.sport != f->sport || r->flow.dport != f->dport)
		return false;
	if (r->kind == FP_PROBE_TCP_END)
		return r->from == f->dst && (r->tcp_tw || r->tcp_ack == probe_seq(id) + 1);
	/* some routers rewrite the quoted identification; the TCP sequence still names it */
	return r->ipid == id || (f->proto == FP_PROBE_TCP && r->tcp_seq == probe_seq(id));
}

size_t fp_probe_build(uint8_t *buf, size_t cap, const struct fp_probe_flow *f, uint8_t ttl,
		      uint16_t id)
{
	size_t l4 = f->proto == FP_PROBE_TCP ? TCP_MIN : UDP_LEN + UDP_DATA, len = IP_MIN + l4;
	uint8_t *ip = buf, *th = buf + IP_MIN, pseudo[12];
	uint32_t sum;

	if (cap < len)
		return 0;
	memset(buf, 0, len);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)len);
	put16(ip + 4, id);
	ip[8] = ttl;
	ip[9] = f->proto == FP_PROBE_TCP ? PROTO_TCP : PROTO_UDP;
	memcpy(ip + 12, &f->src, 4);
	memcpy(ip + 16, &f->dst, 4);
	put16(ip + 10, fp_inet_csum(ip, IP_MIN, 0));
	put16(th, f->sport);
	put16(th + 2, f->dport);
	if (f->proto == FP_PROBE_TCP) {
		put32(th + 4, probe_seq(id));
		th[12] = 5 << 4;
		th[13] = TH_SYN;
		put16(th + 14, 65535);
	} else {
		put16(th + 4, (uint16_t)l4);
	}
	/* the pseudo-header of RFC 9293 3.1 / RFC 768 */
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	put16(pseudo + 10, (uint16_t)l4);
	/* the pseudo-header's folded sum carried into the L4 header's (RFC 1071) */
	sum = (uint16_t)~fp_inet_csum(pseudo, sizeof(pseudo), 0);
	sum = fp_inet_csum(th, l4, sum);
	if (f->proto == FP_PROBE_UDP && !sum)
		sum = 0xffff; /* 0 would say "no checksum" (RFC 768) */
	put16(th + (f->proto == FP_PROBE_TCP ? 16 : 6), (uint16_t)sum);
	return len;
}
