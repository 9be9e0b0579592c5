/* SPDX-License-Identifier: MIT */
/*
 * Bit error ratio limits by lane rate, and errors judged as a rate against them: errors over
 * the bits the link could carry in the interval (lanes x lane rate x seconds, as ibdiagnet
 * computes BER; idle links accrue them too). README.md ("Error counters as rates") has the
 * table with its sources.
 */
#ifndef FP_BER_H
#define FP_BER_H

#include <stdbool.h>
#include <stddef.h>

/* after FEC (or on a lane without FEC): the objective of IEEE 802.3 and the IBTA */
#define FP_BER_POST_FEC 1e-12

struct fp_ber_limit {
	double max_lane_gbps; /* this row holds for lanes up to this rate */
	double pre_fec;	      /* the ratio a lane may show before FEC corrects it */
	const char *source;
};

/* the row for a lane rate (Gb/s); past the table, its last row */
const struct fp_ber_limit *fp_ber_limit(double lane_gbps);

/*
 * errors counted over seconds on lanes x lane_gbps: the BER into *ber (0 when the interval
 * or the rate is unknown), judged against the pre-FEC limit of the lane rate (pre_fec: FEC
 * corrected bits or blocks, a lower bound of the raw errors) or FP_BER_POST_FEC (symbol
 * errors the PCS saw, uncorrectable FEC blocks). True when above, with one line in buf.
 */
bool fp_ber_judge(const char *what, double errors, int lanes, double lane_gbps, double seconds,
		  bool pre_fec, double *ber, char *buf, size_t len);

/*
 * A host's FEC counter over a run (fec_corrected: before FEC; fec_uncorrectable: after),
 * judged as a BER against the host's link in the topology (its lanes and lane rate) over
 * seconds. False when it is not a FEC counter or nothing says the link or the interval: the
 * caller judges it otherwise. True when judged, with buf "" or the finding.
 */
struct fp_topo;
bool fp_fec_judge(const struct fp_topo *t, int host, const char *name, double delta, double seconds,
		  char *buf, size_t len);

#endif
