// SPDX-License-Identifier: MIT
/*
 * BER limits by lane rate (issue 18). Without FEC a lane must meet 1e-12 itself; with
 * RS-FEC the standards let the lane run at a much higher raw ratio that the FEC brings
 * under 1e-12, so pre-FEC counts are judged against that ratio, and only what FEC left
 * (symbol errors at the PCS, uncorrectable blocks) against 1e-12.
 */
#include "ber.h"

#include <stdio.h>
#include <string.h>

#include "topo.h"

static const struct fp_ber_limit rows[] = {
	{ 10.3125, 1e-12, "IEEE 802.3 cl. 49/82, no FEC; IBTA SDR-QDR" },
	{ 14.0625, 1e-12, "IBTA FDR, no FEC" },
	{ 28.125, 5e-5, "IEEE 802.3 cl. 91/95/108, RS(528,514); IBTA EDR" },
	{ 1e9, 2.4e-4, "IEEE 802.3bs/cd/ck, RS(544,514); IBTA HDR/NDR" },
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

bool fp_fec_judge(const struct fp_topo *t, int host, const char *name, double delta, double seconds,
		  char *buf, size_t len)
{
	bool pre = !strcmp(name, "fec_corrected");
	const struct fp_link *l;
	double ber, lane;
	int lanes;

	if (len)
		buf[0] = 0;
	if ((!pre && strcmp(name, "fec_uncorrectable")) || seconds <= 0 || host < 0 ||
	    (unsigned)host >= t->nnodes || !t->adj_off || t->adj_off[host] == t->adj_off[host + 1])
		return false;
	l = &t->links[t->adj[t->adj_off[host]]];
	lanes = l->trained_lanes > 0 ? l->trained_lanes : l->lanes > 0 ? l->lanes : 1;
	lane = l->lane_gbps > 0 ? l->lane_gbps : l->gbps / lanes;
	if (lane <= 0)
		return false;
	fp_ber_judge(pre ? "FEC blocks corrected" : "uncorrectable FEC blocks", delta, lanes, lane,
		     seconds, pre, &ber, buf, len);
	return true;
}
