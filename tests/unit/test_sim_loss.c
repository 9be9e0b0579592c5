// SPDX-License-Identifier: MIT
/*
 * The simulator's loss model (issue 18) against numbers worked by hand: the Mathis bound,
 * go-back-N goodput, loss compounded over a path, and what each transport makes of a lossy
 * host link when two flows share the receiver's link.
 */
#include <math.h>
#include <stdio.h>

#include "../../fabric/model/sim.h"
#include "../../fabric/model/topo.h"
#include "t.h"

#define NEAR(x, want, tol) (fabs((x) - (want)) <= (tol))

/* two flows into host 1 under one leaf, host 0's cable losing p; rates out */
static void two_flows(enum fp_sim_transport tr, double p, double rate[2])
{
	struct fp_gen_opts g = { .hosts_per_leaf = 4,
				 .leaves = 2,
				 .spines = 1,
				 .host_gbps = 100,
				 .oversub = 1,
				 .lanes = 4 };
	struct fp_topo t;
	struct fp_router r;
	struct fp_sim_net net;
	char err[128];
	int src[2] = { 0, 2 }, dst[2] = { 1, 1 };
	unsigned path[2 * FP_SIM_MAXHOPS], hops[2];
	struct fp_sim_flows fl = { .n = 2, .src = src, .dst = dst, .path = path, .hops = hops };

	CHECK(!fp_gen_leaf_spine(&t, &g, err, sizeof(err)), "leaf-spine: %s", err);
	struct fp_fault f = { FP_FAULT_LOSS, (int)t.adj[t.adj_off[0]], -1, p };

	CHECK(!fp_sim_net_init(&net, &t, &f, 1, 10), "net");
	net.transport = tr;
	CHECK(!fp_router_init(&r, &t), "router");
	CHECK(!fp_sim_paths(&r, &fl, 1, NULL), "paths");
	CHECK(hops[0] == 2 && hops[1] == 2, "one leaf: two hops each, %u %u", hops[0], hops[1]);
	CHECK(!fp_sim_maxmin(&net, &fl, rate), "maxmin");
	fp_router_destroy(&r);
	fp_sim_net_destroy(&net);
	fp_topo_destroy(&t);
}

int main(void)
{
	double rate[2];

	/* Mathis: 1448 B * 8 / 10 us = 1.1584 Gb/s per window; * sqrt(3/2) = 1.41874;
	 * / sqrt(0.001) = 44.8646 Gb/s, / sqrt(0.01) = 14.1874 Gb/s */
	CHECK(NEAR(fp_sim_mathis_gbps(0.001, 10), 44.8646, 1e-3), "%g",
	      fp_sim_mathis_gbps(0.001, 10));
	CHECK(NEAR(fp_sim_mathis_gbps(0.01, 10), 14.1874, 1e-3), "%g",
	      fp_sim_mathis_gbps(0.01, 10));
	/* ten times the RTT, a tenth of the rate */
	CHECK(NEAR(fp_sim_mathis_gbps(0.01, 100), 1.41874, 1e-4), "%g",
	      fp_sim_mathis_gbps(0.01, 100));
	CHECK(isinf(fp_sim_mathis_gbps(0, 10)), "no loss, no bound");
	/* go-back-N: 100 Gb/s x 10 us = 125,000 B = 30.5 -> 31 packets of 4096 B in flight;
	 * (1 - 0.001) / (1 + 30 * 0.001) = 0.999 / 1.03 = 0.969903 */
	CHECK(NEAR(fp_sim_gbn_goodput(100, 0.001, 10), 0.969903, 1e-6), "%g",
	      fp_sim_gbn_goodput(100, 0.001, 10));
	/* 0.99 / 1.3 = 0.761538 */
	CHECK(NEAR(fp_sim_gbn_goodput(100, 0.01, 10), 0.761538, 1e-6), "%g",
	      fp_sim_gbn_goodput(100, 0.01, 10));
	/* a window of one packet: each loss resends only itself */
	CHECK(NEAR(fp_sim_gbn_goodput(1, 0.01, 10), 0.99, 1e-12), "%g",
	      fp_sim_gbn_goodput(1, 0.01, 10));
	CHECK(fp_sim_gbn_goodput(100, 0, 10) == 1 && fp_sim_gbn_goodput(100, 1, 10) == 0,
	      "no loss: all of it; all lost: nothing");

	/* compounded: 1 - 0.999 * 0.99 = 0.01099 */
	double loss[4] = { 0.001, 0.001, 0.01, 0.01 };
	struct fp_sim_net n = { .loss = loss };
	unsigned pth[2] = { 0, 3 };

	CHECK(NEAR(fp_sim_path_loss(&n, pth, 2), 0.01099, 1e-12), "%g",
	      fp_sim_path_loss(&n, pth, 2));

	/*
	 * TCP at 1%: flow 0 stops at the Mathis bound, 14.1874, and delivers 0.99 of it,
	 * 14.0456; flow 1 takes the rest of the receiver's link, 100 - 14.1874 = 85.8126.
	 */
	two_flows(FP_SIM_TCP, 0.01, rate);
	CHECK(NEAR(rate[0], 14.0456, 1e-3) && NEAR(rate[1], 85.8126, 1e-3), "tcp %g %g", rate[0],
	      rate[1]);
	/* TCP at 0.1%: the bound, 44.8646 * 0.999 = 44.8197, is below the fair 50 */
	two_flows(FP_SIM_TCP, 0.001, rate);
	CHECK(NEAR(rate[0], 44.8197, 1e-3) && NEAR(rate[1], 55.1354, 1e-3), "tcp 0.1%% %g %g",
	      rate[0], rate[1]);
	/*
	 * RC at 1%: both keep the wire at 50 (resends fill it); flow 0's window is 50 Gb/s x
	 * 10 us = 62,500 B = 15.3 -> 16 packets: 0.99 / (1 + 15 * 0.01) = 0.860870 -> 43.0435
	 */
	two_flows(FP_SIM_RC, 0.01, rate);
	CHECK(NEAR(rate[0], 43.0435, 1e-3) && NEAR(rate[1], 50, 1e-9), "rc %g %g", rate[0],
	      rate[1]);
	/* UDP at 1%: 0.99 of the share arrives */
	two_flows(FP_SIM_UDP, 0.01, rate);
	CHECK(NEAR(rate[0], 49.5, 1e-9) && NEAR(rate[1], 50, 1e-9), "udp %g %g", rate[0], rate[1]);
	/* and no loss: every transport is the fair share */
	two_flows(FP_SIM_TCP, 0, rate);
	CHECK(NEAR(rate[0], 50, 1e-9) && NEAR(rate[1], 50, 1e-9), "no loss %g %g", rate[0],
	      rate[1]);
	return t_done("sim_loss");
}
