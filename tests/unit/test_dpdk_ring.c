// SPDX-License-Identifier: MIT
/*
 * The DPDK engine in one process on net_ring, whose transmit ring is its receive ring:
 * every frame sent comes back, so counts must be exact, payloads verified (--check), and
 * a frame of the previous phase must be counted stale, not received.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../fabric/runtime/engine.h"
#include "t.h"

extern const struct fp_engine_ops fp_dpdk_ops;

static int self(void *ctx, const char *what, const void *mine, size_t len, struct fp_rv_blobs *out)
{
	(void)ctx;
	(void)what;
	out->n = 1;
	out->data = malloc(len + 1);
	out->off = calloc(1, sizeof(uint32_t));
	out->len = calloc(1, sizeof(uint32_t));
	memcpy(out->data, mine, len);
	out->len[0] = (uint32_t)len;
	return 0;
}

/* Take frames back from the ring: at least one poll, until n came or polls run out. */
static uint64_t drain(const struct fp_engine_ops *o, struct fp_conn *c, uint64_t n)
{
	uint64_t got = 0;

	for (int spins = 0; (!spins || got < n) && spins < 100000; spins++) {
		int k = o->rx(c, NULL, 0, 32);

		if (k > 0)
			got += (uint64_t)k;
	}
	return got;
}

int main(void)
{
	struct fp_engine_ops o;
	/* the engine's own options, through its own table as `fabprobe run` parses them */
	char a0[] = "--eal=--no-huge -m 128", a1[] = "--port=net_ring0", a2[] = "--check";
	char *const args[] = { a0, a1, a2 };
	_Alignas(16) unsigned char cfg[FP_ENGINE_CFG_MAX];
	struct fp_engine_xopts x = { .local_rank = 0 };
	char err[512] = "";
	struct fp_engine_params p = { .rank = 0,
				      .size = 1,
				      .bind = "198.18.0.1",
				      .timeout_ns = 5000000000ull,
				      .x = &x,
				      .cfg = cfg,
				      .allgather = self,
				      .err = err,
				      .errlen = sizeof(err) };
	struct fp_flow fl = { 0, 0, 0 };
	struct fp_engine *e;
	struct fp_conn *c;
	struct fp_dgram_stats st;
	struct fp_flow_ident id;
	size_t lo, hi;
	uint64_t sent = 0;

	fp_engine_ops_fill(&o, &fp_dpdk_ops);
	memset(cfg, 0, sizeof(cfg));
	CHECK(o.cfg_size <= sizeof(cfg) &&
		      !fp_opts_parse(o.opts, cfg, 3, args, NULL, 0, NULL, NULL, err, sizeof(err)),
	      "dpdk options: %s", err);
	if (o.open(&p, &e)) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	CHECK(!o.connect(e, &fl, 1, &c), "connect: %s", err);
	o.limits(e, &lo, &hi);
	CHECK(lo == 64 && hi >= 1518, "frame limits %zu..%zu", lo, hi);
	CHECK(!o.ident(c, &id) && !strcmp(id.proto, "udp") && id.dst_port == 18516 &&
		      id.src_port >= 49152 && !strcmp(id.src_ip, "198.18.0.1"),
	      "flow identity %s %s:%u", id.proto, id.src_ip, id.src_port);
	/* phase 1: 3 sizes, 3000 frames each; every frame comes back exactly once */
	o.reset(c);
	for (size_t size = 64; size <= 1518; size += 727) {
		uint64_t want = 3000, got = 0, tx = 0;

		for (int rounds = 0; tx < want && rounds < 1000000; rounds++) {
			int k = o.tx(c, NULL, size, (unsigned)(want - tx < 32 ? want - tx : 32));

			CHECK(k >= 0, "tx %d", k);
			if (k < 0)
				break;
			tx += (uint64_t)k;
			got += drain(&o, c, 0); /* keep the ring from filling */
		}
		sent += tx;
		got += drain(&o, c, want - got);
		CHECK(got == want, "size %zu: %llu of %llu frames back", size,
		      (unsigned long long)got, (unsigned long long)want);
	}
	CHECK(o.tx(c, NULL, 63, 1) == -EMSGSIZE, "63 bytes is below the minimum frame");
	CHECK(o.tx(c, NULL, hi + 1, 1) == -EMSGSIZE, "past the MTU");
	o.finish(c);
	drain(&o, c, 1);
	o.dgram_stats(c, &st);
	CHECK(st.pkts == sent && st.duplicates == 0 && st.reordered == 0, "pkts %llu of %llu",
	      (unsigned long long)st.pkts, (unsigned long long)sent);
	CHECK(st.bytes == 3000ull * (64 + 791 + 1518), "bytes %llu", (unsigned long long)st.bytes);
	CHECK(st.end_seen && st.peer_sent == sent, "end marker %d %llu", st.end_seen,
	      (unsigned long long)st.peer_sent);
	/* frames sent in one phase and received in the next are stale, not counted */
	CHECK(o.tx(c, NULL, 64, 10) == 10, "tx 10");
	o.reset(c);
	drain(&o, c, 10);
	o.dgram_stats(c, &st);
	CHECK(st.pkts == 0 && st.stale == 10, "stale %llu pkts %llu", (unsigned long long)st.stale,
	      (unsigned long long)st.pkts);
	o.close(e);
	return t_done("dpdk_ring");
}
