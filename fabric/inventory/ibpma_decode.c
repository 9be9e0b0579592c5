// SPDX-License-Identifier: MIT
/*
 * Decoders for the MAD data areas fabprobe reads: PMA PortCounters and PortCountersExtended
 * (IBTA vol 1 rel 1.3, 16.1.3.5 table 247 and 16.1.4.11 table 263), SMP NodeInfo (14.2.5.3
 * table 146) and PortInfo (14.2.5.6 table 155). Outside input: every length is checked.
 */
#include "ibpma.h"

#include <errno.h>

/* big-endian bit field at bit offset off, width bits (<= 32), within the area */
static uint64_t bits(const uint8_t *d, unsigned off, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++) {
		unsigned b = off + i;

		v = v << 1 | ((d[b / 8] >> (7 - b % 8)) & 1);
	}
	return v;
}

static const struct {
	const char *name;
	unsigned off, width; /* bits into the PortCounters data area */
} pc[FP_PMA_NCTR] = {
	[FP_PMA_SYMBOL_ERRORS] = { "SymbolErrorCounter", 32, 16 },
	[FP_PMA_LINK_RECOVERIES] = { "LinkErrorRecoveryCounter", 48, 8 },
	[FP_PMA_LINK_DOWNED] = { "LinkDownedCounter", 56, 8 },
	[FP_PMA_RCV_ERRORS] = { "PortRcvErrors", 64, 16 },
	[FP_PMA_RCV_REMOTE_PHYS_ERRORS] = { "PortRcvRemotePhysicalErrors", 80, 16 },
	[FP_PMA_RCV_SWITCH_RELAY_ERRORS] = { "PortRcvSwitchRelayErrors", 96, 16 },
	[FP_PMA_XMIT_DISCARDS] = { "PortXmitDiscards", 112, 16 },
	[FP_PMA_XMIT_CONSTRAINT_ERRORS] = { "PortXmitConstraintErrors", 128, 8 },
	[FP_PMA_RCV_CONSTRAINT_ERRORS] = { "PortRcvConstraintErrors", 136, 8 },
	/* byte 19: LocalLinkIntegrityErrors in the high nibble, ExcessiveBufferOverrun low */
	[FP_PMA_LOCAL_LINK_INTEGRITY_ERRORS] = { "LocalLinkIntegrityErrors", 152, 4 },
	[FP_PMA_EXCESSIVE_BUFFER_OVERRUNS] = { "ExcessiveBufferOverrunErrors", 156, 4 },
	[FP_PMA_VL15_DROPPED] = { "VL15Dropped", 176, 16 },
	/* PortXmitData and PortRcvData count 32-bit words, as the spec defines them */
	[FP_PMA_XMIT_DATA] = { "PortXmitData", 192, 32 },
	[FP_PMA_RCV_DATA] = { "PortRcvData", 224, 32 },
	[FP_PMA_XMIT_PKTS] = { "PortXmitPkts", 256, 32 },
	[FP_PMA_RCV_PKTS] = { "PortRcvPkts", 288, 32 },
	[FP_PMA_XMIT_WAIT] = { "PortXmitWait", 320, 32 },
};

const char *fp_pma_ctr_name(unsigned i)
{
	return i < FP_PMA_NCTR ? pc[i].name : "?";
}

int fp_pma_decode(const uint8_t *d, size_t len, uint64_t v[FP_PMA_NCTR], int *port_select)
{
	if (len < 44) /* through PortXmitWait */
		return -EINVAL;
	*port_select = (int)bits(d, 8, 8);
	for (unsigned i = 0; i < FP_PMA_NCTR; i++)
		v[i] = bits(d, pc[i].off, pc[i].width);
	return 0;
}

/* 64-bit counter at byte offset o */
static uint64_t be64(const uint8_t *d, unsigned o)
{
	return bits(d, o * 8, 32) << 32 | bits(d, o * 8 + 32, 32);
}

int fp_pma_decode_ext(const uint8_t *d, size_t len, uint64_t v[FP_PMA_NCTR], int *port_select)
{
	if (len < 40) /* through PortRcvPkts */
		return -EINVAL;
	*port_select = (int)bits(d, 8, 8);
	v[FP_PMA_XMIT_DATA] = be64(d, 8);
	v[FP_PMA_RCV_DATA] = be64(d, 16);
	v[FP_PMA_XMIT_PKTS] = be64(d, 24);
	v[FP_PMA_RCV_PKTS] = be64(d, 32);
	return 0;
}

int fp_smp_decode_node(const uint8_t *d, size_t len, struct fp_smp_node *n)
{
	if (len < 40)
		return -EINVAL;
	n->type = d[2];
	n->nports = d[3];
	n->guid = be64(d, 12);
	n->local_port = d[36];
	if (n->type < 1 || n->type > 4)
		return -EINVAL;
	return 0;
}

int fp_smp_decode_port(const uint8_t *d, size_t len, struct fp_smp_port *p)
{
	if (len < 34)
		return -EINVAL;
	p->lid = (int)bits(d, 128, 16);
	p->state = d[32] & 0xf;
	p->phys = d[33] >> 4;
	return 0;
}

int fp_mad_decode_hdr(const uint8_t *m, size_t len, struct fp_mad_hdr *h)
{
	if (len < FP_MAD_HDR_LEN)
		return -EINVAL;
	h->mgmt_class = m[1];
	h->method = m[3]; /* with the R bit: a GetResp is 0x81 */
	h->status = (int)bits(m, 32, 16);
	if (h->mgmt_class == 0x81) /* directed route: the D bit tops the status word */
		h->status &= 0x7fff;
	h->tid = (uint32_t)bits(m, 96, 32);
	h->attr_id = (int)bits(m, 128, 16);
	h->attr_mod = (uint32_t)bits(m, 160, 32);
	return 0;
}

bool fp_mad_busy(const struct fp_mad_hdr *h)
{
	return h->method == 0x81 && (h->status & 1); /* GetResp, status bit 0: busy */
}

const char *fp_pma_status_name(enum fp_pma_status s)
{
	static const char *const n[] = { "ok", "down", "no answer", "bad reply", "no route" };

	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}
