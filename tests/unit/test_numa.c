// SPDX-License-Identifier: MIT
/*
 * NUMA placement: --numa parsing, the NIC's node from a fake sysfs, the decision and its
 * off-node warnings (nodes this machine does not have), and on the live system: buffers
 * allocated after the policy is set, asked of the kernel with move_pages; the ranks[]
 * lines parsed back.
 */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../benches/results.h"
#include "../../fabric/runtime/numa.h"
#include "t.h"

static void put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	CHECK(f != NULL, "%s", path);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_parse(void)
{
	char err[128] = "";
	int m = 99;

	CHECK(!fp_numa_parse("auto", &m, err, sizeof(err)) && m == FP_NUMA_AUTO, "auto");
	CHECK(!fp_numa_parse(NULL, &m, err, sizeof(err)) && m == FP_NUMA_AUTO, "default");
	CHECK(!fp_numa_parse("none", &m, err, sizeof(err)) && m == FP_NUMA_NONE, "none");
	CHECK(!fp_numa_parse("1", &m, err, sizeof(err)) && m == 1, "1");
	for (const char *bad[] = { "", "-1", "1x", "auto1", "2000", NULL }, **b = bad; *b; b++) {
		err[0] = 0;
		CHECK(fp_numa_parse(*b, &m, err, sizeof(err)) == -EINVAL && strstr(err, "--numa"),
		      "'%s' refused: %s", *b, err);
	}
}

static void test_sysfs(void)
{
	char root[] = "/tmp/fp-numa-XXXXXX", path[512], cmd[64];
	static const char *const dirs[] = { "sys",
					    "sys/class",
					    "sys/class/net",
					    "sys/class/net/ens1",
					    "sys/class/net/ens2",
					    "sys/class/net/ens3",
					    "sys/class/net/veth0",
					    "sys/devices",
					    "sys/devices/0000:3b:00.0",
					    "sys/devices/0000:af:00.0",
					    "sys/devices/0000:d8:00.0",
					    "sys/devices/system",
					    "sys/devices/system/node" };

	CHECK(mkdtemp(root) != NULL, "mkdtemp");
	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s/sys/class/net/ens1/device", root);
	CHECK(!symlink("../../../devices/0000:3b:00.0", path), "symlink");
	snprintf(path, sizeof(path), "%s/sys/class/net/ens2/device", root);
	CHECK(!symlink("../../../devices/0000:af:00.0", path), "symlink");
	snprintf(path, sizeof(path), "%s/sys/class/net/ens3/device", root);
	CHECK(!symlink("../../../devices/0000:d8:00.0", path), "symlink");
	put(root, "sys/devices/0000:3b:00.0/numa_node", "1\n");
	put(root, "sys/devices/0000:af:00.0/numa_node", "-1\n"); /* a BIOS that does not say */
	put(root, "sys/devices/0000:d8:00.0/numa_node", "x\n");
	CHECK(fp_numa_netdev_node(root, "ens1") == 1, "ens1 on node 1");
	CHECK(fp_numa_netdev_node(root, "ens2") == -1, "-1 is unknown");
	CHECK(fp_numa_netdev_node(root, "ens3") == -1, "garbage is unknown");
	CHECK(fp_numa_netdev_node(root, "veth0") == -1, "a virtual netdev has no node");
	CHECK(fp_numa_netdev_node(root, "../../devices") == -1, "no walking out of sysfs");
	CHECK(fp_numa_netdev_node(root, "..") == -1 && fp_numa_netdev_node(root, "") == -1, "..");
	/* --numa auto targets a node only with CPUs and memory: node 1 has no memory (an
	 * accelerator's), node 2 no CPUs (CXL memory), 4 is not there at all */
	CHECK(!fp_numa_node_usable(root, 0), "no node lists: no node is usable");
	put(root, "sys/devices/system/node/has_cpu", "0-1,3\n");
	put(root, "sys/devices/system/node/has_memory", "0,2-3\n");
	CHECK(fp_numa_node_usable(root, 0) && fp_numa_node_usable(root, 3), "nodes 0 and 3");
	CHECK(!fp_numa_node_usable(root, 1) && !fp_numa_node_usable(root, 2) &&
		      !fp_numa_node_usable(root, 4) && !fp_numa_node_usable(root, -1),
	      "memoryless, CPU-less and missing nodes");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK(system(cmd) == 0, "cleanup");
}

static void test_plan(void)
{
	struct fp_numa_plan pl;
	char err[160] = "";
	int nodes = fp_numa_nodes();

	CHECK(nodes >= 1, "%d nodes", nodes);
	/* auto follows the NIC; a NIC with no node leaves placement alone */
	CHECK(!fp_numa_plan(FP_NUMA_AUTO, 0, -1, nodes, &pl, err, sizeof(err)) && pl.target == 0 &&
		      !pl.off_node && !pl.warn[0],
	      "auto, NIC on 0: %d %s", pl.target, pl.warn);
	CHECK(!fp_numa_plan(FP_NUMA_AUTO, -1, -1, nodes, &pl, err, sizeof(err)) &&
		      pl.target == -1 && !pl.off_node,
	      "auto, unknown NIC");
	CHECK(!fp_numa_plan(FP_NUMA_NONE, 0, -1, nodes, &pl, err, sizeof(err)) && pl.target == -1,
	      "none");
	/* a NIC on node 1 of a fake sysfs, this rank told to node 0: placed, warned, recorded */
	CHECK(!fp_numa_plan(0, 1, -1, nodes, &pl, err, sizeof(err)) && pl.target == 0 &&
		      pl.nic == 1 && pl.off_node &&
		      !strcmp(pl.warn,
			      "placed on NUMA node 0 by --numa 0, but its NIC is on node 1"),
	      "explicit off-node: %s", pl.warn);
	/* --pin put the rank on node 0, its NIC is on node 1 */
	CHECK(!fp_numa_plan(FP_NUMA_AUTO, 1, 0, nodes, &pl, err, sizeof(err)) &&
		      pl.target == (fp_numa_node_usable("", 1) && nodes > 1 ? 1 : -1) &&
		      pl.off_node && strstr(pl.warn, "pinned by --pin"),
	      "auto with a CPU pinned off the NIC's node: %s", pl.warn);
	/* auto with a NIC on a node this host cannot place on (no CPUs, no memory, not there):
	 * set_mempolicy would refuse it, so placement is left alone with one warning */
	CHECK(!fp_numa_plan(FP_NUMA_AUTO, nodes + 7, -1, nodes, &pl, err, sizeof(err)) &&
		      pl.target == -1 && pl.nic == nodes + 7 && !pl.off_node &&
		      strstr(pl.warn, "placement left alone"),
	      "auto, NIC on an unusable node: %d %s", pl.target, pl.warn);
	CHECK(!fp_numa_plan(FP_NUMA_NONE, 1, 0, nodes, &pl, err, sizeof(err)) && pl.off_node &&
		      strstr(pl.warn,
			     "pinned by --pin to a CPU on NUMA node 0, but its NIC is on node 1"),
	      "pinned off-node: %s", pl.warn);
	CHECK(!fp_numa_plan(FP_NUMA_NONE, 0, 0, nodes, &pl, err, sizeof(err)) && !pl.off_node,
	      "pinned on-node");
	/* a node this host does not have */
	CHECK(fp_numa_plan(nodes + 7, 0, -1, nodes, &pl, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "no NUMA node"),
	      "missing node: %s", err);
}

static void test_live(void)
{
	size_t len = 8 * (size_t)sysconf(_SC_PAGESIZE);
	struct fp_numa_plan pl = { .target = 0, .nic = 0 };
	char err[160] = "";
	unsigned char *p;
	int cpu_node;

	CHECK(!fp_numa_apply(&pl, 0, true, err, sizeof(err)), "apply: %s", err);
	p = fp_numa_alloc(len);
	CHECK(p != NULL, "alloc");
	if (!p)
		return;
	CHECK(fp_numa_mem_node(p, len) == -1, "untouched pages are on no node yet");
	memset(p, 0xa5, len);
	CHECK(fp_numa_mem_node(p, len) == 0, "touched pages on node 0: %d",
	      fp_numa_mem_node(p, len));
	fp_numa_move(p, len, 0);
	CHECK(fp_numa_mem_node(p + 5, len - 5) == 0, "moved, unaligned range");
	CHECK(fp_numa_mem_node(NULL, len) == -1, "NULL");
	fp_numa_free(p, len);
	fp_numa_free(NULL, 0);
	cpu_node = fp_numa_cpu_node();
	CHECK(cpu_node == (fp_numa_nodes() == 1 ? 0 : cpu_node), "CPU node %d", cpu_node);
	CHECK(fp_numa_node_of_cpu(-1) == -1, "no CPU");
}

static void test_context(void)
{
	static const char lines[] = "cpu=1\nnuma_nic=1\nnuma_cpu=0\nnuma_buf=-1\nnuma_off_node=1\n"
				    "numa_bogus=4\nnuma_cpu_x=3\n";
	struct fp_rank_ctx c;
	char *ep = NULL;

	memset(&c, 0, sizeof(c));
	CHECK(!fp_run_context_parse(&c, &ep, (const uint8_t *)lines, sizeof(lines) - 1), "parse");
	CHECK(c.numa_nic == 1 && c.numa_cpu == 0 && c.numa_buf == -1 && c.numa_off && c.cpu == 1,
	      "ranks[] numa keys: %d %d %d %d", c.numa_nic, c.numa_cpu, c.numa_buf, c.numa_off);
	free(ep);
	memset(&c, 0, sizeof(c));
	CHECK(!fp_run_context_parse(&c, &ep, (const uint8_t *)"numa_nic=x\n", 11), "parse");
	CHECK(c.numa_nic == -1 && c.numa_cpu == -1 && c.numa_buf == -1 && !c.numa_off,
	      "absent or bad: unknown");
	free(ep);
}

int main(void)
{
	test_parse();
	test_sysfs();
	test_plan();
	test_live();
	test_context();
	return t_done("numa");
}
