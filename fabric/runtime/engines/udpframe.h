/* SPDX-License-Identifier: MIT */
/*
 * fabprobe's packet format, apart from any packet I/O library so it can be tested and fuzzed
 * alone: Ethernet II, IPv4 (no options, DF), UDP, then an 18-byte probe header and a payload
 * pattern that depends only on the byte's offset. 60 bytes is the smallest frame (64 with
 * the FCS the NIC adds).
 *
 * Probe header, after UDP (network byte order):
 *   0 magic u8 (0xFB)   1 kind:2 | epoch:6   2 flow u32   6 seq u32   10 tx timestamp u64
 * kind DATA carries message `seq` of `flow`; kind END carries in seq how many DATA frames
 * the sender sent in this epoch. The epoch tells one phase's frames from the next's.
 */
#ifndef FP_UDPFRAME_H
#define FP_UDPFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FP_UDPF_L2L3L4 42 /* Ethernet 14 + IPv4 20 + UDP 8 */
#define FP_UDPF_PROBE  18
#define FP_UDPF_MIN    (FP_UDPF_L2L3L4 + FP_UDPF_PROBE) /* 60 */
#define FP_UDPF_FCS    4
#define FP_UDPF_MAGIC  0xFB
#define FP_UDPF_DPORT  18516 /* the destination port every probe frame is sent to */
#define FP_UDPF_ARPLEN 42

enum fp_udpf_kind {
	FP_UDPF_DATA = 0,
	FP_UDPF_END = 1,
	/* parse results only */
	FP_UDPF_ARP_REQ = 8,
	FP_UDPF_ARP_REPLY,
	FP_UDPF_OTHER, /* well-formed, not ours: another protocol, port or a foreign tool */
	FP_UDPF_BAD,   /* truncated, bad checksum, bad length */
};

struct fp_udpf_ends {
	uint8_t smac[6], dmac[6];
	uint32_t sip, dip; /* host byte order */
	uint16_t sport, dport;
	uint8_t tos; /* the IPv4 TOS byte: DSCP << 2 (run --class tclass=) */
};

struct fp_udpf_info {
	int kind;
	struct fp_udpf_ends e;
	uint8_t epoch;
	uint32_t flow, seq;
	uint64_t ts;
	size_t len;
	/* ARP: sender and target protocol addresses, sender hardware address in e.smac */
	uint32_t arp_sip, arp_tip;
};

/* A frame's constant part for one flow and length, and its partial UDP checksum. */
struct fp_udpf_tmpl {
	uint8_t b[FP_UDPF_L2L3L4 + 6]; /* through the flow id */
	uint32_t sum;		       /* pseudo header + UDP header + constant probe fields +
					* pattern, unfolded */
	uint16_t len;
};

/* The payload byte at frame offset off (off >= FP_UDPF_MIN). */
static inline uint8_t fp_udpf_pattern(size_t off)
{
	return (uint8_t)(off * 131u + 0x5A);
}

uint16_t fp_inet_csum(const void *p, size_t len, uint32_t sum);

/* 0, or -EINVAL for a length outside [FP_UDPF_MIN, 9216]. */
int fp_udpf_tmpl_init(struct fp_udpf_tmpl *t, const struct fp_udpf_ends *e, size_t len,
		      uint8_t kind, uint8_t epoch, uint32_t flow);
/*
 * Write the headers of one frame from t; the pattern is expected in place already. Inline:
 * it runs once per frame on the transmit path. The UDP checksum is the template's partial
 * sum plus the words of seq and ts (RFC 1624's incremental update, applied forwards).
 */
static inline void fp_udpf_emit(uint8_t *f, const struct fp_udpf_tmpl *t, uint32_t seq, uint64_t ts)
{
	uint32_t s = t->sum + (seq >> 16) + (seq & 0xffff) + (uint32_t)(ts >> 48) +
		     (uint32_t)(ts >> 32 & 0xffff) + (uint32_t)(ts >> 16 & 0xffff) +
		     (uint32_t)(ts & 0xffff);
	uint32_t bseq = __builtin_bswap32(seq);
	uint64_t bts = __builtin_bswap64(ts);
	uint16_t c;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	c = (uint16_t)~s;
	c = __builtin_bswap16(c ? c : 0xffff); /* 0 would mean "no checksum" */
	memcpy(f, t->b, sizeof(t->b));
	memcpy(f + 48, &bseq, 4);
	memcpy(f + 52, &bts, 8);
	memcpy(f + 40, &c, 2);
}
/* A whole frame, pattern included (tests, end markers, the slow path). */
int fp_udpf_build(uint8_t *f, size_t len, const struct fp_udpf_ends *e, uint8_t kind, uint8_t epoch,
		  uint32_t flow, uint32_t seq, uint64_t ts);
void fp_udpf_fill_pattern(uint8_t *f, size_t from, size_t to);

/* An ARP request (tha ignored) or reply; returns FP_UDPF_ARPLEN. */
size_t fp_udpf_arp(uint8_t *f, bool reply, const uint8_t sha[6], uint32_t sip, const uint8_t tha[6],
		   uint32_t tip);

/*
 * Classify a received frame. The IPv4 header checksum is always verified; with `full` the
 * UDP checksum and the payload pattern too. Never reads past len.
 */
int fp_udpf_parse(const uint8_t *f, size_t len, bool full, struct fp_udpf_info *out);

#endif
