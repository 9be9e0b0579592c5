// SPDX-License-Identifier: MIT
/*
 * NUMA placement with libnuma (numa.h says what and why). The kernel calls go through
 * <numaif.h> directly (set_mempolicy, move_pages) so that a failure comes back as -errno
 * instead of a line libnuma prints.
 */
#include <errno.h>
#include <limits.h>
#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../core/clock.h"
#include "../../core/file.h"
#include "numa.h"

#define MAX_PAGES 1024 /* pages asked about per buffer, spread over it */

/* libnuma without kernel support (no NUMA syscalls): one node, node 0 */
static bool numa_off(void)
{
	return numa_available() < 0;
}

int fp_numa_parse(const char *spec, int *mode, char *err, size_t len)
{
	char *end;
	long n;

	if (!spec || !strcmp(spec, "auto")) {
		*mode = FP_NUMA_AUTO;
		return 0;
	}
	if (!strcmp(spec, "none")) {
		*mode = FP_NUMA_NONE;
		return 0;
	}
	n = strtol(spec, &end, 10);
	if (end == spec || *end || n < 0 || n > 1023) {
		snprintf(err, len, "--numa '%s': auto, none or a NUMA node number", spec);
		return -EINVAL;
	}
	*mode = (int)n;
	return 0;
}

int fp_numa_netdev_node(const char *root, const char *netdev)
{
	char path[PATH_MAX], v[32] = "";
	char *end;
	long n;

	/* a netdev's name has no '/' and is not "." or ".." (dev_valid_name) */
	if (!netdev[0] || strchr(netdev, '/') || !strcmp(netdev, ".") || !strcmp(netdev, ".."))
		return -1;
	snprintf(path, sizeof(path), "%s/sys/class/net/%s/device/numa_node", root, netdev);
	if (!fp_read_line(path, v, sizeof(v)) || !v[0])
		return -1;
	n = strtol(v, &end, 10);
	return end != v && *end == 0 && n >= 0 && n < 1024 ? (int)n : -1;
}

int fp_numa_nodes(void)
{
	int n = numa_off() ? 1 : numa_num_configured_nodes();

	return n > 0 ? n : 1;
}

static bool node_exists(int node, int nnodes)
{
	if (numa_off())
		return node == 0;
	return node >= 0 && node < 1024 && node <= numa_max_node() && nnodes > 0 &&
	       numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)node);
}

/* Whether node is in a sysfs node list such as "0-1,3" (Documentation/admin-guide/cputopology). */
static bool in_list(const char *path, int node)
{
	char v[4096] = "", *p = v, *end;

	if (!fp_read_line(path, v, sizeof(v)))
		return false;
	while (*p) {
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			return false;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p)
				return false;
		}
		if (node >= lo && node <= hi)
			return true;
		if (*end != ',')
			return false;
		p = end + 1;
	}
	return false;
}

bool fp_numa_node_usable(const char *root, int node)
{
	char path[PATH_MAX];

	if (node < 0)
		return false;
	snprintf(path, sizeof(path), "%s/sys/devices/system/node/has_cpu", root);
	if (!in_list(path, node))
		return false;
	snprintf(path, sizeof(path), "%s/sys/devices/system/node/has_memory", root);
	return in_list(path, node);
}

int fp_numa_plan(int mode, int nic, int pinned_node, int nnodes, struct fp_numa_plan *pl, char *err,
		 size_t len)
{
	struct fp_numa_plan p = { .target = -1, .nic = nic };

	if (mode >= 0 && !node_exists(mode, nnodes)) {
		snprintf(err, len,
			 "--numa %d: this host has no NUMA node %d with memory (%d node%s)", mode,
			 mode, nnodes, nnodes == 1 ? "" : "s");
		return -EINVAL;
	}
	if (mode >= 0)
		p.target = mode;
	else if (mode == FP_NUMA_AUTO && node_exists(nic, nnodes) && fp_numa_node_usable("", nic))
		p.target = nic;
	else if (mode == FP_NUMA_AUTO && nic >= 0) /* set_mempolicy would fail: EINVAL */
		snprintf(p.warn, sizeof(p.warn),
			 "its NIC is on NUMA node %d, which has no CPUs or no memory here: "
			 "placement left alone",
			 nic);
	if (nic >= 0 && p.target >= 0 && p.target != nic) {
		p.off_node = true;
		snprintf(p.warn, sizeof(p.warn),
			 "placed on NUMA node %d by --numa %d, but its NIC is on node %d", p.target,
			 mode, nic);
	} else if (nic >= 0 && pinned_node >= 0 && pinned_node != nic) {
		p.off_node = true;
		snprintf(p.warn, sizeof(p.warn),
			 "pinned by --pin to a CPU on NUMA node %d, but its NIC is on node %d "
			 "(every message crosses the socket link)",
			 pinned_node, nic);
	}
	*pl = p;
	return 0;
}

int fp_numa_node_of_cpu(int cpu)
{
	if (cpu < 0)
		return -1;
	return numa_off() ? 0 : numa_node_of_cpu(cpu);
}

/* The node's CPUs as a cpu_set_t; the count. */
static int node_cpus(int node, cpu_set_t *set)
{
	struct bitmask *bm = numa_allocate_cpumask();
	int n = 0;

	CPU_ZERO(set);
	if (!bm)
		return 0;
	if (!numa_node_to_cpus(node, bm))
		for (unsigned c = 0; c < bm->size && c < CPU_SETSIZE; c++)
			if (numa_bitmask_isbitset(bm, c)) {
				CPU_SET(c, set);
				n++;
			}
	numa_free_cpumask(bm);
	return n;
}

int fp_numa_apply(const struct fp_numa_plan *pl, int local_rank, bool keep_pin, char *err,
		  size_t len)
{
	unsigned long mask[1024 / (8 * sizeof(unsigned long))] = { 0 };
	const unsigned bits = 8 * sizeof(unsigned long);
	int cpu = fp_one_cpu();
	cpu_set_t set;
	int n;

	if (pl->target < 0 || numa_off())
		return 0;
	n = node_cpus(pl->target, &set);
	if (n && !keep_pin && fp_numa_node_of_cpu(cpu) != pl->target) {
		if (cpu >= 0) { /* auto pinning chose a CPU: the local rank's one of this node */
			int k = (local_rank > 0 ? local_rank : 0) % n, c = 0;

			for (; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &set) && k-- == 0)
					break;
			CPU_ZERO(&set);
			CPU_SET(c, &set);
		}
		if (sched_setaffinity(0, sizeof(set), &set)) {
			snprintf(err, len, "--numa: cannot run on the CPUs of node %d: %s",
				 pl->target, strerror(errno));
			return -errno;
		}
	}
	mask[pl->target / bits] |= 1ul << (pl->target % bits);
	if (set_mempolicy(MPOL_PREFERRED, mask, 1024)) {
		snprintf(err, len, "--numa: cannot prefer the memory of node %d: %s", pl->target,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* Up to MAX_PAGES page addresses spread over [p, p + len); how many. */
static unsigned pages_of(const void *p, size_t len, void **pages)
{
	uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE), a = (uintptr_t)p & ~(ps - 1);
	uintptr_t end = (uintptr_t)p + len;
	size_t total = len ? (end - a + ps - 1) / ps : 0, step = total / MAX_PAGES + 1;
	unsigned n = 0;

	for (size_t i = 0; i < total && n < MAX_PAGES; i += step)
		pages[n++] = (void *)(a + i * ps);
	return n;
}

void fp_numa_move(void *p, size_t len, int node)
{
	void **pages = calloc(MAX_PAGES, sizeof(*pages));
	int *nodes = calloc(MAX_PAGES, sizeof(*nodes)), *st = calloc(MAX_PAGES, sizeof(*st));
	unsigned n =
		pages && nodes && st && p && node >= 0 && !numa_off() ? pages_of(p, len, pages) : 0;

	for (unsigned i = 0; i < n; i++)
		nodes[i] = node;
	if (n) /* pages that are pinned or shared stay where they are: numa_buf says so */
		(void)move_pages(0, n, pages, nodes, st, MPOL_MF_MOVE);
	free(pages);
	free(nodes);
	free(st);
}

void *fp_numa_alloc(size_t len)
{
	void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	return p == MAP_FAILED ? NULL : p;
}

void fp_numa_free(void *p, size_t len)
{
	if (p)
		munmap(p, len ? len : 1);
}

int fp_numa_mem_node(const void *p, size_t len)
{
	void **pages = calloc(MAX_PAGES, sizeof(*pages));
	int *st = calloc(MAX_PAGES, sizeof(*st)), node = -1;
	unsigned n = pages && st && p ? pages_of(p, len, pages) : 0;

	if (n && numa_off())
		node = 0;
	else if (n && !move_pages(0, n, pages, NULL, st, 0)) /* nodes NULL: only ask */
		for (unsigned i = 0; i < n; i++) {
			if (st[i] < 0 || (i && st[i] != node)) {
				node = -1; /* not present, or pages on several nodes */
				break;
			}
			node = st[i];
		}
	free(pages);
	free(st);
	return node;
}

int fp_numa_cpu_node(void)
{
	cpu_set_t set;
	int node = -2;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE && node != -1; c++) {
		int nc;

		if (!CPU_ISSET(c, &set))
			continue;
		nc = fp_numa_node_of_cpu(c);
		node = node == -2 || node == nc ? nc : -1;
	}
	return node < 0 ? -1 : node;
}
