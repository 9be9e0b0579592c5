/* SPDX-License-Identifier: MIT */
/*
 * Switch-side evidence on InfiniBand: the PMA PortCounters and PortCountersExtended of
 * every port at both ends of every link, read over MADs (libibmad) as perfquery does.
 * Decoders are separate from the transport so fuzz targets and fixtures reach them.
 */
#ifndef FP_IBPMA_H
#define FP_IBPMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the counters, in PortCounters order (IBTA vol 1, 16.1.3.5); names as perfquery prints */
enum fp_pma_ctr {
	FP_PMA_SYMBOL_ERRORS,
	FP_PMA_LINK_RECOVERIES,
	FP_PMA_LINK_DOWNED,
	FP_PMA_RCV_ERRORS,
	FP_PMA_RCV_REMOTE_PHYS_ERRORS,
	FP_PMA_RCV_SWITCH_RELAY_ERRORS,
	FP_PMA_XMIT_DISCARDS,
	FP_PMA_XMIT_CONSTRAINT_ERRORS,
	FP_PMA_RCV_CONSTRAINT_ERRORS,
	FP_PMA_LOCAL_LINK_INTEGRITY_ERRORS,
	FP_PMA_EXCESSIVE_BUFFER_OVERRUNS,
	FP_PMA_VL15_DROPPED,
	FP_PMA_XMIT_DATA,
	FP_PMA_RCV_DATA,
	FP_PMA_XMIT_PKTS,
	FP_PMA_RCV_PKTS,
	FP_PMA_XMIT_WAIT,
	FP_PMA_NCTR
};

/* perfquery's name of counter i */
const char *fp_pma_ctr_name(unsigned i);

#define FP_PMA_DATA_LEN 192 /* a PMA MAD's data area */
#define FP_SMP_DATA_LEN 64  /* an SMP's data area */

/*
 * PortCounters (attribute 0x12) data area: the counters, and the PortSelect it answers for.
 * 0, or -EINVAL when the area is short.
 */
int fp_pma_decode(const uint8_t *d, size_t len, uint64_t v[FP_PMA_NCTR], int *port_select);
/* PortCountersExtended (0x1D): overwrite data and packet counters with their 64-bit values */
int fp_pma_decode_ext(const uint8_t *d, size_t len, uint64_t v[FP_PMA_NCTR], int *port_select);

/* NodeInfo (SMP 0x11): node type (1 CA, 2 switch), ports, node GUID, the port it came in */
struct fp_smp_node {
	int type, nports, local_port;
	uint64_t guid;
};
int fp_smp_decode_node(const uint8_t *d, size_t len, struct fp_smp_node *n);
/* PortInfo (SMP 0x15): LID, PortState (1 down .. 4 active), PortPhysicalState */
struct fp_smp_port {
	int lid, state, phys;
};
int fp_smp_decode_port(const uint8_t *d, size_t len, struct fp_smp_port *p);

/*
 * A MAD's common header (IBTA vol 1, 13.4.3 table 112), as the reader matches a reply to
 * its request: the low 32 bits of the TransactionID (the kernel owns the high half), the
 * class, method and attribute. For a directed-route SMP the D bit is not part of status.
 * 0, or -EINVAL when the MAD is shorter than its header.
 */
#define FP_MAD_HDR_LEN	 24
#define FP_MAD_DATA_OFFS 64 /* SMP and PMA data areas both start here */
struct fp_mad_hdr {
	int mgmt_class, method, status, attr_id;
	uint32_t tid, attr_mod;
};
int fp_mad_decode_hdr(const uint8_t *m, size_t len, struct fp_mad_hdr *h);
/*
 * A GetResp whose status says BUSY (13.4.7 table 113, bit 0): the agent could not answer
 * now, so the request is retried as if unanswered rather than taken as final.
 */
bool fp_mad_busy(const struct fp_mad_hdr *h);

/* The fabric as the query sees it: nodes with their GUIDs, links by port number. */
struct fp_pma_node {
	char name[64];
	uint64_t guid; /* 0 unknown */
	bool sw;
};

struct fp_pma_link {
	int a, b;	  /* node indices */
	int pa, pb;	  /* port numbers */
	int lid_a, lid_b; /* 0: resolve by directed route */
};

enum fp_pma_status {
	FP_PMA_OK,
	FP_PMA_DOWN,	  /* the port answers but its link is not up */
	FP_PMA_NO_ANSWER, /* no reply within timeout x retries */
	FP_PMA_BAD_REPLY, /* a reply that does not decode, or for another port */
	FP_PMA_NO_ROUTE,  /* no LID known and no directed route reaches the node */
};

/* one link end: link l, side 0 (a) or 1 (b) */
struct fp_pma_end {
	int link, side, node, port, lid;
	enum fp_pma_status status;
	int state; /* PortState when read, else 0 */
	bool ext;  /* data and packet counters are 64-bit */
	uint64_t v[FP_PMA_NCTR];
	char why[128];
};

struct fp_pma_opts {
	const char *ca; /* NULL: the first */
	int ca_port;	/* 0: the first active */
	int timeout_ms, retries;
	int parallel; /* link ends read at once over one MAD port (0: 8), each its own TID */
};

/*
 * Read both ends of every link. ends[] holds 2 x nlinks entries, in link order. A port
 * that does not answer is named in its entry, never fatal. 0; -ENOTSUP when built without
 * libibmad; -ENODEV when no local InfiniBand port opens (err says which).
 */
int fp_pma_read(const struct fp_pma_opts *o, const struct fp_pma_node *nodes, unsigned nnodes,
		const struct fp_pma_link *links, unsigned nlinks, struct fp_pma_end *ends,
		char *err, size_t el);

const char *fp_pma_status_name(enum fp_pma_status s);
/* "yes (libibmad X)" or why not: for engines-like reports */
bool fp_pma_built(void);

#endif
