/* SPDX-License-Identifier: MIT */
/*
 * A port's shaping from its root qdisc (rtnetlink RTM_GETQDISC, linux/pkt_sched.h): a tbf
 * at a rate below the link's is a slow link to whoever sends, whatever sysfs says.
 */
#ifndef FP_QDISC_H
#define FP_QDISC_H

#include <stddef.h>
#include <stdint.h>

struct fp_qdisc {
	int ifindex;
	uint32_t parent; /* TC_H_ROOT for the root qdisc */
	char kind[16];
	uint64_t rate_bps; /* tbf: its rate; 0 otherwise */
};

/* One RTM_NEWQDISC message: 0, or -EINVAL with err. */
int fp_qdisc_parse(const uint8_t *msg, size_t len, struct fp_qdisc *q, char *err, size_t el);
/* "tbf 100 Mbit/s", a shaper's kind ("htb"), or "none": what the root qdisc of q does */
void fp_qdisc_shaping(const struct fp_qdisc *q, char *out, size_t len);
/* The live root qdisc of ifname, described as above ("none" when it has no root qdisc):
 * 0, or -errno (-ENOENT: no such device). */
int fp_qdisc_query(const char *ifname, char *out, size_t len);

#endif
