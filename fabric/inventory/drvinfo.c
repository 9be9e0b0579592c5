// SPDX-License-Identifier: MIT
/*
 * NIC model and firmware. The firmware comes from the driver through ETHTOOL_GDRVINFO
 * (include/uapi/linux/ethtool.h, struct ethtool_drvinfo); the model from the PCI ids
 * (sysfs-bus-pci: vendor, device), which name the silicon even where the driver does not.
 * veth and lo have neither: both stay empty.
 */
#include "drvinfo.h"

#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/file.h"

/* "0x15b3" from a sysfs id file, without the 0x; "" when absent */
static void pci_id(const char *dir, const char *name, char *out, size_t len)
{
	char path[PATH_MAX], v[16];

	out[0] = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (fp_read_line(path, v, sizeof(v)) && !strncmp(v, "0x", 2))
		snprintf(out, len, "%.4s", v + 2);
}

static void drvinfo(const char *ifname, struct fp_nicinfo *n)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&di;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(n->firmware, sizeof(n->firmware), "%.*s", (int)sizeof(di.fw_version),
			 di.fw_version);
	close(fd);
	/* drivers without firmware say "N/A" or nothing */
	if (!strcmp(n->firmware, "N/A"))
		n->firmware[0] = 0;
}

void fp_nicinfo_read(const char *root, const char *ifname, struct fp_nicinfo *n)
{
	char dir[PATH_MAX], ven[8], dev[8];

	memset(n, 0, sizeof(*n));
	if (!*ifname || strchr(ifname, '/') || strlen(ifname) >= IF_NAMESIZE)
		return;
	snprintf(dir, sizeof(dir), "%s/sys/class/net/%s/device", root, ifname);
	pci_id(dir, "vendor", ven, sizeof(ven));
	pci_id(dir, "device", dev, sizeof(dev));
	if (ven[0] && dev[0])
		snprintf(n->model, sizeof(n->model), "%s:%s", ven, dev);
	if (!root[0])
		drvinfo(ifname, n);
}
