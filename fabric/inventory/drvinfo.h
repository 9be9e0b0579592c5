/* SPDX-License-Identifier: MIT */
/*
 * A NIC's model and firmware, for run.json's ranks[]: the ethtool driver information
 * (ETHTOOL_GDRVINFO, what `ethtool -i` prints) and the PCI ids of the netdev's device.
 */
#ifndef FP_DRVINFO_H
#define FP_DRVINFO_H

#include <stddef.h>

struct fp_nicinfo {
	char model[48];	   /* "15b3:1017" (PCI vendor:device), "" without a PCI device */
	char firmware[48]; /* ethtool's firmware-version, "" when the driver gives none */
};

/* ifname's model (sysfs under root, "" live) and firmware (the live ioctl, root ""). */
void fp_nicinfo_read(const char *root, const char *ifname, struct fp_nicinfo *n);

#endif
