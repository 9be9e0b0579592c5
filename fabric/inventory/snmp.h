/* SPDX-License-Identifier: MIT */
/*
 * Switch-side evidence on Ethernet: IF-MIB and EtherLike-MIB counters of each switch port,
 * by numeric OID over SNMP (net-snmp's library; Debian ships no MIB files). The switches
 * file and the varbind decoder are separate from the transport so fuzz targets reach them.
 */
#ifndef FP_SNMP_H
#define FP_SNMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* BER tags of the SMI types (RFC 2578, 7.1; X.690) */
#define FP_ASN_INTEGER	 0x02
#define FP_ASN_OCTET_STR 0x04
#define FP_ASN_COUNTER32 0x41
#define FP_ASN_GAUGE32	 0x42
#define FP_ASN_TIMETICKS 0x43
#define FP_ASN_COUNTER64 0x46

/* one switch of --switches FILE: "NAME ADDRESS v2c community=STR" or
 * "NAME ADDRESS v3 user=U [auth=MD5|SHA:PASS [priv=DES|AES:PASS]]" */
struct fp_snmp_switch {
	char name[64], addr[128];
	int version; /* 2 or 3 */
	char community[64], user[64];
	char auth_proto[8], auth_pass[64], priv_proto[8], priv_pass[64];
	int line;
};

/* 0 with *out (caller frees) and *n, or -EINVAL with "src:line: what" in err */
int fp_snmp_switches_parse(const char *text, size_t len, const char *src,
			   struct fp_snmp_switch **out, unsigned *n, char *err, size_t el);

enum fp_snmp_ctr {
	FP_SNMP_HC_IN_OCTETS,
	FP_SNMP_HC_OUT_OCTETS,
	FP_SNMP_IN_ERRORS,
	FP_SNMP_IN_DISCARDS,
	FP_SNMP_OUT_DISCARDS,
	FP_SNMP_OPER_STATUS,
	FP_SNMP_LAST_CHANGE,
	FP_SNMP_FCS_ERRORS,
	FP_SNMP_SYMBOL_ERRORS,
	FP_SNMP_HC_IN_UCAST, /* frames received: FCS errors are judged per frame */
	FP_SNMP_HC_IN_MCAST,
	FP_SNMP_HC_IN_BCAST,
	FP_SNMP_NCTR
};

const char *fp_snmp_ctr_name(unsigned i);
/* counter i wraps at 2^32 (a Counter32), else 2^64; status and time are not counters */
bool fp_snmp_ctr_is32(unsigned i);
/* growth of counter i: a 32-bit counter that went backwards wrapped once */
uint64_t fp_snmp_delta(unsigned i, uint64_t now, uint64_t before);

struct fp_snmp_port {
	int ifindex;
	char name[64], descr[64];
	uint64_t v[FP_SNMP_NCTR];
	uint32_t have; /* bit i: counter i was answered */
};

/* one varbind as it came back, its value normalised */
struct fp_snmp_vb {
	const uint32_t *oid;
	size_t oidlen;
	int type;
	uint64_t num;
	const char *str;
	size_t slen;
};

/* the walk's column c: its OID prefix (for the transport) */
size_t fp_snmp_column(unsigned c, const uint32_t **oid);
#define FP_SNMP_NCOLUMNS (FP_SNMP_NCTR + 2) /* + ifName, ifDescr */

/*
 * Put one varbind of column c into ports[] (found by ifIndex, else added while fewer
 * than max). 0 stored, 1 outside column c (its walk ends), -EPROTO a bad answer named
 * in err (a wrong type for the column), -ENOSPC too many ports.
 */
int fp_snmp_apply(unsigned c, const struct fp_snmp_vb *vb, struct fp_snmp_port *ports, unsigned *n,
		  unsigned max, char *err, size_t el);

struct fp_snmp_opts {
	int timeout_ms, retries; /* per request */
	int parallel;		 /* switches read at once */
};

/* what one switch answered: its ports (ports[], max: the caller's), and how it went */
struct fp_snmp_answer {
	struct fp_snmp_port *ports;
	unsigned n, max;
	/* 0; -ETIMEDOUT no answer (down, or a wrong v2c community: dropped silently);
	 * -EACCES an SNMPv3 report (a wrong user or password); -EPROTO a bad answer in one
	 * column, the others kept; -EHOSTUNREACH, -EIO, -EINVAL; err names the switch */
	int ret;
	char err[256];
};

/*
 * Read every switch, up to o->parallel at once in one thread (net-snmp's asynchronous
 * sessions), each request with its own timeout. One switch's failure is in its answer,
 * never the others'. 0; -ENOMEM; -ENOTSUP built without net-snmp.
 */
int fp_snmp_read_all(const struct fp_snmp_switch *sw, unsigned nsw, const struct fp_snmp_opts *o,
		     struct fp_snmp_answer *a);

#endif
