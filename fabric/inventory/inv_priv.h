/* SPDX-License-Identifier: MIT */
/* Inside the inventory: the sysfs reader and the readers of what fleets compare. */
#ifndef FP_INV_PRIV_H
#define FP_INV_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "inventory.h"

/* a small sysfs attribute into buf, trimmed; false when absent or unreadable */
bool fp_inv_attr(const char *dir, const char *name, char *buf, size_t len);
/* an RDMA port's model, firmware, GID types and RoCE ToS (dev: the device's folder) */
void fp_inv_rdma_extra(const char *root, const char *dev, const char *devname, const char *port,
		       struct fp_port *p);
/* a netdev's driver version and ECN priorities (nd: its folder) */
void fp_inv_netdev_extra(const char *root, const char *nd, struct fp_port *p);
/* the host's kernel release */
void fp_inv_host_extra(const char *root, struct fp_inventory *inv);

#endif
