// SPDX-License-Identifier: MIT
/*
 * One snapshot of a port's counters for a soak's time series: cheap enough to take every
 * few seconds (sysfs files and one FEC query, no PCIe walk, no module EEPROM).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fec.h"
#include "inv_priv.h"

static void add(struct fp_snap *s, const char *prefix, const char *name, uint64_t v)
{
	if (s->n >= FP_SNAP_MAX)
		return;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s%.40s", prefix, name);
	s->value[s->n++] = v;
}

/* Every file of dir that holds one unsigned number, sorted by name so series line up. */
static void numbers(struct fp_snap *s, const char *dir, const char *prefix)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char buf[64], *end;
		unsigned long long v;

		if (ents[i]->d_name[0] != '.' && strlen(ents[i]->d_name) < 40 &&
		    fp_inv_attr(dir, ents[i]->d_name, buf, sizeof(buf)) && buf[0] >= '0' &&
		    buf[0] <= '9') {
			v = strtoull(buf, &end, 10);
			if (!*end)
				add(s, prefix, ents[i]->d_name, v);
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
}

/*
 * A software RDMA device (rxe, siw) has no PCI function: the port whose first GID's netdev
 * (ports/N/gid_attrs/ndevs/0) is ifname.
 */
static void soft_rdma(struct fp_snap *s, const char *root, const char *ifname)
{
	char dir[PATH_MAX], p[PATH_MAX + 300], nd[64];
	struct dirent **ents;
	int n;

	snprintf(dir, sizeof(dir), "%s/sys/class/infiniband", root);
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		for (int port = 1; port <= 2 && ents[i]->d_name[0] != '.'; port++) {
			snprintf(p, sizeof(p), "%s/%.64s/ports/%d/gid_attrs/ndevs", dir,
				 ents[i]->d_name, port);
			if (!fp_inv_attr(p, "0", nd, sizeof(nd)) || strcmp(nd, ifname))
				continue;
			snprintf(p, sizeof(p), "%s/%.64s/ports/%d/hw_counters", dir,
				 ents[i]->d_name, port);
			numbers(s, p, "rdma_");
		}
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
}

/*
 * The RDMA device on the netdev's PCI function: device/infiniband/DEV/ports/N/hw_counters of
 * the one port whose first GID's netdev is ifname, else port dev_port + 1 (IPoIB, no GID
 * netdev). A dual-port device has two ports with the same counter names: one is ours.
 */
static void rdma_counters(struct fp_snap *s, const char *nd, const char *ifname)
{
	char dir[PATH_MAX], ports[PATH_MAX + 300], p[PATH_MAX + 600], b[64];
	struct dirent *e, *pe;
	DIR *d, *pd;
	long port = 1;

	if (fp_inv_attr(nd, "dev_port", b, sizeof(b)))
		port = strtol(b, NULL, 10) + 1;
	snprintf(dir, sizeof(dir), "%s/device/infiniband", nd);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) > 64)
			continue;
		snprintf(ports, sizeof(ports), "%s/%s/ports", dir, e->d_name);
		pd = opendir(ports);
		while (pd && (pe = readdir(pd))) {
			if (pe->d_name[0] == '.' || strlen(pe->d_name) > 8)
				continue;
			snprintf(p, sizeof(p), "%s/%s/gid_attrs/ndevs", ports, pe->d_name);
			if (fp_inv_attr(p, "0", b, sizeof(b)) && !strcmp(b, ifname)) {
				port = strtol(pe->d_name, NULL, 10);
				break;
			}
		}
		if (pd)
			closedir(pd);
		snprintf(p, sizeof(p), "%s/%ld/hw_counters", ports, port);
		numbers(s, p, "rdma_");
		break; /* one RDMA device per netdev */
	}
	if (d)
		closedir(d);
}

int fp_snap_read(const char *root, const char *ifname, struct fp_snap *s)
{
	char nd[PATH_MAX], b[PATH_MAX + 32];
	struct fp_fec fec;
	unsigned n;

	memset(s, 0, sizeof(*s));
	if (strchr(ifname, '/') || !ifname[0] || strlen(ifname) > 32)
		return -EINVAL;
	snprintf(nd, sizeof(nd), "%s/sys/class/net/%s", root, ifname);
	snprintf(b, sizeof(b), "%s/statistics", nd);
	numbers(s, b, "");
	if (!s->n && !fp_inv_attr(nd, "carrier_changes", b, sizeof(b)))
		return -ENOENT;
	if (fp_inv_attr(nd, "carrier_changes", b, sizeof(b)))
		add(s, "", "carrier_changes", strtoull(b, NULL, 10));
	n = s->n;
	rdma_counters(s, nd, ifname);
	if (s->n == n)
		soft_rdma(s, root, ifname);
	/* both or neither: a flag without both counters would read as 0 corrected, 0 lost */
	if (s->n + 2 <= FP_SNAP_MAX && !fp_fec_read(root, ifname, &fec) && fec.stats) {
		add(s, "", "fec_corrected", fec.corrected);
		add(s, "", "fec_uncorrectable", fec.uncorrectable);
		s->fec = true;
	}
	return 0;
}

bool fp_snap_get(const struct fp_snap *s, const char *name, uint64_t *v)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name)) {
			*v = s->value[i];
			return true;
		}
	return false;
}
