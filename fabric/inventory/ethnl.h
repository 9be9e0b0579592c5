/* SPDX-License-Identifier: MIT */
/*
 * ethtool over generic netlink (libmnl): link modes, FEC with its statistics, and module
 * EEPROM pages, as `ethtool`, `ethtool --show-fec -I` and `ethtool -m` read them.
 */
#ifndef FP_ETHNL_H
#define FP_ETHNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fp_ethnl_info {
	int linkmodes_err, fec_err, module_err; /* 0, or -errno: why it is missing */
	double speed_gbps;			/* active; 0 unknown */
	unsigned lanes;
	double max_supported_gbps; /* the fastest mode the port supports */
	unsigned nsupported;
	char fec_active[16];
	bool fec_stats;
	uint64_t fec_corrected, fec_uncorrectable;
	size_t module_len; /* bytes of module image read, 0 none */
	int linkstate_err, stats_err;
	bool ext_state_known;
	char ext_state[32]; /* why the link is down, when the driver says */
	bool std_stats;	    /* IEEE 802.3 counters (ethtool -S --groups) */
	uint64_t symbol_errors, fcs_errors, alignment_errors;
	bool ctrl_stats; /* IEEE 802.3 MAC control frames (pause among them) */
	uint64_t mac_ctrl_tx, mac_ctrl_rx;
	int pause_err;	  /* ethtool -I -a: 0, or -errno */
	bool pause_stats; /* the driver counts pause frames */
	uint64_t pause_tx, pause_rx;
};

/* Query ifname; img (at least 768 bytes) receives the module image, laid out as
 * eeprom.h describes. 0 when the netlink family answered at all, else -errno. */
int fp_ethnl_query(const char *ifname, struct fp_ethnl_info *info, uint8_t *img, size_t max);

#endif
