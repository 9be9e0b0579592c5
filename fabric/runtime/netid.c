// SPDX-License-Identifier: MIT
/*
 * The kernel netdev side of an endpoint's identity, from sysfs and getifaddrs: what a rank
 * tells rank 0 so that analyze can join it to its own topology endpoint.
 */
#include "netid.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/file.h"

bool fp_netid_of_ip(const char *ip, char *name, size_t len)
{
	struct ifaddrs *ifa, *i;
	struct in6_addr a6;
	struct in_addr a4;
	bool v6 = inet_pton(AF_INET6, ip, &a6) == 1, found = false;

	if ((!v6 && inet_pton(AF_INET, ip, &a4) != 1) || getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || sa->sa_family != (v6 ? AF_INET6 : AF_INET))
			continue;
		found = v6 ? !memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				     &a6, sizeof(a6))
			   : ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr ==
					a4.s_addr;
		if (found)
			snprintf(name, len, "%s", i->ifa_name);
	}
	freeifaddrs(ifa);
	return found;
}

void fp_netid_put(char *buf, size_t len, size_t *o, const char *key, const char *val)
{
	int n;

	if (!val || !*val || *o >= len)
		return;
	n = snprintf(buf + *o, len - *o, "%s=%s\n", key, val);
	if (n < 0 || (size_t)n >= len - *o)
		buf[*o] = 0; /* a line that does not fit is left out whole */
	else
		*o += (size_t)n;
}

/* The first line of a sysfs attribute, without its newline; "" when absent. */
static void attr(const char *dir, const char *name, char *out, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp_read_line(path, out, len);
}

/* The last component of a symbolic link's target; "" when it is not a link. */
static void link_base(const char *path, char *out, size_t len)
{
	char t[PATH_MAX];
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	const char *b;

	out[0] = 0;
	if (n <= 0)
		return;
	t[n] = 0;
	b = strrchr(t, '/');
	snprintf(out, len, "%s", b ? b + 1 : t);
}

/* The first IPv4 and IPv6 addresses of a netdev; link-local IPv6 only when it has no other. */
static void addrs(const char *ifname, char *v4, char *v6, size_t len)
{
	struct ifaddrs *ifa, *i;
	bool v6_global = false;

	v4[0] = v6[0] = 0;
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next) {
		const void *sa = i->ifa_addr;

		if (!sa || strcmp(i->ifa_name, ifname))
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !v4[0])
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, v4,
				  (socklen_t)len);
		if (i->ifa_addr->sa_family == AF_INET6 && !v6_global) {
			const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a) && v6[0])
				continue;
			inet_ntop(AF_INET6, a, v6, (socklen_t)len);
			v6_global = !IN6_IS_ADDR_LINKLOCAL(a);
		}
	}
	freeifaddrs(ifa);
}

void fp_netid_pci(const char *devdir, char *buf, size_t len, size_t *o)
{
	unsigned dom, bus, dev, fn;
	char v[64], x;

	/* a PCI function's folder is named by its address (sysfs-bus-pci): 0000:3b:00.0 */
	link_base(devdir, v, sizeof(v));
	if (sscanf(v, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &x) != 4)
		return;
	fp_netid_put(buf, len, o, "pci", v);
	attr(devdir, "numa_node", v, sizeof(v));
	if (v[0] && v[0] != '-')
		fp_netid_put(buf, len, o, "numa_node", v);
}

void fp_netid_netdev(const char *root, const char *ifname, char *buf, size_t len, size_t *o)
{
	char dir[PATH_MAX], path[PATH_MAX + 8], v[64], v4[INET6_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];

	/* a name from outside (a GID's ndev file) never walks out of sysfs */
	if (!*ifname || strchr(ifname, '/') || strlen(ifname) >= IF_NAMESIZE)
		return;
	fp_netid_put(buf, len, o, "netdev", ifname);
	snprintf(dir, sizeof(dir), "%s/sys/class/net/%s", root, ifname);
	attr(dir, "address", v, sizeof(v));
	if (strcmp(v, "00:00:00:00:00:00")) /* lo, tunnels: no MAC to name them by */
		fp_netid_put(buf, len, o, "mac", v);
	snprintf(path, sizeof(path), "%s/device", dir);
	fp_netid_pci(path, buf, len, o);
	if (root[0])
		return; /* a fixture tree has no addresses */
	addrs(ifname, v4, v6, sizeof(v6));
	fp_netid_put(buf, len, o, "ipv4", v4);
	fp_netid_put(buf, len, o, "ipv6", v6);
}
