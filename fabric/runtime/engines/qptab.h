/* SPDX-License-Identifier: MIT */
/*
 * The verbs engine's address exchange, apart from libibverbs so it can be fuzzed: each
 * rank publishes a table of its QPs, one fixed-size record per flow, in flow order.
 *   table:  count u32, then count records
 *   record: 0 flow u32  4 qpn u32  8 psn u32  12 lid u16  14 gid[16]  30 rkey u32
 *           34 ring address u64  42 slots u32  46 stride u32  50 cm port u16
 * With --cm (rdma_cm) the QP is not made yet when the table goes out: qpn and psn are 0,
 * gid is the address the rank listens on (IPv4-mapped for IPv4) and cm port its rdma_cm
 * port (0 without --cm). With --transport ud there is no ring to write to: rkey carries the
 * UD QP's Q_Key and ring address its 64-bit tag (udmsg.h), and slots and stride are not
 * compared.
 *
 * The hello an rdma_cm connect request carries as private data (--cm), 24 bytes:
 *   0 magic "FPC1" u32  4 flow key u32 (flow x --qps + QP index)  8 src rank u32
 *   12 dst rank u32  16 tag u64 (fp_rv_flow_tag of the job's data key)
 * A peer's table and a connect request's private data are outside input: every length, the
 * order and the magic are checked.
 */
#ifndef FP_QPTAB_H
#define FP_QPTAB_H

#include <stddef.h>
#include <stdint.h>

#define FP_QP_REC 52

struct fp_qp_rec {
	uint32_t flow, qpn, psn, rkey, slots, stride;
	uint16_t lid, cm_port;
	uint8_t gid[16];
	uint64_t addr;
};

#define FP_CM_HELLO	  24
#define FP_CM_HELLO_MAGIC 0x31435046u /* "FPC1" */

struct fp_cm_hello {
	uint32_t key, src, dst;
	uint64_t tag;
};

void fp_qp_rec_put(uint8_t *p, const struct fp_qp_rec *r);
/* Find flow's record in a table: 0, -EBADMSG (malformed or out of order), -ENOENT. */
int fp_qp_table_find(const uint8_t *tab, size_t len, uint32_t flow, struct fp_qp_rec *out);
void fp_cm_hello_put(uint8_t p[FP_CM_HELLO], const struct fp_cm_hello *h);
/* A connect request's private data (longer is fine: the CM pads it): 0 or -EBADMSG. */
int fp_cm_hello_get(const void *data, size_t len, struct fp_cm_hello *out);

#endif
