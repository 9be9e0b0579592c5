/* SPDX-License-Identifier: MIT */
/*
 * NUMA placement (libnuma): each rank's CPU and its data buffers on the NUMA node of its
 * NIC, as `--numa auto|none|N` asks. The runner decides and sets the rank's CPU set and
 * memory policy once, before the engines allocate their data buffers; engines allocate
 * those with fp_numa_alloc() (fresh pages, so the policy applies to them) and report with
 * fp_numa_mem_node() where they really are.
 *
 * run.json's ranks[] carries, per rank (results/README.md): numa_nic (the NIC's node, from
 * sysfs), numa_cpu (the node of every CPU the rank may run on), numa_buf (the node of its
 * data buffers, asked of the kernel page by page with move_pages), numa_off_node (the rank
 * or its buffers are not on the NIC's node). Engines that own their buffers (verbs MRs,
 * DPDK mempools) send "numa_buf=N" in their identity lines; the runner's own buffers are
 * the answer otherwise. -1 everywhere means unknown (a virtual NIC has no node) or mixed.
 */
#ifndef FP_NUMA_H
#define FP_NUMA_H

#include <stdbool.h>
#include <stddef.h>

#define FP_NUMA_AUTO (-1) /* the NIC's node when it has CPUs and memory, else leave it alone */
#define FP_NUMA_NONE (-2) /* leave placement alone */

/* What placement decided for one rank, and why not where it should be. */
struct fp_numa_plan {
	int target;	/* the node to run and allocate on; -1: none */
	int nic;	/* the NIC's node; -1 unknown */
	bool off_node;	/* target (or a CPU pinned by --pin) is not the NIC's node */
	char warn[200]; /* one line when off_node, else "" */
};

/* "auto", "none" or a node number; 0, or -EINVAL with the reason in err. */
int fp_numa_parse(const char *spec, int *mode, char *err, size_t len);
/* The NUMA node of a netdev's device under root ("" for the live system): -1 unknown. */
int fp_numa_netdev_node(const char *root, const char *netdev);
/* Whether node has CPUs and memory per sysfs under root ("" for the live system). */
bool fp_numa_node_usable(const char *root, int node);
/* Nodes with memory here (1 on a machine without NUMA). */
int fp_numa_nodes(void);
/*
 * Decide: mode from --numa, the NIC's node, the node of a CPU the user pinned the rank to
 * (-1: not pinned by the user), and how many nodes there are. -EINVAL for a node that does
 * not exist, with the reason in err.
 */
int fp_numa_plan(int mode, int nic, int pinned_node, int nnodes, struct fp_numa_plan *pl, char *err,
		 size_t len);
/*
 * Apply: run on the target node's CPUs (or, when the rank is pinned to one CPU off it by
 * auto pinning, on the local rank's CPU of that node) and prefer its memory for what is
 * allocated from now on. Nothing for a plan without a target.
 */
int fp_numa_apply(const struct fp_numa_plan *pl, int local_rank, bool keep_pin, char *err,
		  size_t len);
/* Move the pages of [p, p + len) to node (best effort: pages that cannot move stay). */
void fp_numa_move(void *p, size_t len, int node);
/* Data buffers: fresh zeroed pages, placed by the memory policy; NULL on failure. */
void *fp_numa_alloc(size_t len);
void fp_numa_free(void *p, size_t len);
/* The node all pages of [p, p + len) are on (they are touched first); -1 mixed or unknown. */
int fp_numa_mem_node(const void *p, size_t len);
/* The node of every CPU this process may run on; -1 when they span nodes or it is unknown. */
int fp_numa_cpu_node(void);
/* The node of one CPU; -1 unknown. */
int fp_numa_node_of_cpu(int cpu);

#endif
