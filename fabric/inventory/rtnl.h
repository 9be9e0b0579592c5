/* SPDX-License-Identifier: MIT */
/* rtnetlink for the inventory: bounded attribute walking, and one request with its answers. */
#ifndef FP_RTNL_H
#define FP_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The attribute at *off in b[0..end): its type, payload and payload length, *off moved past
 * it (aligned). false at the end or on an attribute that does not fit: the caller tells the
 * two apart by *off < end.
 */
bool fp_nla_next(const uint8_t *b, size_t end, size_t *off, unsigned *type, const uint8_t **pl,
		 size_t *plen);

/* called for each answer message: 0 to go on, -errno to stop with that error */
typedef int (*fp_rtnl_cb)(const uint8_t *msg, size_t len, void *ctx);

/*
 * Send req (a whole netlink message) on NETLINK_ROUTE and give every answer to cb, through
 * a dump's NLMSG_DONE: 0, cb's value, or -errno (an NLMSG_ERROR's, -ETIMEDOUT after 1 s).
 */
int fp_rtnl_ask(const void *req, size_t len, fp_rtnl_cb cb, void *ctx);

#endif
