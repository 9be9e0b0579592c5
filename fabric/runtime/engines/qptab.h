/* SPDX-License-Identifier: MIT */
/*
 * The verbs engine's address exchange, apart from libibverbs so it can be fuzzed: each
 * rank publishes a table of its QPs, one fixed-size record per flow, in flow order.
 *   table:  count u32, then count records
 *   record: 0 flow u32  4 qpn u32  8 psn u32  12 lid u16  14 gid[16]  30 rkey u32
 *           34 ring address u64  42 slots u32  46 stride u32  50 reserved u16
 * A peer's table is outside input: every length and the order are checked.
 */
#ifndef FP_QPTAB_H
#define FP_QPTAB_H

#include <stddef.h>
#include <stdint.h>

#define FP_QP_REC 52

struct fp_qp_rec {
	uint32_t flow, qpn, psn, rkey, slots, stride;
	uint16_t lid;
	uint8_t gid[16];
	uint64_t addr;
};

void fp_qp_rec_put(uint8_t *p, const struct fp_qp_rec *r);
/* Find flow's record in a table: 0, -EBADMSG (malformed or out of order), -ENOENT. */
int fp_qp_table_find(const uint8_t *tab, size_t len, uint32_t flow, struct fp_qp_rec *out);

#endif
