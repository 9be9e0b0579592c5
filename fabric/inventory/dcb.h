/* SPDX-License-Identifier: MIT */
/*
 * DCB state as rtnetlink DCB answers carry it (linux/dcbnl.h): the reply to
 * DCB_CMD_IEEE_GET, its PFC, ETS and APP table. The parser takes the message bytes, so
 * answers written from the uapi header stand in for a NIC (veth has no DCB).
 */
#ifndef FP_DCB_H
#define FP_DCB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fp_dcb {
	char pfc[24];  /* PFC-enabled priorities "3,4", or "none"; "" unknown */
	char ets[80];  /* "bw 50,50,0,0,0,0,0,0 prio_tc 0,0,0,1,0,0,0,0"; "" unknown */
	char trust[8]; /* "dscp" when the APP table maps DSCP, else "pcp"; "" unknown */
	bool has_pfc;
	uint64_t pfc_requests, pfc_indications; /* PFC frames sent and received, all priorities */
};

/* One netlink message (nlmsghdr, dcbmsg, attributes): 0, or -EINVAL with err. */
int fp_dcb_parse(const uint8_t *msg, size_t len, struct fp_dcb *d, char *err, size_t el);
/* Ask the kernel about ifname: 0, or -errno (-EOPNOTSUPP: the driver has no DCB). */
int fp_dcb_query(const char *ifname, struct fp_dcb *d);

#endif
