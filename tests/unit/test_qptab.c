// SPDX-License-Identifier: MIT
/*
 * The verbs engine's address exchange: a QP record round trip with its rdma_cm port (--cm),
 * and the connect request's hello: round trip, padded by the CM, short, wrong magic, none.
 */
#include <errno.h>
#include <string.h>

#include "../../fabric/runtime/engines/qptab.h"
#include "t.h"

int main(void)
{
	uint8_t tab[4 + FP_QP_REC] = { 1, 0, 0, 0 }, hb[200] = { 0 };
	struct fp_qp_rec r = { .flow = 5,
			       .qpn = 0,
			       .psn = 0,
			       .rkey = 0x1234,
			       .slots = 8,
			       .stride = 128,
			       .lid = 0,
			       .cm_port = 40001,
			       .addr = 0xabc },
			 o;
	struct fp_cm_hello h = { .key = 7, .src = 1, .dst = 3, .tag = 0x0102030405060708ull }, g;

	r.gid[10] = r.gid[11] = 0xff;
	r.gid[12] = 10;
	fp_qp_rec_put(tab + 4, &r);
	CHECK(!fp_qp_table_find(tab, sizeof(tab), 5, &o) && o.cm_port == 40001 &&
		      o.rkey == 0x1234 && o.addr == 0xabc && !memcmp(o.gid, r.gid, 16),
	      "a --cm record keeps its address and port");
	fp_cm_hello_put(hb, &h);
	CHECK(!fp_cm_hello_get(hb, FP_CM_HELLO, &g) && g.key == 7 && g.src == 1 && g.dst == 3 &&
		      g.tag == h.tag,
	      "hello round trip");
	CHECK(!fp_cm_hello_get(hb, sizeof(hb), &g) && g.tag == h.tag, "hello padded by the CM");
	CHECK(fp_cm_hello_get(hb, FP_CM_HELLO - 1, &g) == -EBADMSG, "hello short");
	CHECK(fp_cm_hello_get(NULL, 0, &g) == -EBADMSG, "no private data");
	hb[0] ^= 1;
	CHECK(fp_cm_hello_get(hb, FP_CM_HELLO, &g) == -EBADMSG, "hello wrong magic");
	return t_done("qptab");
}
