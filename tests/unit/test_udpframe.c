// SPDX-License-Identifier: MIT
/*
 * Probe frames: every length from 60 to 1514 bytes is built and parsed back, its checksums
 * recomputed here the slow way (RFC 1071, byte by byte), then broken one byte at a time.
 */
#include <string.h>

#include "../../fabric/runtime/engines/udpframe.h"
#include "t.h"

static unsigned udp_check(const uint8_t *f)
{
	uint8_t ph[12 + 9216];
	size_t ulen = (size_t)f[38] << 8 | f[39];

	memcpy(ph, f + 26, 8); /* source and destination address */
	ph[8] = 0;
	ph[9] = 17;
	ph[10] = f[38];
	ph[11] = f[39];
	memcpy(ph + 12, f + 34, ulen);
	return t_ones_sum(ph, 12 + ulen);
}

int main(void)
{
	static uint8_t f[9216];
	struct fp_udpf_ends e = { .smac = { 2, 0, 0, 0, 0, 1 },
				  .dmac = { 2, 0, 0, 0, 0, 2 },
				  .sip = 0xc6120001,
				  .dip = 0xc6120002,
				  .sport = 49999,
				  .dport = FP_UDPF_DPORT };
	struct fp_udpf_info in;
	int bad = 0;

	for (size_t len = FP_UDPF_MIN; len <= 1514; len++) {
		uint32_t seq = (uint32_t)(len * 2654435761u);
		uint64_t ts = 0x0123456789abcdefull ^ len;

		memset(f, 0xee, sizeof(f));
		CHECK(!fp_udpf_build(f, len, &e, FP_UDPF_DATA, (uint8_t)(len & 63), 7, seq, ts),
		      "len %zu", len);
		bad += t_ones_sum(f + 14, 20) != 0xffff; /* IPv4 header sums to all ones */
		bad += udp_check(f) != 0xffff;
		CHECK(fp_udpf_parse(f, len, true, &in) == FP_UDPF_DATA, "len %zu kind %d", len,
		      in.kind);
		bad += in.flow != 7 || in.seq != seq || in.ts != ts || in.epoch != (len & 63) ||
		       in.len != len || in.e.sip != e.sip || in.e.dip != e.dip ||
		       in.e.sport != e.sport || memcmp(in.e.smac, e.smac, 6);
		/* the fast path: template + emit on a buffer that already holds the pattern */
		{
			static uint8_t g[9216];
			struct fp_udpf_tmpl t;

			fp_udpf_fill_pattern(g, FP_UDPF_MIN, len);
			fp_udpf_tmpl_init(&t, &e, len, FP_UDPF_DATA, (uint8_t)(len & 63), 7);
			fp_udpf_emit(g, &t, seq, ts);
			bad += memcmp(f, g, len) != 0;
		}
		/* a frame padded by the link (Ethernet minimum) still parses to its IP length */
		CHECK(fp_udpf_parse(f, len + 4, true, &in) == FP_UDPF_DATA, "padded %zu", len);
		/* any one byte flipped past the MACs is caught, or the frame is not ours */
		for (size_t i = 12; i < len; i += len / 7 + 1) {
			f[i] ^= 0x5a;
			int k = fp_udpf_parse(f, len, true, &in);

			bad += k == FP_UDPF_DATA && i >= 14;
			f[i] ^= 0x5a;
		}
		for (size_t cut = 0; cut < len; cut += 13)
			bad += fp_udpf_parse(f, cut, true, &in) == FP_UDPF_DATA;
	}
	CHECK(bad == 0, "%d frames wrong", bad);
	CHECK(fp_udpf_build(f, 59, &e, 0, 0, 0, 0, 0) < 0, "59 bytes is too short");
	/* end markers */
	fp_udpf_build(f, 60, &e, FP_UDPF_END, 3, 9, 12345, 0);
	CHECK(fp_udpf_parse(f, 60, true, &in) == FP_UDPF_END && in.seq == 12345 && in.flow == 9,
	      "end marker");
	/* without `full` a payload error goes unseen, a header error does not */
	fp_udpf_build(f, 200, &e, FP_UDPF_DATA, 0, 1, 2, 3);
	f[150] ^= 1;
	CHECK(fp_udpf_parse(f, 200, false, &in) == FP_UDPF_DATA, "cheap parse");
	CHECK(fp_udpf_parse(f, 200, true, &in) == FP_UDPF_BAD, "full parse sees the payload");
	f[150] ^= 1;
	f[20] ^= 1; /* IP flags/fragment field */
	CHECK(fp_udpf_parse(f, 200, false, &in) == FP_UDPF_BAD, "IP header checksum");
	/* ARP */
	{
		uint8_t a[64];
		static const uint8_t z[6];

		CHECK(fp_udpf_arp(a, false, e.smac, e.sip, z, e.dip) == 42, "arp length");
		CHECK(fp_udpf_parse(a, 42, true, &in) == FP_UDPF_ARP_REQ && in.arp_sip == e.sip &&
			      in.arp_tip == e.dip && !memcmp(in.e.smac, e.smac, 6) && a[0] == 0xff,
		      "arp request");
		fp_udpf_arp(a, true, e.dmac, e.dip, e.smac, e.sip);
		CHECK(fp_udpf_parse(a, 42, true, &in) == FP_UDPF_ARP_REPLY && in.arp_sip == e.dip &&
			      !memcmp(in.e.smac, e.dmac, 6) && !memcmp(a, e.smac, 6),
		      "arp reply");
		CHECK(fp_udpf_parse(a, 41, true, &in) == FP_UDPF_BAD, "short arp");
	}
	/* someone else's UDP: testpmd's txonly frames go to port 9 */
	fp_udpf_build(f, 64, &e, FP_UDPF_DATA, 0, 0, 0, 0);
	f[37] = 9;
	f[36] = 0;
	CHECK(fp_udpf_parse(f, 64, false, &in) == FP_UDPF_OTHER, "foreign port");
	CHECK(fp_udpf_parse(f, 60, false, &in) == FP_UDPF_BAD, "IP length past the frame");
	return t_done("udpframe");
}
