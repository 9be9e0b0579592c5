/* SPDX-License-Identifier: MIT */
/*
 * Host inventory from what Linux exposes: netdevs (/sys/class/net), RDMA ports
 * (/sys/class/infiniband), PCIe links and NUMA nodes (/sys/bus/pci), and module EEPROMs.
 * Every reader takes a root folder, so fixture trees stand in for the live system.
 */
#ifndef FP_INVENTORY_H
#define FP_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dcb.h"
#include "eeprom.h"
#include "ethnl.h"

#define FP_INV_COUNTERS 48

struct fp_counter {
	char name[48];
	uint64_t value;
	unsigned bits;	/* width when known (IB PortCounters), else 64 */
	bool saturated; /* at its width's maximum: the true count is unknown, not wrapped */
};

struct fp_pcie {
	bool present;
	char addr[16];
	double speed_gts, max_speed_gts; /* GT/s */
	int width, max_width;
	int numa_node; /* -1 unknown */
	char cpus[64]; /* local_cpulist */
};

struct fp_port {
	char name[48]; /* netdev name, or rdma device/port "mlx5_0/1" */
	bool rdma;
	char state[24], phys_state[24], link_layer[16], gid0[48];
	char driver[32];
	double speed_gbps; /* 0 unknown */
	char duplex[8];
	int mtu;
	uint64_t carrier_changes;
	bool virtual_dev;
	struct fp_pcie pcie;
	struct fp_counter c[FP_INV_COUNTERS];
	unsigned nc;
	bool has_module;
	struct fp_module module;
	bool ethnl; /* queried over ethtool netlink (live system only) */
	struct fp_ethnl_info nl;
	/* for fleet comparison; "" or -1 where the driver does not say */
	char model[48], fw_ver[48], drv_version[48];
	char gid_types[48]; /* the types of the port's GIDs in use: "RoCE v2", "IB/RoCE v1,RoCE v2" */
	bool ipv4_gid;	    /* an IPv4-mapped GID (::ffff:a.b.c.d), what RoCE v2 over IPv4 uses */
	int roce_tos;	    /* RDMA CM's default ToS (configfs rdma_cm), -1 unknown */
	char ecn[48];	    /* priorities with ECN enabled: "np 3 rp 3" (mlx5 sysfs) */
	struct fp_dcb dcb;  /* live only: rtnetlink DCB */
	char shaping[32];   /* live only: the root qdisc, "tbf 100 Mbit/s" or "none" */
	bool pause_known;   /* sampled twice at idle (fp_pause_sample) with counters both times */
	double pause_idle;  /* pause and PFC frames per second at idle: > 0 is a pause storm */
};

struct fp_inventory {
	char host[64];
	char kernel[64]; /* proc/sys/kernel/osrelease under the root */
	struct fp_port *ports;
	unsigned n;
	char warn[16][200];
	unsigned nwarn;
};

/* Read the inventory under root ("/" for the live system). 0 or -errno with err. */
int fp_inventory_read(const char *root, struct fp_inventory *inv, char *err, size_t errlen);
void fp_inventory_free(struct fp_inventory *inv);
/* Warnings: trained below capability, PCIe below max, DOM margins, saturated counters. */
void fp_inventory_check(struct fp_inventory *inv);
void fp_inventory_json(const struct fp_inventory *inv, FILE *f);
/* Counters that count something going wrong, by name, as the summary sums them; a fault
 * also counts link flaps (carrier_changes), for what grew during a run. */
bool fp_counter_is_error(const char *name);
bool fp_counter_is_fault(const char *name);
/* One netdev's state and counters (carrier_changes among them), for run snapshots. */
int fp_netdev_read(const char *root, const char *name, struct fp_port *p);
/* one port's counters, for before/after snapshots: name=value pairs into out */
const struct fp_port *fp_inventory_port(const struct fp_inventory *inv, const char *name);

#endif
