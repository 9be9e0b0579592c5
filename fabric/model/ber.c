// SPDX-License-Identifier: MIT
/*
 * BER limits by lane rate (issue 18). Without FEC a lane must meet 1e-12 itself; with
 * RS-FEC the standards let the lane run at a much higher raw ratio that the FEC brings
 * under 1e-12, so pre-FEC counts are judged against that ratio, and only what FEC left
 * (symbol errors at the PCS, uncorrectable blocks) against 1e-12.
 */
#include "ber.h"

#include <stdio.h>

static const struct fp_ber_limit rows[] = {
	{ 10.3125, 1e-12,
	  "IEEE 802.3 cl. 49/82 (10GBASE-R, 40GBASE-R4 lanes) and IBTA SDR-QDR: 1e-12, no FEC" },
	{ 14.0625, 1e-12, "IBTA FDR lanes: 1e-12, no FEC" },
	{ 28.125, 5e-5,
	  "IEEE 802.3 cl. 91/95/108 (25G NRZ lanes, RS(528,514) FEC; IBTA EDR): 5e-5 before "
	  "FEC" },
	{ 1e9, 2.4e-4,
	  "IEEE 802.3bs/cd/ck (50G and 100G PAM4 lanes, RS(544,514) FEC; IBTA HDR/NDR): "
	  "2.4e-4 before FEC" },
};

const struct fp_ber_limit *fp_ber_limit(double lane_gbps)
{
	unsigned n = sizeof(rows) / sizeof(rows[0]);

	for (unsigned i = 0; i < n; i++)
		if (lane_gbps <= rows[i].max_lane_gbps)
			return &rows[i];
	return &rows[n - 1];
}

bool fp_ber_judge(const char *what, double errors, int lanes, double lane_gbps, double seconds,
		  bool pre_fec, double *ber, char *buf, size_t len)
{
	const struct fp_ber_limit *l = fp_ber_limit(lane_gbps);
	double bits = (lanes > 0 ? lanes : 1) * lane_gbps * 1e9 * seconds;
	double lim = pre_fec ? l->pre_fec : FP_BER_POST_FEC;

	if (len)
		buf[0] = 0;
	*ber = bits > 0 && errors > 0 ? errors / bits : 0;
	if (*ber <= lim)
		return false;
	snprintf(buf, len,
		 "%g %s in %.1f s, BER %.1e over x%d at %g Gb/s per lane, above the %g limit%s%s%s",
		 errors, what, seconds, *ber, lanes > 0 ? lanes : 1, lane_gbps, lim,
		 pre_fec ? " before FEC (" : "", pre_fec ? l->source : "", pre_fec ? ")" : "");
	return true;
}
