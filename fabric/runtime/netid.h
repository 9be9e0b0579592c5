/* SPDX-License-Identifier: MIT */
/*
 * An engine's endpoint identity (the identity op of engine.h) as "key=value" lines: the
 * kernel netdev side, shared by the engines that have one (sockets: the bound address's
 * netdev; verbs: the netdev under a RoCE GID). The keys are results/README.md's
 * hosts[].endpoint keys.
 */
#ifndef FP_NETID_H
#define FP_NETID_H

#include <stdbool.h>
#include <stddef.h>

/* The netdev holding local address ip (IPv4 or IPv6): true with its name. */
bool fp_netid_of_ip(const char *ip, char *name, size_t len);
/* Append "key=value\n" at buf + *o (an empty value is left out); buf stays a C string. */
void fp_netid_put(char *buf, size_t len, size_t *o, const char *key, const char *val);
/* pci and numa_node of a sysfs device folder (a netdev's or an RDMA device's "device"),
 * when it is on the PCI bus. */
void fp_netid_pci(const char *devdir, char *buf, size_t len, size_t *o);
/*
 * A netdev's lines: netdev, mac, pci (when its device is on the PCI bus), numa_node, and
 * its first IPv4 and IPv6 addresses (global before link-local). sysfs under root ("" live).
 */
void fp_netid_netdev(const char *root, const char *ifname, char *buf, size_t len, size_t *o);

#endif
