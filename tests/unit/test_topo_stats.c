// SPDX-License-Identifier: MIT
/*
 * topo stats by role (issue 16): servers, endpoints, rails, leaves, spines and cores on
 * generated fabrics whose counts follow from their parameters.
 */
#include <stdio.h>

#include "../../fabric/model/topo.h"
#include "t.h"

static void test_rail(void)
{
	/* 3 groups of 2 servers with 4 NICs each: 6 servers, 24 endpoints, 12 rail leaves */
	struct fp_gen_opts o = { .groups = 3,
				 .hosts_per_leaf = 2,
				 .rails = 4,
				 .spines = 2,
				 .uplinks = 1,
				 .host_gbps = 400,
				 .fabric_gbps = 400,
				 .lanes = 4 };
	struct fp_topo_stats s;
	struct fp_topo t;
	char err[256] = "";

	fp_topo_init(&t);
	CHECK(!fp_gen_rail(&t, &o, err, sizeof(err)) && !fp_topo_stats(&t, &s), "rail: %s", err);
	CHECK(s.servers == 6 && s.endpoints == 24 && s.rails == 4 && s.leaves == 12 &&
		      s.spines == 2 && s.cores == 0,
	      "rail: %u servers, %u endpoints, %u rails, %u leaves, %u spines, %u cores", s.servers,
	      s.endpoints, s.rails, s.leaves, s.spines, s.cores);
	fp_topo_destroy(&t);
}

static void test_fat_tree(void)
{
	/* k=4: 16 hosts (each its own server, no rails), 8 edge, 8 aggregation, 4 core */
	struct fp_gen_opts o = { .k = 4, .host_gbps = 100, .fabric_gbps = 100, .lanes = 4 };
	struct fp_topo_stats s;
	struct fp_topo t;
	char err[256] = "";

	fp_topo_init(&t);
	CHECK(!fp_gen_fat_tree(&t, &o, err, sizeof(err)) && !fp_topo_stats(&t, &s), "fat-tree: %s",
	      err);
	CHECK(s.servers == 16 && s.endpoints == 16 && s.rails == 0 && s.leaves == 8 &&
		      s.spines == 8 && s.cores == 4,
	      "fat-tree: %u servers, %u endpoints, %u rails, %u leaves, %u spines, %u cores",
	      s.servers, s.endpoints, s.rails, s.leaves, s.spines, s.cores);
	fp_topo_destroy(&t);
}

int main(void)
{
	test_rail();
	test_fat_tree();
	return t_done("topo_stats");
}
