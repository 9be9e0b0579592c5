/* SPDX-License-Identifier: MIT */
/*
 * FEC statistics of a port (ethtool netlink ETHTOOL_MSG_FEC_GET with ETHTOOL_FLAG_STATS,
 * `ethtool -I --show-fec`), and one snapshot of a port's counters for soak series: the
 * netdev's statistics, carrier changes, the RDMA device's hw_counters and FEC.
 */
#ifndef FP_FEC_H
#define FP_FEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_FEC_LANES 8

struct fp_fec {
	bool stats; /* the driver reported FEC statistics; false: "not available" */
	char active[16];
	uint64_t corrected, uncorrectable;
	unsigned lanes; /* per-lane values present */
	uint64_t lane_corrected[FP_FEC_LANES], lane_uncorrectable[FP_FEC_LANES];
};

/*
 * Decode one ETHTOOL_MSG_FEC_GET reply: a netlink message (struct nlmsghdr, struct
 * genlmsghdr, then attributes) of len bytes. 0 (f->stats says whether statistics were in
 * it), or -EBADMSG for a malformed message. Outside input: every length is checked.
 */
int fp_fec_parse(const void *msg, size_t len, struct fp_fec *f);

/*
 * Read ifname's FEC statistics: the live system (root "" or "/") over ethtool netlink; under
 * a fixture root, the captured reply ROOT/ethtool/IFNAME/fec_get.bin. 0 or -errno.
 */
int fp_fec_read(const char *root, const char *ifname, struct fp_fec *f);

#define FP_SNAP_MAX 128

/* One port's counters at one moment, by name. */
struct fp_snap {
	unsigned n;
	char name[FP_SNAP_MAX][48];
	uint64_t value[FP_SNAP_MAX];
	bool fec; /* fec_corrected and fec_uncorrectable are among the counters */
};

/*
 * Snapshot ifname under root: statistics/<name>, carrier_changes, the RDMA device's
 * hw_counters as rdma_<name> (device/infiniband/DEV/ports/N/hw_counters), and
 * fec_corrected / fec_uncorrectable when the driver reports them. 0 or -errno.
 */
int fp_snap_read(const char *root, const char *ifname, struct fp_snap *s);
/* The value of a counter in s: true if present. */
bool fp_snap_get(const struct fp_snap *s, const char *name, uint64_t *v);

#endif
