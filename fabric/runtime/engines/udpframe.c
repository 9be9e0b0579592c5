// SPDX-License-Identifier: MIT
/* fabprobe's probe frames: build, checksum, parse. RFC 791, 768, 826, 1071. */
#include "udpframe.h"

#include <errno.h>
#include <string.h>

#define ETH_IPV4 0x0800
#define ETH_ARP	 0x0806
#define MAX_LEN	 9216

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* One's complement sum of big-endian 16-bit words, unfolded; an odd tail is padded. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += get16(p);
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t fp_inet_csum(const void *p, size_t len, uint32_t sum)
{
	return (uint16_t)~fold(sum16(p, len, sum));
}

void fp_udpf_fill_pattern(uint8_t *f, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		f[i] = fp_udpf_pattern(i);
}

/* Sum of the pattern from FP_UDPF_MIN to len, as big-endian words at those offsets. */
static uint32_t pattern_sum(size_t len)
{
	uint64_t s = 0;

	for (size_t i = FP_UDPF_MIN; i < len; i++)
		s += (uint32_t)fp_udpf_pattern(i) << ((i & 1) ? 0 : 8);
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

int fp_udpf_tmpl_init(struct fp_udpf_tmpl *t, const struct fp_udpf_ends *e, size_t len,
		      uint8_t kind, uint8_t epoch, uint32_t flow)
{
	uint8_t *b = t->b, *ip = b + 14, *udp = ip + 20;
	uint16_t ulen = (uint16_t)(len - 34);
	uint8_t pseudo[12];

	if (len < FP_UDPF_MIN || len > MAX_LEN)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	memcpy(b, e->dmac, 6);
	memcpy(b + 6, e->smac, 6);
	put16(b + 12, ETH_IPV4);
	ip[0] = 0x45;
	ip[1] = e->tos;
	put16(ip + 2, (uint16_t)(len - 14));
	put16(ip + 6, 0x4000); /* DF: probe frames are never fragmented */
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 12, e->sip);
	put32(ip + 16, e->dip);
	put16(ip + 10, fp_inet_csum(ip, 20, 0));
	put16(udp, e->sport);
	put16(udp + 2, e->dport);
	put16(udp + 4, ulen);
	b[42] = FP_UDPF_MAGIC;
	b[43] = (uint8_t)(kind << 6 | (epoch & 0x3f));
	put32(b + 44, flow);
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	put16(pseudo + 10, ulen);
	t->sum = sum16(pseudo, 12, 0);
	t->sum = sum16(udp, 8, t->sum);
	t->sum = sum16(b + 42, 6, t->sum);
	t->sum = fold(t->sum) + fold(pattern_sum(len));
	t->len = (uint16_t)len;
	return 0;
}

int fp_udpf_build(uint8_t *f, size_t len, const struct fp_udpf_ends *e, uint8_t kind, uint8_t epoch,
		  uint32_t flow, uint32_t seq, uint64_t ts)
{
	struct fp_udpf_tmpl t;
	int ret = fp_udpf_tmpl_init(&t, e, len, kind, epoch, flow);

	if (ret)
		return ret;
	fp_udpf_fill_pattern(f, FP_UDPF_MIN, len);
	fp_udpf_emit(f, &t, seq, ts);
	return 0;
}

size_t fp_udpf_arp(uint8_t *f, bool reply, const uint8_t sha[6], uint32_t sip, const uint8_t tha[6],
		   uint32_t tip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memcpy(f, reply ? tha : bcast, 6);
	memcpy(f + 6, sha, 6);
	put16(f + 12, ETH_ARP);
	put16(f + 14, 1);	 /* Ethernet */
	put16(f + 16, ETH_IPV4); /* IPv4 */
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, reply ? 2 : 1);
	memcpy(f + 22, sha, 6);
	put32(f + 28, sip);
	if (reply)
		memcpy(f + 32, tha, 6);
	else
		memset(f + 32, 0, 6);
	put32(f + 38, tip);
	return FP_UDPF_ARPLEN;
}

static int parse_arp(const uint8_t *f, size_t len, struct fp_udpf_info *o)
{
	uint16_t op;

	if (len < 42 || get16(f + 14) != 1 || get16(f + 16) != ETH_IPV4 || f[18] != 6 || f[19] != 4)
		return o->kind = FP_UDPF_BAD;
	op = get16(f + 20);
	memcpy(o->e.smac, f + 22, 6);
	o->arp_sip = get32(f + 28);
	o->arp_tip = get32(f + 38);
	if (op == 1)
		return o->kind = FP_UDPF_ARP_REQ;
	return o->kind = op == 2 ? FP_UDPF_ARP_REPLY : FP_UDPF_BAD;
}

int fp_udpf_parse(const uint8_t *f, size_t len, bool full, struct fp_udpf_info *o)
{
	const uint8_t *ip, *udp, *pl;
	size_t ihl, tot, ulen;
	uint16_t type;

	memset(o, 0, sizeof(*o));
	o->len = len;
	if (len < 14)
		return o->kind = FP_UDPF_BAD;
	memcpy(o->e.dmac, f, 6);
	memcpy(o->e.smac, f + 6, 6);
	type = get16(f + 12);
	if (type == ETH_ARP)
		return parse_arp(f, len, o);
	if (type != ETH_IPV4)
		return o->kind = FP_UDPF_OTHER;
	ip = f + 14;
	if (len < 34 || ip[0] >> 4 != 4)
		return o->kind = FP_UDPF_BAD;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = get16(ip + 2);
	if (ihl < 20 || tot < ihl || 14 + tot > len || fp_inet_csum(ip, ihl, 0))
		return o->kind = FP_UDPF_BAD;
	o->e.sip = get32(ip + 12);
	o->e.dip = get32(ip + 16);
	o->e.tos = ip[1];
	if (ip[9] != 17 || (get16(ip + 6) & 0x3fff))
		return o->kind = FP_UDPF_OTHER; /* not UDP, or a fragment */
	udp = ip + ihl;
	if (tot < ihl + 8)
		return o->kind = FP_UDPF_BAD;
	ulen = get16(udp + 4);
	if (ulen < 8 || ulen > tot - ihl)
		return o->kind = FP_UDPF_BAD;
	o->e.sport = get16(udp);
	o->e.dport = get16(udp + 2);
	pl = udp + 8;
	if (o->e.dport != FP_UDPF_DPORT || ulen < 8 + FP_UDPF_PROBE || pl[0] != FP_UDPF_MAGIC)
		return o->kind = FP_UDPF_OTHER;
	if (full) {
		uint8_t pseudo[12];
		uint32_t s;

		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = 17;
		put16(pseudo + 10, (uint16_t)ulen);
		s = sum16(pseudo, 12, 0);
		if (get16(udp + 6) && fp_inet_csum(udp, ulen, s))
			return o->kind = FP_UDPF_BAD;
		for (size_t i = FP_UDPF_PROBE; i < ulen - 8; i++) {
			size_t off = (size_t)(pl - f) + i;

			/* the pattern is defined on offsets of a frame without IP options */
			if (pl[i] != fp_udpf_pattern(off - (ihl - 20)))
				return o->kind = FP_UDPF_BAD;
		}
	}
	o->epoch = pl[1] & 0x3f;
	o->flow = get32(pl + 2);
	o->seq = get32(pl + 6);
	o->ts = (uint64_t)get32(pl + 10) << 32 | get32(pl + 14);
	o->len = 14 + tot;
	return o->kind = pl[1] >> 6 == FP_UDPF_END    ? FP_UDPF_END
			 : pl[1] >> 6 == FP_UDPF_DATA ? FP_UDPF_DATA
						      : FP_UDPF_OTHER;
}
