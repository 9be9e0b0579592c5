// SPDX-License-Identifier: MIT
/*
 * The rendezvous codec on malformed, truncated, oversized, wrong-token and out-of-range
 * headers; proofs and macs over every input; per-rank blobs; HOST:PORT splitting.
 */
#include <errno.h>
#include <string.h>

#include "../../core/wire.h"
#include "../../fabric/runtime/rendezvous.h"
#include "t.h"

int main(void)
{
	uint8_t buf[FP_RV_HDR_LEN];
	struct fp_rv_hdr h = { .type = FP_RV_CONTRIB,
			       .rank = 2,
			       .size = 4,
			       .seq = 9,
			       .len = 100,
			       .mac = { 7, 8, 9 } },
			 o;
	struct fp_rv_blobs b;
	uint8_t blob[32];

	fp_rv_hdr_encode(&h, buf);
	CHECK(!fp_rv_hdr_decode(buf, sizeof(buf), 1000, &o) && o.rank == 2 && o.seq == 9 &&
		      o.len == 100 && !memcmp(o.mac, h.mac, sizeof(o.mac)),
	      "roundtrip");
	CHECK(fp_rv_hdr_decode(buf, FP_RV_HDR_LEN - 1, 1000, &o) == -EBADMSG, "truncated");
	CHECK(fp_rv_hdr_decode(buf, sizeof(buf), 99, &o) == -EMSGSIZE, "oversized");
	{
		uint8_t k1[FP_SHA256_LEN] = { 1 }, k2[FP_SHA256_LEN] = { 2 };
		uint64_t t = fp_rv_flow_tag(k1, 3, 0, 1);

		CHECK(t == fp_rv_flow_tag(k1, 3, 0, 1), "a flow's tag is the same on both ends");
		CHECK(t != fp_rv_flow_tag(k2, 3, 0, 1), "another job's key, another tag");
		CHECK(t != fp_rv_flow_tag(k1, 4, 0, 1) && t != fp_rv_flow_tag(k1, 3, 1, 1) &&
			      t != fp_rv_flow_tag(k1, 3, 0, 2),
		      "another flow, source or destination, another tag");
	}
	buf[0] ^= 1;
	CHECK(fp_rv_hdr_decode(buf, sizeof(buf), 1000, &o) == -EPROTO, "magic");
	buf[0] ^= 1;
	fp_put_u16(buf + 4, 1);
	CHECK(fp_rv_hdr_decode(buf, sizeof(buf), 1000, &o) == -EPROTO, "version 1 is refused");
	fp_put_u16(buf + 4, FP_RV_VERSION);
	fp_put_u16(buf + 6, 77);
	CHECK(fp_rv_hdr_decode(buf, sizeof(buf), 1000, &o) == -EPROTO, "type");
	fp_put_u16(buf + 6, FP_RV_HELLO);
	fp_put_u32(buf + 8, 4);
	CHECK(fp_rv_hdr_decode(buf, sizeof(buf), 1000, &o) == -ERANGE, "rank >= size");
	fp_put_u32(buf + 8, 0);
	fp_put_u32(buf + 12, 0);
	CHECK(fp_rv_hdr_decode(buf, sizeof(buf), 1000, &o) == -ERANGE, "size 0");

	/* proofs and macs: every input counts, and the labels keep the roles apart */
	{
		uint8_t n0[FP_RV_NONCE_LEN] = { 1 }, np[FP_RV_NONCE_LEN] = { 2 };
		uint8_t a[FP_SHA256_LEN], b2[FP_SHA256_LEN], k[FP_SHA256_LEN] = { 3 };
		uint8_t dx[FP_SHA256_LEN], dy[FP_SHA256_LEN];

		fp_rv_digest("x", 1, dx);
		fp_rv_digest("y", 1, dy);

		fp_rv_proof("tok", "peer", n0, np, 1, 2, a);
		fp_rv_proof("tok", "peer", n0, np, 1, 2, b2);
		CHECK(!memcmp(a, b2, sizeof(a)), "proof is deterministic");
		fp_rv_proof("tok", "root", n0, np, 1, 2, b2);
		CHECK(memcmp(a, b2, sizeof(a)), "peer and root proofs differ");
		fp_rv_proof("tok", "peer", np, n0, 1, 2, b2);
		CHECK(memcmp(a, b2, sizeof(a)), "nonces are not interchangeable");
		fp_rv_proof("tok", "peer", n0, np, 2, 2, b2);
		CHECK(memcmp(a, b2, sizeof(a)), "rank counts");
		fp_rv_proof("tok2", "peer", n0, np, 1, 2, b2);
		CHECK(memcmp(a, b2, sizeof(a)), "token counts");
		fp_rv_mac(k, FP_RV_FROM_PEER, 0, buf, dx, a);
		fp_rv_mac(k, FP_RV_FROM_PEER, 1, buf, dx, b2);
		CHECK(memcmp(a, b2, sizeof(a)), "counter counts");
		fp_rv_mac(k, FP_RV_FROM_ROOT, 0, buf, dx, b2);
		CHECK(memcmp(a, b2, sizeof(a)), "direction counts");
		fp_rv_mac(k, FP_RV_FROM_PEER, 0, buf, dy, b2);
		CHECK(memcmp(a, b2, sizeof(a)), "payload counts");
		buf[FP_RV_MAC_AT] ^= 1; /* the mac field itself is not covered */
		fp_rv_mac(k, FP_RV_FROM_PEER, 0, buf, dx, b2);
		CHECK(!memcmp(a, b2, sizeof(a)), "mac field outside the mac");
		buf[16] ^= 1;
		fp_rv_mac(k, FP_RV_FROM_PEER, 0, buf, dx, b2);
		CHECK(memcmp(a, b2, sizeof(a)), "header seq counts");
	}

	/* blobs: [len][bytes] per rank, exactly */
	fp_put_u32(blob, 2);
	memcpy(blob + 4, "hi", 2);
	fp_put_u32(blob + 6, 0);
	CHECK(!fp_rv_blobs_parse(blob, 10, 2, &b) && b.len[0] == 2 && b.len[1] == 0, "blobs");
	fp_rv_blobs_free(&b);
	CHECK(fp_rv_blobs_parse(blob, 9, 2, &b) == -EBADMSG, "blobs truncated");
	CHECK(fp_rv_blobs_parse(blob, 10, 3, &b) == -EBADMSG, "blobs missing rank");
	CHECK(fp_rv_blobs_parse(blob, 10, 1, &b) == -EBADMSG, "blobs trailing bytes");
	fp_put_u32(blob, 0xfffffff0u);
	CHECK(fp_rv_blobs_parse(blob, 10, 2, &b) == -EBADMSG, "blobs hostile length");

	{
		char h2[64], p2[16];

		CHECK(!fp_rv_split_addr("10.0.0.1:99", h2, sizeof(h2), p2, sizeof(p2)) &&
			      !strcmp(h2, "10.0.0.1") && !strcmp(p2, "99"),
		      "split v4");
		CHECK(!fp_rv_split_addr("[::1]:5", h2, sizeof(h2), p2, sizeof(p2)) &&
			      !strcmp(h2, "::1"),
		      "split v6");
		CHECK(fp_rv_split_addr("host", h2, sizeof(h2), p2, sizeof(p2)), "no port");
		CHECK(fp_rv_split_addr("host:99999", h2, sizeof(h2), p2, sizeof(p2)), "port range");
		CHECK(fp_rv_split_addr("host:abc", h2, sizeof(h2), p2, sizeof(p2)), "port digits");
	}
	return t_done("rv_codec");
}
