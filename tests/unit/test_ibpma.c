// SPDX-License-Identifier: MIT
/*
 * The MAD decoders (issue 23): known PortCounters, PortCountersExtended, NodeInfo and
 * PortInfo areas decode to their values, short areas are refused, and, where libibmad is
 * built, every field agrees with libibmad's own field table on random areas.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../../fabric/inventory/ibpma.h"
#include "fp_config.h"
#include "t.h"

#if HAVE_IBMAD
#include <infiniband/mad.h>
#endif

static void known(void)
{
	uint8_t d[FP_PMA_DATA_LEN] = { 0 };
	uint64_t v[FP_PMA_NCTR];
	int sel;

	d[1] = 3;		  /* PortSelect */
	d[4] = 0x01, d[5] = 0x02; /* SymbolErrorCounter 258 */
	d[7] = 9;		  /* LinkDownedCounter */
	d[15] = 4;		  /* PortXmitDiscards */
	d[19] = 0xa5;		  /* LocalLinkIntegrity 10, ExcessiveBufferOverrun 5 */
	d[40] = 0x80, d[43] = 1;  /* PortXmitWait 0x80000001 */
	CHECK(!fp_pma_decode(d, sizeof(d), v, &sel), "decodes");
	CHECK(sel == 3, "%d", sel);
	CHECK(v[FP_PMA_SYMBOL_ERRORS] == 258, "%llu", (unsigned long long)v[0]);
	CHECK(v[FP_PMA_LINK_DOWNED] == 9, "link downed");
	CHECK(v[FP_PMA_XMIT_DISCARDS] == 4, "discards");
	CHECK(v[FP_PMA_LOCAL_LINK_INTEGRITY_ERRORS] == 10, "local integrity");
	CHECK(v[FP_PMA_EXCESSIVE_BUFFER_OVERRUNS] == 5, "overrun");
	CHECK(v[FP_PMA_XMIT_WAIT] == 0x80000001u, "xmit wait");
	CHECK(!strcmp(fp_pma_ctr_name(FP_PMA_XMIT_WAIT), "PortXmitWait"), "name");
	CHECK(fp_pma_decode(d, 43, v, &sel) == -EINVAL, "short PortCounters refused");
	memset(d, 0, sizeof(d));
	d[1] = 7;
	d[8] = 0x12, d[15] = 0x34; /* PortXmitData 0x1200000000000034 */
	d[39] = 6;		   /* PortRcvPkts */
	CHECK(!fp_pma_decode_ext(d, sizeof(d), v, &sel) && sel == 7, "ext decodes");
	CHECK(v[FP_PMA_XMIT_DATA] == 0x1200000000000034ull, "64-bit xmit data");
	CHECK(v[FP_PMA_RCV_PKTS] == 6, "rcv pkts");
	CHECK(fp_pma_decode_ext(d, 39, v, &sel) == -EINVAL, "short ext refused");
}

static void smp(void)
{
	uint8_t d[FP_SMP_DATA_LEN] = { 0 };
	struct fp_smp_node n;
	struct fp_smp_port p;

	d[2] = 2, d[3] = 36, d[36] = 0;
	d[12] = 0x00, d[18] = 0x20, d[19] = 0x01;
	CHECK(!fp_smp_decode_node(d, sizeof(d), &n), "node decodes");
	CHECK(n.type == 2 && n.nports == 36 && n.guid == 0x2001, "node %d %d %llx", n.type,
	      n.nports, (unsigned long long)n.guid);
	d[2] = 9;
	CHECK(fp_smp_decode_node(d, sizeof(d), &n) == -EINVAL, "unknown node type refused");
	memset(d, 0, sizeof(d));
	d[16] = 0x01, d[17] = 0x02, d[32] = 0x31, d[33] = 0x52;
	CHECK(!fp_smp_decode_port(d, sizeof(d), &p), "port decodes");
	CHECK(p.lid == 258 && p.state == 1 && p.phys == 5, "port %d %d %d", p.lid, p.state, p.phys);
	CHECK(fp_smp_decode_port(d, 33, &p) == -EINVAL, "short PortInfo refused");
}

/* a reply's header: TID's low half, class, GetResp, status without a DR SMP's D bit */
static void hdr(void)
{
	uint8_t m[256] = { 0 };
	struct fp_mad_hdr h;

	m[0] = 1, m[1] = 0x81, m[2] = 1, m[3] = 0x81;
	m[4] = 0x80, m[5] = 0x04;			       /* D bit, status 4: invalid field */
	m[8] = 0xde, m[12] = 0x12, m[13] = 0x34, m[15] = 0x78; /* TID 0xde...12340078 */
	m[16] = 0x00, m[17] = 0x15;			       /* PortInfo */
	m[23] = 3;					       /* AttributeModifier: port 3 */
	CHECK(!fp_mad_decode_hdr(m, sizeof(m), &h), "header decodes");
	CHECK(h.mgmt_class == 0x81 && h.method == 0x81 && h.attr_id == 0x15 && h.attr_mod == 3,
	      "header %x %x %x %u", h.mgmt_class, h.method, h.attr_id, h.attr_mod);
	CHECK(h.tid == 0x12340078u, "tid %x", h.tid);
	CHECK(h.status == 4, "DR status without D: %x", h.status);
	m[1] = 0x04; /* PMA: bit 15 is class-specific, kept */
	CHECK(!fp_mad_decode_hdr(m, sizeof(m), &h) && h.status == 0x8004, "%x", h.status);
	CHECK(fp_mad_decode_hdr(m, FP_MAD_HDR_LEN - 1, &h) == -EINVAL, "short header refused");
	/* BUSY (status bit 0) on a GetResp is retried; other statuses, or a Get, are not */
	m[5] = 0x01;
	CHECK(!fp_mad_decode_hdr(m, sizeof(m), &h) && fp_mad_busy(&h), "busy");
	m[5] = 0x04;
	CHECK(!fp_mad_decode_hdr(m, sizeof(m), &h) && !fp_mad_busy(&h), "invalid field, not busy");
	m[5] = 0x01, m[3] = 0x01;
	CHECK(!fp_mad_decode_hdr(m, sizeof(m), &h) && !fp_mad_busy(&h), "a Get is no answer");
}

#if HAVE_IBMAD
/* our table against libibmad's, field by field, on random areas */
static void against_libibmad(void)
{
	static const enum MAD_FIELDS f[FP_PMA_NCTR] = {
		IB_PC_ERR_SYM_F,	IB_PC_LINK_RECOVERS_F,	IB_PC_LINK_DOWNED_F,
		IB_PC_ERR_RCV_F,	IB_PC_ERR_PHYSRCV_F,	IB_PC_ERR_SWITCH_REL_F,
		IB_PC_XMT_DISCARDS_F,	IB_PC_ERR_XMTCONSTR_F,	IB_PC_ERR_RCVCONSTR_F,
		IB_PC_ERR_LOCALINTEG_F, IB_PC_ERR_EXCESS_OVR_F, IB_PC_VL15_DROPPED_F,
		IB_PC_XMT_BYTES_F,	IB_PC_RCV_BYTES_F,	IB_PC_XMT_PKTS_F,
		IB_PC_RCV_PKTS_F,	IB_PC_XMT_WAIT_F,
	};
	static const enum MAD_FIELDS fx[4] = { IB_PC_EXT_XMT_BYTES_F, IB_PC_EXT_RCV_BYTES_F,
					       IB_PC_EXT_XMT_PKTS_F, IB_PC_EXT_RCV_PKTS_F };
	static const int ix[4] = { FP_PMA_XMIT_DATA, FP_PMA_RCV_DATA, FP_PMA_XMIT_PKTS,
				   FP_PMA_RCV_PKTS };
	uint32_t seed = 12345;
	int bad = 0;

	for (int round = 0; round < 200; round++) {
		uint8_t d[FP_PMA_DATA_LEN];
		uint64_t v[FP_PMA_NCTR];
		struct fp_smp_port p;
		struct fp_mad_hdr h;
		int sel;

		for (unsigned i = 0; i < sizeof(d); i++) {
			seed = seed * 1103515245u + 12345u;
			d[i] = (uint8_t)(seed >> 16);
		}
		fp_pma_decode(d, sizeof(d), v, &sel);
		for (unsigned i = 0; i < FP_PMA_NCTR; i++) {
			uint32_t lib = 0;

			mad_decode_field(d, f[i], &lib);
			bad += v[i] != lib;
		}
		bad += (uint32_t)sel != mad_get_field(d, 0, IB_PC_PORT_SELECT_F);
		fp_pma_decode_ext(d, sizeof(d), v, &sel);
		for (unsigned i = 0; i < 4; i++)
			bad += v[ix[i]] != mad_get_field64(d, 0, fx[i]);
		fp_smp_decode_port(d, FP_SMP_DATA_LEN, &p);
		bad += (uint32_t)p.lid != mad_get_field(d, 0, IB_PORT_LID_F);
		bad += (uint32_t)p.state != mad_get_field(d, 0, IB_PORT_STATE_F);
		bad += (uint32_t)p.phys != mad_get_field(d, 0, IB_PORT_PHYS_STATE_F);
		/* the header against libibmad's fields, on the same random bytes */
		fp_mad_decode_hdr(d, sizeof(d), &h);
		bad += h.tid != (uint32_t)mad_get_field64(d, 0, IB_MAD_TRID_F);
		bad += (uint32_t)h.mgmt_class != mad_get_field(d, 0, IB_MAD_MGMTCLASS_F);
		bad += (uint32_t)h.attr_id != mad_get_field(d, 0, IB_MAD_ATTRID_F);
		bad += h.attr_mod != mad_get_field(d, 0, IB_MAD_ATTRMOD_F);
		bad += (uint32_t)(h.method & 0x7f) != mad_get_field(d, 0, IB_MAD_METHOD_F);
	}
	CHECK(bad == 0, "%d fields differ from libibmad's", bad);
}
#endif

int main(void)
{
	known();
	smp();
	hdr();
#if HAVE_IBMAD
	against_libibmad();
#endif
	return t_done("ibpma");
}
