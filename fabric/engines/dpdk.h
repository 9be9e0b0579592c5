/* SPDX-License-Identifier: MIT */
/*
 * `fabprobe pkt`: one DPDK port, no peers and no rendezvous: send a counted, paced stream
 * of probe frames, or count what arrives. It is how fabprobe meets tools it did not write
 * (testpmd txonly/rxonly) and how its TX rate is compared with theirs.
 */
#ifndef FP_DPDK_H
#define FP_DPDK_H

#include <stdbool.h>
#include <stdint.h>

struct fp_pkt_result;

struct fp_pkt_cfg {
	bool tx;
	const char *port, *eal, *dst_mac, *ip, *peer_ip;
	uint64_t count;	      /* tx: frames; rx: stop after this many (0: no limit) */
	uint64_t size;	      /* frame size with FCS */
	double bps, pps;      /* tx pacing; 0: unpaced */
	uint64_t duration_ns; /* rx: longest wait; tx: stop early */
	uint64_t idle_ns;     /* rx: stop after this long without a frame, once one came */
	uint64_t linger_ns;   /* keep the port up this long after the result is out */
	bool check;
	/* called with the result before lingering */
	void (*report)(const struct fp_pkt_result *r, void *arg);
	void *arg;
};

struct fp_pkt_result {
	uint64_t frames, bytes; /* tx: sent; rx: every frame but ARP */
	uint64_t probe, foreign, bad, stale, lost, reordered, duplicates;
	double seconds; /* first to last frame */
};

int fp_dpdk_pkt(const struct fp_pkt_cfg *c, struct fp_pkt_result *r, char *err, size_t errlen);

#endif
