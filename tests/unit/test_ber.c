// SPDX-License-Identifier: MIT
/*
 * Error counters judged as rates (issue 18): the limit follows the lane rate (1e-12 without
 * FEC, the standards' pre-FEC ratios with it), errors count against the bits the link
 * could carry in the interval whether or not it carried traffic, and what FEC left is held
 * to 1e-12 at every rate.
 */
#include <math.h>
#include <string.h>

#include "../../fabric/model/analyze_evidence.h"
#include "../../fabric/model/ber.h"
#include "../../fabric/model/topo.h"
#include "t.h"

static void test_limits(void)
{
	CHECK(fp_ber_limit(1)->pre_fec == 1e-12 && fp_ber_limit(10.3125)->pre_fec == 1e-12,
	      "10G lanes and slower: 1e-12, no FEC");
	CHECK(fp_ber_limit(14.0625)->pre_fec == 1e-12, "FDR lanes: 1e-12");
	CHECK(fp_ber_limit(25.78125)->pre_fec == 5e-5, "25G NRZ lanes: 5e-5 before RS(528,514)");
	CHECK(fp_ber_limit(53.125)->pre_fec == 2.4e-4 && fp_ber_limit(106.25)->pre_fec == 2.4e-4,
	      "50G and 100G PAM4 lanes: 2.4e-4 before RS(544,514)");
	CHECK(fp_ber_limit(1e6)->pre_fec == 2.4e-4, "past the table: its last row");
	CHECK(strstr(fp_ber_limit(53.125)->source, "802.3") != NULL, "each row cites its source");
}

static void test_judge(void)
{
	char b[400];
	double ber;

	/* 4 x 25 Gb/s for 10 s: 1e12 bits, traffic or not */
	CHECK(fp_ber_judge("symbol errors", 5, 4, 25, 10, false, &ber, b, sizeof(b)) &&
		      fabs(ber - 5e-12) < 1e-18 && strstr(b, "above the 1e-12 limit"),
	      "5 symbol errors in 1e12 bits: 5e-12, above 1e-12 (%s)", b);
	CHECK(!fp_ber_judge("symbol errors", 1, 4, 25, 10, false, &ber, b, sizeof(b)) && !b[0],
	      "1 in 1e12 bits: at the limit, not above");
	CHECK(fp_ber_judge("symbol errors", 1, 4, 25, 0.5, false, &ber, b, sizeof(b)),
	      "1 in 5e10 bits: 2e-11, above");
	/* pre-FEC counts against the lane rate's own ratio */
	CHECK(!fp_ber_judge("FEC corrected", 1e7, 4, 25, 10, true, &ber, b, sizeof(b)),
	      "1e-5 before FEC on 25G lanes: under 5e-5");
	CHECK(fp_ber_judge("FEC corrected", 1e8, 4, 25, 10, true, &ber, b, sizeof(b)) &&
		      strstr(b, "before FEC") && strstr(b, "RS(528,514)"),
	      "1e-4 before FEC on 25G lanes: above 5e-5, with its source (%s)", b);
	CHECK(!fp_ber_judge("FEC corrected", 1e8, 8, 53.125, 10, true, &ber, b, sizeof(b)),
	      "2.4e-5 before FEC on 50G PAM4 lanes: under 2.4e-4");
	CHECK(fp_ber_judge("FEC corrected", 1e8, 1, 10, 10, true, &ber, b, sizeof(b)),
	      "a 10G lane has no FEC to lean on: 1e-12");
	/* no interval or no rate: nothing to judge a rate by */
	CHECK(!fp_ber_judge("symbol errors", 99, 4, 25, 0, false, &ber, b, sizeof(b)) && ber == 0,
	      "no interval: not judged");
	CHECK(!fp_ber_judge("symbol errors", 99, 0, 0, 10, false, &ber, b, sizeof(b)) && ber == 0,
	      "no rate: not judged");
}

/* a host's FEC counters over a run, against its own link: 4 x 25 Gb/s, 10 s = 1e12 bits */
static void test_fec(void)
{
	struct fp_gen_opts g = { .hosts_per_leaf = 2,
				 .leaves = 2,
				 .spines = 1,
				 .host_gbps = 100,
				 .fabric_gbps = 100,
				 .lanes = 4 };
	struct fp_topo t;
	char err[200], b[400];
	int h;

	fp_topo_init(&t);
	CHECK(!fp_gen_leaf_spine(&t, &g, err, sizeof(err)), "topology: %s", err);
	h = fp_topo_find(&t, "h0");
	CHECK(fp_fec_judge(&t, h, "fec_corrected", 1e8, 10, b, sizeof(b)) && strstr(b, "5e-05"),
	      "1e8 corrected blocks in 1e12 bits: above 25G lanes' 5e-5 (%s)", b);
	CHECK(fp_fec_judge(&t, h, "fec_corrected", 1e6, 10, b, sizeof(b)) && !b[0],
	      "1e6 corrected: FEC doing its job, no finding");
	CHECK(fp_fec_judge(&t, h, "fec_uncorrectable", 3, 10, b, sizeof(b)) &&
		      strstr(b, "above the 1e-12 limit"),
	      "3 uncorrectable blocks in 1e12 bits: above 1e-12 (%s)", b);
	CHECK(fp_fec_judge(&t, h, "fec_uncorrectable", 3, 3600, b, sizeof(b)) && !b[0],
	      "3 in an hour (an idle link accrues bits too): under 1e-12");
	CHECK(!fp_fec_judge(&t, h, "rx_crc_errors", 3, 10, b, sizeof(b)) &&
		      !fp_fec_judge(&t, h, "fec_uncorrectable", 3, 0, b, sizeof(b)) &&
		      !fp_fec_judge(&t, -1, "fec_uncorrectable", 3, 10, b, sizeof(b)),
	      "not FEC, no interval, no host: left to the per-frame rules");
	fp_topo_destroy(&t);
}

/* drops and discards are congestion, never a physical finding; FCS errors per frame */
static void test_congestion(void)
{
	char b[300];

	CHECK(!fp_host_counter_judge("rx_dropped", 1e6, 1e6, 1e9, b, sizeof(b)),
	      "rx_dropped: congestion");
	CHECK(!fp_host_counter_judge("tx_discards_phy", 1e3, 1e6, 1e9, b, sizeof(b)),
	      "discards: congestion");
	CHECK(fp_host_counter_judge("rx_crc_errors", 100, 1e6, 1.5e9, b, sizeof(b)) &&
		      strstr(b, "per frame"),
	      "100 FCS errors in 1e6 frames: a cable");
}

int main(void)
{
	test_limits();
	test_judge();
	test_fec();
	test_congestion();
	return t_done("ber");
}
